#!/bin/sh
# Passes while the patch is enabled: dynamic debug lists the patch module's own copies of the
# btrfs_debug descriptors of btrfs_mark_extent_written (btrfs's are "[btrfs]"), and turning
# them all on and off works, which rewrites the patched function's jump sites keyed on them.
ctl=/sys/kernel/debug/dynamic_debug/control
[ -e "$ctl" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -w "$ctl" ] || exit 1
mod=$(grep 'fs/btrfs/file.c:[0-9]* \[' "$ctl" | grep -v '\[btrfs\]' | sed -n '1s/^[^[]*\[\([^]]*\)\].*/\1/p')
[ -n "$mod" ] || exit 1
n=$(grep -c "fs/btrfs/file.c:[0-9]* \[$mod\]btrfs_mark_extent_written " "$ctl")
echo "module $mod +p" >"$ctl" || exit 1
on=$(grep -c "\[$mod\]btrfs_mark_extent_written =p" "$ctl")
echo "module $mod -p" >"$ctl" || exit 1
echo "check: $mod carries $n descriptors of btrfs_mark_extent_written, $on turned on"
[ "$n" -gt 0 ] && [ "$on" -eq "$n" ]
