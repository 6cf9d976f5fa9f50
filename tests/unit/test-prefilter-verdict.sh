#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The header filter's verdict records (build/objects.sh objects_verdict_put/_get) on a small
# tree, each record written from the dependencies the host's gcc -E -MMD gives in a shadow
# (objects_shadow): when a record is reused and when not. The TU a/t.c includes "x.h" and
# <y.h>, found through -Ia/sub/.. (as amdgpu's -I$(src)/../include). Where a/sub/.. leads
# depends on the shadow: a record made where a/sub was a link into the tree (a shadow of old,
# or one the include index does not foresee, made here by hand) opened the tree's a/y.h.
# A TU with several records (one per set of patched files) gets the one that holds.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

t_plan 18
command -v gcc >/dev/null || t_bail "expected gcc"
tmp=$(t_tmpdir)
HP_CACHE=$tmp/cache
HP_RELEASE='test'
HP_STAGE='test'
HP_VERBOSE=0
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/includes.sh
. "$T_TOP/build/includes.sh"
# shellcheck source=build/objects.sh
. "$T_TOP/build/objects.sh"
src=$HP_CACHE/src
OBJECTS_CACHE_DIR=$tmp/objects
OBJECTS_PPCMP_ID=ppcmp-1
mkdir -p "$OBJECTS_CACHE_DIR" "$src/a/sub" "$src/b" "$tmp/c"
: >"$OBJECTS_CACHE_DIR/.lock"
printf '#include "x.h"\n#include <y.h>\nint t = X + Y;\n' >"$src/a/t.c"
printf '#define X 1\n' >"$src/a/x.h"
printf '#define Y 1\n' >"$src/a/y.h"
printf '#define S 1\n' >"$src/a/sub/s.h"
printf '#define Z 1\n' >"$src/b/z.h"
printf 'a/t.c\ta/t.o\tvmlinux\tgcc -Wp,-MMD,a/.t.o.d -Ia/sub/.. -c -o a/t.o a/t.c\n' >"$HP_CACHE/compiledb"
# contents a candidate carries
printf '#define X 2\n' >"$tmp/c/x2"
printf '#define X 3\n' >"$tmp/c/x3"
printf '#include "new.h"\n#define X 4\n' >"$tmp/c/x-new"
printf '#define Y 2\n' >"$tmp/c/y2"
printf '#define S 2\n' >"$tmp/c/s2"
printf '#define Z 2\n' >"$tmp/c/z2"
printf '#define N 1\n' >"$tmp/c/n1"
printf '#define N 2\n' >"$tmp/c/n2"

# cand NAME PATH=FILE... - a candidate's work directory: its patched files, shadow and set
cand() {
	local work=$tmp/$1 pf
	shift
	mkdir -p "$work/patched-src"
	for pf in "$@"; do
		mkdir -p "$work/patched-src/$(dirname "${pf%%=*}")"
		cp "${pf#*=}" "$work/patched-src/${pf%%=*}"
	done
	objects_shadow "$src" "$work/patched-src" "$work/shadow"
	objects_pf_set "$work"
}

# linked NAME - NAME's shadow with a/sub a link into the tree (nothing patched under it)
linked() {
	rm -rf "$tmp/$1/shadow/a/sub" && ln -s "$src/a/sub" "$tmp/$1/shadow/a/sub"
}

# record NAME BASE TEXT - preprocess a/t.c in NAME's shadow and record TEXT as its verdict
record() {
	local work=$tmp/$1 dir=$tmp/$1/pp
	mkdir -p "$dir"
	(cd "$work/shadow" && gcc -Wp,-MD,"$dir/patched.d" -Ia/sub/.. -E -o "$dir/patched.i" a/t.c) ||
		t_bail "gcc -E a/t.c in $work/shadow failed"
	objects_verdict_put "$OBJECTS_CACHE_DIR/$2" "$work" "$dir" drop "$3"
	rm -rf "$dir"
}

# hit NAME BASE - the verdict of a record of BASE that holds for NAME
hit() {
	objects_verdict_get "$OBJECTS_CACHE_DIR/$2" "$tmp/$1"
}

