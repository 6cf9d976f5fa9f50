#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hotpatch-build --compile-first (build/objects.sh objects_map_first): with a changed header, the
# .c files of the list that include it are compiled (patched side) before the header's other
# users are looked for, so a user the header breaks fails before the header filter reads them
# all. On the real l2tp fix of Debian's 6.1.190-1 -> 6.1.192-1 update (tests/e2e/triage-multifile:
# l2tp_core.h adds an argument to l2tp_session_set_header_len, l2tp_core.c defines it, the other
# .c files call it):
# - l2tp_ppp.c with the header alone breaks l2tp_core.c: with the list the run fails naming it
#   without a header filter line; without the list it fails naming it too, after the filter
#   (only the order differs);
# - the whole fix with a list naming a user the fix does not break (l2tp_debugfs.c), a .c of its
#   own and a path the tree lacks: built, the same functions changed as without the list; only
#   the list's user is compiled first (the header filter then leaves it out, as without it);
# - a list that cannot be read is refused before any work.
# Cost: 14 s on a warm 6.1.0-54-amd64 cache (load 3; the l2tp TUs compile in seconds).
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

t_plan 6
work=$(t_tmpdir)
fixes=$T_TOP/tests/e2e/triage-multifile
build=$T_TOP/hotpatch-build.sh
# the fix applies to 6.1.190-1, whose ABI is 6.1.0-54 (newer releases carry it already)
HP_RELEASE=6.1.0-54-amd64
"$build" -k "$HP_RELEASE" --setup >"$work/setup.log" 2>&1 ||
	t_bail "kernel cache setup of $HP_RELEASE failed: $(tail -n 3 "$work/setup.log" | tr '\n' ' ')"
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
cat "$fixes"/01-*l2tp_core.h.patch "$fixes"/04-*l2tp_ppp.c.patch >"$work/ppp.diff"
cat "$fixes"/*.patch >"$work/all.diff"
printf '%s\n' net/l2tp/l2tp_core.c net/l2tp/l2tp_netlink.c >"$work/callers"
printf '%s\n' net/l2tp/l2tp_debugfs.c net/l2tp/l2tp_core.c hp/no/such/file.c '' >"$work/mixed"

# run NAME ARGS... - hotpatch-build into $work/NAME, its messages in $work/NAME.log; sets rc
run() {
	local name=$1
	shift
	rc=0
	"$build" -k "$HP_RELEASE" -j 2 -n "$name" -o "$work/$name" "$@" >"$work/$name.log" 2>&1 || rc=$?
}
broke_core='^hotpatch: objects: error: net/l2tp/l2tp_core.c (patched) does not compile:'

run first --compile-first "$work/callers" "$work/ppp.diff"
if ((rc == 1)) && grep -q "$broke_core" "$work/first.log" &&
	grep -q '^hotpatch: stage map .* 1 changed TU(s) and 2 of --compile-first, compiled before the header scan' "$work/first.log" &&
	! grep -q 'header filter:' "$work/first.log"; then
	t_pass "the header and l2tp_ppp.c with l2tp_core.c, l2tp_netlink.c listed first: fails naming l2tp_core.c before the header filter"
else
	t_fail "fails naming l2tp_core.c before the header filter" "exit $rc: $(grep -E 'stage map|does not compile|header filter' "$work/first.log" | tr '\n' ' ' | cut -c1-600)"
fi

run plain "$work/ppp.diff"
if ((rc == 1)) && grep -q "$broke_core" "$work/plain.log" && grep -q 'header filter:' "$work/plain.log"; then
	t_pass "without the list: the same failure, after the header filter"
else
	t_fail "without the list: the same failure after the header filter" "exit $rc: $(grep -E 'stage map|does not compile|header filter' "$work/plain.log" | tr '\n' ' ' | cut -c1-600)"
fi

# changed functions of a run, "object:function" sorted
funcs() {
	jq -r '.objects[] | .object as $o | .functions[] | "\($o):\(.name)"' "$1" 2>/dev/null | sort | paste -sd' '
}
run all_first --keep-work --compile-first "$work/mixed" "$work/all.diff"
rc_first=$rc
run all_plain "$work/all.diff"
f1=$(funcs "$work/all_first/all_first.json" || true)
f2=$(funcs "$work/all_plain/all_plain.json" || true)
if ((rc_first == 0 && rc == 0)) && [[ -n $f1 && $f1 == "${f2//all_plain/all_first}" ]] && [[ $f1 == *l2tp_session_set_header_len* ]]; then
	t_pass "the whole fix with the list: built, the same changed functions as without it ($f1)"
else
	t_fail "the whole fix with the list: built as without it" "exits $rc_first/$rc, changed '$f1' against '$f2': $(tail -n 3 "$work/all_first.log" | tr '\n' ' ')"
fi
if grep -q '^hotpatch: stage map .* 3 changed TU(s) and 1 of --compile-first, compiled before the header scan' "$work/all_first.log"; then
	t_pass "one of the list compiled first: its own l2tp_core.c and a path the tree lacks are not"
else
	t_fail "the list's user compiled first, nothing else" "saw $(grep 'stage map' "$work/all_first.log" | head -n 1)"
fi
# which file it was: the header's user the fix leaves alone, not the fix's own l2tp_core.c
scratch=$(sed -n 's/^hotpatch: scratch directory kept: //p' "$work/all_first.log" | tail -n 1)
if [[ -n $scratch && -f $scratch/first && $(cut -f2 "$scratch/first" | paste -sd' ') == net/l2tp/l2tp_debugfs.o ]]; then
	t_pass "the one compiled first is l2tp_debugfs.o"
else
	t_fail "the one compiled first is l2tp_debugfs.o" "scratch '$scratch': $(cut -f2 "$scratch/first" 2>/dev/null | paste -sd' ')"
fi
rm -rf "$scratch"

run missing --compile-first "$work/no-such-list" "$work/ppp.diff"
if ((rc == 1)) && grep -q "cannot read the --compile-first list '$work/no-such-list'" "$work/missing.log" &&
	! grep -q 'stage patch' "$work/missing.log"; then
	t_pass "a list that cannot be read: refused before any work"
else
	t_fail "a list that cannot be read is refused" "exit $rc: $(tail -n 2 "$work/missing.log" | tr '\n' ' ')"
fi
t_done
