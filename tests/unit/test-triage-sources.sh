#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build/triage-candidate.sh's tc_failed_sources: the .c files a build's log says did not compile
# (patched side), by the update's paths. The compile database spells amdgpu's display and amdkfd
# TUs through amdgpu/.. (drivers/gpu/drm/amd/amdgpu/../display/amdgpu_dm/amdgpu_dm.c), and a
# spelling taken as it is matched no file of the update: the carried headers' breakage of
# amdgpu_dm.c (which the update changes) read as "which the update does not change" (shard 1/8
# of 6.1.190-1 -> 6.1.192-1, kfd_process_queue_manager.c).
# tc_missing_symbols: the globals hotpatch-build (build/diff.sh) says the patch refers to and
# neither the target nor the patch defines; tc_defining_sources: the .c files whose change in
# the update adds a file-scope definition of one (kfd_topology_get_num_devices, added in
# kfd_topology.c, declared in kfd_priv.h, called from kfd_chardev.c), not a declaration, a
# static, a call or a macro.
# tc_api_headers: the headers of the update whose changed lines declare a name the candidate's
# changed statements name (6.1.190-1 -> 6.1.192-1: kfd_chardev.c passes &metadata_buffer to
# amdgpu_amdkfd_get_dmabuf_info, whose prototype amdgpu_amdkfd.h changes; xfrm_state.c calls
# signal_pending, whose static inline body sched/signal.h changes), not a header whose change
# only names the same common word ("dev", "id", "out": a member of an unrelated struct, a label)
# nor a name the update adds whole; with the kfd_ioctl_get_dmabuf_info hunks left out of
# kfd_chardev.c's diff (tests/e2e/triage-closure/kfd), amdgpu_amdkfd.h no longer counts.
# tc_api_callers, the other direction: the .c files of the update whose changed statements name
# what a header the candidate carries declares in its changed lines (amdgpu_amdkfd.c with
# amdgpu_amdkfd.h: kfd_chardev.c, whose old call compiles against the new prototype; l2tp_core.c
# with l2tp_core.h: l2tp_netlink.c and l2tp_ppp.c, not l2tp_debugfs.c, whose change names other
# things; smb_common.c with smb_common.h: server.c), and none once kfd_chardev.c's diff lacks
# the dmabuf hunks.
# tc_api_index: the header-API index kept in the update (api-KEY.*) is made by its first user,
# and that writer removes the indexes of other versions and killed writers' temporaries unused
# for 8 days (touch -d), but a running writer's; a later use of an old one marks it used.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_plan 15
# shellcheck source=build/includes.sh
. "$T_TOP/build/includes.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/triage-input.sh
. "$T_TOP/build/triage-input.sh"
# the function alone: the script runs a candidate when sourced
for f in tc_failed_sources tc_error_idents tc_missing_symbols tc_defining_sources; do
	eval "$(sed -n "/^$f() {\$/,/^}\$/p" "$T_TOP/build/triage-candidate.sh")"
	declare -F "$f" >/dev/null || t_bail "no $f in build/triage-candidate.sh"
done
# (tc_api_awk and tc_api_index with it; its awk program is a here-document, whose lines "}"
# would end the range above)
eval "$(sed -n '/^tc_api_awk() {$/,/^# tc_api_check /p' "$T_TOP/build/triage-candidate.sh")"
for f in tc_api_headers tc_api_callers; do
	declare -F "$f" >/dev/null || t_bail "no $f in build/triage-candidate.sh"
done
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

# the identifiers of the patched side's errors, without the types gcc spells out in every
# signature (btrfs's extent-tree.c, broken by the carried ctree.h: u64 named include/linux/key.h,
# a layout header, whose diff adds u64 members, and refused the candidate)
cat >"$work/idents.log" <<'LOG'
hotpatch: objects: error: fs/btrfs/extent-tree.c (patched) does not compile:
  fs/btrfs/extent-tree.c:3283:6: error: conflicting types for ‘btrfs_free_tree_block’; have ‘void(struct btrfs_trans_handle *, u64,  struct extent_buffer *, u64,  int)’ {aka ‘void(struct btrfs_trans_handle *, long long unsigned int,  struct extent_buffer *, long long unsigned int,  int)’}
  net/wireless/core.c:1167:34: note: expected ‘struct wiphy_work *’ but argument is of type ‘struct work_struct *’
