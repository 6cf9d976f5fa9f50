#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The header filter's verdict cache (build/objects.sh objects_verdict_get/_put) on a real
# header fix of the update 6.1.190-1 -> 6.1.192-1 (net/l2tp/l2tp_core.h: a prototype's
# parameters), on 6.1.0-54-amd64, in an object cache of its own:
# - a second run of the same header takes every TU's verdict from the cache, the same verdicts;
# - the header one byte off in a struct every TU uses (L2TP_SESSION_NAME_MAX 32 -> 33) takes
#   none from the cache, and the TUs the fix alone leaves out are kept;
# - the fix plus an unrelated changed header (drivers/mtd/mtdcore.h) still takes every l2tp
#   TU's verdict from the cache, and none of mtd's;
# - two filters of the fix side by side on an empty cache judge each TU once between them;
# - the fix plus a file the tree does not have (net/l2tp/hp-added.h) takes none: an added
#   file could change which file an #include finds.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

t_plan 7
rel=6.1.0-54-amd64
env=$("$T_TOP/hotpatch-build.sh" --setup --print-env -k "$rel" 2>/dev/null) ||
	t_bail "kernel cache setup of $rel: expected hotpatch-build.sh --setup -k $rel --print-env to succeed"
eval "$env"
[[ -x $T_TOP/out/bin/hotpatch-ppcmp ]] || t_bail "expected out/bin/hotpatch-ppcmp (run make)"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/buildroot.sh
. "$T_TOP/build/buildroot.sh"
# shellcheck source=build/compiledb.sh
. "$T_TOP/build/compiledb.sh"
# shellcheck source=build/objects.sh
. "$T_TOP/build/objects.sh"
HP_STAGE='test'
HP_VERBOSE=0
HP_CACHE_ROOT=${HOTPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotpatch}
upd=$HP_CACHE_ROOT/updates/6.1.190-1..6.1.192-1
[[ -d $upd/to && -d $upd/from ]] || t_bail "expected the update 6.1.190-1..6.1.192-1 in $upd (run hotpatch-triage on it once)"
tmp=$(t_tmpdir)
export OBJECTS_CACHE=$tmp/objects
h=net/l2tp/l2tp_core.h
cmp -s "$upd/from/$h" "$HP_SRC/$h" || t_bail "$h: the update's original is not $rel's"
grep -q '^#define L2TP_SESSION_NAME_MAX 32$' "$upd/to/$h" || t_bail "$h: expected L2TP_SESSION_NAME_MAX 32 in the update's header"
mkdir -p "$tmp/files"
sed 's/^#define L2TP_SESSION_NAME_MAX 32$/#define L2TP_SESSION_NAME_MAX 33/' "$upd/to/$h" >"$tmp/files/off-by-one.h"
printf '/* not in the tree */\n' >"$tmp/files/added.h"

# filter NAME PATH=FILE... - map and filter the headers (each PATH of the tree with FILE's
# content) in $tmp/NAME: its verdicts sorted in NAME.verdicts, the TUs whose verdict the cache
# gave in NAME.hits, and the count the filter's log line gives in NAME.count (empty: none)
filter() {
	local name=$1 pf path work=$tmp/$1
	shift
	mkdir -p "$work/patched-src"
	PATCH_C=() PATCH_H=()
	for pf in "$@"; do
		path=${pf%%=*}
		mkdir -p "$work/patched-src/$(dirname "$path")"
		cp "${pf#*=}" "$work/patched-src/$path"
		PATCH_H+=("$path")
	done
	objects_map "$work" 2>"$work/map.log"
	objects_prefilter "$work" 2>"$work/prefilter.log"
	sort "$work/prefilter" >"$tmp/$name.verdicts"
	sort "$work/prefilter.hits" >"$tmp/$name.hits" 2>/dev/null || : >"$tmp/$name.hits"
	sed -n 's/.*kept; \([0-9]*\) verdict(s) from the cache;.*/\1/p' "$work/prefilter.log" >"$tmp/$name.count"
}

# objs FILE - the TUs of a verdict list
objs() { cut -f2 "$1" | sort; }

filter first "$h=$upd/to/$h"
n=$(wc -l <"$tmp/first.verdicts")
((n > 0)) || t_bail "$h: the filter judged no TU: $(cat "$tmp/first/prefilter.log")"
ndrop=$(awk -F'\t' '$1 == "drop"' "$tmp/first.verdicts" | wc -l)
((ndrop > 0)) || t_bail "$h: expected the filter to leave some TU out: $(cat "$tmp/first.verdicts")"
t_check "first run: $n verdicts, none from the cache (saw '$(cat "$tmp/first.count")')" \
	test "$(cat "$tmp/first.count")" = 0

