#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hotpatch-triage on a fix whose .c compiles alone but uses what a changed header declares
# (tests/e2e/triage-closure/kfd-dmabuf/: Debian's 6.1.190-1 -> 6.1.192-1 update, its diffs of
# amdgpu_amdkfd.h and amdgpu_amdkfd.c and the kfd_ioctl_get_dmabuf_info hunks of its
# kfd_chardev.c diff). kfd_chardev.c now passes &metadata_buffer, an 8-byte stack slot, to
# amdgpu_amdkfd_get_dmabuf_info, whose prototype amdgpu_amdkfd.h changes from void * to void **.
# Against the old header the call still compiles, and a module of kfd_chardev.c alone would
# call the running kernel's old function, which copies up to a size the user gives into that
# slot: a kernel stack overflow reported as built. The candidate must carry amdgpu_amdkfd.h,
# and then amdgpu_amdkfd.c, which the carried header breaks (its definition changes with it),
# or be refused naming the header; its log says why.
# The other direction, on the series' other candidate: amdgpu_amdkfd.c does not compile alone
# (its definition changes with the prototype), carries amdgpu_amdkfd.h, and then builds; but
# kfd_chardev.c's old call still compiles against the new prototype, and a module of the two
# would pass the old buffer to the new function, which stores a pointer into it. The candidate
# must carry kfd_chardev.c's change too (the update changes that call with the prototype), or
# be refused naming it.
# The grouping rule's limit, --max-sources 1, on the same series: both candidates then end at
# it, each by its own path. amdgpu_amdkfd.c carries amdgpu_amdkfd.h and builds, then needs
# kfd_chardev.c (tc_api_users): refused, "more than 1 .c files, not carried". kfd_chardev.c
# carries amdgpu_amdkfd.h, which breaks amdgpu_amdkfd.c (tc_carry_sources): does-not-compile,
# with the same words. Neither writes a module. This run starts with the first run's rows in
# its results (made under the limit 8): a key without the limit would skip both as finished.
# Cost: one triage of 2 candidates; the carried header recompiles every TU that includes it
# (the header filter leaves most uncompiled): minutes at load 8-12. The second run reuses the
# first's object cache, header-filter verdicts and ccache: 36 s (the first 70 s, the whole
# test 110 s) at load 4-6 with a warm cache, 2026-12-01 (with tc_compile_first; 44 s, 106 s and
# 157 s before it); 743 s for the test when the object cache had none of amdgpu's originals.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_plan 9
tmp=$(t_tmpdir)
series=$T_TOP/tests/e2e/triage-closure/kfd-dmabuf
id=drivers_gpu_drm_amd_amdkfd_kfd_chardev_c
hdr=drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd.h

cc=()
command -v ccache >/dev/null && cc=(--cc-wrapper ccache)
rc=0
nice "$T_TOP/hotpatch-triage.sh" -j 2 "${cc[@]}" --from 6.1.190-1 -o "$tmp/t" "$series" >"$tmp/t.log" 2>&1 || rc=$?
row=$(jq -c --arg id "$id" '.candidates[] | select(.id == $id)' "$tmp/t/triage.json" 2>/dev/null || true)
row=${row:-null}
t_check "the triage ran (exit 0 or 2), kfd_chardev.c has a row (exit $rc: $(tail -n 2 "$tmp/t.log" | tr '\n' ' '))" \
	test "$row" != null -a "$rc" -le 2

outcome=$(jq -r .outcome <<<"$row")
files=$(jq -r '.files | sort | join(" ")' <<<"$row")
reason=$(jq -r '.reason // ""' <<<"$row")
if [[ $outcome == built && " $files " == *" $hdr "* && " $files " == *" drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd.c "* ]] ||
	[[ $outcome == refused && $reason == *"$hdr"* && $reason == *amdgpu_amdkfd_get_dmabuf_info* ]]; then
	t_pass "kfd_chardev.c is not built alone: $outcome with $files${reason:+ ($reason)}"
else
	t_fail "kfd_chardev.c is not built alone" "saw $outcome with files $files; reason: ${reason:0:300}"
fi
t_check "its log names the rule: uses amdgpu_amdkfd_get_dmabuf_info, changed in $hdr" \
	grep -q "kfd_chardev.c uses what the update changes in the headers it includes: amdgpu_amdkfd_get_dmabuf_info ($hdr)" "$tmp/t/logs/$id.log"

