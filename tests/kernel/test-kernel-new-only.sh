#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Real fixes of Debian's 6.1.190-1 -> 6.1.192-1 whose object only adds a function, built for
# 6.1.0-54-amd64 (6.1.190-1's tree), end to end:
# - ima_kexec.c adds ima_validate_range, which nothing in 6.1.192 calls (a partial backport);
# - kfd_topology.c adds kfd_topology_get_num_devices, which kfd_chardev.c calls.
# Alone, each changes nothing the running kernel runs: hotpatch-build says so (exit 3, "no
# change", naming object, section and function and what to do) and writes no module (was: exit
# 1, hotpatch-mkmod's "no function to patch ... nothing to build"). Then kfd_topology.c with
# its caller: one module, in which the patched kfd_ioctl_get_process_apertures_new calls the
# module's own kfd_topology_get_num_devices (an ordinary relocation to a function the module
# defines; the running amdgpu lacks it, so no klp symbol may name it), while the new function
# reaches amdgpu's topology_lock and sys_props through klp relocations. Last, ima_kexec.c with a
# --hooks file whose pre-patch callback calls ima_validate_range: the hooks use it, so the
# module carries it and the callback calls the module's copy. And a chain nothing starts:
# fs/exec.c adds hp_exec_note, which only a new function of fs/binfmt_misc.c calls, which
# nothing calls: no change, naming both (was: exec.o kept for its caller, which was left out,
# and hotpatch-mkmod's "no function to patch").
# new-only-fixes/kfd_get_num_devices.diff is the update's kfd_topology.c diff, the first hunk of
# its kfd_chardev.c diff and the declaration hunk of its kfd_priv.h diff, verbatim: the other
# kfd_chardev.c hunk passes a void ** to amdgpu_amdkfd_get_dmabuf_info, whose new signature
# comes with amdgpu_amdkfd.c/.h (not in the three files: a module of those three alone would
# hand the running function a pointer's address as its buffer), and kfd_priv.h's other hunk
# (a new enumerator) makes 33 more amdkfd TUs compile for nothing this test looks at.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

t_plan 9
rel=6.1.0-54-amd64
fixes=$T_TOP/tests/kernel/new-only-fixes
work=$(t_tmpdir)
hint='a live patch of it alone changes nothing the running kernel runs; build it together with the change that calls it'

# build NAME DIFF [OPTION...] - hotpatch-build into $work/NAME; sets rc
build() {
	rc=0
	"$T_TOP/hotpatch-build.sh" -k "$rel" -o "$work/$1" "${@:3}" "$2" >"$work/$1.log" 2>&1 || rc=$?
}

# nochange NAME DIFF OBJ FUNC - exit 3, the run's last "no change" line exactly, no module
nochange() {
	local last want
	build "$1" "$2"
	last=$(sed -n 's/^hotpatch: diff: no change: //p' "$work/$1.log" | tail -n 1)
	want="the patch only adds $4 (.text.$4) in $3, which nothing in the patch calls: $hint"
	if ((rc == 3)) && [[ $last == "$want" ]] && ! compgen -G "$work/$1/*.ko" >/dev/null; then
		t_pass "$1: no change, naming $4 in $3"
	else
		t_fail "$1" "expected exit 3, no module and '$want', saw exit $rc, '$last': $(tail -n 3 "$work/$1.log" | tr '\n' ' ')"
	fi
}

nochange ima "$fixes/ima_kexec.c.diff" security/integrity/ima/ima_kexec.o ima_validate_range
if grep -qF 'security/integrity/ima/ima_kexec.o (vmlinux): no change: adds ima_validate_range (.text.ima_validate_range)' "$work/ima.log"; then
	t_pass "ima: the diff stage names the object left out"
else
	t_fail "ima: object line" "expected 'ima_kexec.o (vmlinux): no change: adds ima_validate_range', saw: $(grep -F ima_kexec.o "$work/ima.log" | tail -n 2 | tr '\n' ' ')"
fi
nochange topology "$fixes/kfd_topology.c.diff" drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_topology.o \
	kfd_topology_get_num_devices

# the new function with its caller
build kfd "$fixes/kfd_get_num_devices.diff"
ko=$work/kfd/kfd_get_num_devices.ko.debug
facts=$work/kfd/kfd_get_num_devices.json
saw=$(jq -r '[.objects[] | (.object | sub(".*/"; "")) + ":" + ([.functions[].name] | join(",")) + ":" + ([.new_functions[]?.name] | join(","))] | sort | join(" ")' "$facts" 2>/dev/null) || saw=''
want='kfd_chardev.o:kfd_ioctl_get_process_apertures_new: kfd_topology.o::kfd_topology_get_num_devices'
if ((rc == 0)) && [[ $saw == "$want" && -s $ko ]]; then
	t_pass "kfd: one module patching kfd_ioctl_get_process_apertures_new, carrying kfd_topology_get_num_devices"
