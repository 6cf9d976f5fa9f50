#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of tests/vm/test-vm-secureboot.sh's guest. "hpsb=enroll" on the kernel command line:
# write db, KEK and PK (authenticated variables made on the host) while the firmware is in setup
# mode. "hpsb=test": report Secure Boot, lockdown and the keys the kernel loaded, then insmod the
# module signed by the enrolled key and the one signed by another key. Results go to the second
# serial port (a file on the host: no kernel message can land inside a line) and the console.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t securityfs securityfs /sys/kernel/security
insmod /efivarfs.ko
mount -t efivarfs efivarfs /sys/firmware/efi/efivars
efi=/sys/firmware/efi/efivars
say() {
	echo "HPSB $*" >/dev/ttyS1
	echo "HPSB $*"
}
mode=$(sed -n 's/.*hpsb=\([a-z]*\).*/\1/p' /proc/cmdline)
sb=$(od -An -tu1 "$efi"/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c 2>/dev/null | awk '{ print $NF }')
say "secureboot=${sb:-none}"
say "lockdown=$(cat /sys/kernel/security/lockdown 2>/dev/null)"
if [ "$mode" = enroll ]; then
	for v in db-d719b2cb-3d3a-4596-a3bc-dad00e67656f KEK-8be4df61-93ca-11d2-aa0d-00e098032b8c \
		PK-8be4df61-93ca-11d2-aa0d-00e098032b8c; do
		if cat "/${v%%-*}.var" >"$efi/$v"; then
			say "enrolled ${v%%-*}"
		else
			say "enroll-failed ${v%%-*}"
		fi
	done
else
	dmesg | grep -E 'Loaded X.509 cert|Lockdown|secureboot|Secure boot' | while read -r l; do
		say "dmesg $l"
	done
	for m in trusted untrusted; do
		if out=$(insmod "/$m.ko" 2>&1); then
			say "insmod $m: loaded"
		else
			say "insmod $m: refused: $out"
		fi
	done
	say "livepatch $(ls /sys/kernel/livepatch 2>/dev/null)"
fi
say "done"
poweroff -f
