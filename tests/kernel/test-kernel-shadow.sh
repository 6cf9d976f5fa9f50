#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The patched tree (objects_shadow) on the real release: a directory without patched files is a
# symbolic link into the original tree, and ".." taken inside such a link lands in the original
# tree. Paths the kernel's own build takes that way, each to a patched file:
# - amdgpu's "-I./drivers/gpu/drm/amd/amdgpu/../include" (every amdgpu and display TU);
# - iwlwifi's "-I .../iwlwifi/mvm/.." and dvm's (iwl-trans.h, changed in 6.1.190 -> 6.1.192);
# - `#include "../ctree.h"` in fs/btrfs/tests;
# - TRACE_INCLUDE_PATH ../../fs/xfs, expanded in include/trace/define_trace.h;
# each must open the patched file. Then a real TU preprocessed with its own command in a shadow
# whose only patched file is a header it reaches through amdgpu/..: the patched text is seen,
# and objects_shadow_check finds nothing to say. Without the include index's "u" lines (the
# old shadow) the same preprocessing reads the original and objects_shadow_check says so, by
# name, and the header filter keeps the TU rather than judge it. A TU the compile database itself spells through amdgpu/.. (pm/, amdkfd/, display/),
# patched, is the patched file. A directory the original tree lacks is not made ("missing/../x" must still fail), and
# a candidate far from any such path gets no extra real directory. Last, the real fix of
# amdkfd's kfd_crat.c from 6.1.190-1 -> 6.1.192-1 (the compile database spells the TU
# drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_crat.c): hotpatch-build used to call it "not built";
# it now builds a module that changes kfd_parse_crat_table, and no other function.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

t_plan 12
t_setup_kernel
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/buildroot.sh
. "$T_TOP/build/buildroot.sh"
# shellcheck source=build/objects.sh
. "$T_TOP/build/objects.sh"
HP_STAGE='test'
work=$(t_tmpdir)
src=$HP_CACHE/src
includes_ensure

# patch FILE... - a copy of each under $work/ovl, one marker line appended
patch_files() {
	local f
	for f in "$@"; do
		mkdir -p "$work/ovl/$(dirname "$f")"
		cp "$src/$f" "$work/ovl/$f"
		printf '\nint hotpatch_shadow_marker_%s;\n' "$(basename "$f" .h | tr -c 'a-zA-Z0-9_\n' _)" >>"$work/ovl/$f"
	done
}

# 1. the index has the "u" lines (version 3)
if [[ $(head -n 1 "$(includes_path)") == '#hotpatch-includes 3' ]] &&
	grep -qx $'u\tdrivers/gpu/drm/amd/amdgpu\t1\tdrivers/gpu/drm/amd/include' <(grep $'^u\t' "$(includes_path)"); then
	t_pass "include index: $(grep -c $'^u\t' "$(includes_path)") directories some path leaves with \"..\" (amdgpu's -I among them)"
else
	t_fail "include index" "no 'u drivers/gpu/drm/amd/amdgpu 1 drivers/gpu/drm/amd/include' line in $(includes_path)"
fi

# 2. the four paths, each to its patched file
kgd=drivers/gpu/drm/amd/include/kgd_pp_interface.h
iwl=drivers/net/wireless/intel/iwlwifi/iwl-trans.h
ctree=fs/btrfs/ctree.h
xfs=fs/xfs/xfs_trace.h
patch_files "$kgd" "$iwl" "$ctree" "$xfs"
objects_shadow "$src" "$work/ovl" "$work/shadow"
bad=''
for p in drivers/gpu/drm/amd/amdgpu/../include/kgd_pp_interface.h \
	drivers/net/wireless/intel/iwlwifi/mvm/../iwl-trans.h \
	drivers/net/wireless/intel/iwlwifi/dvm/../iwl-trans.h \
	fs/btrfs/tests/../ctree.h include/trace/../../fs/xfs/xfs_trace.h; do
	grep -q hotpatch_shadow_marker "$work/shadow/$p" || bad+=" $p"
done
if [[ -z $bad ]]; then
	t_pass "amdgpu/../include, iwlwifi mvm/.. and dvm/.., btrfs tests/../ctree.h, include/trace/../../fs/xfs: the patched files"
