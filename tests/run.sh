#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The whole suite: every test program, TAP lines counted, one closing line
# "N passed, N failed".  TESTS="pattern ..." runs only matching programs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logdir=${HP_TEST_LOGDIR:-$root/out/test-logs}
mkdir -p "$logdir"

passed=0
failed=0
failures=()

# Order: cheap and independent first, kernel and VM tests last.
programs=()
for b in out/tests/* out-asan/tests/*; do
	[[ -x "$b" && -f "$b" ]] && programs+=("$b")
done
for dir in tests/unit tests/differ tests/kernel tests/vm tests/e2e; do
	[[ -d "$dir" ]] || continue
	while IFS= read -r f; do programs+=("$f"); done \
		< <(find "$dir" -name 'test-*.sh' -type f | sort)
done

# Shell tests that take their tool from the environment run a second time against the
# sanitizer build (make check builds out-asan with ASan + UBSan); the differ case driver and
# test-malformed.sh run both builds themselves.
if [[ -x out-asan/bin/hotpatch-index && -f tests/unit/test-symindex-build.sh ]]; then
	programs+=("asan:tests/unit/test-symindex-build.sh")
fi

selected() {
	[[ -z "${TESTS:-}" ]] && return 0
	local p
	for p in $TESTS; do
		[[ "$1" == *"$p"* ]] && return 0
	done
	return 1
}

export CMOCKA_MESSAGE_OUTPUT=TAP
for prog in "${programs[@]}"; do
	selected "$prog" || continue
	log="$logdir/$(echo "$prog" | tr '/' '_').log"
	echo "# $prog"
	start=$SECONDS
	rc=0
	if [[ "$prog" == asan:* ]]; then
		HOTPATCH_INDEX=$root/out-asan/bin/hotpatch-index HP_BIN=$root/out-asan/bin \
			bash "${prog#asan:}" >"$log" 2>&1 || rc=$?
	elif [[ "$prog" == *.sh ]]; then
		bash "$prog" >"$log" 2>&1 || rc=$?
	else
		"$prog" >"$log" 2>&1 || rc=$?
	fi
	p=$(grep -cE '^ok [0-9]+' "$log" || true)
	f=$(grep -cE '^not ok [0-9]+' "$log" || true)
	grep -E '^(not )?ok [0-9]+' "$log" | sed 's/^/  /' || true
	if (( rc != 0 && f == 0 )); then
		f=1
		echo "  not ok - $prog exited $rc without reporting a failure (log: $log)"
		tail -n 15 "$log" | sed 's/^/  | /'
	elif (( f > 0 )); then
		echo "  log: $log"
	fi
	# any AddressSanitizer/LeakSanitizer/UBSan report fails the program
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|: runtime error: ' "$log"; then
		f=$((f + 1))
		echo "  not ok - $prog: sanitizer report (log: $log)"
		grep -m 3 -E 'ERROR: (Address|Leak)Sanitizer|: runtime error: |SUMMARY' "$log" | sed 's/^/  | /'
	fi
	if (( p + f == 0 )); then
		f=1
		echo "  not ok - $prog reported no test (log: $log)"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	(( f > 0 )) && failures+=("$prog")
	echo "# $prog: $p passed, $f failed, $((SECONDS - start)) s"
done

if (( ${#failures[@]} )); then
	echo "# failing programs: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
(( failed == 0 ))
