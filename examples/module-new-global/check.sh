#!/bin/sh
# Passes while the patch is enabled: the status file of a binfmt_misc mount says
# "enabled (hotpatched, read N)", text made by hp_binfmt_note() and the counter
# hp_binfmt_status_reads, both new in fs/exec.c (vmlinux) and used by the module's
# bm_status_read: they resolve inside the patch module.
if ! grep -qw binfmt_misc /proc/filesystems; then
	modprobe binfmt_misc 2>/dev/null || true
fi
grep -qw binfmt_misc /proc/filesystems || exit 1
mnt=/tmp/hp-binfmt_misc
mkdir -p "$mnt"
mount -t binfmt_misc binfmt_misc "$mnt" || exit 1
rc=1
s=$(cat "$mnt/status")
echo "check: status: $s"
case $s in
"enabled (hotpatched, read "[0-9]*")") rc=0 ;;
esac
umount "$mnt"
exit "$rc"
