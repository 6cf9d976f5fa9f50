#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where hotpatch-build makes its patched tree (build/objects.sh objects_shadow_place,
# objects_shadow, objects_shadow_drop): with the scratch directory on a disk and /dev/shm a
# tmpfs, the shadow is made there and the scratch directory's "shadow" is a link to it, whose
# paths lead to the same files as a shadow made in place; dropping it leaves nothing in the
# tmpfs. A scratch directory on a tmpfs keeps its shadow in place.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/objects.sh
. "$T_TOP/build/objects.sh"

t_plan 4
work=$(t_tmpdir)
src=$work/src
mkdir -p "$src/a/b" "$src/c" "$work/ovl/a/b" "$work/disk"
printf 'old\n' >"$src/a/b/x.h"
printf 'y\n' >"$src/a/y.h"
printf 'z\n' >"$src/c/z.h"
printf 'new\n' >"$work/ovl/a/b/x.h"
HP_CACHE=$work/no-cache

if [[ $(stat -f -c %T /dev/shm 2>/dev/null) != tmpfs || ! -w /dev/shm ]]; then
	t_bail "expected /dev/shm to be a writable tmpfs (Debian mounts one)"
fi
XDG_RUNTIME_DIR='' objects_shadow_place "$T_TMPROOT"
if [[ $(stat -f -c %T "$T_TMPROOT") == tmpfs ]]; then
	t_check "a scratch directory on a tmpfs: no other place (saw '$OBJECTS_SHADOW_TMPFS')" test -z "$OBJECTS_SHADOW_TMPFS"
else
	t_check "a scratch directory on a disk: /dev/shm (saw '$OBJECTS_SHADOW_TMPFS')" test "$OBJECTS_SHADOW_TMPFS" = /dev/shm
fi

# made in a tmpfs directory of the test's own (the same code path as /dev/shm)
tmpfs=$(mktemp -d /dev/shm/hotpatch-test.XXXXXX)
trap 'rm -rf "$tmpfs"; t_cleanup' EXIT
OBJECTS_SHADOW_TMPFS=$tmpfs
objects_shadow "$src" "$work/ovl" "$work/disk/shadow"
made=("$tmpfs"/hotpatch-shadow.*)
if [[ -L $work/disk/shadow && $(readlink "$work/disk/shadow") == "${made[0]}" && ${#made[@]} == 1 &&
	${OBJECTS_SHADOW_MADE[*]} == "${made[0]}" ]]; then
	t_pass "the shadow is made in the tmpfs, linked from the scratch directory"
else
	t_fail "the shadow in the tmpfs" "shadow: $(ls -ld "$work/disk/shadow" 2>&1), made: ${made[*]}, listed: ${OBJECTS_SHADOW_MADE[*]}"
fi
OBJECTS_SHADOW_TMPFS=''
objects_shadow "$src" "$work/ovl" "$work/disk/inplace"
got=$(cd "$work/disk/shadow" && cat a/b/x.h a/y.h c/z.h | paste -sd' ')
want=$(cd "$work/disk/inplace" && cat a/b/x.h a/y.h c/z.h | paste -sd' ')
if [[ $got == "new y z" && $got == "$want" && -L $work/disk/shadow/a/y.h && -L $work/disk/shadow/c ]]; then
	t_pass "through the link: the patched file, and the tree's others by their links, as in place ($got)"
else
	t_fail "the same files through the link" "saw '$got', in place '$want'"
fi
objects_shadow_drop
left=$(find "$tmpfs" -mindepth 1 | wc -l)
t_check "dropped: nothing left in the tmpfs (saw $left), none listed" test "$left" = 0 -a "${#OBJECTS_SHADOW_MADE[@]}" = 0
t_done
