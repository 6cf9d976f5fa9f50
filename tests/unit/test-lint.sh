#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every shell script of the project is shellcheck clean (the guest's check scripts as POSIX sh).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP"
mapfile -t scripts < <(git ls-files '*.sh' 'hotpatch-build.sh' '.ci/run' | sort -u)
for f in "${scripts[@]}"; do
	shell=bash
	[[ $f == examples/*/check.sh ]] && shell="sh"
	if out=$(shellcheck -x -s "$shell" "$f" 2>&1); then
		t_pass "shellcheck $f"
	else
		t_fail "shellcheck $f" "expected no findings, saw: $(head -n 6 <<<"$out" | tr '\n' ' ')"
	fi
done
t_done
