#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The whole suite: every test program, its TAP lines counted against its plan, one closing line
# "N passed, N failed, N skipped".  What the count means: README.md, "Testing".
#
#   tests/run.sh                  every test program
#   TESTS="pattern ..." tests/run.sh   only the programs whose path contains a pattern (the
#                                 others are listed as left out)
#   tests/run.sh PROGRAM...       exactly these programs (paths; *.sh run with bash)
#
# A program fails when it prints "not ok", declares no plan before its first test, runs fewer
# or more tests than planned (each planned test that never ran is a failure), bails out, exits
# non-zero, prints a sanitizer report, or cannot be run at all.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logdir=${HP_TEST_LOGDIR:-$root/out/test-logs}
mkdir -p "$logdir"

passed=0
failed=0
skipped=0
failures=()
left_out=()
notes=()

programs=()
if (($#)); then
	programs=("$@")
else
	# Order: cheap and independent first, kernel and VM tests last.
	# The C unit tests: one binary per tests/unit/test-*.c in out/tests, and in out-asan/tests
	# when the sanitizer build exists (make check builds it). A missing binary is a failure.
	for c in tests/unit/test-*.c; do
		[[ -e $c ]] || continue
		programs+=("out/tests/$(basename "$c" .c)")
		if [[ -d out-asan/bin ]]; then
			programs+=("out-asan/tests/$(basename "$c" .c)")
		fi
	done
	[[ -d out-asan/bin ]] || notes+=("# left out: the sanitizer build's tests (out-asan/ is not built; make check builds it)")
	for dir in tests/unit tests/differ tests/kernel tests/vm tests/e2e; do
		[[ -d "$dir" ]] || continue
		while IFS= read -r f; do programs+=("$f"); done \
			< <(find "$dir" -name 'test-*.sh' -type f | sort)
	done
	# Shell tests that take their tool from the environment run a second time against the
	# sanitizer build; the differ case driver and test-malformed.sh run both builds themselves.
	if [[ -d out-asan/bin && -f tests/unit/test-symindex-build.sh ]]; then
		programs+=("asan:tests/unit/test-symindex-build.sh")
	fi
fi

selected() {
	[[ -z "${TESTS:-}" ]] && return 0
	local p
	for p in $TESTS; do
		[[ "$1" == *"$p"* ]] && return 0
	done
	return 1
}

# count LOG: sets n_pass n_fail n_skip n_plan plan_late bail from a program's TAP output.
# cmocka prints one plan per group; the plans add up.
count() {
	local log=$1
	n_pass=0 n_fail=0 n_skip=0 n_plan=0 plan_late=0 bail=""
	eval "$(awk '
		/^1\.\.[0-9]+/ { if (tests > 0 && plans == 0) late = 1; plans++; sub(/^1\.\./, ""); plan += $0 + 0; next }
		/^(not )?ok [0-9]+/ && tolower($0) ~ /# skip/ { skip++; tests++; next }
		/^ok [0-9]+/ { pass++; tests++; next }
		/^not ok [0-9]+/ { fail++; tests++; next }
		/^Bail out!/ && bail == "" { bail = substr($0, 11) }
		END {
			gsub(/'\''/, "", bail)
			printf "n_pass=%d n_fail=%d n_skip=%d n_plan=%d plan_late=%d plans=%d bail='\''%s'\''\n",
				pass, fail, skip, plan, late, plans, bail
		}' "$log")"
}

export CMOCKA_MESSAGE_OUTPUT=TAP
((${#notes[@]} == 0)) || printf '%s\n' "${notes[@]}"
for prog in "${programs[@]}"; do
	if ! selected "$prog"; then
		left_out+=("$prog")
		continue
	fi
	log="$logdir/$(echo "$prog" | tr '/:' '__').log"
	echo "# $prog"
	start=$SECONDS
	rc=0
	if [[ "$prog" == asan:* ]]; then
		HOTPATCH_INDEX=$root/out-asan/bin/hotpatch-index HP_BIN=$root/out-asan/bin \
			bash "${prog#asan:}" >"$log" 2>&1 || rc=$?
	elif [[ "$prog" == *.sh ]]; then
		bash "$prog" >"$log" 2>&1 || rc=$?
	elif [[ ! -e "$prog" ]]; then
		echo "$prog: no such program (run make)" >"$log"
		rc=127
	else
		"$prog" >"$log" 2>&1 || rc=$?
	fi
	plans=0
	count "$log"
	p=$n_pass f=$n_fail s=$n_skip
	grep -E '^(not )?ok [0-9]+|^Bail out!|^# left out:' "$log" | sed 's/^/  /' || true
	why=()
	ran=$((n_pass + n_fail + n_skip))
	if ((plans == 0)); then
		[[ -n $bail ]] || why+=("declared no plan (TAP 1..N before its first test; t_plan N in shell tests, HACKING.md)")
		((f > 0)) || f=1
	elif ((plan_late)); then
		why+=("declared its plan after its first test (t_plan comes first)")
		f=$((f + 1))
	elif ((ran < n_plan)); then
		why+=("planned $n_plan tests, ran $ran: $((n_plan - ran)) never ran")
		f=$((f + n_plan - ran))
	elif ((ran > n_plan)); then
		why+=("planned $n_plan tests, ran $ran")
		f=$((f + 1))
	fi
	if [[ -n $bail ]]; then
		# counted above: as the planned tests that never ran, or as the missing plan
		why+=("bailed out: $bail")
	fi
	if ((rc != 0)); then
		case $rc in
		126 | 127) why+=("could not be run (exit $rc)") ;;
		*) if ((rc > 128)); then why+=("was killed by signal $((rc - 128))"); else why+=("exited $rc"); fi ;;
		esac
		# every non-zero exit is a failure, even when the lines above already count one
		if ((n_fail == 0 && f == n_fail)); then
			f=$((f + 1))
		fi
	fi
	# any AddressSanitizer/LeakSanitizer/UBSan report fails the program
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|: runtime error: ' "$log"; then
		f=$((f + 1))
		why+=("printed a sanitizer report")
		grep -m 3 -E 'ERROR: (Address|Leak)Sanitizer|: runtime error: |SUMMARY' "$log" | sed 's/^/  | /'
	fi
	if ((${#why[@]})); then
		msg=$(printf '%s; ' "${why[@]}")
		echo "  not ok - $prog ${msg%; } (log: $log)"
		if ((f > n_fail)); then
			tail -n 15 "$log" | sed 's/^/  | /'
		fi
	elif ((f > 0)); then
		echo "  log: $log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	((f > 0)) && failures+=("$prog")
	echo "# $prog: $p passed, $f failed, $s skipped, $((SECONDS - start)) s"
done

if ((${#left_out[@]})); then
	echo "# left out by TESTS=\"${TESTS:-}\": ${#left_out[@]} programs: ${left_out[*]}"
fi
if ((${#failures[@]})); then
	echo "# failing programs: ${failures[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
