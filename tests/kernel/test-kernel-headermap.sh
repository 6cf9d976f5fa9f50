#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A changed header's candidate TUs on the real tree (build/objects.sh objects_header_users,
# through the release's include graph, build/includes.sh), checked against the tree itself
# and against gcc -M (objects_includes_header, the exact check of the map stage):
# - mt76 has an eeprom.h per chip: mt7915's maps to mt7915's TUs only (the old name match
#   fanned out through every driver's eeprom.h and their headers, 966 s in one triage run),
#   and to every mt7915e TU whose preprocessing opens it;
# - a header only reached through another local header, and one included as "../x.h";
# - a global header keeps every TU that includes it by name;
# - a header found through a driver's -I (amdgpu's "-I.../amdgpu/../include"), a TU the compile
#   database spells with "../" (virt/kvm), and a forced -include;
# - the exact check as the map stage runs it, in a child bash of xargs (what it needs must be
#   exported), and an awk that fails there keeps the TU: only a clean "not found" drops one;
# - the map stage keeps each original TU's gcc -M output in the object cache and reads it back
#   on the next map (a lie planted in one entry is believed: proof that it is read).
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

t_plan 11
t_setup_kernel
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/compiledb.sh
. "$T_TOP/build/compiledb.sh"
# shellcheck source=build/buildroot.sh
. "$T_TOP/build/buildroot.sh"
# shellcheck source=build/objects.sh
. "$T_TOP/build/objects.sh"
HP_STAGE='test'
work=$(t_tmpdir)
db=$HP_CACHE/compiledb
mt=drivers/net/wireless/mediatek/mt76

# users HEADER... - the candidates, one per line, into $work/users (time on stderr)
users() {
	local t0 t1
	t0=$(date +%s.%N)
	objects_header_users "$@" >"$work/users"
	t1=$(date +%s.%N)
	printf '# objects_header_users %s: %s TUs in %s s\n' "$*" "$(wc -l <"$work/users")" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
}

# includes HEADER TU - gcc -M of the TU, with its command from the database, opens HEADER
includes() {
	local cmd
	cmd=$(awk -F'\t' -v c="$2" '$1 == c { print $4 }' "$db")
	[[ -n $cmd ]] || return 1
	objects_includes_header "$2" "$cmd" "$1"
}

# 1. mt7915's eeprom.h: the TUs of mt7915 only, none of the other chips' or drivers'
users "$mt/mt7915/eeprom.h"
other=$(awk -v p="$mt/mt7915/" 'index($0, p) != 1 && n++ < 3' "$work/users" | paste -sd' ')
if [[ -s $work/users && -z $other ]] && grep -qx "$mt/mt7915/debugfs.c" "$work/users"; then
	t_pass "$mt/mt7915/eeprom.h: $(wc -l <"$work/users") candidates, all of mt7915 (debugfs.c among them)"
else
	t_fail "$mt/mt7915/eeprom.h: candidates of mt7915 only" "saw $(wc -l <"$work/users") candidates, e.g. ${other:-none outside; debugfs.c missing}"
fi
cp "$work/users" "$work/mt7915"

# 2. every mt7915e TU whose preprocessing opens it is a candidate (the superset the map needs)
missing=() checked=0
while IFS= read -r c; do
	checked=$((checked + 1))
	if includes "$mt/mt7915/eeprom.h" "$c" && ! grep -qxF "$c" "$work/mt7915"; then
		missing+=("$c")
	fi
