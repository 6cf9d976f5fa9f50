#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Secure Boot in qemu with OVMF (Debian's ovmf): the target's own, Debian-signed vmlinuz boots
# with Secure Boot on and module.sig_enforce=1, and loads the livepatch module signed by a key the
# machine trusts while refusing the same module signed by another key.
#
# The machine trusts a key the way a firmware-enrolled key is trusted: boot 1 (firmware in setup
# mode, Secure Boot off) writes PK, KEK and db through efivarfs, db holding Debian's kernel
# signing certificate (taken from the vmlinuz's own signature) and our certificate; boot 2 has
# Secure Boot on: the unmodified vmlinuz boots, the kernel locks down and takes db into its
# platform keyring, which Debian's kernel consults for module signatures. What this does not
# run is shim and MokManager (mokutil --import needs a person at the console to confirm the
# enrollment): a MOK key lands in the same kind of keyring (README, "Secure Boot").
# Needs the kernel cache, qemu, ovmf, efitools; two OVMF boots under TCG (~2 min).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/sign.sh
. "$T_TOP/build/sign.sh"
t_plan 7
t_setup_kernel
tmp=$(t_tmpdir)
code=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
vars=/usr/share/OVMF/OVMF_VARS_4M.fd
for f in "$code" "$vars" /usr/bin/sign-efi-sig-list /bin/busybox "$HP_MODDIR/kernel/fs/efivarfs/efivarfs.ko"; do
	if [[ ! -e $f ]]; then
		t_bail "prerequisites: expected $f (make deps installs ovmf, efitools, busybox-static), saw none"
	fi
done

# --- keys: the platform owner's (PK = KEK), ours (trusted), another (untrusted) ---
sign_genkey_config >"$tmp/genkey"
for k in pk trusted untrusted; do
	openssl req -new -nodes -utf8 -sha256 -days 30 -batch -x509 -config "$tmp/genkey" \
		-subj "/O=hotpatch test/CN=$k" -outform PEM -out "$tmp/$k.crt" -keyout "$tmp/$k.key" >/dev/null 2>&1
done
# Debian's signing certificate from the vmlinuz's Authenticode signature: PE header at 0x3c, the
# certificate table is data directory 4 of the PE32+ optional header; WIN_CERTIFICATE has 8 bytes
# of header before the PKCS#7.
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
pe=$(u32 "$HP_VMLINUZ" 60)
dd=$((pe + 24 + 112 + 4 * 8))
off=$(u32 "$HP_VMLINUZ" "$dd")
size=$(u32 "$HP_VMLINUZ" $((dd + 4)))
tail -c +$((off + 9)) "$HP_VMLINUZ" | head -c $((size - 8)) >"$tmp/vmlinuz.p7"
if openssl pkcs7 -inform DER -in "$tmp/vmlinuz.p7" -print_certs -out "$tmp/debian.crt" 2>"$tmp/p7.err" &&
	grep -q 'Debian Secure Boot' "$tmp/debian.crt"; then
	t_pass "Debian's signing certificate from the vmlinuz signature: $(sed -n 's/^subject=//p' "$tmp/debian.crt" | head -n 1)"
else
	t_fail "Debian's signing certificate from the vmlinuz signature" "saw: $(head -c 200 "$tmp/p7.err")"
	t_done
	exit 1
fi

# authenticated variables, prefixed with their attributes for efivarfs:
# NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS | TIME_BASED_AUTHENTICATED_WRITE_ACCESS
cert-to-efi-sig-list -g "$(cat /proc/sys/kernel/random/uuid)" "$tmp/pk.crt" "$tmp/pk.esl"
cert-to-efi-sig-list -g "$(cat /proc/sys/kernel/random/uuid)" "$tmp/debian.crt" "$tmp/debian.esl"
cert-to-efi-sig-list -g "$(cat /proc/sys/kernel/random/uuid)" "$tmp/trusted.crt" "$tmp/trusted.esl"
cat "$tmp/debian.esl" "$tmp/trusted.esl" >"$tmp/db.esl"
cp "$tmp/pk.esl" "$tmp/KEK.esl"
cp "$tmp/pk.esl" "$tmp/PK.esl"
mkdir -p "$tmp/root"
for v in PK KEK db; do
	sign-efi-sig-list -k "$tmp/pk.key" -c "$tmp/pk.crt" "$v" "$tmp/$v.esl" "$tmp/$v.auth" >/dev/null
	{ printf '\047\000\000\000' && cat "$tmp/$v.auth"; } >"$tmp/root/$v.var"
done

# --- the module, signed by the trusted key; the same bytes signed by the untrusted one ---
t0=$SECONDS
if "$T_TOP/hotpatch-build.sh" -o "$tmp/out" -n hp_sb_fix --sign-key "$tmp/trusted.key" \
	--sign-cert "$tmp/trusted.crt" "$T_TOP/examples/proc-cmdline/fix.patch" >"$tmp/build.log" 2>&1; then
	t_pass "hotpatch-build signs with --sign-key ($((SECONDS - t0)) s)"