else
	t_fail "kfd module" "expected exit 0 and '$want', saw exit $rc, '$saw': $(tail -n 4 "$work/kfd.log" | tr '\n' ' ')"
fi

# where the caller's call goes: every relocation naming the new function, by section
readelf -rW "$ko" >"$work/rel.txt" 2>&1 || true
calls=$(awk '/^Relocation section/ { sec = $3; gsub("\047", "", sec) }
	$5 == "kfd_topology_get_num_devices" { print sec, $3 }' "$work/rel.txt")
if [[ $calls == '.rela.text.kfd_ioctl_get_process_apertures_new R_X86_64_PLT32' ]]; then
	t_pass "kfd: the patched caller calls kfd_topology_get_num_devices by an ordinary relocation"
else
	t_fail "kfd: the call" "expected one R_X86_64_PLT32 in .rela.text.kfd_ioctl_get_process_apertures_new, saw '$calls'"
fi
def=$(nm "$ko" 2>/dev/null | awk '$NF == "kfd_topology_get_num_devices" { print $2 }')
klp=$(nm "$ko" 2>/dev/null | grep -c 'klp\.sym\..*kfd_topology_get_num_devices' || true)
if [[ $def == T && $klp == 0 ]]; then
	t_pass "kfd: the module defines kfd_topology_get_num_devices and no klp symbol names it"
else
	t_fail "kfd: the definition" "expected 'T' and no .klp.sym for kfd_topology_get_num_devices, saw '$def' and $klp"
fi
saw=$(awk '/^Relocation section/ { sec = $3; gsub("\047", "", sec) }
	sec == ".klp.rela.amdgpu.text.kfd_topology_get_num_devices" && $5 ~ /^\.klp\.sym\./ { print $5 }' "$work/rel.txt" |
	LC_ALL=C sort -u | tr '\n' ' ')
if [[ $saw == '.klp.sym.amdgpu.sys_props,0 .klp.sym.amdgpu.topology_lock,0 ' ]]; then
	t_pass "kfd: the new function reads amdgpu's sys_props and topology_lock through klp relocations"
else
	t_fail "kfd: its klp relocations" "expected sys_props and topology_lock of amdgpu, saw '$saw'"
fi

# a chain of new functions nothing calls
build chain "$fixes/chain-unused.diff"
last=$(sed -n 's/^hotpatch: diff: no change: //p' "$work/chain.log" | tail -n 1)
want='the patch only adds hp_bm_note (.text.hp_bm_note) in fs/binfmt_misc.o; hp_exec_note (.text.hp_exec_note) in fs/exec.o, which nothing in the patch calls: a live patch of them alone changes nothing the running kernel runs; build them together with the change that calls them'
if ((rc == 3)) && [[ $last == "$want" ]] && ! compgen -G "$work/chain/*.ko" >/dev/null; then
	t_pass "chain: no change, naming hp_bm_note and the hp_exec_note only it calls"
else
	t_fail "chain" "expected exit 3, no module and '$want', saw exit $rc, '$last': $(tail -n 3 "$work/chain.log" | tr '\n' ' ')"
fi

# the hooks call the new function
build hooks "$fixes/ima_kexec.c.diff" --hooks "$fixes/ima_hooks.c" --object vmlinux
ko=$work/hooks/ima_kexec_c.ko.debug
saw=$(jq -r '[.objects[].new_functions[]?.name] | join(" ")' "$work/hooks/ima_kexec_c.json" 2>/dev/null) || saw=''
readelf -rW "$ko" >"$work/hooks-rel.txt" 2>&1 || true
calls=$(awk '/^Relocation section/ { sec = $3; gsub("\047", "", sec) }
	$5 == "ima_validate_range" { print sec, $3 }' "$work/hooks-rel.txt" | LC_ALL=C sort -u | tr '\n' ' ')
def=$(nm "$ko" 2>/dev/null | awk '$NF == "ima_validate_range" { print $2 }')
if ((rc == 0)) && [[ $saw == ima_validate_range && $def == T && $calls == *.rela.text*R_X86_64_PLT32* && $calls != *klp* ]]; then
	t_pass "ima with hooks calling ima_validate_range: a module carrying it, the callback calling its copy"
else
	t_fail "ima with hooks" "expected exit 0, new ima_validate_range defined (T) and called from the hooks, saw exit $rc, '$saw', '$def', '$calls': $(tail -n 3 "$work/hooks.log" | tr '\n' ' ')"
fi
t_done
