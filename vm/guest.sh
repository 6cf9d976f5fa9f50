# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# vm/guest.sh - livepatch helpers for a guest's /init (busybox sh, never run on the host),
# shipped in the initramfs as /hpvm/guest.sh and sourced by vm/init.sh (through
# vm/vmtest.sh) and by the soak's /init (tests/vm/test-vm-soak.sh).
#
#   livepatch_wait PATCH enabled|gone SECONDS
#                        wait until PATCH is enabled with its transition done, or until it is
#                        gone after a disable; polls every 50 ms; false after SECONDS
#   livepatch_state PATCH
#                        "enabled=E transition=T" of PATCH, or "no /sys/kernel/livepatch/PATCH"
#   kernel_trouble DMESG TAINT0
#                        the first lines of the DMESG file that show the kernel in trouble (an
#                        oops, a BUG, a WARNING, a general protection fault, an RCU stall, a
#                        failed livepatch operation), and a line for any taint flag set since
#                        TAINT0 (/proc/sys/kernel/tainted at boot) other than those loading a
#                        patch module sets (K livepatch, O out-of-tree, E unsigned); nothing
#                        when all is well

livepatch_wait() {
	lp_dir=/sys/kernel/livepatch/$1
	lp_ticks=$(($3 * 20))
	while [ "$lp_ticks" -gt 0 ]; do
		if [ "$2" = gone ]; then
			[ -d "$lp_dir" ] || return 0
		elif [ "$(cat "$lp_dir/transition" 2>/dev/null)" = 0 ] &&
		     [ "$(cat "$lp_dir/enabled" 2>/dev/null)" = 1 ]; then
			return 0
		fi
		usleep 50000
		lp_ticks=$((lp_ticks - 1))
	done
	return 1
}

livepatch_state() {
	lp_dir=/sys/kernel/livepatch/$1
	if [ -d "$lp_dir" ]; then
		echo "enabled=$(cat "$lp_dir/enabled" 2>/dev/null) transition=$(cat "$lp_dir/transition" 2>/dev/null)"
	else
		echo "no $lp_dir"
	fi
}

kernel_trouble() {
	grep -E 'Call Trace|BUG:|WARNING:|Oops|general protection|detected stall|RCU stall|livepatch: failed' "$1" |
		head -n 3
	kt_now=$(cat /proc/sys/kernel/tainted)
	# 4096 O (out-of-tree module), 8192 E (unsigned module), 32768 K (livepatch)
	kt_new=$((kt_now & ~$2 & ~(4096 | 8192 | 32768)))
	[ "$kt_new" = 0 ] || echo "taint $2 -> $kt_now: flags $kt_new set that loading patch modules does not explain"
}