done < <(awk -F'\t' '$3 == "mt7915e" { print $1 }' "$db")
if ((checked > 0 && ${#missing[@]} == 0)); then
	t_pass "of the $checked mt7915e TUs, every one that opens mt7915/eeprom.h (gcc -M) is a candidate"
else
	t_fail "every mt7915e TU that opens mt7915/eeprom.h is a candidate" "checked $checked, missing: ${missing[*]:-none}"
fi

# 3. another chip's eeprom.h shares no candidate with mt7915's
users "$mt/mt7615/eeprom.h"
shared=$(LC_ALL=C comm -12 <(LC_ALL=C sort "$work/users") <(LC_ALL=C sort "$work/mt7915") | paste -sd' ')
other=$(awk -v p="$mt/mt7615/" 'index($0, p) != 1 && n++ < 3' "$work/users" | paste -sd' ')
if [[ -s $work/users && -z $shared && -z $other ]]; then
	t_pass "$mt/mt7615/eeprom.h: $(wc -l <"$work/users") candidates, all of mt7615, none shared with mt7915's"
else
	t_fail "$mt/mt7615/eeprom.h: candidates of mt7615 only" "saw shared '$shared', outside '$other', $(wc -l <"$work/users") in all"
fi

# 4. regs.h is reached only through mt7915.h; mt76_connac.h only as "../mt76_connac.h"
users "$mt/mt7915/regs.h"
cp "$work/users" "$work/regs"
users "$mt/mt76_connac.h"
if ! grep -q 'include.*regs\.h' "$HP_SRC/$mt/mt7915/debugfs.c" && grep -qx "$mt/mt7915/debugfs.c" "$work/regs" &&
	grep -q '#include "\.\./mt76_connac\.h"' "$HP_SRC/$mt/mt7915/mt7915.h" && grep -qx "$mt/mt7915/debugfs.c" "$work/users"; then
	t_pass "mt7915/debugfs.c reaches regs.h only through mt7915.h, and mt76_connac.h through \"../mt76_connac.h\""
else
	t_fail "mt7915/debugfs.c reaches regs.h and ../mt76_connac.h" "saw $(grep -c . "$work/regs") and $(grep -c . "$work/users") candidates, without debugfs.c"
fi

# 5. a global header: every built TU that includes it by name is a candidate
h=include/linux/time_namespace.h
users "$h"
missing=()
while IFS= read -r c; do
	c=${c#./}
	[[ -n $(compiledb_get "$c") ]] || continue
	grep -qxF "$c" "$work/users" || missing+=("$c")
done < <(cd "$HP_SRC" && grep -rlE --include='*.c' '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]linux/time_namespace\.h[>"]' .)
if ((${#missing[@]} == 0)) && grep -qx fs/proc/uptime.c "$work/users"; then
	t_pass "$h: every built TU that includes <linux/time_namespace.h> is among its $(wc -l <"$work/users") candidates"
else
	t_fail "$h: every built includer is a candidate" "missing: ${missing[*]:-fs/proc/uptime.c}"
fi

# 6. amdgpu's headers through its -I: a candidate, and gcc -M's path normalized
h=drivers/gpu/drm/amd/include/amd_shared.h
c=drivers/gpu/drm/amd/amdgpu/amdgpu_device.c
users "$h"
if grep -qxF "$c" "$work/users" && includes "$h" "$c"; then
	t_pass "$h: $c is a candidate and opens it (gcc -M: .../amdgpu/../include/amd_shared.h)"
else
	t_fail "$h: $c is a candidate and opens it" "saw candidate $(grep -cxF "$c" "$work/users"), gcc -M $(includes "$h" "$c" && echo yes || echo no)"
fi

# 7. virt/kvm's TUs as the database spells them (arch/x86/kvm/../../../virt/kvm/kvm_main.c)
h=virt/kvm/kvm_mm.h
c=$(awk -F'\t' '$1 ~ /(^|\/)virt\/kvm\/kvm_main\.c$/ { print $1 }' "$db")
users "$h"
if [[ -n $c ]] && grep -qxF "$c" "$work/users" && includes "$h" "$c"; then
	t_pass "$h: $c is a candidate and opens it"
else
	t_fail "$h: ${c:-kvm_main.c} is a candidate and opens it" "saw candidates: $(paste -sd' ' "$work/users")"
fi

# 8. a forced -include reaches every TU compiled with it (kbuild's; not the host programs')
users include/linux/compiler-version.h
awk -F'\t' 'index($4, " -include ./include/linux/compiler-version.h ") { print $1 }' "$db" |
	LC_ALL=C sort -u >"$work/forced"
if [[ -s $work/forced ]] && cmp -s "$work/forced" <(LC_ALL=C sort "$work/users"); then
	t_pass "include/linux/compiler-version.h (-include of kbuild's TUs): all $(wc -l <"$work/forced") such TUs are candidates"
else
	t_fail "include/linux/compiler-version.h reaches every TU compiled with -include of it" \
		"expected $(wc -l <"$work/forced"), saw $(wc -l <"$work/users")"
fi

# 9. objects_map runs the exact check in child shells: with what objects_map exports it answers
# as in this shell; without its awk library the check fails, and a failed check keeps the TU
c=kernel/time/timekeeping.c
cmd=$(awk -F'\t' -v c="$c" '$1 == c { print $4 }' "$db")
export -f objects_includes_header hp_target_exec
# shellcheck disable=SC2090 # an awk program, passed whole to awk
export HP_CACHE INCLUDES_AWK_NORM OBJECTS_AWK_INCLUDES
# shellcheck disable=SC2016 # expanded by the child shell
child='objects_includes_header "$@" && echo yes || echo no'
a=$(bash -c "$child" _ "$c" "$cmd" include/linux/timekeeping.h)
b=$(bash -c "$child" _ "$c" "$cmd" include/linux/no-such-header.h)
e=$(env -u OBJECTS_AWK_INCLUDES bash -c "$child" _ "$c" "$cmd" include/linux/no-such-header.h 2>/dev/null)
if [[ -n $cmd && $a == yes && $b == no && $e == yes ]]; then
	t_pass "the exact check in a child shell: $c opens timekeeping.h, not a missing header; a failed check keeps the TU"
else
	t_fail "the exact check in a child shell" "timekeeping.h: '$a' (want yes), missing header: '$b' (want no), failed check: '$e' (want yes)"
fi

# 10. objects_map: the first map writes one .deps entry per candidate it checked (read-only,
# published as an object is: the run marked as a publisher), the next map reads them (same
# TUs, nothing published); an entry that says its TU does not open the header drops that TU
PATCH_C=()
PATCH_H=(fs/xfs/xfs_buf_item.h)
OBJECTS_CACHE=$work/objc
export OBJECTS_CACHE
mkdir -p "$work/m1" "$work/m2" "$work/m3"
objects_map "$work/m1" 2>/dev/null
nd=$(find "$OBJECTS_CACHE" -name '*.deps' | wc -l)
nro=$(find "$OBJECTS_CACHE" -name '*.deps' -perm 444 | wc -l)
ntmp=$(find "$OBJECTS_CACHE" "$work/m1" -name '*tmp*' -o -name 'deps.*' | wc -l)
objects_map "$work/m2" 2>/dev/null
lie=$(grep -l 'xfs_buf_item\.h' "$OBJECTS_CACHE"/*-xfs_trans_buf.deps 2>/dev/null || true)
if [[ -n $lie ]]; then
	chmod 644 "$lie"
	printf 'fs/xfs/xfs_trans_buf.o: fs/xfs/xfs_trans_buf.c\n' >"$lie"
fi
objects_map "$work/m3" 2>/dev/null
n1=$(wc -l <"$work/m1/tus")
if ((n1 > 0 && nd >= n1 && nro == nd && ntmp == 0)) && cmp -s "$work/m1/tus" "$work/m2/tus" && [[ -n $lie ]] &&
	[[ -e $work/m1/objects-published && ! -e $work/m2/objects-published ]] &&
	grep -q '^fs/xfs/xfs_trans_buf\.c' "$work/m1/tus" && ! grep -q '^fs/xfs/xfs_trans_buf\.c' "$work/m3/tus" &&
	(($(wc -l <"$work/m3/tus") == n1 - 1)); then
	t_pass "the map keeps gcc -M of each original TU in the object cache ($nd entries for $n1 TUs of xfs_buf_item.h) and reads it back"
else
	t_fail "the map's dependencies from the object cache" "first map $n1 TUs, $nd entries ($nro read-only, $ntmp temporaries left, publisher marks: first map $([[ -e $work/m1/objects-published ]] && echo yes || echo no), second map $([[ -e $work/m2/objects-published ]] && echo yes || echo no)), second map $(wc -l <"$work/m2/tus") TUs ($(cmp -s "$work/m1/tus" "$work/m2/tus" && echo same || echo different)), planted entry '${lie:-none}', third map $(wc -l <"$work/m3/tus") TUs"
fi

# 11. a map that published prunes the object cache (a run may end with its map), one that did
# not publish leaves it alone: an entry unused for 9 days stays after a map that only read, and
# goes after a map that wrote one entry again
old=$OBJECTS_CACHE/00000000000000000000000000000000-old.deps
printf 'old.o: old.c\n' >"$old"
touch -d "@$(($(date +%s) - 9 * 86400))" "$old"
mkdir -p "$work/m4" "$work/m5"
objects_map "$work/m4" 2>/dev/null
[[ -e $old ]] && kept=yes || kept=no
mapfile -t found < <(find "$OBJECTS_CACHE" -name '*-xfs_buf.deps')
redo=${found[0]:-}
rm -f "$redo"
objects_map "$work/m5" 2>/dev/null
if [[ $kept == yes && ! -e $old && -n $redo && -s $redo ]]; then
	t_pass "a map that publishes prunes the object cache (an entry unused for 9 days goes), one that only reads does not"
else
	t_fail "the map prunes as a publisher" "old entry after a reading map: $kept, after a publishing map: $([[ -e $old ]] && echo kept || echo gone), entry written again: '${redo:-none}' $([[ -s $redo ]] && echo yes || echo no)"
fi

t_done