filter again "$h=$upd/to/$h"
t_check "the same header again: all $n verdicts from the cache (saw '$(cat "$tmp/again.count")')" \
	test "$(cat "$tmp/again.count")" = "$n"
if cmp -s "$tmp/first.verdicts" "$tmp/again.verdicts" && [[ $(objs "$tmp/first.verdicts") == "$(cat "$tmp/again.hits")" ]]; then
	t_pass "the same header again: every TU's verdict from the cache, the same verdicts"
else
	t_fail "the same header again: every TU's verdict from the cache, the same verdicts" \
		"$(diff "$tmp/first.verdicts" "$tmp/again.verdicts" | head -n 4 | tr '\n' ' ') hits: $(wc -l <"$tmp/again.hits")"
fi

filter offbyone "$h=$tmp/files/off-by-one.h"
nkeep=$(awk -F'\t' '$1 == "keep"' "$tmp/offbyone.verdicts" | wc -l)
t_check "one byte off in a struct the TUs use: no verdict from the cache (saw '$(cat "$tmp/offbyone.count")'), all $n TUs kept (saw $nkeep; the fix alone drops $ndrop)" \
	test "$(cat "$tmp/offbyone.count")" = 0 -a ! -s "$tmp/offbyone.hits" -a "$nkeep" = "$n"

filter unrelated "$h=$upd/to/$h" "drivers/mtd/mtdcore.h=$upd/to/drivers/mtd/mtdcore.h"
nmtd=$(grep -c '^[a-z]*	drivers/mtd/' "$tmp/unrelated.verdicts" || true)
if [[ $(objs "$tmp/first.verdicts") == "$(cat "$tmp/unrelated.hits")" ]] && ((nmtd > 0)) &&
	[[ $(cat "$tmp/unrelated.count") == "$n" ]] &&
	cmp -s "$tmp/first.verdicts" <(grep -v '^[a-z]*	drivers/mtd/' "$tmp/unrelated.verdicts"); then
	t_pass "with an unrelated changed header: every l2tp TU's verdict from the cache, unchanged, none of the $nmtd mtd ones"
else
	t_fail "with an unrelated changed header: every l2tp TU's verdict from the cache, unchanged, none of the mtd ones" \
		"$(wc -l <"$tmp/unrelated.hits") hits ($(cat "$tmp/unrelated.count") counted) of $n l2tp TUs and $nmtd mtd TUs; $(diff "$tmp/first.verdicts" "$tmp/unrelated.verdicts" | head -n 3 | tr '\n' ' ')"
fi

# two filters of the same header side by side on an empty cache (two triage workers whose
# candidates carry it): every TU judged once between them (objects_claim), the same verdicts
OBJECTS_CACHE=$tmp/objects-par
filter par1 "$h=$upd/to/$h" &
filter par2 "$h=$upd/to/$h" &
rc1=0 rc2=0
wait %1 || rc1=$?
wait %2 || rc2=$?
c1=$(cat "$tmp/par1.count" 2>/dev/null || true) c2=$(cat "$tmp/par2.count" 2>/dev/null || true)
if ((rc1 == 0 && rc2 == 0)) && [[ -n $c1 && -n $c2 ]] && ((c1 + c2 == n)) &&
	cmp -s "$tmp/first.verdicts" "$tmp/par1.verdicts" && cmp -s "$tmp/first.verdicts" "$tmp/par2.verdicts"; then
	t_pass "two filters of the header side by side on an empty cache: each of the $n TUs judged once between them ($((n - c1)) and $((n - c2))), the other's verdict taken; the same verdicts"
else
	t_fail "two filters side by side judge each TU once" "exits $rc1 $rc2, from the cache $c1 and $c2 of $n; $(diff "$tmp/first.verdicts" "$tmp/par1.verdicts" | head -n 3 | tr '\n' ' ')"
fi
OBJECTS_CACHE=$tmp/objects

filter added "$h=$upd/to/$h" "net/l2tp/hp-added.h=$tmp/files/added.h"
t_check "with a file the tree does not have: no verdict from the cache (saw '$(cat "$tmp/added.count")'), the same verdicts" \
	test "$(cat "$tmp/added.count")" = 0 -a ! -s "$tmp/added.hits" -a "$(cat "$tmp/added.verdicts")" = "$(cat "$tmp/first.verdicts")"
t_done
