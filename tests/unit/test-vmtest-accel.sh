#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm/vmtest.sh's choice of qemu acceleration, from the release of the kernel it boots: 6.4+
# guests run all vCPUs on one TCG thread (a livepatch transition's text poking under
# multi-threaded TCG executed a removed int3).  The release is an argument, never a global
# of the caller: test-vm-soak.sh drives the guest itself and has no VMT_RELEASE, which once
# cost a CI run ("VMT_RELEASE: unbound variable").
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=vm/vmtest.sh
. "$T_TOP/vm/vmtest.sh"

t_plan 6
unset VMT_RELEASE

# expect_accel NAME RELEASE WANT
expect_accel() {
	local out rc=0
	out=$(VMT_ACCEL=tcg vmtest_accel_args /nonexistent "$2" 2>&1) || rc=$?
	if ((rc == 0)) && [[ $out == "$3" ]]; then
		t_pass "$1"
	else
		t_fail "$1" "expected '$3', saw exit $rc: $out"
	fi
}

expect_accel "6.1 guest under TCG: multi-threaded" 6.1.0-57-amd64 "tcg -accel tcg -cpu max"
expect_accel "6.12 trixie guest under TCG: one thread" 6.12.118+deb13-amd64 "tcg -accel tcg,thread=single -cpu max"
expect_accel "6.12 backports guest under TCG: one thread" 6.12.95+deb12-amd64 "tcg -accel tcg,thread=single -cpu max"
expect_accel "an unparsable release stays multi-threaded, without an error" "" "tcg -accel tcg -cpu max"

if vmtest_release_at_least 6.4.0-1-amd64 6 4 && vmtest_release_at_least 10.0 6 4 &&
	! vmtest_release_at_least 6.3.13 6 4 && ! vmtest_release_at_least 5.10.0-30-amd64 6 4; then
	t_pass "release comparison: 6.4.0 and 10.0 are at least 6.4; 6.3.13 and 5.10 are not"
else
	t_fail "release comparison: 6.4.0 and 10.0 are at least 6.4; 6.3.13 and 5.10 are not"
fi

rc=0
out=$(VMT_ACCEL=bogus vmtest_accel_args /nonexistent 6.1.0-57-amd64 2>&1) || rc=$?
if ((rc == 2)) && [[ $out == *"expected auto, kvm or tcg, got 'bogus'"* ]]; then
	t_pass "an unknown --accel is a usage error (2) naming it"
else
	t_fail "an unknown --accel is a usage error (2) naming it" "saw exit $rc: $out"
fi
t_done
