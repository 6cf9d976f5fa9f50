#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the hotpatch check VM (busybox sh, runs as PID 1 in the guest).
# Installed by vm/vmtest.sh into a throw-away initramfs; never run on the host.
#
# Inputs (written by vmtest.sh):
#   /hpvm/conf          shell assignments: HPVM_MODE, HPVM_CHECK, HPVM_TRANSITION_TIMEOUT,
#                       HPVM_CHECK_TIMEOUT
#   /hpvm/plan          the steps to run, in order, one "<step> <expected outcome>" per line
#                       (vmtest.sh's vmtest_plan_expect, by which the host also judges them)
#   /hpvm/modules.list  one line per patch module, in load order:
#                       "<file> <module name> <livepatch 0|1> <dependency names...>"
#   /hpvm/modules/      the patch modules
#   /lib/modules/<rel>/ the target modules they need, with modules.dep and modules.alias subsets
#   /hpvm/load.list     one line per target module: "<name> <modules to modprobe, in order>"
#                       (its dependency closure: modules.dep, soft dependencies; "?" = optional)
#   /hpvm/guest.sh      vm/guest.sh: livepatch_wait, livepatch_state
#
# Output: one line per protocol step on the console, parsed by the host:
#   HPVM: step=<step> expect=<what> got=<what> verdict=<ok|bad|skip> [detail=<text>]
# A check step gets pass (exit 0), fail (the check's own failure, exit 1-123) or error (exit
# 124 and up: it timed out, could not be run, or was killed) -- error never matches.
# plus "HPVM: info object=<patch>/<obj>/ patched=<0|1>" and "HPVM: info function=..."
# lines while the patches are enabled, then "HPVM: done" and poweroff.  Steps (the plan
# says which, in what order, and what each must give): boot, target-before:<name>, before,
# load:<module> (after a dep:<name> step for each target module it depends on),
# enable:<patch>, target-after:<name>, patched, disable:<patch>, unload:<module>, after, dmesg.
# HPVM_MODE (normal, no-unload, expect-load-fail) shaped the plan; here it only decides
# whether the patches' state is shown.
# A target module loaded while a patch for it is enabled must come up patched
# (/sys/kernel/livepatch/<patch>/<module>/patched = 1).

PATH=/bin:/sbin
export PATH

/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s /bin
exec </dev/console >/dev/console 2>&1

HPVM_MODE=normal
HPVM_CHECK=
HPVM_TRANSITION_TIMEOUT=30
HPVM_CHECK_TIMEOUT=30
# shellcheck source=/dev/null
. /hpvm/conf

failed=0
aborted=

# report STEP EXPECT GOT [DETAIL]: verdict is ok when GOT matches EXPECT
report() {
	if [ "$2" = "$3" ]; then
		verdict=ok
	else
		verdict=bad
		failed=1
	fi
	line="HPVM: step=$1 expect=$2 got=$3 verdict=$verdict"
	[ -n "${4:-}" ] && line="$line detail=$(echo "$4" | tr '\n' ' ' | sed 's/ *$//')"
	echo "$line"
}

skip() {
	echo "HPVM: step=$1 expect=$2 got=none verdict=skip detail=$aborted"
}

# run_check STEP EXPECT: run the check script, report pass/fail against EXPECT
run_check() {
	[ -n "$HPVM_CHECK" ] || return 0
	if [ -n "$aborted" ]; then
		skip "$1" "$2"
		return 0
	fi
	echo "HPVM: running check for step $1"
	timeout "$HPVM_CHECK_TIMEOUT" "$HPVM_CHECK"
	rc=$?
	if [ "$rc" = 0 ]; then
		report "$1" "$2" pass
	elif [ "$rc" -lt 124 ]; then
		report "$1" "$2" fail "exit status $rc"
	else
		report "$1" "$2" error "exit status $rc: the check did not run to its end (time limit ${HPVM_CHECK_TIMEOUT}s, not executable, or killed)"
	fi
}

# load_target NAME: modprobe, in order, the load sequence the host computed for NAME
# (/hpvm/load.list: its modules.dep dependencies, soft dependencies, NAME); a failing module
# marked optional ("?name": what a soft dependency's alias stands for) is only noted
load_target() {
	seq=$(sed -n "s/^$1 //p" /hpvm/load.list)
	[ -n "$seq" ] || seq=$1
	notes=
	for m in $seq; do
		if ! lt_out=$(modprobe "${m#\?}" 2>&1 </dev/null); then
			case $m in
			\?*) notes="$notes ${m#\?} (optional) failed: $lt_out;" ;;
			*) echo "$notes $m: $lt_out"; return 1 ;;
			esac
		fi
	done
	[ -z "$notes" ] || echo "HPVM: info load $1:$notes" >/dev/console
	return 0
}

# modprobe_step STEP NAME: load a target module and its dependencies; an enabled
# patch with an object for NAME must have patched it while it loaded
modprobe_step() {
	if [ -n "$aborted" ]; then
		skip "$1" ok
		return 0
	fi
	if ! out=$(load_target "$2"); then
		report "$1" ok fail "$out"
		aborted="$1 failed"
		return 0
	fi
	for obj in /sys/kernel/livepatch/*/"$2"; do
		[ -f "$obj/patched" ] || continue
		if [ "$(cat "$obj/patched")" != 1 ]; then
			report "$1" ok fail "$obj/patched is $(cat "$obj/patched")"
			return 0
		fi
	done
	report "$1" ok ok
}

# show_patches: the state of every patch, object and function (for the log)
show_patches() {
	for obj in /sys/kernel/livepatch/*/*/; do
		[ -f "$obj/patched" ] || continue
		echo "HPVM: info object=${obj#/sys/kernel/livepatch/} patched=$(cat "$obj/patched")"
		for fn in "$obj"*/; do
			[ -d "$fn" ] && echo "HPVM: info function=${fn#/sys/kernel/livepatch/}"
		done
	done
}

