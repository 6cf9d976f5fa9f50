# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# build/triage-test.sh - hotpatch-triage --test: every built module through vm/vmtest.sh,
# several per boot.
#
#   triage_test OUT BATCH     rows "built" -> "tested", or tool-error at stage test
#   triage_test_modules LOGDIR ID... run one boot with the modules OUT/modules/ID.ko; status
#
# A candidate has no check script of its own, so the check is the liveness of the patches
# themselves: the generated script passes only while every module of the boot is enabled
# with its transition complete (/sys/kernel/livepatch/ID) and every target module is loaded.
# vmtest.sh's protocol does the rest: the check fails before the modules are loaded, the
# modules load and enable, the check passes, they disable and unload, the check fails again,
# and dmesg has no Call Trace, BUG: or WARNING:. The target modules are loaded before the
# patches. A boot that fails is split in halves until each failing module is alone: a
# module is "tested" only by a boot that passed with it, and a tool-error (stage test) only
# from a boot of its own.

# shellcheck source=vm/vmtest.sh
. "$HP_LIBDIR/vm/vmtest.sh"

# triage_test_targets ID - the modules (not vmlinux) the candidate's module patches.
triage_test_targets() {
	jq -r '[.objects[].target] | unique | .[] | select(. != "vmlinux")' "$TRIAGE_TEST_OUT/modules/$1.json"
}

# triage_test_check FILE ID... - the generated liveness check (busybox sh, in the guest).
triage_test_check() {
	local f=$1 id t
	shift
	{
		printf '#!/bin/sh\n# hotpatch-triage liveness check: every patch enabled, every target loaded\n'
		for id in "$@"; do
			# shellcheck disable=SC2016 # expanded by the guest
			printf '[ "$(cat /sys/kernel/livepatch/%s/%s 2>/dev/null)" = %s ] || exit 1\n' \
				"$id" enabled 1 "$id" transition 0
			for t in $(triage_test_targets "$id"); do
				printf 'grep -q "^%s " /proc/modules || exit 1\n' "$t"
			done
		done
		printf 'exit 0\n'
	} >"$f"
}

triage_test_modules() {
	local log=$1 id t args=()
	shift
	mkdir -p "$log" || return 2
	triage_test_check "$log/check.sh" "$@"
	args=(--vmlinuz "$HP_CACHE/root/boot/vmlinuz-$HP_RELEASE" --moddir "$HP_CACHE/root/lib/modules/$HP_RELEASE"
		--release "$HP_RELEASE" --check "$log/check.sh" --log "$log" --timeout $((${HPVM_TIMEOUT:-120} + 20 * $#)))
	declare -A targets=()
	for id in "$@"; do
		args+=(--module "$TRIAGE_TEST_OUT/modules/$id.ko")
		for t in $(triage_test_targets "$id"); do
			targets[$t]=1
		done
	done
	for t in "${!targets[@]}"; do
		args+=(--load-target-before "$t")
	done
	vmtest_run "${args[@]}" >"$log/vmtest.log" 2>&1
}

# triage_test_mark ID OUTCOME [MESSAGE] - rewrite the row (by rename).
triage_test_mark() {
	local id=$1 outcome=$2 msg=${3:-} f=$TRIAGE_TEST_OUT/results/$1.json
	jq --arg o "$outcome" --arg m "$msg" --arg id "$id" '
		if $o == "tested" then .outcome = "tested"
		else .outcome = "tool-error" | .reason = $m | .error = { stage: "test", object: ("modules/" + $id + ".ko"), message: $m }
		end' "$f" >"$f.tmp" || hp_die "cannot update $f"
	mv -f "$f.tmp" "$f" || hp_die "cannot update $f"
	printf '%s %s\n' "$id" "$outcome" >>"$TRIAGE_TEST_OUT/work/progress"
}

# triage_test_group LOGDIR ID... - boot; on failure split (recursively) until alone.
triage_test_group() {
	local log=$1 half id msg
	shift
	if triage_test_modules "$log" "$@"; then
		for id in "$@"; do triage_test_mark "$id" tested; done
		return 0
	fi
	if (($# == 1)); then
		msg=$(awk '/vmtest: +(FAIL|MISS|SKIP) |vmtest: error:|guest did not finish/ && n < 3 {
			sub(/^vmtest: */, ""); printf "%s%s", (n++ ? "; " : ""), $0 }' "$log/vmtest.log" 2>/dev/null || true)
		triage_test_mark "$1" tool-error "the module failed its liveness check in qemu: ${msg:-see $log/vmtest.log} (log: $log)"
		return 0
	fi
	half=$(($# / 2))
	triage_test_group "$log.a" "${@:1:half}"
	triage_test_group "$log.b" "${@:half+1}"
}

triage_test() {
	local out=$1 batch=$2 ids=() boot=() i n=0
	TRIAGE_TEST_OUT=$out
	hp_stage_begin test
	mapfile -t ids < <(while IFS=$'\t' read -r i _; do
		if [[ -f $out/results/$i.json ]]; then jq -r 'select(.outcome == "built") | .id' "$out/results/$i.json"; fi
	done <"$out/candidates.tsv")
	: >"$out/work/progress"
	rm -rf "$out/work/vm"
	for ((i = 0; i < ${#ids[@]}; i += batch)); do
		n=$((n + 1))
		boot=("${ids[@]:i:batch}")
		hp_log "test: boot $n, modules $((i + 1))-$((i + ${#boot[@]})) of ${#ids[@]}"
		triage_test_group "$out/work/vm/boot$n" "${boot[@]}"
	done
	hp_stage_end "${#ids[@]} module(s), $n batch(es) of up to $batch; $(grep -c ' tested$' "$out/work/progress" || true) tested"
}
