#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every shell script of the project is shellcheck clean (the guest's check scripts as POSIX sh).
# One test for all of them: a lint finding is one failure, not one pass per clean file.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP"
t_plan 1
mapfile -t scripts < <(git ls-files '*.sh' 'hotpatch-build.sh' '.ci/run' | sort -u)
dirty=()
for f in "${scripts[@]}"; do
	shell=bash
	[[ $f == examples/*/check.sh ]] && shell="sh"
	if ! out=$(shellcheck -x -s "$shell" "$f" 2>&1); then
		dirty+=("$f: $(head -n 6 <<<"$out" | tr '\n' ' ')")
	fi
done
if ((${#scripts[@]} == 0)); then
	t_fail "shellcheck every tracked shell script" "expected git ls-files to list the scripts, saw none"
elif ((${#dirty[@]})); then
	t_fail "shellcheck every tracked shell script" "expected no findings in ${#scripts[@]} scripts, saw ${#dirty[@]} with findings: $(printf '%s | ' "${dirty[@]}")"
else
	t_pass "shellcheck: ${#scripts[@]} tracked shell scripts clean"
fi
t_done