hotpatch: compile: error: compiling failed (see above)
LOG
got=$(tc_error_idents "$work/idents.log" | paste -sd' ')
t_check "the errors' identifiers, not u64: $got" \
	test "$got" = "btrfs_free_tree_block btrfs_trans_handle extent_buffer wiphy_work work_struct"

cat >"$work/refused.log" <<'LOG'
  hotpatch-diff: error: drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_chardev.o: -: kfd_topology_get_num_devices: reference to kfd_topology_get_num_devices: not found in the target's symbol table; check that the index matches the target release, or export it
hotpatch: diff: refused: drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_chardev.o refers to kfd_topology_get_num_devices, which neither 6.1.0-54-amd64 nor any object of this patch defines: add the change that defines kfd_topology_get_num_devices to the patch
hotpatch: diff: refused: fs/dlm/config.o refers to dlm_lowcomms_is_running, which neither 6.1.0-54-amd64 nor any object of this patch defines: add the change that defines dlm_lowcomms_is_running to the patch
hotpatch: diff: refused: the patch cannot be applied live safely (reasons above); no module written
LOG
got=$(tc_missing_symbols "$work/refused.log" | paste -sd' ')
t_check "the missing symbols, from hotpatch-build's message: $got" test "$got" = "dlm_lowcomms_is_running kfd_topology_get_num_devices"

# an update of five .c files, each naming the symbol once in a different way
TRIAGE_UPDATE=$work/u
mkdir -p "$TRIAGE_UPDATE/diffs/d"
printf '%s\tmodified\t-\n' d/caller.c d/proto.c d/static.c d/def.c d/data.c d/krstyle.c d/macro.h >"$TRIAGE_UPDATE/files"
printf '%s\n' '+++ b/d/caller.c' '+	if (n > kfd_topology_get_num_devices())' >"$TRIAGE_UPDATE/diffs/d/caller.c.diff"
printf '%s\n' '+uint32_t kfd_topology_get_num_devices(void);' >"$TRIAGE_UPDATE/diffs/d/proto.c.diff"
printf '%s\n' '+static uint32_t kfd_topology_get_num_devices(void)' >"$TRIAGE_UPDATE/diffs/d/static.c.diff"
printf '%s\n' ' }' '+uint32_t kfd_topology_get_num_devices(void)' '+{' >"$TRIAGE_UPDATE/diffs/d/def.c.diff"
printf '%s\n' '+unsigned int kfd_topology_get_num_devices_max = 4;' '+int *kfd_topology_get_num_devices = NULL;' >"$TRIAGE_UPDATE/diffs/d/data.c.diff"
printf '%s\n' '+uint32_t' '+kfd_topology_get_num_devices(void)' >"$TRIAGE_UPDATE/diffs/d/krstyle.c.diff"
printf '%s\n' '+#define kfd_topology_get_num_devices() 0' >"$TRIAGE_UPDATE/diffs/d/macro.h.diff"
got=$(tc_defining_sources kfd_topology_get_num_devices | tr '\t' : | paste -sd' ')
t_check "the .c files that define it: $got" test "$got" = "d/def.c:modified d/data.c:modified d/krstyle.c:modified"
t_check "a symbol no change defines: none" test -z "$(tc_defining_sources kfd_topology_enum_kfd_devices)"

# the header-API index of this small update: what other versions and killed writers left goes
stale=(api-0123456789abcdef.decls api-0123456789abcdef.uses .tmp.api.Dead01)
for f in "${stale[@]}"; do
	: >"$TRIAGE_UPDATE/$f"
done
touch -d '10 days ago' "${stale[@]/#/$TRIAGE_UPDATE/}"
: >"$TRIAGE_UPDATE/.tmp.api.Live01"
# shellcheck disable=SC2034 # read by tc_api_index (where an unwritable update keeps its index)
TC_WORK=$work
idx=$(tc_api_index uses)
left=$(cd "$TRIAGE_UPDATE" && find . -maxdepth 1 -name 'api-*' -o -name '.tmp.api.*' | LC_ALL=C sort | paste -sd' ')
if [[ $idx == "$TRIAGE_UPDATE"/api-*.uses && $left == "./.tmp.api.Live01 ./${idx##*/}" ]] && [[ -f $idx ]]; then
	t_pass "the index written removes the old ones and a dead temporary, not a running writer's: $left"
else
	t_fail "the index written removes the old ones and a dead temporary" \
		"expected ./.tmp.api.Live01 and the index $idx, saw: $left"
fi
touch -d '10 days ago' "$idx"
t_check "a use of an index 10 days old marks it used" \
	test "$(tc_api_index uses)" = "$idx" -a -n "$(find "$idx" -mmin -1440)"

