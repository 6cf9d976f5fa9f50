#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/bench-triage.sh [SHARD] [FROM TO] - hotpatch-triage on one shard of a real update, twice,
# through ccache with an empty cache of its own: the first run fills it, the second (a fresh
# output directory, so nothing is skipped) hits it. Prints per run: wall time, candidates, the
# mean candidate time, the mean of its compile stage (both compiles of every TU) and the mean
# overhead beyond the compiles (candidate time - compile stage: patch, map, diff, module,
# report, hotpatch-build's start and the triage worker), the module stage alone (mean over every
# .c candidate, and over the built ones: their share of the batched kbuild, post-link, signing),
# and the CPU time of the whole run (every process it waited for: user + system) per candidate.
# With -j 2 on two cores the mean candidate time counts the time a candidate waited for the other's
# CPU; cpu/cand does not, and on a warm ccache (compiles are cache hits) it bounds the overhead
# per candidate from above; wall/cand is the throughput.
# Defaults: shard 1/256 of 6.1.190-1 -> 6.1.192-1 (5 candidates), -j 2.
# Figures go on the issue and in the README's triage section, never into tests.
set -euo pipefail

shard=${1:-1/256}
from=${2:-6.1.190-1}
to=${3:-6.1.192-1}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-triage.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export CCACHE_DIR=$tmp/ccache

command -v ccache >/dev/null || { echo "bench-triage: ccache is not installed (make deps)" >&2; exit 1; }
printf '%-6s %7s %5s %9s %9s %9s %9s %9s %9s %9s\n' run wall_s cands mean_s compile_s overhead_s module_s built_mod_s \
	cpu/cand wall/cand
for run in cold warm; do
	# the machine is shared: a figure means little without the load it was taken under
	printf '# %s: load before: %s\n' "$run" "$(uptime)"
	t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$tmp/$run.cpu" "$top/hotpatch-triage.sh" -j 2 --cc-wrapper ccache --shard "$shard" -o "$tmp/$run" \
		--from "$from" --to "$to" >"$tmp/$run.log" 2>&1 || true
	t1=$(date +%s.%N)
	[[ -s $tmp/$run/triage.json ]] || { tail -n 5 "$tmp/$run.log" >&2; exit 1; }
	read -r user sys <"$tmp/$run.cpu"
	jq -r --arg run "$run" --argjson cpu "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" --argjson wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '
		[.candidates[] | select(.kind == "c")] as $c | ($c | length) as $n |
		def mean(f): if $n > 0 then ([$c[] | f] | add / $n * 100 | round / 100) else 0 end;
		([$c[] | .stages.module // empty]) as $m |
		"\($run) \($wall | floor) \($n) \(mean(.time)) \(mean(.stages.compile // 0)) \(mean(.time - (.stages.compile // 0))) \(mean(.stages.module // 0)) \(if ($m | length) > 0 then ($m | add / length * 100 | round / 100) else 0 end) \(if $n > 0 then ($cpu / ([.candidates[]] | length) * 100 | round / 100) else 0 end) \(if $n > 0 then ($wall / ([.candidates[]] | length) * 100 | round / 100) else 0 end)"' \
		"$tmp/$run/triage.json" | xargs printf '%-6s %7s %5s %9s %9s %9s %9s %9s %9s %9s\n'
	# the run's fixed stages (target, input, candidates) are paid once per run and per CI shard
	sed -n 's/^hotpatch: stage \(target\|input\|candidates\|report\) */# \1 /p' "$tmp/$run.log"
done
CCACHE_DIR=$tmp/ccache ccache -s | sed -n '/Hits/,/Misses/p' | sed 's/^/ccache: /'
