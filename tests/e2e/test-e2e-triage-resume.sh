#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hotpatch-triage takes up the modules an interrupted run deferred: two real fixes of Debian's
# 6.1.190-1 -> 6.1.192-1 update (tests/e2e/triage-fixes/: net/ipv6/ip6_input.c, fs/mbcache.c,
# both build), against 6.1.190-1's ABI.
# A reference run triages them uninterrupted. The interruption: a second output directory gets
# the same plan and only the workers' phase of a run (build/triage-candidate.sh OUT ID with
# TRIAGE_DEFER_MODULES=1, exactly what hotpatch-triage's workers run), so every candidate stops
# at its module, deferred, and no batch is linked: what Ctrl-C leaves when it comes after the
# deferrals and before their batch. The rerun must link and finish them without building them
# again (their logs: what the first part wrote, a "resumed" note, then no compile or any
# stage before the module), and give the reference's rows and byte-identical modules. A third
# directory's deferred states come from another tool version (a stale key): the rerun builds
# those candidates again from scratch. In a fourth, the finish of one deferred candidate is
# killed (SIGKILL: no trap cleans up) while its module's kbuild runs in its kbuild directory:
# that half-built state is built again, the other candidate taken up. Last, a real Ctrl-C
# (SIGINT to the run's process group, as a terminal sends it) with -j 1 once the first
# candidate has deferred its module, while the second builds: the rerun takes the first up.
# Cost: ~1-2 min on 2 idle cores with a warm 6.1.0-54 cache (two candidates built three times,
# compiles mostly from ccache and the object cache; no qemu).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_sigint_default "$@"
ids=(fs_mbcache_c net_ipv6_ip6_input_c)
t_plan $((2 + 4 * ${#ids[@]} + 2 + 2 + 2))
tmp=$(t_tmpdir)
mkdir -p "$tmp/fixes"
cp "$T_TOP"/tests/e2e/triage-fixes/0[12]-*.patch "$tmp/fixes/"
triage=$T_TOP/hotpatch-triage.sh

cc=()
command -v ccache >/dev/null && cc=(--cc-wrapper ccache)

# triage NAME - hotpatch-triage into $tmp/NAME; its messages in $tmp/NAME.log; its status
triage() {
	local rc=0
	nice "$triage" -j 2 "${cc[@]}" --from 6.1.190-1 -o "$tmp/$1" "$tmp/fixes" >"$tmp/$1.log" 2>&1 || rc=$?
	return "$rc"
}

# deferred NAME [VERSION] - the state an interrupted run leaves in $tmp/NAME: the reference's
# plan (run.env, with the update copied along, made by VERSION when given), then each candidate
# up to its deferred module
deferred() {
	local out=$tmp/$1 id
	mkdir -p "$out/work"
	cp "$tmp/ref/candidates.tsv" "$out/"
	cp "$tmp/ref/work/all-candidates.tsv" "$out/work/"
	cp -a "$tmp/ref/work/update" "$out/work/update"
	sed "s|$tmp/ref/|$out/|g" "$tmp/ref/run.env" >"$out/run.env"
	[[ -z ${2:-} ]] || printf 'TRIAGE_VERSION=%q\n' "$2" >>"$out/run.env"
	for id in "${ids[@]}"; do
		TRIAGE_DEFER_MODULES=1 nice "$T_TOP/build/triage-candidate.sh" "$out" "$id" >>"$tmp/$1.workers.log" 2>&1
	done
}

# rows NAME - the rows of $tmp/NAME/triage.json without what differs between runs (times)
rows() {
	jq -S '[.candidates[] | del(.time, .stages)]' "$tmp/$1/triage.json"
}

rc=0
triage ref || rc=$?
if ((rc == 0)) && [[ $(jq -r '[.candidates[].outcome] | join(" ")' "$tmp/ref/triage.json" 2>/dev/null) == "built built" ]]; then
	t_pass "the reference run: exit 0, both candidates built"
else
	t_fail "the reference run: exit 0, both candidates built" "saw exit $rc: $(tail -n 4 "$tmp/ref.log" | tr '\n' ' ')"
fi

deferred int
for id in "${ids[@]}"; do
	cp "$tmp/int/logs/$id.log.tmp" "$tmp/$id.first.log" 2>/dev/null || : >"$tmp/$id.first.log"
done
if [[ $(sort "$tmp/int/work/deferred" | paste -sd' ') == "${ids[*]}" ]] &&
	[[ -f $tmp/int/work/c/${ids[0]}/state && -f $tmp/int/work/c/${ids[1]}/state ]] &&
	! compgen -G "$tmp/int/results/*.json" >/dev/null; then
	t_pass "the workers' phase alone: both deferred, their state kept, no result"
else
	t_fail "the workers' phase alone: both deferred, their state kept, no result" "saw deferred '$(paste -sd' ' "$tmp/int/work/deferred" 2>/dev/null)', results '$(ls "$tmp/int/results" 2>/dev/null)': $(tail -n 3 "$tmp/int.workers.log" | tr '\n' ' ')"
fi

rc=0
triage int || rc=$?
for id in "${ids[@]}"; do
	log=$tmp/int/logs/$id.log
	n=$(wc -c <"$tmp/$id.first.log")
	tail -c +$((n + 1)) "$log" >"$tmp/$id.rest.log" 2>/dev/null || : >"$tmp/$id.rest.log"
	if ((rc == 0 && n > 0)) && cmp -s -n "$n" "$log" "$tmp/$id.first.log" &&
		grep -q '^# triage: resumed: ' "$tmp/$id.rest.log" &&
		! grep -qE '^hotpatch: (stage (patch|map|compile|diff) |objects: )' "$tmp/$id.rest.log" &&
		grep -q '^hotpatch: stage module ' "$tmp/$id.rest.log"; then
		t_pass "$id: the rerun took up its deferred module: no compile, no stage before the module"
	else
		t_fail "$id: the rerun took up its deferred module" "exit $rc; after the first part ($n bytes) the log has: $(grep -E '^(# triage|hotpatch: stage)' "$tmp/$id.rest.log" | paste -sd' ')"
	fi
	if cmp -s "$tmp/ref/modules/$id.ko" "$tmp/int/modules/$id.ko"; then
		t_pass "$id: the module is byte-identical to the uninterrupted run's"
	else
		t_fail "$id: the module is byte-identical to the uninterrupted run's" "$(cmp "$tmp/ref/modules/$id.ko" "$tmp/int/modules/$id.ko" 2>&1)"
	fi
done
if [[ -n $(rows ref) && $(rows ref) == "$(rows int)" ]]; then
	t_pass "the rerun's rows equal the uninterrupted run's (but for times)"
else
	t_fail "the rerun's rows equal the uninterrupted run's" "$(diff <(rows ref) <(rows int) | head -c 600)"
fi

# a state of another tool version: its key is stale, the candidate is built again
deferred old 0.0.0-old
rc=0
triage old || rc=$?
for id in "${ids[@]}"; do
	log=$tmp/old/logs/$id.log
	if ((rc == 0)) && ! grep -q '^# triage: resumed: ' "$log" && grep -q '^hotpatch: stage compile ' "$log" &&
		[[ $(jq -r .outcome "$tmp/old/results/$id.json") == built ]]; then
		t_pass "$id: a deferred state of another tool version is built again"
	else
		t_fail "$id: a deferred state of another tool version is built again" "exit $rc; log: $(grep -E '^(# triage|hotpatch: stage)' "$log" | paste -sd' ')"
	fi
	if cmp -s "$tmp/ref/modules/$id.ko" "$tmp/old/modules/$id.ko"; then
		t_pass "$id: rebuilt, its module is byte-identical to the uninterrupted run's"
	else
		t_fail "$id: rebuilt, its module is byte-identical to the uninterrupted run's" "$(cmp "$tmp/ref/modules/$id.ko" "$tmp/old/modules/$id.ko" 2>&1)"
	fi
done
# a finish killed in the middle of its kbuild
deferred kill
# shellcheck source=/dev/null # written by hotpatch-build --defer-module
bdir=$(. "$tmp/kill/work/c/${ids[0]}/defer/build.env" && printf '%s\n' "$MODULE_BDIR")
setsid "$T_TOP/build/triage-candidate.sh" --finish "$tmp/kill" "${ids[0]}" >"$tmp/kill.finish.log" 2>&1 &
pid=$!
for ((i = 0; i < 600; i++)); do
	[[ -e $bdir/kbuild.log ]] && break
	sleep 0.1
done
kill -KILL -- "-$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
started=0
[[ -e $bdir/kbuild.log && -f $tmp/kill/work/c/${ids[0]}/state && ! -e $tmp/kill/results/${ids[0]}.json ]] && started=1
rc=0
triage kill || rc=$?
log0=$tmp/kill/logs/${ids[0]}.log
if ((started && rc == 0)) && ! grep -q '^# triage: resumed: ' "$log0" && grep -q '^hotpatch: stage compile ' "$log0" &&
	cmp -s "$tmp/ref/modules/${ids[0]}.ko" "$tmp/kill/modules/${ids[0]}.ko"; then
	t_pass "${ids[0]}: its finish killed during the kbuild: built again, module byte-identical"
else
	t_fail "${ids[0]}: its finish killed during the kbuild: built again" "kbuild started before the kill: $started; exit $rc; log: $(grep -E '^(# triage|hotpatch: stage)' "$log0" 2>/dev/null | paste -sd' ')"
fi
if ((rc == 0)) && grep -q '^# triage: resumed: ' "$tmp/kill/logs/${ids[1]}.log" &&
	cmp -s "$tmp/ref/modules/${ids[1]}.ko" "$tmp/kill/modules/${ids[1]}.ko"; then
	t_pass "${ids[1]}: next to it, taken up, module byte-identical"
else
	t_fail "${ids[1]}: next to it, taken up" "exit $rc; log: $(grep -E '^(# triage|hotpatch: stage)' "$tmp/kill/logs/${ids[1]}.log" 2>/dev/null | paste -sd' ')"
fi

# Ctrl-C after the first candidate deferred its module; job control gives the run its own
# process group with SIGINT not ignored, as a terminal's foreground job has
first=$(cut -f1 "$tmp/ref/candidates.tsv" | sed -n 1p)
set -m
nice "$triage" -j 1 "${cc[@]}" --from 6.1.190-1 -o "$tmp/ctl" "$tmp/fixes" >"$tmp/ctl.log" 2>&1 &
pid=$!
set +m
for ((i = 0; i < 1200; i++)); do
	[[ -s $tmp/ctl/work/deferred ]] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
kill -INT -- "-$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
cp "$tmp/ctl/logs/$first.log.tmp" "$tmp/ctl.first.log" 2>/dev/null || : >"$tmp/ctl.first.log"
if ((rc == 130)) && [[ $(cat "$tmp/ctl/work/deferred" 2>/dev/null) == "$first"* && -f $tmp/ctl/work/c/$first/state &&
	! -e $tmp/ctl/results/$first.json ]] && grep -q 'deferred module(s) in' "$tmp/ctl.log"; then
	t_pass "Ctrl-C once $first deferred its module: exit 130, its state kept, no result"
else
	t_fail "Ctrl-C once $first deferred its module" "saw exit $rc, deferred '$(paste -sd' ' "$tmp/ctl/work/deferred" 2>/dev/null)', results '$(ls "$tmp/ctl/results" 2>/dev/null)': $(tail -n 2 "$tmp/ctl.log" | tr '\n' ' ')"
fi
rc=0
triage ctl || rc=$?
n=$(wc -c <"$tmp/ctl.first.log")
tail -c +$((n + 1)) "$tmp/ctl/logs/$first.log" >"$tmp/ctl.rest.log" 2>/dev/null || : >"$tmp/ctl.rest.log"
same=1
for id in "${ids[@]}"; do
	cmp -s "$tmp/ref/modules/$id.ko" "$tmp/ctl/modules/$id.ko" || same=0
done
if ((rc == 0 && n > 0 && same)) && grep -q '^# triage: resumed: ' "$tmp/ctl.rest.log" &&
	! grep -qE '^hotpatch: (stage (patch|map|compile|diff) |objects: )' "$tmp/ctl.rest.log" &&
	[[ $(rows ref) == "$(rows ctl)" ]]; then
	t_pass "the rerun after Ctrl-C takes $first up (no compile); rows and modules equal the reference's"
else
	t_fail "the rerun after Ctrl-C takes $first up" "exit $rc, modules identical: $same; after the first part ($n bytes): $(grep -E '^(# triage|hotpatch: stage)' "$tmp/ctl.rest.log" | paste -sd' '); rows: $(diff <(rows ref) <(rows ctl) | head -c 300)"
fi

if grep -q 'taken up' "$tmp/int.log" && ! grep -q 'taken up' "$tmp/old.log"; then
	t_pass "the rerun says how many deferred candidates it took up (none when stale)"
else
	t_fail "the rerun says how many deferred candidates it took up" "$(grep -h 'taken up' "$tmp/int.log" "$tmp/old.log")"
fi
t_done
