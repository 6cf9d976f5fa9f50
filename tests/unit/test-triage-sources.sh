#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build/triage-candidate.sh's tc_failed_sources: the .c files a build's log says did not compile
# (patched side), by the update's paths. The compile database spells amdgpu's display and amdkfd
# TUs through amdgpu/.. (drivers/gpu/drm/amd/amdgpu/../display/amdgpu_dm/amdgpu_dm.c), and a
# spelling taken as it is matched no file of the update: the carried headers' breakage of
# amdgpu_dm.c (which the update changes) read as "which the update does not change" (shard 1/8
# of 6.1.190-1 -> 6.1.192-1, kfd_process_queue_manager.c).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_plan 2
# shellcheck source=build/includes.sh
. "$T_TOP/build/includes.sh"
# the function alone: the script runs a candidate when sourced
eval "$(sed -n '/^tc_failed_sources() {$/,/^}$/p' "$T_TOP/build/triage-candidate.sh")"
declare -F tc_failed_sources >/dev/null || t_bail "no tc_failed_sources in build/triage-candidate.sh"
work=$(t_tmpdir)
cat >"$work/log" <<'LOG'
hotpatch: stage map         936.2s  43 TU(s), 302 left out by the header filter
hotpatch: objects: error: drivers/gpu/drm/amd/amdgpu/../display/amdgpu_dm/amdgpu_dm.c (patched) does not compile:
  drivers/gpu/drm/amd/amdgpu/../display/amdgpu_dm/amdgpu_dm_hdcp.h:46:48: error: 'AMDGPU_DM_MAX_DISPLAY_INDEX' undeclared
hotpatch: objects: error: net/l2tp/l2tp_ppp.c (patched) does not compile:
hotpatch: objects: error: arch/x86/kvm/../../../virt/kvm/kvm_main.c (patched) does not compile:
hotpatch: objects: error: fs/btrfs/inode.c (orig) does not compile:
hotpatch: compile: error: compiling failed (see above)
LOG
got=$(tc_failed_sources "$work/log" | paste -sd' ')
want='drivers/gpu/drm/amd/display/amdgpu_dm/amdgpu_dm.c net/l2tp/l2tp_ppp.c virt/kvm/kvm_main.c'
if [[ $got == "$want" ]]; then
	t_pass "the patched sides that failed, by lexical path: $got"
else
	t_fail "failed sources" "expected '$want', saw '$got'"
fi
t_check "a log without failures: none" test -z "$(tc_failed_sources /dev/null)"
t_done
