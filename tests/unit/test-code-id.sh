#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build/common.sh hp_code_id: the hash of the code a run executes, part of every triage
# candidate's key (hotpatch-triage TRIAGE_VERSION). VERSION is not bumped for each change of a
# checkout; before this key a rerun with changed code kept the rows the old code had written.
# On a copy of this tree's own code: the id changes with a script, a template, the module
# skeleton, a program and VERSION; it does not change with a file's time, a file outside the
# code, or the directory the code is installed in.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"

t_plan 9
tmp=$(t_tmpdir)
lib=$tmp/a
mkdir -p "$lib/out/bin"
cp -r "$T_TOP/build" "$T_TOP/templates" "$T_TOP/kmod-skel" "$T_TOP/VERSION" "$T_TOP/hotpatch-build.sh" \
	"$T_TOP/hotpatch-triage.sh" "$lib/"
printf 'program\n' >"$lib/out/bin/hotpatch-diff"

id() {
	HP_LIBDIR=$1 hp_code_id
}

base=$(id "$lib")
if [[ $base =~ ^[0-9a-f]{16}$ ]]; then
	t_pass "a 16-digit hash: $base"
else
	t_fail "a 16-digit hash" "saw '$base'"
fi

# changed - a change of the code changes the id; the change is undone after
changed() {
	local what=$1 file=$2 now
	cp -p "$file" "$tmp/saved"
	printf '# changed\n' >>"$file"
	now=$(id "$lib")
	cp -p "$tmp/saved" "$file"
	if [[ $now != "$base" && $(id "$lib") == "$base" ]]; then
		t_pass "$what changes the id"
	else
		t_fail "$what changes the id" "before $base, changed $now, restored $(id "$lib")"
	fi
}
changed "a stage script (build/objects.sh)" "$lib/build/objects.sh"
changed "the triage entry point" "$lib/hotpatch-triage.sh"
changed "a template" "$lib/templates/livepatch.c"
changed "the module skeleton" "$lib/kmod-skel/klpfix.c"
changed "a program" "$lib/out/bin/hotpatch-diff"
changed "VERSION" "$lib/VERSION"

touch -d '2001-01-01' "$lib/build/common.sh"
printf 'not code\n' >"$lib/notes.txt"
if [[ $(id "$lib") == "$base" ]]; then
	t_pass "a file's time or a file outside the code: the same id"
else
	t_fail "a file's time or a file outside the code: the same id" "$(id "$lib") != $base"
fi

cp -a "$lib" "$tmp/b"
if [[ $(id "$tmp/b") == "$base" ]]; then
	t_pass "the same code in another directory: the same id"
else
	t_fail "the same code in another directory: the same id" "$(id "$tmp/b") != $base"
fi
