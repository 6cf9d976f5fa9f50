#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hp_trap_errors (build/common.sh): a failure that set -e would end a script on without a word
# becomes "hotpatch: STAGE: error: internal: ..." and exit 1 - the case that cost a CI run:
# `x=$(producer | head -n 5 | ...)` under pipefail dies by SIGPIPE (141) when the producer writes
# after the reader stopped, which only happens under some timings. Failures that the script
# tests (if, ||, a command substitution's inner commands) stay silent, and Ctrl-C/TERM keep
# their status.
# shellcheck disable=SC2016 # the bodies in single quotes are scripts of their own, expanded there
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

t_plan 6
work=$(t_tmpdir)

# run_body NAME BODY - BODY after sourcing common.sh and hp_trap_errors, as a script of its own;
# status in rc, stderr in $work/NAME.err, stdout in $work/NAME.out
run_body() {
	local name=$1 body=$2
	printf '%s\n' "set -euo pipefail" ". '$T_TOP/build/common.sh'" "HP_STAGE=teststage" \
		"hp_trap_errors" "$body" >"$work/$name.sh"
	rc=0
	bash "$work/$name.sh" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
}

# A reader that stops after one line of a long stream: the producer always gets SIGPIPE.
run_body sigpipe 'f() { local y; y=$(seq 1 200000 | head -n 1); echo "y=$y"; }
f
echo reached'
if ((rc == 1)) && grep -q '^hotpatch: teststage: error: internal: "y=$(seq 1 200000 | head -n 1)" failed (exit 141) at sigpipe.sh:5' "$work/sigpipe.err" &&
	! grep -q reached "$work/sigpipe.out"; then
	t_pass "a pipeline killed by SIGPIPE inside a function: exit 1, naming the command, its status and line"
else
	t_fail "a pipeline killed by SIGPIPE inside a function: exit 1, naming the command, its status and line" \
		"saw exit $rc: $(cat "$work/sigpipe.err")"
fi

run_body plain 'false
echo reached'
if ((rc == 1)) && grep -q 'error: internal: "false" failed (exit 1) at plain.sh:5' "$work/plain.err"; then
	t_pass "an untested failing command: exit 1 with the message"
else
	t_fail "an untested failing command: exit 1 with the message" "saw exit $rc: $(cat "$work/plain.err")"
fi

run_body tested 'g() { grep -q no-such-line /dev/null; }
if g; then echo yes; fi
g || echo "g failed"
! g
x=$(grep no-such-line /dev/null; echo inner-went-on)
echo "$x"
echo reached'
if ((rc == 0)) && [[ ! -s $work/tested.err ]] &&
	[[ $(tr '\n' ' ' <"$work/tested.out") == "g failed inner-went-on reached " ]]; then
	t_pass "tested failures (if, ||, !, inside a command substitution) are not errors"
else
	t_fail "tested failures (if, ||, !, inside a command substitution) are not errors" \
		"saw exit $rc, stdout $(tr '\n' ' ' <"$work/tested.out"), stderr $(cat "$work/tested.err")"
fi

run_body sub '(exit 3)
echo reached'
if ((rc == 1)) && [[ $(grep -c 'error: internal:' "$work/sub.err") == 1 ]]; then
	t_pass "a failed subshell is reported once, by the main shell"
else
	t_fail "a failed subshell is reported once, by the main shell" "saw exit $rc: $(cat "$work/sub.err")"
fi

run_body intr 'sh -c "exit 130"
echo reached'
if ((rc == 130)) && [[ ! -s $work/intr.err ]]; then
	t_pass "a command interrupted by Ctrl-C keeps status 130, no message"
else
	t_fail "a command interrupted by Ctrl-C keeps status 130, no message" "saw exit $rc: $(cat "$work/intr.err")"
fi

run_body die 'hp_die "plain refusal"'
if ((rc == 1)) && [[ $(cat "$work/die.err") == "hotpatch: teststage: error: plain refusal" ]]; then
	t_pass "hp_die is not reported twice"
else
	t_fail "hp_die is not reported twice" "saw exit $rc: $(cat "$work/die.err")"
fi

t_done