# expect WHAT NAME BASE [VERDICT] - t_pass when NAME finds VERDICT for BASE (none: a miss)
expect() {
	local what=$1 name=$2 base=$3 want=${4-} got rc=0
	got=$(hit "$name" "$base") || rc=$?
	if [[ -z $want && $rc != 0 && -z $got ]] || [[ -n $want && $rc == 0 && $got == "$want" ]]; then
		t_pass "$what"
	else
		t_fail "$what" "expected ${want:-a miss}, saw exit $rc '$got'"
	fi
}

cand r0 a/x.h="$tmp/c/x2"
record r0 k0 'identical	(a tab)'
n=$(find "$OBJECTS_CACHE_DIR" -name 'k0.pf-*' | wc -l)
t_check "a record is written, read-only (saw $n)" test "$n" = 1 -a ! -w "$(find "$OBJECTS_CACHE_DIR" -name 'k0.pf-*')" -o "$(id -u)" = 0
expect "the same patched file: the recorded verdict" r0 k0 $'drop\tidentical\t(a tab)'
cand same a/x.h="$tmp/c/x2"
expect "another candidate with the same patched file: the recorded verdict" same k0 $'drop\tidentical\t(a tab)'
cand other a/x.h="$tmp/c/x3"
expect "the included file with other contents: a miss" other k0
cand none b/z.h="$tmp/c/z2"
expect "the recorded patched file not patched: a miss" none k0
cand unrelated a/x.h="$tmp/c/x2" b/z.h="$tmp/c/z2"
expect "an unrelated patched file besides: the recorded verdict" unrelated k0 $'drop\tidentical\t(a tab)'
cand more a/x.h="$tmp/c/x2" a/y.h="$tmp/c/y2"
expect "a file the TU includes through .. patched besides: a miss" more k0
cand added a/x.h="$tmp/c/x2" a/sub/new.h="$tmp/c/n1"
expect "an added file besides, not among the TU's files: a miss" added k0
OBJECTS_PPCMP_ID=ppcmp-2
expect "another hotpatch-ppcmp: a miss" same k0
OBJECTS_PPCMP_ID=ppcmp-1

# a/y.h patched, a/sub a link into the tree: a/sub/../y.h opens the tree's y.h
cand esc a/y.h="$tmp/c/y2"
linked esc
record esc k1 'escaped'
expect "y.h reached through a link's ..: the recorded verdict" esc k1 $'drop\tescaped'
# a/sub real: a/sub/../y.h now opens the patched y.h
cand real a/y.h="$tmp/c/y2"
expect "y.h reached through a real directory's .. instead: a miss" real k1

# an added file the TU includes
cand new a/x.h="$tmp/c/x-new" a/new.h="$tmp/c/n1"
record new k2 'with new.h'
expect "an added file the TU includes, the same: the recorded verdict" new k2 $'drop\twith new.h'
cand new2 a/x.h="$tmp/c/x-new" a/new.h="$tmp/c/n2"
expect "an added file the TU includes, other contents: a miss" new2 k2

# several records of one TU (a header of amdgpu carried by dozens of candidates): the one that
# holds, whatever its place among them
record r0 k3 'with x2'
record other k3 'with x3'
n=$(find "$OBJECTS_CACHE_DIR" -name 'k3.pf-*' | wc -l)
expect "two records of one TU ($n): the x3 candidate gets its own" other k3 $'drop\twith x3'
expect "two records of one TU: the x2 candidate gets its own" same k3 $'drop\twith x2'
# two records that hold but for where a/sub/.. leads: each shadow gets the one made like it
record esc k4 'through the link'
record real k4 'through the real directory'
expect "two records whose .. paths resolve apart: the linked shadow gets its own" esc k4 $'drop\tthrough the link'
expect "two records whose .. paths resolve apart: the real directory's shadow gets its own" real k4 $'drop\tthrough the real directory'

# a record cut short
r=$(find "$OBJECTS_CACHE_DIR" -name 'k0.pf-*')
chmod u+w "$r"
sed -i '$d' "$r"
expect "a record without its last line: a miss" r0 k0
t_done