update=$HOME/.cache/hotpatch/updates/6.1.190-1..6.1.192-1
# a missing cache is a failure, never a skip (README, "Testing"), as in test-kernel-prefilter-cache
[[ -s $update/files ]] ||
	t_bail "expected the update 6.1.190-1..6.1.192-1 in $update (hotpatch-triage --from 6.1.190-1 --to 6.1.192-1 makes it)"
TRIAGE_UPDATE=$update
# shellcheck disable=SC2034 # read by tc_api_headers
TC_FILES=(drivers/gpu/drm/amd/amdkfd/kfd_chardev.c)
got=$(tc_api_headers | tr '\t' = | paste -sd' ')
t_check "kfd_chardev.c: the header whose prototype its call uses, no other: $got" \
	test "$got" = "drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd.h=amdgpu_amdkfd_get_dmabuf_info"
# shellcheck disable=SC2034 # read by tc_api_headers
TC_FILES=(net/xfrm/xfrm_state.c)
got=$(tc_api_headers | tr '\t' = | paste -sd' ')
t_check "xfrm_state.c: sched/signal.h changes the body of signal_pending, which it calls: $got" \
	grep -qw 'include/linux/sched/signal.h=signal_pending' <<<"$got"
# shellcheck disable=SC2034 # read by tc_api_callers
TC_FILES=(drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd.c drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd.h)
got=$(tc_api_callers | tr '\t' = | paste -sd' ')
t_check "amdgpu_amdkfd.c with amdgpu_amdkfd.h: kfd_chardev.c's changed call, nothing else: $got" \
	test "$got" = "drivers/gpu/drm/amd/amdkfd/kfd_chardev.c=drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd.h=amdgpu_amdkfd_get_dmabuf_info"
# shellcheck disable=SC2034 # read by tc_api_callers
TC_FILES=(net/l2tp/l2tp_core.c net/l2tp/l2tp_core.h)
got=$(tc_api_callers | tr '\t' = | paste -sd' ')
t_check "l2tp_core.c with l2tp_core.h: the two changed callers of l2tp_session_set_header_len: $got" \
	test "$got" = "net/l2tp/l2tp_netlink.c=net/l2tp/l2tp_core.h=l2tp_session_set_header_len net/l2tp/l2tp_ppp.c=net/l2tp/l2tp_core.h=l2tp_session_set_header_len"
# shellcheck disable=SC2034 # read by tc_api_callers
TC_FILES=(fs/smb/server/smb_common.c fs/smb/server/smb_common.h)
got=$(tc_api_callers | tr '\t' = | paste -sd' ')
t_check "smb_common.c with smb_common.h: server.c's changed call of ksmbd_init_smb_server: $got" \
	test "$got" = "fs/smb/server/server.c=fs/smb/server/smb_common.h=ksmbd_init_smb_server"
# the same update, but kfd_chardev.c's diff without the kfd_ioctl_get_dmabuf_info hunks
TRIAGE_UPDATE=$work/kfd
mkdir -p "$TRIAGE_UPDATE"
ln -s "$update/from" "$update/to" "$TRIAGE_UPDATE/"
cp "$update/files" "$TRIAGE_UPDATE/files"
# a tree of links to the update's diffs, one of them replaced
cp -rs "$update/diffs" "$TRIAGE_UPDATE/diffs"
rm "$TRIAGE_UPDATE/diffs/drivers/gpu/drm/amd/amdkfd/kfd_chardev.c.diff"
cp "$T_TOP/tests/e2e/triage-closure/kfd/03-amdkfd-kfd_chardev.c.patch" "$TRIAGE_UPDATE/diffs/drivers/gpu/drm/amd/amdkfd/kfd_chardev.c.diff"
# shellcheck disable=SC2034 # read by tc_api_headers
TC_FILES=(drivers/gpu/drm/amd/amdkfd/kfd_chardev.c)
got=$(tc_api_headers | tr '\t' = | paste -sd' ')
t_check "kfd_chardev.c without its dmabuf hunks: no header: '$got'" test -z "$got"
# shellcheck disable=SC2034 # read by tc_api_callers
TC_FILES=(drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd.c drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd.h)
got=$(tc_api_callers | tr '\t' = | paste -sd' ')
t_check "amdgpu_amdkfd.c with amdgpu_amdkfd.h, kfd_chardev.c without its dmabuf hunks: no caller: '$got'" test -z "$got"
t_done
