#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hotpatch-triage end to end on real fixes: seven per-file changes of Debian's linux-source-6.1
# 6.1.190-1 -> 6.1.192-1 update (tests/e2e/triage-fixes/, each the update's own diff of one
# file), triaged against 6.1.190-1's ABI (--from 6.1.190-1: the series is against that source).
# Together they give every outcome a correct tool can give:
#   net/ipv6/ip6_input.c, fs/mbcache.c          built, then tested (--test, one boot for both;
#                                               mbcache is a module target)
#   drivers/mailbox/mailbox.c                   no-change (an #include only)
#   include/linux/blkdev.h                      refused: a struct member added (layout)
#   block/blk-core.c                            refused: needs that header to compile
#   kernel/bpf/core.c                           does-not-compile (uses a struct member whose
#                                               header change is not in the series)
#   arch/x86/kvm/vmx/nested.c                   refused by the differ (jump label keyed in kvm_intel)
# (tool-error is our bug: none is expected.)
# The candidates are split over two shards (both through ccache when it is installed): shard 2/2
# runs with --test and --bundle and links each module as soon as its candidate deferred it
# (HOTPATCH_MODULE_BATCH=1: one kbuild per module while candidates still run; the default
# links 32 together); --merge joins them and every row is checked against the expectation.
# Then a rerun of shard 1/2 must skip every finished candidate.
# Cost: ~3-6 min on 2 idle cores with a warm 6.1.0-54 cache (+ its setup when cold, ~3 min):
# seven candidates (two compiles and a module build each), the bundle, two qemu boots.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_plan 17
tmp=$(t_tmpdir)
fixes=$T_TOP/tests/e2e/triage-fixes
triage=$T_TOP/hotpatch-triage.sh

declare -A want=(
	[net_ipv6_ip6_input_c]=tested
	[fs_mbcache_c]=tested
	[drivers_mailbox_mailbox_c]=no-change
	[include_linux_blkdev_h]=refused
	[block_blk_core_c]=refused
	[kernel_bpf_core_c]=does-not-compile
	[arch_x86_kvm_vmx_nested_c]=refused
)
declare -A why=(
	[include_linux_blkdev_h]='changes the layout of struct request_queue'
	[block_blk_core_c]='does not compile without include/linux/blkdev.h'
	[kernel_bpf_core_c]='ext_mutex'
	[arch_x86_kvm_vmx_nested_c]='jump label'
)

# run NAME ARGS... - hotpatch-triage with ARGS; its messages in $tmp/NAME.log, status in rc[NAME]
declare -A rc=()
run() {
	local name=$1
	shift
	rc[$name]=0
	nice "$triage" -j 2 --from 6.1.190-1 "$@" "$fixes" >"$tmp/$name.log" 2>&1 || rc[$name]=$?
}

cc=()
command -v ccache >/dev/null && cc=(--cc-wrapper ccache)
run s1 --shard 1/2 "${cc[@]}" -o "$tmp/s1"
HOTPATCH_MODULE_BATCH=1 run s2 --shard 2/2 --test --bundle triage_bundle "${cc[@]}" -o "$tmp/s2"
for s in s1 s2; do
	if [[ ${rc[$s]} == 0 && -s $tmp/$s/triage.json && -s $tmp/$s/triage.md ]]; then
		t_pass "shard $s: exit 0, triage.json and triage.md written"
	else
		t_fail "shard $s: exit 0, triage.json and triage.md written" "saw exit ${rc[$s]}: $(tail -n 4 "$tmp/$s.log" | tr '\n' ' ')"
	fi
