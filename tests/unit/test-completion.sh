#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# completions/hotpatch-build under bash-completion: options come from hotpatch-build --help,
# -k offers the releases whose cache is complete (HOTPATCH_CACHE or --cache), the operand offers
# patch files; the same file completes hotpatch-triage from its --help. Plus shellcheck of the file (it has no .sh name for test-lint.sh to find). ~1 s.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_plan 10
tmp=$(t_tmpdir)
bc=/usr/share/bash-completion/bash_completion
if [[ ! -r $bc ]]; then
	t_bail "expected $bc (make deps installs bash-completion), saw none"
fi

t_check "shellcheck completions/hotpatch-build" shellcheck -s bash "$T_TOP/completions/hotpatch-build"

mkdir -p "$tmp/bin" "$tmp/cache/6.1.0-98-amd64/.done" "$tmp/cache/6.1.0-99-amd64/.done" \
	"$tmp/other/6.1.0-42-amd64/.done" "$tmp/work"
touch "$tmp/cache/6.1.0-98-amd64/.done/setup" "$tmp/other/6.1.0-42-amd64/.done/setup" \
	"$tmp/work/fix.patch" "$tmp/work/b.diff" "$tmp/work/notes.txt"
ln -s "$T_TOP/hotpatch-build.sh" "$tmp/bin/hotpatch-build"

# complete LINE - what bash-completion offers for the last word of LINE, sorted, one line
complete_line() {
	(
		cd "$tmp/work"
		PATH=$tmp/bin:$PATH
		HOTPATCH_CACHE=$tmp/cache
		# shellcheck source=/dev/null
		. "$bc"
		# shellcheck source=completions/hotpatch-build
		. "$T_TOP/completions/hotpatch-build"
		read -r -a COMP_WORDS <<<"$1"
		[[ $1 == *' ' ]] && COMP_WORDS+=('')
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$1
		COMP_POINT=${#1}
		"_${COMP_WORDS[0]//-/_}" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
	)
}

expect() {
	local name=$1 line=$2 want=$3 saw
	saw=$(complete_line "$line" 2>&1)
	if [[ $saw == "$want" ]]; then
		t_pass "$name"
	else
		t_fail "$name" "expected '$want', saw '$saw'"
	fi
}

expect "options from --help: --s" "hotpatch-build --s" "--setup --sign-cert --sign-key "
expect "options from --help: --re" "hotpatch-build --re" "--replace "
expect "-k: releases with a complete cache only" "hotpatch-build -k " "6.1.0-98-amd64 "
expect "-k after --cache DIR: that cache's releases" "hotpatch-build --cache $tmp/other -k 6" "6.1.0-42-amd64 "
expect "operand: patch and diff files" "hotpatch-build -o out " "b.diff fix.patch "
ln -s "$T_TOP/hotpatch-triage.sh" "$tmp/bin/hotpatch-triage"
expect "hotpatch-triage: options from its --help: --sh" "hotpatch-triage --sh" "--shard "
expect "hotpatch-triage -k: releases with a complete cache" "hotpatch-triage -o x -k " "6.1.0-98-amd64 "
expect "hotpatch-triage: --max-sources from its --help" "hotpatch-triage --max" "--max-sources "
expect "hotpatch-triage --max-sources: a number, nothing offered" "hotpatch-triage -o x --max-sources " " "
t_done
