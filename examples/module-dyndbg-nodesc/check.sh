#!/bin/sh
# Passes while the patch is enabled: a live patch of btrfs_mark_extent_written is enabled, and
# dynamic debug lists the patch module's own copies of that function's btrfs_debug descriptors
# (btrfs's are "[btrfs]") and turns them all on and off, which rewrites the patched function's
# jump sites keyed on them.  Debian 6.1's btrfs_abort_transaction holds a btrfs_debug, so there
# must be some; 6.12's holds none, so there only the patch itself is checked.
mod=''
for d in /sys/kernel/livepatch/*/btrfs/btrfs_mark_extent_written,*; do
	[ -d "$d" ] || continue
	mod=${d#/sys/kernel/livepatch/}
	mod=${mod%%/*}
done
[ -n "$mod" ] && [ "$(cat "/sys/kernel/livepatch/$mod/enabled")" = 1 ] || exit 1
ctl=/sys/kernel/debug/dynamic_debug/control
[ -e "$ctl" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -w "$ctl" ] || exit 1
n=$(grep -c "fs/btrfs/file.c:[0-9]* \[$mod\]btrfs_mark_extent_written " "$ctl")
case $(uname -r) in
6.1.*) [ "$n" -gt 0 ] || exit 1 ;;
esac
echo "module $mod +p" >"$ctl" || exit 1
on=$(grep -c "\[$mod\]btrfs_mark_extent_written =p" "$ctl")
echo "module $mod -p" >"$ctl" || exit 1
echo "check: $mod carries $n descriptors of btrfs_mark_extent_written, $on turned on"
[ "$on" -eq "$n" ]