else
	t_fail "paths through .." "the original file is opened through:$bad"
fi

# 3. nothing outside: every patched file is a copy, every other file a link
if [[ ! -L $work/shadow/$kgd && -L $work/shadow/drivers/gpu/drm/amd/include/atombios.h &&
	$(readlink "$work/shadow/drivers/gpu/drm/amd/amdgpu/amdgpu_device.c") == "$src/drivers/gpu/drm/amd/amdgpu/amdgpu_device.c" ]]; then
	t_pass "made real: amdgpu/ (its entries links into the original tree), the patched header a copy"
else
	t_fail "shadow entries" "$(stat -c "%n %F" "$work/shadow/$kgd" "$work/shadow/drivers/gpu/drm/amd/amdgpu/amdgpu_device.c" 2>&1 | tr "\n" " ")"
fi

# 4-6. a real TU, preprocessed with its own command, with only kgd_pp_interface.h patched
# tu SRC - the compile database's line of SRC (as it spells it) into obj and cmd
tu() {
	local line
	line=$(awk -F'\t' -v c="$1" '$1 == c { print; exit }' "$HP_CACHE/compiledb")
	[[ -n $line ]] || t_bail "$1 is not in the compile database of $HP_RELEASE"
	IFS=$'\t' read -r _ obj _ cmd <<<"$line"
}
tu=drivers/gpu/drm/amd/amdgpu/amdgpu_device.c
tu "$tu"
rm -rf "$work/ovl" "$work/shadow"
patch_files "$kgd"
# preprocess SHADOW - $tu preprocessed in SHADOW, its dependency file in $work/pp.d
preprocess() {
	local pp
	pp=$(objects_pp_cmd "$cmd" "$obj" "$work/pp.i") || return 1
	pp=${pp/" -E -o "/" -Wp,-MMD,$work/pp.d -E -o "}
	(cd "$1" && hp_target_exec bash -c "$pp") >"$work/pp.log" 2>&1
}
objects_shadow "$src" "$work/ovl" "$work/shadow"
if preprocess "$work/shadow" && grep -q hotpatch_shadow_marker "$work/pp.i" &&
	grep -q 'amdgpu/\.\./include/kgd_pp_interface.h' "$work/pp.d"; then
	t_pass "$tu preprocessed in the shadow sees the patched $kgd (through amdgpu/../include)"
else
	t_fail "$tu in the shadow" "the patched header is not in its preprocessed text ($(tail -n 3 "$work/pp.log" | tr '\n' ' '))"
fi
t_check "objects_shadow_check: nothing to say about that compile" \
	objects_shadow_check "$work/shadow" "$work/pp.d" "$obj"
# the shadow as it was made before: no index, so no directory made real for ".."
(unset HP_CACHE && objects_shadow "$src" "$work/ovl" "$work/shadow-old")
out=''
if preprocess "$work/shadow-old" && ! grep -q hotpatch_shadow_marker "$work/pp.i"; then
	out=$(objects_shadow_check "$work/shadow-old" "$work/pp.d" "$obj" 2>&1) && out=''
fi
if [[ $out == *"$obj (patched)"*"amdgpu/../include/kgd_pp_interface.h"*"not the patched $kgd"* ]]; then
	t_pass "without the index's directories: the original is read, and objects_shadow_check names the path"
else
	t_fail "the net" "expected objects_shadow_check to report the original read through amdgpu/..; saw: ${out:-nothing}"
fi

# 7. the header filter on the old shadow: the TU is kept (its compile will fail by name), never
# judged on the original's text
pf=$work/pf
mkdir -p "$pf"
cp -r "$work/ovl" "$pf/patched-src"
cp -a "$work/shadow-old" "$pf/shadow"
awk -F'\t' -v c="$tu" '$1 == c' "$HP_CACHE/compiledb" >"$pf/tus"
PATCH_C=()
PATCH_H=("$kgd")
verdict=$(HOTPATCH_OBJECT_CACHE=0 && objects_prefilter "$pf" >/dev/null 2>&1 && cat "$pf/prefilter") || verdict="(failed)"
if [[ $verdict == "keep"$'\t'"$obj"$'\t'*'through ".."'* ]] && grep -qF "$tu" "$pf/tus"; then
	t_pass "the header filter keeps $obj when its patched side read an original through \"..\""
