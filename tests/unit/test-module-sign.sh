#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build/sign.sh without the kernel: the per-cache key pair is generated once even when several
# builds ask at the same time; sign_split/sign_verify read the kernel's signature trailer
# (PKCS#7 + struct module_signature + "~Module signature appended~\n"), made here with openssl
# the way sign-file makes it (sha256, no signed attributes, no certificate); a signature is
# deterministic; a changed byte fails verification.  (tests/kernel/test-kernel-module.sh signs
# real modules with sign-file; tests/unit/test-lint.sh lints the module stage's shell.)
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/sign.sh
. "$T_TOP/build/sign.sh"

t_plan 11
work=$(t_tmpdir)
cache=$work/cache/6.1.0-test
mkdir -p "$cache"

# --- Key pair: once, under the lock, whoever asks first. ---
for i in 1 2 3 4; do
	(sign_keys_ensure "$cache" >"$work/keys.$i" 2>"$work/keys.$i.err") &
done
wait
same=1
for i in 2 3 4; do
	cmp -s "$work/keys.1" "$work/keys.$i" || same=0
done
gens=$(cat "$work"/keys.*.err | grep -c 'generating the module signing key' || true)
if ((same)) && [[ $gens == 1 ]] && [[ $(cat "$work/keys.1") == "$cache/keys/signing_key.pem $cache/keys/signing_cert.pem" ]]; then
	t_pass "4 concurrent sign_keys_ensure: one key generated, the same paths for all"
else
	t_fail "4 concurrent sign_keys_ensure: one key generated, the same paths for all" \
		"saw $gens generations, outputs: $(cat "$work"/keys.? | tr '\n' '|')"
fi
read -r key cert <"$work/keys.1"
if [[ -f $cache/.done/keys && $(stat -c %a "$key") == 600 ]] && ! compgen -G "$cache/.tmp.*" >/dev/null; then
	t_pass "the key is private (0600), stamped done, no temporary left"
else
	t_fail "the key is private (0600), stamped done, no temporary left" \
		"saw mode $(stat -c %a "$key"), $(find "$cache" -maxdepth 1 -printf '%f ')"
fi
text=$(openssl x509 -in "$cert" -noout -text)
if grep -q 'Public-Key: (4096 bit)' <<<"$text" && grep -q 'CA:FALSE' <<<"$text" &&
	grep -q 'Digital Signature' <<<"$text" && grep -q 'sha256WithRSAEncryption' <<<"$text"; then
	t_pass "certificate: RSA-4096, sha256, CA:FALSE, digitalSignature (the kernel's genkey profile)"
else
	t_fail "certificate: RSA-4096, sha256, CA:FALSE, digitalSignature (the kernel's genkey profile)" \
		"saw: $(grep -E 'Public-Key|CA:|Signature Algorithm' <<<"$text" | head -n 3 | tr '\n' ' ')"
fi
sum=$(sha256sum "$cert")
sign_keys_ensure "$cache" >/dev/null 2>"$work/again.err"
if [[ $(sha256sum "$cert") == "$sum" && ! -s $work/again.err ]]; then
	t_pass "a second sign_keys_ensure reuses the key silently"
else
	t_fail "a second sign_keys_ensure reuses the key silently" "the certificate changed or: $(cat "$work/again.err")"
fi

# --- The signature trailer, as sign-file writes it. ---
# fake_sign IN OUT: OUT = IN + PKCS#7 + module_signature{0,0,PKEY_ID_PKCS7=2,0,0,pad,be32 len} + magic
fake_sign() {
	local in=$1 out=$2 len
	openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER -signer "$cert" \
		-inkey "$key" -in "$in" -out "$out.p7s"
	len=$(stat -c %s "$out.p7s")
	{
		cat "$in" "$out.p7s"
		printf '\0\0\2\0\0\0\0\0'
		printf '%b' "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((len >> 24 & 255)) \
			$((len >> 16 & 255)) $((len >> 8 & 255)) $((len & 255)))"
		printf '%s\n' "$SIGN_MAGIC"
	} >"$out"
}
head -c 100000 /dev/urandom >"$work/mod.ko"
fake_sign "$work/mod.ko" "$work/signed1.ko"
fake_sign "$work/mod.ko" "$work/signed2.ko"
if cmp -s "$work/signed1.ko" "$work/signed2.ko"; then
	t_pass "sha256 RSA PKCS#1 v1.5 signatures without attributes are deterministic"
else
	t_fail "sha256 RSA PKCS#1 v1.5 signatures without attributes are deterministic" "two signatures differ"
fi
rc=0
sign_has_signature "$work/mod.ko" || rc=$?
if sign_has_signature "$work/signed1.ko" && ((rc == 1)); then
	t_pass "sign_has_signature tells signed from unsigned"
else
	t_fail "sign_has_signature tells signed from unsigned" "wrong answer"
fi
sign_split "$work/signed1.ko" "$work/sig" "$work/content"
if cmp -s "$work/content" "$work/mod.ko" && cmp -s "$work/sig" "$work/signed1.ko.p7s"; then
	t_pass "sign_split recovers the module and its PKCS#7 signature"
else
	t_fail "sign_split recovers the module and its PKCS#7 signature" "content or signature differ"
fi
if sign_verify "$work/signed1.ko" "$cert" 2>"$work/verify.err"; then
	t_pass "sign_verify accepts the signature against the certificate"
else
	t_fail "sign_verify accepts the signature against the certificate" "saw: $(cat "$work/verify.err")"
fi
cp "$work/signed1.ko" "$work/tampered.ko"
printf '\x5a' | dd of="$work/tampered.ko" bs=1 seek=777 conv=notrunc status=none
if cmp -s "$work/tampered.ko" "$work/signed1.ko"; then
	printf '\xa5' | dd of="$work/tampered.ko" bs=1 seek=777 conv=notrunc status=none
fi
# verify_refuses NAME KO CERT MESSAGE: sign_verify fails with MESSAGE (a fixed string), not
# for another reason such as a tool that could not run
verify_refuses() {
	local rc=0
	sign_verify "$2" "$3" 2>"$work/refuse.err" || rc=$?
	if ((rc == 1)) && grep -qF -- "$4" "$work/refuse.err"; then
		t_pass "$1"
	else
		t_fail "$1" "expected exit 1 and '$4', saw exit $rc: $(head -c 300 "$work/refuse.err")"
	fi
}
verify_refuses "sign_verify rejects a module with one byte changed" "$work/tampered.ko" "$cert" \
	"$work/tampered.ko: signature does not verify against $cert"
mkdir -p "$work/other/x"
(sign_keys_ensure "$work/other/x" >/dev/null 2>&1)
verify_refuses "sign_verify rejects the signature against another certificate" "$work/signed1.ko" \
	"$work/other/x/keys/signing_cert.pem" \
	"$work/signed1.ko: signature does not verify against $work/other/x/keys/signing_cert.pem"
verify_refuses "sign_verify rejects an unsigned module" "$work/mod.ko" "$cert" \
	"$work/mod.ko has no appended signature"

t_done
