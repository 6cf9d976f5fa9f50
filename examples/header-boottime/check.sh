#!/bin/sh
# Passes while the patch is enabled: boot time looks one day older both in /proc/uptime
# (fs/proc/uptime.o) and through sysinfo(2), which busybox uptime uses (kernel/sys.o).
read -r up _ </proc/uptime || exit 1
up=${up%%.*}
[ "$up" -ge 86400 ] || exit 1
uptime | grep -q 'up .*day'
