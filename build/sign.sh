# shellcheck shell=bash
# build/sign.sh - module signatures: the cache's key pair, signing with the kernel's
# sign-file, and offline verification with openssl.
#
#   sign_keys_ensure CACHEDIR   make CACHEDIR/keys/{signing_key.pem,signing_cert.pem} exist
#                               (RSA-4096 + self-signed X.509, generated once, atomically, under
#                               CACHEDIR/.lock); prints "KEY CERT"
#   sign_tool KDIR              print the path of sign-file for the headers in KDIR
#   sign_module KO KEY CERT KDIR
#                               append a sha256 PKCS#7 signature to KO (in place)
#   sign_split KO SIG CONTENT   write KO's PKCS#7 signature (DER) to SIG and the signed
#                               bytes to CONTENT; fails when KO carries no signature
#   sign_verify KO CERT         verify KO's signature offline against CERT (exit 0 = valid)
#
# Signatures are deterministic: sign-file signs without signed attributes (no time) and RSA
# PKCS#1 v1.5 is deterministic, so the same module and key give the same bytes.
# Needs build/common.sh (hp_die, hp_lock, hp_tmpdir, hp_atomic_mv, hp_mark_done ...).

SIGN_MAGIC='~Module signature appended~'

# The kernel's certs/default_x509.genkey, with our own subject.
sign_genkey_config() {
	cat <<'EOF'
[ req ]
default_bits = 4096
distinguished_name = req_distinguished_name
prompt = no
string_mask = utf8only
x509_extensions = myexts

[ req_distinguished_name ]
O = hotpatch
CN = hotpatch livepatch signing key (generated per cache)

[ myexts ]
basicConstraints=critical,CA:FALSE
keyUsage=digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
}

sign_keys_ensure() {
	local cache=$1 keys=$1/keys
	if ! [[ -s $keys/signing_key.pem && -s $keys/signing_cert.pem ]] ||
		! hp_is_done "$cache" keys; then
		# A subshell so that the lock is released when done (hp_lock is a no-op when the
		# caller already holds this cache's lock).
		(
			local tmp
			hp_lock "$cache"
			if ! [[ -s $keys/signing_key.pem && -s $keys/signing_cert.pem ]] ||
				! hp_is_done "$cache" keys; then
				hp_log "generating the module signing key of $cache (once per cache)"
				tmp=$(hp_tmpdir "$cache" keys)
				chmod 700 "$tmp"
				sign_genkey_config >"$tmp/x509.genkey"
				(umask 077 && openssl req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 \
					-config "$tmp/x509.genkey" -outform PEM \
					-out "$tmp/signing_cert.pem" -keyout "$tmp/signing_key.pem" \
					>"$tmp/openssl.log" 2>&1) ||
					hp_die "openssl could not generate a signing key: $(tail -n 3 "$tmp/openssl.log")"
				rm -f "$tmp/openssl.log"
				hp_atomic_mv "$tmp" "$keys"
				hp_mark_done "$cache" keys
			fi
		) || exit 1
	fi
	printf '%s %s\n' "$keys/signing_key.pem" "$keys/signing_cert.pem"
}

sign_tool() {
	local kdir=$1 t
	for t in "$kdir/scripts/sign-file" /usr/lib/linux-kbuild-6.1/scripts/sign-file; do
		if [[ -x $t ]]; then
			printf '%s\n' "$t"
			return 0
		fi
	done
	hp_die "no sign-file in $kdir/scripts (from linux-kbuild-6.1): rerun hotpatch-build --setup"
}

sign_module() {
	local ko=$1 key=$2 cert=$3 kdir=$4 tool out
	[[ -r $key ]] || hp_die "signing key $key is not readable"
	[[ -r $cert ]] || hp_die "signing certificate $cert is not readable"
	if sign_has_signature "$ko"; then
		hp_die "$ko is already signed"
	fi
	tool=$(sign_tool "$kdir")
	out=$(hp_target_exec "$tool" sha256 "$key" "$cert" "$ko" 2>&1) ||
		hp_die "sign-file failed on $ko: $out"
	sign_has_signature "$ko" || hp_die "sign-file left $ko unsigned"
}

sign_has_signature() {
	# the magic from a here-string (it adds the newline), not a second process
	[[ -f $1 ]] && cmp -s <(tail -c 28 "$1") - <<<"$SIGN_MAGIC"
}

# struct module_signature (12 bytes) precedes the magic; its last 4 bytes are the
# big-endian length of the PKCS#7 blob before it.
sign_split() {
	local ko=$1 sig=$2 content=$3 size siglen
	sign_has_signature "$ko" || {
		echo "sign: $ko has no appended signature" >&2
		return 1
	}
	size=$(stat -c %s "$ko")
	siglen=$(tail -c 32 "$ko" | head -c 4 | od -An -tu1 | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	if ((siglen <= 0 || siglen > size - 40)); then
		echo "sign: $ko: bad signature length $siglen" >&2
		return 1
	fi
	head -c $((size - 40 - siglen)) "$ko" >"$content"
	tail -c $((siglen + 40)) "$ko" | head -c "$siglen" >"$sig"
}

sign_verify() {
	local ko=$1 cert=$2 d rc=0
	d=$(mktemp -d "${TMPDIR:-/tmp}/hotpatch-verify.XXXXXX")
	if sign_split "$ko" "$d/sig" "$d/content"; then
		# -nointern: the signer must be CERT (sign-file embeds no certificate);
		# -noverify: CERT is self-signed, so there is no chain to check.
		openssl cms -verify -binary -inform DER -in "$d/sig" -content "$d/content" \
			-certfile "$cert" -nointern -noverify -out /dev/null 2>"$d/err" || {
			rc=1
			echo "sign: $ko: signature does not verify against $cert: $(head -n 2 "$d/err")" >&2
		}
		if ((rc == 0)) && ! openssl cms -cmsout -print -inform DER -in "$d/sig" 2>/dev/null |
			grep -q 'algorithm: sha256'; then
			echo "sign: $ko: signature is not sha256" >&2
			rc=1
		fi
	else
		rc=1
	fi
	rm -rf "$d"
	return "$rc"
}
