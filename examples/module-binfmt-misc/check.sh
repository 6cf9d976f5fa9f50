#!/bin/sh
# Passes while the patch is enabled: the status file of a binfmt_misc mount says
# "enabled (hotpatched)".  Loads the binfmt_misc module when the kernel lacks the
# filesystem, mounts it on a private directory and unmounts it again.
if ! grep -qw binfmt_misc /proc/filesystems; then
	modprobe binfmt_misc 2>/dev/null || true
fi
grep -qw binfmt_misc /proc/filesystems || exit 1
mnt=/tmp/hp-binfmt_misc
mkdir -p "$mnt"
mount -t binfmt_misc binfmt_misc "$mnt" || exit 1
rc=1
if grep -q '^enabled (hotpatched)$' "$mnt/status"; then
	rc=0
fi
umount "$mnt"
exit "$rc"
