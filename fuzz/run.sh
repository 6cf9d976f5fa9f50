#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fuzz/run.sh FUZZDIR SECONDS HARNESS... - run each libFuzzer harness (FUZZDIR/fuzz-HARNESS)
# for SECONDS on its corpus, then print one line per harness: executions and findings.
#
#   FUZZDIR/seeds/{elf,diff}/      seeds (fuzz/mkseeds.sh); fuzz-elf uses elf/, fuzz-diff diff/
#   FUZZDIR/corpus/HARNESS/        the growing corpus (kept between runs)
#   FUZZDIR/findings/HARNESS/      crash-*, leak-*, timeout-*, oom-* inputs
#   FUZZDIR/logs/HARNESS.log       libFuzzer's output
#
# FUZZ_JOBS=N runs N fuzzing processes per harness (default 1).  Extra libFuzzer flags can be
# given in FUZZ_FLAGS.  Exit 1 when a harness left a finding.
set -euo pipefail

(($# >= 3)) || { echo "usage: $0 FUZZDIR SECONDS HARNESS..." >&2; exit 1; }
dir=$1 secs=$2
shift 2
jobs=${FUZZ_JOBS:-1}
found=0
for h in "$@"; do
	bin=$dir/fuzz-$h
	seeds=$dir/seeds/$h
	[[ $h == elf ]] || [[ $h == diff ]] || { echo "fuzz: unknown harness '$h' (elf, diff)" >&2; exit 1; }
	[[ -x $bin ]] || { echo "fuzz: $bin is not built (make fuzz-build)" >&2; exit 1; }
	mkdir -p "$dir/corpus/$h" "$dir/findings/$h" "$dir/logs"
	log=$dir/logs/$h.log
	before=$(find "$dir/findings/$h" -type f | wc -l)
	echo "fuzz: $h for ${secs}s (corpus $dir/corpus/$h, seeds $seeds)"
	rc=0
	t0=$SECONDS
	args=(-max_total_time="$secs" -timeout=30 -rss_limit_mb=2560 -max_len=1048576
		-print_final_stats=1 -artifact_prefix="$dir/findings/$h/")
	if ((jobs > 1)); then
		args+=(-jobs="$jobs" -workers="$jobs")
	fi
	# shellcheck disable=SC2086
	"$bin" "${args[@]}" ${FUZZ_FLAGS:-} "$dir/corpus/$h" "$seeds" >"$log" 2>&1 || rc=$?
	execs=$(grep -h 'stat::number_of_executed_units' "$log" "$dir"/logs/fuzz-*.log 2>/dev/null |
		awk '{ s += $2 } END { print s + 0 }' || true)
	if ((jobs > 1)); then
		cat fuzz-*.log >>"$log" 2>/dev/null && rm -f fuzz-*.log
	fi
	after=$(find "$dir/findings/$h" -type f | wc -l)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
	echo "fuzz: $h: $execs executions in $((SECONDS - t0))s, ${cov:-cov: ?}, corpus $(find "$dir/corpus/$h" -type f | wc -l) inputs, $((after - before)) new findings (exit $rc)"
	if ((after > before)) || ((rc != 0)); then
		found=1
		find "$dir/findings/$h" -type f -newer "$dir/corpus/$h" -printf '  %p\n' 2>/dev/null || true
		grep -m 3 -E 'ERROR: (Address|Leak)Sanitizer|runtime error|deadly signal|SUMMARY' "$log" | sed 's/^/  | /' || true
	fi
done
exit "$found"