else
	t_fail "hotpatch-build signs with --sign-key" "saw: $(tail -n 3 "$tmp/build.log" | tr '\n' ' ')"
	t_done
	exit 1
fi
cp "$tmp/out/hp_sb_fix.ko" "$tmp/root/trusted.ko"
sign_split "$tmp/out/hp_sb_fix.ko" "$tmp/sig" "$tmp/root/untrusted.ko"
sign_module "$tmp/root/untrusted.ko" "$tmp/untrusted.key" "$tmp/untrusted.crt" "$HP_KDIR"

# --- initramfs: busybox, efivarfs, the variables, the two modules ---
mkdir -p "$tmp/root/bin" "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/dev"
cp /bin/busybox "$tmp/root/bin/busybox"
cp "$HP_MODDIR/kernel/fs/efivarfs/efivarfs.ko" "$tmp/root/"
install -m 755 "$T_TOP/tests/vm/sb-init.sh" "$tmp/root/init"
(cd "$tmp/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/initrd.gz"

cp "$vars" "$tmp/vars.fd"
# sb_boot MODE LOG - one OVMF boot of the target kernel: its console in LOG, the guest's
# "HPSB ..." result lines (its second serial port) in LOG.hpsb.
# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can miss ticks
# and panic (seen here with load 13 on 2 cores); it says nothing about Secure Boot.
sb_boot() {
	timeout -k 5 "${HP_SB_TIMEOUT:-400}" qemu-system-x86_64 -machine q35,smm=on -accel tcg -cpu max \
		-m 1024 -smp 1 -nographic -no-reboot -nic none \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive if=pflash,format=raw,unit=0,readonly=on,file="$code" \
		-drive if=pflash,format=raw,unit=1,file="$tmp/vars.fd" \
		-chardev file,id=hpsb,path="$2.hpsb" -device isa-serial,chardev=hpsb \
		-kernel "$HP_VMLINUZ" -initrd "$tmp/initrd.gz" \
		-append "console=ttyS0 quiet no_timer_check module.sig_enforce=1 panic=-1 hpsb=$1" </dev/null >"$2" 2>&1 || true
	touch "$2.hpsb"
	sed -i 's/\r$//' "$2.hpsb"
}

t0=$SECONDS
sb_boot enroll "$tmp/boot1.log"
if grep -qx 'HPSB secureboot=0' "$tmp/boot1.log.hpsb" && grep -qx 'HPSB enrolled db' "$tmp/boot1.log.hpsb" &&
	grep -qx 'HPSB enrolled KEK' "$tmp/boot1.log.hpsb" && grep -qx 'HPSB enrolled PK' "$tmp/boot1.log.hpsb"; then
	t_pass "boot 1 (setup mode, Secure Boot off): PK, KEK and db enrolled ($((SECONDS - t0)) s)"
else
	t_fail "boot 1: PK, KEK and db enrolled" "expected secureboot=0 and 3 enrolled lines, saw: $(tr '\n' '|' <"$tmp/boot1.log.hpsb") $(tail -n 5 "$tmp/boot1.log" | tr '\r\n' '  ')"
	t_done
	exit 1
fi

t0=$SECONDS
sb_boot test "$tmp/boot2.log"
h=$tmp/boot2.log.hpsb
if grep -qx 'HPSB secureboot=1' "$h" && grep -q '^HPSB lockdown=.*\[integrity\]' "$h"; then
	t_pass "boot 2: Debian's signed vmlinuz boots with Secure Boot on, lockdown integrity ($((SECONDS - t0)) s)"
else
	t_fail "boot 2: Secure Boot on, lockdown integrity" "saw: $(tr '\n' '|' <"$h") $(tail -n 5 "$tmp/boot2.log" | tr '\r\n' '  ')"
fi
if grep -q "HPSB dmesg .*Loaded X.509 cert 'hotpatch test: trusted: " "$h"; then
	t_pass "the kernel loaded our certificate from db"
else
	t_fail "the kernel loaded our certificate from db" "saw: $(grep 'X.509' "$h" | tr '\n' '|')"
fi
if grep -qx 'HPSB insmod trusted: loaded' "$h" && grep -q 'HPSB livepatch hp_sb_fix' "$h"; then
	t_pass "module.sig_enforce=1: the module signed by the enrolled key loads and patches"
else
	t_fail "module.sig_enforce=1: the module signed by the enrolled key loads" "saw: $(grep -E 'insmod|livepatch' "$h" | tr '\n' '|')"
fi
if grep -q '^HPSB insmod untrusted: refused' "$h"; then
	t_pass "the same module signed by another key is refused: $(sed -n 's/^HPSB insmod untrusted: refused: //p' "$h" | head -c 100)"
else
	t_fail "the same module signed by another key is refused" "saw: $(grep -E 'insmod' "$h" | tr '\n' '|')"
fi
t_done
