#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/run.sh itself, on fake test programs made here: each way a program can go wrong (a crash
# midway, a binary that cannot run, a plan it falls short of or exceeds, no plan, a bail-out, a
# sanitizer report) is counted as failed and names the program; skips are counted apart; the
# TESTS knob lists what it left out.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

t_plan 18
d=$(t_tmpdir)
lib=$T_TOP/tests/lib.sh

fake() { # NAME BODY: a shell test program sourcing tests/lib.sh
	printf '#!/bin/bash\nset -euo pipefail\n. %q\n%s\n' "$lib" "$2" >"$d/$1"
}
fake test-good.sh 't_plan 2; t_pass one; t_pass two; t_done'
fake test-skip.sh 't_plan 3; t_pass one; t_skip two "a reason"; t_pass three; t_done'
fake test-crash.sh 't_plan 4; t_pass one; kill -SEGV $$; t_pass two; t_pass three; t_pass four; t_done'
fake test-exit.sh 't_plan 3; t_pass one; false; t_pass two; t_pass three; t_done'
fake test-short.sh 't_plan 3; t_pass one; t_pass two; t_done'
fake test-excess.sh 't_plan 1; t_pass one; t_pass two; t_done'
fake test-noplan.sh 't_pass one; t_done'
fake test-late.sh 'echo "ok 1 - one"; echo "1..1"'
fake test-bail.sh 't_plan 5; t_pass one; t_bail "the fixture did not build"'
fake test-bail-early.sh 't_bail "no kernel cache"; t_plan 5'
fake test-asan.sh 't_plan 1; echo "x.c:3:5: runtime error: signed integer overflow" >&2; t_pass one; t_done'
fake test-fail.sh 't_plan 2; t_fail one "expected 1, saw 2"; t_pass two; t_done'
# a C program that prints two of its three planned results, then dies of SIGSEGV
cat >"$d/crash.c" <<'C'
#include <signal.h>
#include <stdio.h>
int main(void)
{
	printf("1..3\nok 1 - first\nok 2 - second\n");
	fflush(stdout);
	raise(SIGSEGV);
	printf("ok 3 - third\n");
	return 0;
}
C
gcc -O0 -o "$d/test-cbin-crash" "$d/crash.c"
# an executable that is not a program (a truncated ELF header)
printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0' >"$d/test-cbin-broken"
chmod +x "$d/test-cbin-broken"

rc=0
TESTS='' TMPDIR=$d HP_TEST_LOGDIR=$d/logs "$T_TOP/tests/run.sh" "$d"/test-*.sh "$d/test-cbin-crash" "$d/test-cbin-broken" \
	"$d/test-cbin-missing" >"$d/out" 2>&1 || rc=$?

# expect PROGRAM "P passed, F failed, S skipped" [WHY-REGEX]: the runner's line for PROGRAM,
# and when WHY-REGEX is given, a "not ok - PROGRAM ..." line matching it
expect() {
	local prog=$d/$1 want=$2 why=${3:-} line
	line=$(grep -F "# $prog: " "$d/out" | sed 's/, [0-9]* s$//') || true
	if [[ $line != "# $prog: $want" ]]; then
		t_fail "$1: $want" "expected '# $prog: $want', saw '${line:-no line}'"
	elif [[ -n $why ]] && ! grep -E -- "^  not ok - $prog .*$why" "$d/out" >/dev/null; then
		t_fail "$1: $want" "expected a line 'not ok - $prog' matching '$why', saw: $(grep -F "not ok - $prog " "$d/out" || echo none)"
	else
		t_pass "$1: $want${why:+ ($why)}"
	fi
}
expect test-good.sh "2 passed, 0 failed, 0 skipped"
expect test-skip.sh "2 passed, 0 failed, 1 skipped"
expect test-crash.sh "1 passed, 3 failed, 0 skipped" "planned 4 tests, ran 1: 3 never ran.*killed by signal 11"
expect test-exit.sh "1 passed, 2 failed, 0 skipped" "planned 3 tests, ran 1: 2 never ran.*exited 1"
expect test-short.sh "2 passed, 1 failed, 0 skipped" "planned 3 tests, ran 2: 1 never ran"
expect test-excess.sh "2 passed, 1 failed, 0 skipped" "planned 1 tests, ran 2"
expect test-noplan.sh "1 passed, 1 failed, 0 skipped" "declared its plan after its first test"
expect test-late.sh "1 passed, 1 failed, 0 skipped" "declared its plan after its first test"
expect test-bail.sh "1 passed, 4 failed, 0 skipped" "4 never ran.*bailed out: the fixture did not build"
expect test-bail-early.sh "0 passed, 1 failed, 0 skipped" "bailed out: no kernel cache"
expect test-asan.sh "1 passed, 1 failed, 0 skipped" "sanitizer report"
expect test-fail.sh "1 passed, 1 failed, 0 skipped"
expect test-cbin-crash "2 passed, 1 failed, 0 skipped" "1 never ran.*killed by signal 11"
expect test-cbin-broken "0 passed, 1 failed, 0 skipped" "could not be run \(exit 126\)"
expect test-cbin-missing "0 passed, 1 failed, 0 skipped" "could not be run \(exit 127\)"

last=$(tail -n 1 "$d/out")
if [[ $last == "17 passed, 19 failed, 1 skipped" ]] && ((rc == 1)); then
	t_pass "closing line counts every program, the runner exits 1"
else
	t_fail "closing line" "expected '17 passed, 19 failed, 1 skipped' and exit 1, saw '$last' and exit $rc"
fi

rc=0
TESTS="good" TMPDIR=$d HP_TEST_LOGDIR=$d/logs "$T_TOP/tests/run.sh" "$d/test-good.sh" "$d/test-skip.sh" >"$d/out2" 2>&1 || rc=$?
if ((rc == 0)) && grep -qxF "# left out by TESTS=\"good\": 1 programs: $d/test-skip.sh" "$d/out2" &&
	[[ $(tail -n 1 "$d/out2") == "2 passed, 0 failed, 0 skipped" ]]; then
	t_pass "TESTS runs the matching programs and lists the ones it left out"
else
	t_fail "TESTS knob" "expected exit 0, test-skip.sh listed as left out and '2 passed, 0 failed, 0 skipped', saw exit $rc: $(tr '\n' '|' <"$d/out2")"
fi

# A skip is allowed only where README's "Testing" section names it: every t_skip of the suite
# names its test with a literal string that section must hold.
readme=$(sed -n '/^## Testing$/,/^## /p' "$T_TOP/README.md")
unlisted=()
n=0
while IFS= read -r line; do
	n=$((n + 1))
	name=$(sed -nE 's/.*t_skip "([^"]*)".*/\1/p' <<<"${line#*:*:}")
	if [[ -z $name || $readme != *"$name"* ]]; then
		unlisted+=("$line")
	fi
done < <(cd "$T_TOP" && grep -rnE '(^|[;&|[:space:]])t_skip ' --include='*.sh' tests |
	grep -vE '^tests/(lib\.sh|unit/test-runner\.sh):')
if ((${#unlisted[@]} == 0)); then
	t_pass "every t_skip of the suite ($n) is listed in README's Testing section"
else
	t_fail "skips listed in README" "expected README's Testing section to name every skipped test, saw unlisted: $(printf '%s | ' "${unlisted[@]}")"
fi
t_done