# the other direction: amdgpu_amdkfd.c carries amdgpu_amdkfd.h, whose changed prototype the
# update's change of kfd_chardev.c uses
id=drivers_gpu_drm_amd_amdgpu_amdgpu_amdkfd_c
caller=drivers/gpu/drm/amd/amdkfd/kfd_chardev.c
row=$(jq -c --arg id "$id" '.candidates[] | select(.id == $id)' "$tmp/t/triage.json" 2>/dev/null || true)
row=${row:-null}
outcome=$(jq -r .outcome <<<"$row")
files=$(jq -r '.files // [] | sort | join(" ")' <<<"$row")
reason=$(jq -r '.reason // ""' <<<"$row")
if [[ $outcome == built && " $files " == *" $hdr "* && " $files " == *" $caller "* ]] ||
	[[ $outcome == refused && $reason == *"$caller"* && $reason == *amdgpu_amdkfd_get_dmabuf_info* ]]; then
	t_pass "amdgpu_amdkfd.c with amdgpu_amdkfd.h is not built without kfd_chardev.c's call: $outcome with $files${reason:+ ($reason)}"
else
	t_fail "amdgpu_amdkfd.c with amdgpu_amdkfd.h is not built without kfd_chardev.c's call" \
		"saw $outcome with files $files; reason: ${reason:0:300}"
fi
t_check "its log names the other direction: amdgpu_amdkfd_get_dmabuf_info ($hdr) in $caller" \
	grep -qF "the carried headers change declarations whose use the update changes in other .c files too: amdgpu_amdkfd_get_dmabuf_info ($hdr) in $caller" "$tmp/t/logs/$id.log"

# --max-sources 1, the first run's rows in place
mkdir -p "$tmp/m/results"
cp "$tmp"/t/results/*.json "$tmp/m/results/" 2>/dev/null || true
rc=0
nice "$T_TOP/hotpatch-triage.sh" -j 2 "${cc[@]}" --max-sources 1 --from 6.1.190-1 -o "$tmp/m" "$series" >"$tmp/m.log" 2>&1 || rc=$?
max=$(jq -r '.options.max_sources' "$tmp/m/triage.json" 2>/dev/null || true)
if ((rc == 0)) && [[ $max == 1 ]] && ! grep -q 'already finished' "$tmp/m.log"; then
	t_pass "--max-sources 1: exit 0, options.max_sources 1, no row of the limit 8 reused ($(jq .wall_time "$tmp/t/triage.json") s, then $(jq .wall_time "$tmp/m/triage.json") s at load $(cut -d' ' -f1-3 /proc/loadavg))"
else
	t_fail "--max-sources 1: exit 0, options.max_sources 1, no row of the limit 8 reused" \
		"saw exit $rc, max_sources '$max': $(grep -m1 'already finished' "$tmp/m.log" || tail -n 2 "$tmp/m.log" | tr '\n' ' ')"
fi

# row ID - its row in the second run's report
row() {
	local r
	r=$(jq -c --arg id "$1" '.candidates[] | select(.id == $id)' "$tmp/m/triage.json" 2>/dev/null || true)
	printf '%s\n' "${r:-null}"
}
id=drivers_gpu_drm_amd_amdgpu_amdgpu_amdkfd_c
r=$(row "$id")
outcome=$(jq -r .outcome <<<"$r")
files=$(jq -r '.files // [] | join(" ")' <<<"$r")
reason=$(jq -r '.reason // ""' <<<"$r")
want="amdgpu_amdkfd_get_dmabuf_info ($hdr) in $caller; with them more than 1 .c files, not carried"
if [[ $outcome == refused && $reason == *"$want"* && $files == "drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd.c $hdr" ]]; then
	t_pass "amdgpu_amdkfd.c: refused by the limit of tc_api_users, kfd_chardev.c not carried"
else
	t_fail "amdgpu_amdkfd.c: refused by the limit of tc_api_users, kfd_chardev.c not carried" \
		"expected refused with files 'amdgpu_amdkfd.c $hdr' and '...$want...', saw $outcome with files '$files'; reason: ${reason:0:400}"
fi
id2=drivers_gpu_drm_amd_amdkfd_kfd_chardev_c
r=$(row "$id2")
outcome=$(jq -r .outcome <<<"$r")
files=$(jq -r '.files // [] | join(" ")' <<<"$r")
reason=$(jq -r '.reason // ""' <<<"$r")
want="needs the update's changes of drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd.c too: more than 1 .c files, not carried"
if [[ $outcome == does-not-compile && $reason == *"$want"* && $files == "$caller $hdr" ]]; then
	t_pass "kfd_chardev.c: does-not-compile at the limit of tc_carry_sources, amdgpu_amdkfd.c not carried"
else
	t_fail "kfd_chardev.c: does-not-compile at the limit of tc_carry_sources, amdgpu_amdkfd.c not carried" \
		"expected does-not-compile with files '$caller $hdr' and '...$want...', saw $outcome with files '$files'; reason: ${reason:0:400}"
fi
left=$(find "$tmp/m/modules" -name '*.ko' 2>/dev/null)
t_check "no module for either (saw: ${left:-none})" test -z "$left" -a -d "$tmp/m/modules"
t_done
