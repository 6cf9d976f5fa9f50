# shellcheck shell=bash
# tests/lib.sh - helpers for shell test programs (see HACKING.md, "Tests").
#
#   t_pass NAME            print "ok N - NAME"
#   t_fail NAME MSG        print "not ok N - NAME: MSG" (MSG says what was expected and seen)
#   t_check NAME CMD...    run CMD; pass when it exits 0, else fail with its exit code and the
#                          last lines of its output
#   t_skip NAME WHY        print "ok N - NAME # SKIP WHY"
#   t_done                 print the plan "1..N"; exit 1 when a test failed
#   t_setup_kernel         make the kernel cache complete (hotpatch-build.sh --setup) and eval
#                          its HP_* assignments; on failure report it and exit
#   t_tmpdir               print a new temporary directory, removed when the program exits
#
# T_TOP is the repository root. HOTPATCH_CACHE, when set, is the cache root the tests use.

T_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T_N=0
T_FAILED=0
T_TMPDIRS=()

t_pass() {
	T_N=$((T_N + 1))
	printf 'ok %d - %s\n' "$T_N" "$1"
}

t_fail() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	printf 'not ok %d - %s: %s\n' "$T_N" "$1" "$2"
}

t_skip() {
	T_N=$((T_N + 1))
	printf 'ok %d - %s # SKIP %s\n' "$T_N" "$1" "$2"
}

t_check() {
	local name=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if ((rc == 0)); then
		t_pass "$name"
	else
		t_fail "$name" "expected '$*' to succeed, saw exit $rc: $(tail -n 5 <<<"$out" | tr '\n' ' ')"
	fi
}

t_done() {
	printf '1..%d\n' "$T_N"
	((T_FAILED == 0))
}

t_cleanup() {
	local d
	for d in "${T_TMPDIRS[@]}"; do
		rm -rf "$d"
	done
}
trap t_cleanup EXIT

t_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/hotpatch-test.XXXXXX")
	T_TMPDIRS+=("$d")
	printf '%s\n' "$d"
}

t_setup_kernel() {
	local env rc=0
	env=$("$T_TOP/hotpatch-build.sh" --setup --print-env 2>"${TMPDIR:-/tmp}/hotpatch-setup.$$.log") || rc=$?
	if ((rc != 0)) || [[ $env != *HP_RELEASE=* ]]; then
		t_fail "kernel cache setup" "expected hotpatch-build.sh --setup --print-env to succeed, saw exit $rc: $(tail -n 5 "${TMPDIR:-/tmp}/hotpatch-setup.$$.log" | tr '\n' ' ')"
		rm -f "${TMPDIR:-/tmp}/hotpatch-setup.$$.log"
		t_done
		exit 1
	fi
	rm -f "${TMPDIR:-/tmp}/hotpatch-setup.$$.log"
	eval "$env"
}
