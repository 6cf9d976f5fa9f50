#!/bin/sh
# Passes while the patch is enabled: with dynamic debug turned on for create_entry (inlined into
# the patched bm_register_write), registering a binfmt_misc format logs the patched message
# "register: received N bytes (hotpatched)".  The patch module carries its own __dyndbg
# descriptors and strings, so the control file reaches its copy of the pr_debug.
if ! grep -qw binfmt_misc /proc/filesystems; then
	modprobe binfmt_misc 2>/dev/null || true
fi
grep -qw binfmt_misc /proc/filesystems || exit 1
ctl=/sys/kernel/debug/dynamic_debug/control
[ -e "$ctl" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -w "$ctl" ] || exit 1
mnt=/tmp/hp-binfmt_misc
mkdir -p "$mnt"
mount -t binfmt_misc binfmt_misc "$mnt" || exit 1
echo 'func create_entry +p' >"$ctl"
dmesg -c >/dev/null
echo ':hpdyndbg:E::hpdd::/bin/true:' >"$mnt/register"
rc=1
if dmesg | grep -q 'register: received [0-9]* bytes (hotpatched)'; then
	rc=0
fi
dmesg | grep 'register: received' | sed 's/^/check: /'
[ -e "$mnt/hpdyndbg" ] && echo -1 >"$mnt/hpdyndbg"
echo 'func create_entry -p' >"$ctl"
umount "$mnt"
exit "$rc"
