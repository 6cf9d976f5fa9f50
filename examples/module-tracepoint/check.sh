#!/bin/sh
# Passes while the patch is enabled: a write to a zoned null_blk device runs the patched
# null_zone_write, which logs "null_blk: zone 0 write (hotpatched)".  null_blk is reloaded
# zoned each time (the harness loads it with its defaults); the patch applies to it on load.
# The function's tracepoint (nullb_zone_op) stays off in the patched copy: when tracefs is
# there, the event is enabled and must not be hit by the patched write, while the unpatched
# function's write still hits it.
rmmod null_blk 2>/dev/null
modprobe null_blk zoned=1 gb=1 zone_size=64 nr_devices=1 || exit 1
i=0
while [ ! -b /dev/nullb0 ] && [ "$i" -lt 10 ]; do
	sleep 1
	i=$((i + 1))
done
t=/sys/kernel/tracing
[ -d "$t/events" ] || mount -t tracefs tracefs "$t" 2>/dev/null
ev=$t/events/nullb/nullb_zone_op/enable
if [ -w "$ev" ]; then
	echo >"$t/trace"
	echo 1 >"$ev"
fi
dmesg -c >/dev/null
dd if=/dev/zero of=/dev/nullb0 bs=4096 count=1 oflag=direct 2>/dev/null
hits=-
if [ -w "$ev" ]; then
	hits=$(grep -c 'nullb_zone_op:.*req=WRITE' "$t/trace")
fi
echo "check: nullb_zone_op write events: $hits"
rc=1
if dmesg | grep -q 'null_blk: zone 0 write (hotpatched)'; then
	rc=0
	# the patched function must not have entered its tracing path
	if [ "$hits" != - ] && [ "$hits" != 0 ]; then
		echo "check: nullb_zone_op fired in the patched null_zone_write" >&2
		rc=1
	fi
fi
[ -w "$ev" ] && echo 0 >"$ev"
rmmod null_blk 2>/dev/null
exit "$rc"