else
	t_fail "the header filter and \"..\"" "verdict: $verdict"
fi

# 8. a TU the database spells through amdgpu/.. (amdgpu's Makefile builds pm/, amdkfd/ and
# display/ by such paths), itself the patched file
rm -rf "$work/ovl"
patch_files drivers/gpu/drm/amd/pm/amdgpu_dpm.c
tu drivers/gpu/drm/amd/amdgpu/../pm/amdgpu_dpm.c
objects_shadow "$src" "$work/ovl" "$work/shadow-pm"
if preprocess "$work/shadow-pm" && grep -q hotpatch_shadow_marker "$work/pp.i"; then
	t_pass "drivers/gpu/drm/amd/amdgpu/../pm/amdgpu_dpm.c, as the database spells it, is the patched file"
else
	t_fail "a TU spelled through .." "the original amdgpu_dpm.c was preprocessed ($(tail -n 3 "$work/pp.log" | tr '\n' ' '))"
fi
rm -rf "$work/ovl"
patch_files "$kgd"

# 9. a directory the original tree lacks is not created
mkdir -p "$work/hc"
ln -s "$src" "$work/hc/src"
{
	head -n 1 "$(includes_path)"
	printf 'u\tdrivers/gpu/drm/amd/no-such-dir\t1\tdrivers/gpu/drm/amd/include\n'
} >"$work/hc/includes"
(HP_CACHE=$work/hc && objects_shadow "$HP_CACHE/src" "$work/ovl" "$work/shadow-missing")
if [[ ! -e $work/shadow-missing/drivers/gpu/drm/amd/no-such-dir && -d $work/shadow-missing/drivers/gpu/drm/amd/include ]]; then
	t_pass "a directory the tree lacks is not made (its \"..\" must fail as in the tree)"
else
	t_fail "missing directory" "$work/shadow-missing/drivers/gpu/drm/amd/no-such-dir exists"
fi

# 10. the u line's target decides: a patch elsewhere does not make amdgpu/ real
rm -rf "$work/ovl"
patch_files kernel/signal.c
objects_shadow "$src" "$work/ovl" "$work/shadow-signal"
if [[ -L $work/shadow-signal/drivers/gpu || -L $work/shadow-signal/drivers ]]; then
	t_pass "kernel/signal.c alone: drivers/ stays a link"
else
	t_fail "a far patch" "$(find "$work/shadow-signal" -maxdepth 3 -type d | head -n 5 | tr '\n' ' ')"
fi

# 11. every directory made real is one the index asks for, and exists in the tree
n=$(find "$work/shadow" -type d | wc -l)
extra=$(cd "$work/shadow" && find . -type d -printf '%P\n' | while IFS= read -r d; do
	[[ -z $d || -d $src/$d ]] || printf '%s ' "$d"
done)
if [[ -z $extra ]]; then
	t_pass "$n real directories for kgd_pp_interface.h, each one of the tree"
else
	t_fail "real directories" "not in the tree: $extra"
fi

# 12. the real fix through a TU spelled with "..", end to end
rel=6.1.0-54-amd64
out=$work/kfd
rc=0
"$T_TOP/hotpatch-build.sh" -k "$rel" -o "$out" "$T_TOP/tests/kernel/shadow-fixes/kfd_crat.c.diff" >"$work/kfd.log" 2>&1 || rc=$?
fns=$(jq -r '[.objects[].functions[].name] | join(" ")' "$out/kfd_crat_c.json" 2>/dev/null) || fns=''
objs=$(jq -r '[.objects[].object] | join(" ")' "$out/kfd_crat_c.json" 2>/dev/null) || objs=''
if ((rc == 0)) && [[ $fns == kfd_parse_crat_table && $objs == drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_crat.o && -s $out/kfd_crat_c.ko ]]; then
	t_pass "kfd_crat.c's real fix on $rel: a module changing kfd_parse_crat_table in $objs"
else
	t_fail "kfd_crat.c's real fix" "exit $rc, functions '$fns', objects '$objs': $(tail -n 4 "$work/kfd.log" | tr '\n' ' ')"
fi
t_done
