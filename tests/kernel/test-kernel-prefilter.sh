#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The header filter (build/objects.sh objects_prefilter, hotpatch-ppcmp) on real header fixes of
# the update 6.1.190-1 -> 6.1.192-1, on 6.1.0-54-amd64 (6.1.190-1's tree): each case maps the
# header's TUs, asks the filter, then compiles EVERY mapped TU on both sides with the filter off,
# and checks that no TU the filter left out has objects that differ in anything but debug info
# (objcopy --strip-debug, then byte for byte): a dropped TU whose object changes would be a
# module without the fix. Prints how many were dropped. Heavy: ~150 compiles; use -j HP_JOBS.
# Cases (the header, with the update's .c files a build of it must carry):
# - fs/btrfs/ctree.h (a prototype's return type, a macro, a static inline), as hotpatch-triage
#   carried it: with block-rsv.c and extent-tree.c;
# - fs/xfs/xfs_buf_item.h (a prototype removed, one changed) with xfs_buf_item.c;
# - net/l2tp/l2tp_core.h (a prototype's parameters) with the three callers;
# - drivers/md/dm-path-selector.h (whitespace only), drivers/ata/libata.h (two new prototypes),
#   drivers/mtd/mtdcore.h (one new prototype): alone.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

cases=(
	"fs/btrfs/ctree.h fs/btrfs/block-rsv.c fs/btrfs/extent-tree.c"
	"fs/xfs/xfs_buf_item.h fs/xfs/xfs_buf_item.c"
	"net/l2tp/l2tp_core.h net/l2tp/l2tp_core.c net/l2tp/l2tp_netlink.c net/l2tp/l2tp_ppp.c"
	"drivers/md/dm-path-selector.h"
	"drivers/ata/libata.h"
	"drivers/mtd/mtdcore.h"
)
# per case: every dropped TU's objects are the same but for debug info; then the totals
t_plan $((${#cases[@]} + 3))
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

# same_code A.o B.o - the two objects are byte-identical once their debug info is stripped
same_code() {
	objcopy --strip-debug "$1" "$tmp/a.o" && objcopy --strip-debug "$2" "$tmp/b.o" &&
		cmp -s "$tmp/a.o" "$tmp/b.o"
}

all=0 dropped=0 kept_changed=0 candidates=0 i=0
for case in "${cases[@]}"; do
	i=$((i + 1))
	read -ra files <<<"$case"
	work=$tmp/case$i
	mkdir -p "$work/patched-src"
	PATCH_C=() PATCH_H=()
	for f in "${files[@]}"; do
		cmp -s "$upd/from/$f" "$HP_SRC/$f" || t_bail "$f: the update's original is not $rel's"
		mkdir -p "$work/patched-src/$(dirname "$f")"
		cp "$upd/to/$f" "$work/patched-src/$f"
		case $f in
		*.c) PATCH_C+=("$f") ;;
		*.h) PATCH_H+=("$f") ;;
		esac
	done
	objects_map "$work" 2>"$work/map.log"
	cp "$work/tus" "$work/tus.all"
	objects_prefilter "$work" 2>"$work/prefilter.log"
	# compile them all, the filter off
	cp "$work/tus.all" "$work/tus"
	objects_compile "$work" 2>"$work/compile.log" || t_bail "${files[0]}: compiling failed: $(tail -n 5 "$work/compile.log")"
	bad=()
	nd=0 nc=0 nk=0
	while IFS=$'\t' read -r verdict obj why; do
		nc=$((nc + 1))
		if same_code "$work/orig/$obj" "$work/patched/$obj"; then
			[[ $verdict == drop ]] && nd=$((nd + 1))
		else
			[[ $verdict == drop ]] && bad+=("$obj ($why)")
			[[ $verdict == keep ]] && nk=$((nk + 1))
		fi
	done <"$work/prefilter"
	n=$(wc -l <"$work/tus.all")
	all=$((all + n)) dropped=$((dropped + nd)) kept_changed=$((kept_changed + nk)) candidates=$((candidates + nc))
	printf '# %s: %d TUs mapped, %d only through the header: %d dropped, %d kept of which %d changed code\n' \
		"${files[0]}" "$n" "$nc" "$nd" "$((nc - nd))" "$nk"
	if ((${#bad[@]} == 0)); then
		t_pass "${files[0]}: every TU the filter drops compiles to the same code ($nd of $nc dropped)"
	else
		t_fail "${files[0]}: every TU the filter drops compiles to the same code" "dropped, yet changed: ${bad[*]}"
	fi
done
t_check "the filter drops TUs at all (saw $dropped of $candidates)" test "$dropped" -gt 0
t_check "the filter keeps the TUs whose code a header changed (saw $kept_changed)" test "$kept_changed" -gt 0
# hotpatch-build on a header fix whose every TU the filter proves unchanged: no change (exit
# 3), and the reason says the filter proved it (not "every object compiled the same")
rc=0
"$T_TOP/hotpatch-build.sh" -k "$rel" -o "$tmp/mtd-out" -n mtd "$upd/diffs/drivers/mtd/mtdcore.h.diff" \
	>"$tmp/mtd.log" 2>&1 || rc=$?
if ((rc == 3)) && grep -q 'no change: .*none of the [0-9]* TU(s) that include the changed header(s) can change, proven by the header filter' "$tmp/mtd.log"; then
	t_pass "hotpatch-build, drivers/mtd/mtdcore.h alone: no change, proven by the header filter"
else
	t_fail "hotpatch-build, drivers/mtd/mtdcore.h alone: no change, proven by the header filter" "exit $rc: $(grep -E 'no change|error' "$tmp/mtd.log" | tail -n 2 | tr '\n' ' ')"
fi
printf '# total: %d TUs mapped, %d through a header only, %d dropped (%d compiles saved)\n' \
	"$all" "$candidates" "$dropped" "$((2 * dropped))"
t_done