# load_step NAME EXPECT: the target modules patch module NAME depends on (dep:<name> steps,
# outside the plan: the host requires them to succeed), then insmod NAME, EXPECT ok or fail
load_step() {
	ls_name=$1 ls_expect=$2
	# one line of /hpvm/modules.list: <file> <name> <livepatch> <dependencies...>
	# shellcheck disable=SC2046
	set -- $(awk -v n="$ls_name" '$2 == n { print; exit }' /hpvm/modules.list)
	if [ $# -lt 3 ]; then
		report "load:$ls_name" "$ls_expect" none "not in /hpvm/modules.list"
		return 0
	fi
	ls_file=$1
	shift 3
	for dep in "$@"; do
		modprobe_step "dep:$dep" "$dep"
	done
	if [ -n "$aborted" ]; then
		skip "load:$ls_name" "$ls_expect"
	elif out=$(insmod "/hpvm/modules/$ls_file" 2>&1 </dev/null); then
		report "load:$ls_name" "$ls_expect" ok
		[ "$ls_expect" = ok ] || aborted="load:$ls_name succeeded"
	else
		report "load:$ls_name" "$ls_expect" fail "$out"
		[ "$ls_expect" = fail ] || aborted="load:$ls_name failed"
	fi
}

# enable_step PATCH: its transition completes
enable_step() {
	if [ -n "$aborted" ]; then
		skip "enable:$1" ok
	elif livepatch_wait "$1" enabled "$HPVM_TRANSITION_TIMEOUT"; then
		report "enable:$1" ok ok
	else
		report "enable:$1" ok fail "after ${HPVM_TRANSITION_TIMEOUT}s: $(livepatch_state "$1")"
		aborted="enable:$1 failed"
	fi
}

# disable_step PATCH: disabled, its transition completes and it goes away
disable_step() {
	if [ -n "$aborted" ]; then
		skip "disable:$1" ok
	elif ! echo 0 >"/sys/kernel/livepatch/$1/enabled"; then
		report "disable:$1" ok fail "cannot write enabled: $(livepatch_state "$1")"
	elif livepatch_wait "$1" gone "$HPVM_TRANSITION_TIMEOUT"; then
		report "disable:$1" ok ok
	else
		report "disable:$1" ok fail "after ${HPVM_TRANSITION_TIMEOUT}s: $(livepatch_state "$1")"
	fi
}

# unload_step MODULE: rmmod succeeds within 5 s
unload_step() {
	if [ -n "$aborted" ]; then
		skip "unload:$1" ok
		return 0
	fi
	tries=50
	until out=$(rmmod "$1" 2>&1); do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || break
		usleep 100000
	done
	if [ "$tries" -gt 0 ]; then
		report "unload:$1" ok ok
	else
		report "unload:$1" ok fail "$out"
	fi
}

# dmesg_step: any oops, BUG, WARNING, stall, failed livepatch operation or unexplained taint
# fails the run
dmesg_step() {
	echo "HPVM: dmesg begin"
	dmesg >/tmp/dmesg
	cat /tmp/dmesg
	echo "HPVM: dmesg end"
	bad=$(kernel_trouble /tmp/dmesg "$taint0")
	if [ -n "$bad" ]; then
		report dmesg clean dirty "$bad"
	else
		report dmesg clean clean
	fi
}

# show_patches once, when the patches are in place: before the patched check, or before
# the first step that takes them out
shown=
show_patches_once() {
	[ -z "$shown" ] || return 0
	shown=1
	show_patches
}

# livepatch_wait, livepatch_state (shared with the soak's /init)
# shellcheck source=vm/guest.sh
. /hpvm/guest.sh

echo "HPVM: guest $(uname -r) up, mode $HPVM_MODE"
taint0=$(cat /proc/sys/kernel/tainted)

# The steps and what each must give, in order, as the host planned them: one "STEP EXPECT"
# per line of /hpvm/plan (vmtest_plan_expect, the one definition of the protocol).  The plan
# is read on fd 3: a check script or module tool reading stdin cannot eat it.
while read -r step expect <&3; do
	case $step in
	boot) report boot "$expect" ok ;;
	target-before:* | target-after:*) modprobe_step "$step" "${step#*:}" ;;
	before | after) run_check "$step" "$expect" ;;
	load:*) load_step "${step#load:}" "$expect" ;;
	enable:*) enable_step "${step#enable:}" ;;
	patched) show_patches_once; run_check patched "$expect" ;;
	disable:* | unload:* | dmesg)
		[ "$HPVM_MODE" = expect-load-fail ] || show_patches_once
		case $step in
		disable:*) disable_step "${step#disable:}" ;;
		unload:*) unload_step "${step#unload:}" ;;
		dmesg) dmesg_step ;;
		esac ;;
	*) report "$step" "$expect" none "this /init has no such step" ;;
	esac
done 3</hpvm/plan

echo "HPVM: done failed=$failed"
sync
poweroff -f