done
n1=$(jq '.candidates | length' "$tmp/s1/triage.json" 2>/dev/null || echo 0)
n2=$(jq '.candidates | length' "$tmp/s2/triage.json" 2>/dev/null || echo 0)
if ((n1 > 0 && n2 > 0 && n1 + n2 == ${#want[@]})); then
	t_pass "the shards split the ${#want[@]} candidates ($n1 + $n2)"
else
	t_fail "the shards split the ${#want[@]} candidates" "expected two non-empty shards adding up to ${#want[@]}, saw $n1 + $n2"
fi

mrc=0
"$triage" --merge -o "$tmp/all" "$tmp/s1" "$tmp/s2" >"$tmp/merge.log" 2>&1 || mrc=$?
if ((mrc == 0)) && [[ $(jq '.candidates | length' "$tmp/all/triage.json") == "${#want[@]}" ]]; then
	t_pass "--merge joins both shards"
else
	t_fail "--merge joins both shards" "expected exit 0 and ${#want[@]} rows, saw exit $mrc: $(tail -n 3 "$tmp/merge.log" | tr '\n' ' ')"
fi

for id in "${!want[@]}"; do
	row=$(jq -c --arg id "$id" '.candidates[] | select(.id == $id)' "$tmp/all/triage.json" 2>/dev/null || true)
	got=$(jq -r '.outcome' <<<"${row:-null}")
	reason=$(jq -r '.reason // ""' <<<"${row:-null}")
	if [[ $got == "${want[$id]}" && $reason == *"${why[$id]:-}"* ]]; then
		t_pass "$id: ${want[$id]}${why[$id]:+ (${why[$id]})}"
	else
		t_fail "$id: ${want[$id]}" "expected ${want[$id]}${why[$id]:+ with \"${why[$id]}\"}, saw $got: ${reason:0:200}"
	fi
done

# a refusal names each key once, however many jump sites use it (nested.c has ~20 for one)
reason=$(jq -r '.candidates[] | select(.id == "arch_x86_kvm_vmx_nested_c") | .reason // ""' "$tmp/all/triage.json" 2>/dev/null || true)
if [[ $(grep -o 'enable_evmcs' <<<"$reason" | wc -l) == 1 ]]; then
	t_pass "nested.c: the key enable_evmcs is named once in the reason"
else
	t_fail "nested.c: the key enable_evmcs is named once in the reason" "saw: ${reason:0:400}"
fi

# a tested row carries its module, signed, and its changed function
row=$(jq -c '.candidates[] | select(.id == "net_ipv6_ip6_input_c")' "$tmp/all/triage.json" 2>/dev/null || echo null)
if [[ $(jq -r '.changed_functions | join(" ")' <<<"$row") == *ip6_input* && -s $tmp/s2/modules/net_ipv6_ip6_input_c.ko ]] &&
	tail -c 28 "$tmp/s2/modules/net_ipv6_ip6_input_c.ko" | grep -q 'Module signature appended'; then
	t_pass "ip6_input: changed functions listed, signed module in modules/"
else
	t_fail "ip6_input: changed functions listed, signed module in modules/" "saw $(jq -c '{changed_functions, module}' <<<"$row")"
fi

# the summary counts agree with the rows; coverage = 2 modules / 4 that compile and change code
sum=$(jq -c '.summary | [.outcomes.tested, .outcomes.refused, .outcomes["no-change"], .outcomes["does-not-compile"], .outcomes["tool-error"], .coverage_counts.modules, .coverage_counts.compile_and_change_code]' "$tmp/all/triage.json" 2>/dev/null || true)
if [[ $sum == '[2,3,1,1,0,2,3]' ]]; then
	t_pass "summary: 2 tested, 3 refused, 1 no-change, 1 does-not-compile, coverage 2/3"
else
	t_fail "summary: 2 tested, 3 refused, 1 no-change, 1 does-not-compile, coverage 2/3" "expected [2,3,1,1,0,2,3], saw $sum"
fi

# the bundle carries both tested fixes, passed its own boot, and lists them
b=$tmp/s2/triage_bundle.json
if [[ -s $tmp/s2/triage_bundle.ko ]] && [[ $(jq -r '.result' "$b" 2>/dev/null) == tested ]] &&
	[[ $(jq -r '[.carried[].id] | sort | join(" ")' "$b") == "fs_mbcache_c net_ipv6_ip6_input_c" ]] &&
	[[ $(jq -r '.build.replace' "$b") == true ]]; then
	t_pass "--bundle: one --replace module carrying both tested fixes, tested in qemu"
else
	t_fail "--bundle: one --replace module carrying both tested fixes, tested in qemu" \
		"saw $(jq -c '{result, message, carried: [.carried[]?.id], left_out}' "$b" 2>/dev/null || echo 'no triage_bundle.json')"
fi

# shard 2's two modules (ip6_input, mbcache) were linked in two kbuild runs of one module each
if grep -q '^hotpatch: modules: 2 linked in 2 kbuild run(s), ' "$tmp/s2.log"; then
	t_pass "HOTPATCH_MODULE_BATCH=1: shard 2's two modules linked in two kbuild runs"
else
	t_fail "HOTPATCH_MODULE_BATCH=1: shard 2's two modules linked in two kbuild runs" "saw: $(grep 'modules:' "$tmp/s2.log" || echo 'no modules line')"
fi

# resume: a rerun of shard 1 skips all its finished candidates and changes no row
before=$(cat "$tmp"/s1/results/*.json | sha256sum)
run s1again --shard 1/2 "${cc[@]}" -o "$tmp/s1"
after=$(cat "$tmp"/s1/results/*.json | sha256sum)
# (and starts no worker: one without an id would print its usage)
if [[ ${rc[s1again]} == 0 && $before == "$after" ]] && grep -q "$n1 of $n1 candidate(s) already finished" "$tmp/s1again.log" &&
	! grep -q 'usage:' "$tmp/s1again.log"; then
	t_pass "a rerun skips the $n1 finished candidates, starting no worker"
else
	t_fail "a rerun skips the $n1 finished candidates, starting no worker" "saw exit ${rc[s1again]}, rows $([[ $before == "$after" ]] && echo unchanged || echo changed): $(grep -m1 -e 'already finished' -e 'usage:' "$tmp/s1again.log" || tail -n 2 "$tmp/s1again.log" | tr '\n' ' ')"
fi
t_done
