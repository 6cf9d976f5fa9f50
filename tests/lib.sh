# shellcheck shell=bash
# tests/lib.sh - helpers for shell test programs (see HACKING.md, "Tests").
#
#   t_plan N               declare that the program runs N tests: prints the TAP plan "1..N".
#                          Call it once, before the first test; tests/run.sh counts every
#                          planned test that never printed a line as a failure.
#   t_pass NAME            print "ok N - NAME"
#   t_fail NAME MSG        print "not ok N - NAME: MSG" (MSG says what was expected and seen)
#   t_check NAME CMD...    run CMD; pass when it exits 0, else fail with its exit code and the
#                          last lines of its output
#   t_skip NAME WHY        print "ok N - NAME # SKIP WHY"; counted apart from passes. Only where
#                          README's "Testing" section lists the skip and why.
#   t_left_out WHAT        print "# left out: WHAT" - what a knob (CASES, SOAK_DIFFER, ...) did
#                          not run; such tests are not in the plan
#   t_bail WHY             print "Bail out! WHY" and exit 1: the program cannot go on (the
#                          planned tests not run are failures)
#   t_done                 end: exit 1 when a test failed or the count differs from the plan
#   t_sigint_default ARGS  call first in a program that interrupts what it runs with SIGINT (as
#                          Ctrl-C would): a program started in the background inherits SIGINT
#                          ignored, which no shell can undo, so the program restarts itself
#                          with the default disposition
#   t_kernel_dups NAME     after t_setup_kernel: "POS FILE" for every function NAME of the target's
#                          vmlinux, POS counting from 1 in System.map's address order (kallsyms'
#                          sympos), FILE its source file relative to HP_SRC as binutils'
#                          addr2line reads it from the dbg vmlinux -- facts of the target taken
#                          from its own files, not from the tools under test
#   t_setup_kernel         make the kernel cache complete (hotpatch-build.sh --setup) and eval
#                          its HP_* assignments; on failure bail out
#   t_tmpdir               print a new temporary directory, removed when the program exits
#                          (also when called in a subshell: it lives under T_TMPROOT, which the
#                          program's own EXIT trap removes)
#
# T_TOP is the repository root. HOTPATCH_CACHE, when set, is the cache root the tests use.

T_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T_N=0
T_FAILED=0
T_PLAN=
T_TMPROOT=$(mktemp -d "${TMPDIR:-/tmp}/hotpatch-test.XXXXXX")

t_plan() {
	if [[ -n $T_PLAN || $T_N -gt 0 ]]; then
		t_bail "t_plan $1: the plan must be declared once, before the first test"
	fi
	if ! [[ $1 =~ ^[0-9]+$ ]]; then
		t_bail "t_plan: expected a number of tests, saw '$1'"
	fi
	T_PLAN=$1
	printf '1..%d\n' "$T_PLAN"
}

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

t_left_out() {
	printf '# left out: %s\n' "$1"
}

t_bail() {
	printf 'Bail out! %s\n' "$1"
	exit 1
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
	if [[ -z $T_PLAN ]]; then
		# a trailing plan is valid TAP, but a crash would lose it: tests/run.sh refuses it
		printf '1..%d\n' "$T_N"
		printf '# no plan was declared before the first test (t_plan)\n'
		exit 1
	fi
	if ((T_N != T_PLAN)); then
		printf '# planned %d tests, ran %d\n' "$T_PLAN" "$T_N"
		exit 1
	fi
	((T_FAILED == 0))
}

t_cleanup() {
	# only the shell that sourced this file removes it, not its subshells
	if [[ $BASHPID == "$T_PID" ]]; then
		rm -rf "$T_TMPROOT"
	fi
}
T_PID=$BASHPID
trap t_cleanup EXIT

t_tmpdir() {
	mktemp -d "$T_TMPROOT/t.XXXXXX"
}

t_sigint_default() {
	local ign
	ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$$/status")
	if [[ -n $ign ]] && ((16#$ign & 2)); then
		rm -rf "$T_TMPROOT"
		exec env --default-signal=INT bash "$(realpath "$0")" "$@"
	fi
}

t_kernel_dups() {
	local pos=0 f
	while IFS= read -r f; do
		pos=$((pos + 1))
		f=${f%%:*}
		# the dbg vmlinux names files by their build path; keep the part the tree has
		while [[ ! -f $HP_SRC/$f && $f == */* ]]; do
			f=${f#*/}
		done
		printf '%d %s\n' "$pos" "$f"
	done < <(awk -v n="$1" '$3 == n && ($2 == "t" || $2 == "T") { print "0x" $1 }' "$HP_SYSMAP" |
		addr2line -e "$HP_VMLINUX")
}

t_setup_kernel() {
	local env rc=0 log
	log=$(mktemp "${TMPDIR:-/tmp}/hotpatch-setup.XXXXXX")
	env=$("$T_TOP/hotpatch-build.sh" --setup --print-env 2>"$log") || rc=$?
	if ((rc != 0)) || [[ $env != *HP_RELEASE=* ]]; then
		local tail
		tail=$(tail -n 5 "$log" | tr '\n' ' ')
		rm -f "$log"
		t_bail "kernel cache setup: expected hotpatch-build.sh --setup --print-env to succeed, saw exit $rc: $tail"
	fi
	rm -f "$log"
	eval "$env"
}
