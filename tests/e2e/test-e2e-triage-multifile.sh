#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hotpatch-triage on a fix that spans several .c files: Debian's 6.1.190-1 -> 6.1.192-1 update
# adds an argument to l2tp_session_set_header_len() in net/l2tp/l2tp_core.h and changes its
# definition (l2tp_core.c) and every caller (l2tp_netlink.c, l2tp_ppp.c) with it
# (tests/e2e/triage-multifile/, the update's own diff of each file). No .c compiles alone, nor
# with the header alone: the header breaks the other two. Each candidate must carry the
# update's changes of the .c files the header breaks until it compiles, and build; with a
# series that leaves l2tp_core.c alone the candidate cannot compile, and its reason says which
# file the carried header breaks.
# Each row names the fixes its carried files bring (carried_fixes). --bundle on the trio: the
# first candidate is carried, the other two, whose four files it carries already, are covered
# by it; the bundle applies each file's change once and lists the four fixes once each.
# With --test, the three modules (one boot) and the bundle (one more) pass their liveness check
# in qemu, the l2tp modules loaded.
# The grouping rule's closure, on three more fixes of the same update (tests/e2e/triage-closure/,
# the update's diff of each file the fix spans):
# - cfg80211: nl80211.c and core.c pass a work_struct where include/net/cfg80211.h's change,
#   which alters a layout, now expects a wiphy_work: gcc names that type only in its "note:
#   expected" line, which the error report keeps, so both candidates are refused naming the
#   header (core.c was does-not-compile, the compiler's error its reason);
# - mlx5: en_main.c carries en.h, eswitch.h and mlx5_core.h, which break eswitch_offloads.c,
#   whose errors point at include/linux/mlx5/vport.h: the reason names that global header (a
#   later attempt named none);
# - kfd: kfd_chardev.c calls kfd_topology_get_num_devices(), which the update adds in
#   kfd_topology.c (declared in kfd_priv.h): the running kernel lacks it, so kfd_topology.c is
#   carried and the new function goes into the module (it was refused, "not found in the
#   target's symbol table"); without kfd_topology.c in the series the reason names the symbol.
# Cost: ~2 min on 2 idle cores with a warm 6.1.0-54 cache and ccache (3 + 1 candidates, up to
# 4 attempts each over the 7 TUs that include l2tp_core.h; modules linked, the bundle built
# once more; two qemu boots of ~20 s); the closure's four series ~6 min more at load 6-8 (7
# candidates, up to 3 attempts; mlx5's carried headers recompile up to 165 TUs, the header
# filter's verdicts cached after the first run): 1036 s in all at load 6-8, ccache warm.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
ids=(net_l2tp_l2tp_core_c net_l2tp_l2tp_netlink_c net_l2tp_l2tp_ppp_c)
t_plan $((1 + 3 * ${#ids[@]} + 3 + 1 + 5))
tmp=$(t_tmpdir)
fixes=$T_TOP/tests/e2e/triage-multifile
triage=$T_TOP/hotpatch-triage.sh

cc=()
command -v ccache >/dev/null && cc=(--cc-wrapper ccache)

# the whole fix: every candidate carries the header and the three .c files, and builds
rc=0
nice "$triage" -j 2 "${cc[@]}" --test --bundle l2tp --from 6.1.190-1 -o "$tmp/all" "$fixes" >"$tmp/all.log" 2>&1 || rc=$?
if ((rc == 0)) && [[ $(jq '.candidates | length' "$tmp/all/triage.json" 2>/dev/null) == "${#ids[@]}" ]]; then
	t_pass "the whole fix: exit 0, ${#ids[@]} candidates (the header changes no layout: no candidate of its own)"
else
	t_fail "the whole fix: exit 0, ${#ids[@]} candidates" "saw exit $rc: $(tail -n 4 "$tmp/all.log" | tr '\n' ' ')"
fi
want_files='net/l2tp/l2tp_core.c net/l2tp/l2tp_core.h net/l2tp/l2tp_netlink.c net/l2tp/l2tp_ppp.c'
# the fix of each file: its patch's subject
declare -A subject=()
for p in "$fixes"/*.patch; do
	f=$(sed -n 's|^+++ b/||p' "$p")
	subject[$f]=$(sed -n 's/^Subject: \[PATCH\] //p' "$p")
done
want_fixes=$(for f in $want_files; do printf '%s\n' "${subject[$f]}"; done | sort | paste -sd'|')
for id in "${ids[@]}"; do
	row=$(jq -c --arg id "$id" '.candidates[] | select(.id == $id)' "$tmp/all/triage.json" 2>/dev/null || true)
	row=${row:-null}
	got=$(jq -r '.outcome' <<<"$row")
	if [[ $got == tested && -s $tmp/all/modules/$id.ko ]]; then
		t_pass "$id: built and tested"
	else
		t_fail "$id: built and tested" "saw $got: $(jq -r '.reason // ""' <<<"$row" | cut -c1-300)"
	fi
	files=$(jq -r '.files | sort | join(" ")' <<<"$row")
	funcs=$(jq -r '.changed_functions | join(" ")' <<<"$row")
	if [[ $files == "$want_files" && $funcs == *l2tp_core.o:l2tp_session_set_header_len* &&
		$funcs == *l2tp_netlink.o:l2tp_nl_cmd_session_modify* ]]; then
		t_pass "$id: carries the header and the three .c files; the function and its callers are patched"
	else
		t_fail "$id: carries the header and the three .c files" "expected files $want_files with l2tp_session_set_header_len and l2tp_nl_cmd_session_modify changed, saw files $files, changed $funcs"
	fi
	# its own fix in fixes; the other three files' in carried_fixes, each with its file
	own=$(jq -r '.path' <<<"$row")
	got=$(jq -r '.carried_fixes[] | "\(.file)=\(.fixes | join(","))"' <<<"$row" | sort | paste -sd' ')
	want=$(for f in $want_files; do [[ $f == "$own" ]] || printf '%s=%s\n' "$f" "${subject[$f]}"; done | sort | paste -sd' ')
	if [[ $(jq -r '.fixes | join(",")' <<<"$row") == "${subject[$own]:-?}" && -n $want && $got == "$want" ]]; then
		t_pass "$id: fixes has its own file's fix, carried_fixes those of the three files it carries"
	else
		t_fail "$id: fixes and carried_fixes" "expected fixes [${subject[$own]:-?}] and carried_fixes $want, saw fixes $(jq -c .fixes <<<"$row"), carried_fixes $got"
	fi
done

# the bundle: the first candidate carries the four files, the others are covered by it
b=$tmp/all/l2tp.json
if [[ -s $tmp/all/l2tp.ko ]] && jq -e --arg first "${ids[0]}" --arg others "${ids[1]} ${ids[2]}" '
	.result == "tested" and ([.carried[].id] == [$first]) and (.left_out == [])
	and ([.covered[] | select(.by == [$first]) | .id] | sort | join(" ")) == $others
	and (.carried[0].covers | sort | join(" ")) == $others
	and ([.carried[0].carried_fixes[].file] == .carried[0].files[1:])' "$b" >/dev/null 2>&1; then
	t_pass "--bundle: tested in qemu; one candidate carried, the two whose files it carries covered by it, none left out"
else
	t_fail "--bundle: one candidate carried, the two others covered by it" \
		"saw $(jq -c '{result, message, carried: [.carried[]?.id], covered, left_out}' "$b" 2>/dev/null || echo "no l2tp.json: $(tail -n 3 "$tmp/all.log")")"
fi
# each file's change once in what the bundle was built from, and the functions of the whole fix
got=$(sed -n 's|^+++ b/||p' "$tmp/all/work/bundle/fix.diff" 2>/dev/null | sort | paste -sd' ')
funcs=$(jq -r '[.build.objects[] | .object as $o | .functions[] | "\($o):\(.name)"] | join(" ")' "$b" 2>/dev/null || true)
if [[ $got == "$want_files" && $funcs == *l2tp_core.o:l2tp_session_set_header_len* &&
	$funcs == *l2tp_netlink.o:l2tp_nl_cmd_session_modify* ]]; then
	t_pass "--bundle: each of the four files' changes applied once; the function and its callers patched"
else
	t_fail "--bundle: each file's change applied once" "expected the diffs of $want_files once each, saw $got; changed: $funcs"
fi
got_files=$(jq -r '.files[] | "\(.file)=\(.fixes | join(","))"' "$b" 2>/dev/null | sort | paste -sd' ')
want_files_fixes=$(for f in $want_files; do printf '%s=%s\n' "$f" "${subject[$f]}"; done | sort | paste -sd' ')
if [[ $got_files == "$want_files_fixes" && $(jq -r '.fixes | sort | join("|")' "$b" 2>/dev/null) == "$want_fixes" &&
	$(jq -r '.bundle.covered | length' "$tmp/all/triage.json" 2>/dev/null) == 2 ]] &&
	grep -q "^- covered ${ids[1]}: its files are carried by ${ids[0]}" "$tmp/all/triage.md"; then
	t_pass "--bundle: l2tp.json lists each file with its fix and the four fixes once; triage.md names the covered"
else
	t_fail "--bundle: l2tp.json lists each file with its fix" "expected files $want_files_fixes and fixes $want_fixes, saw files $got_files, fixes $(jq -c .fixes "$b" 2>/dev/null)"
fi

# without the definition's change: l2tp_ppp.c with the header breaks l2tp_core.c, which this
# series does not change; nothing else may be carried
mkdir -p "$tmp/part"
cp "$fixes"/01-*l2tp_core.h.patch "$fixes"/04-*l2tp_ppp.c.patch "$tmp/part/"
rc=0
nice "$triage" -j 2 "${cc[@]}" --from 6.1.190-1 -o "$tmp/p" "$tmp/part" >"$tmp/p.log" 2>&1 || rc=$?
row=$(jq -c '.candidates[] | select(.id == "net_l2tp_l2tp_ppp_c")' "$tmp/p/triage.json" 2>/dev/null || true)
row=${row:-null}
if ((rc == 0)) && [[ $(jq -r '.outcome' <<<"$row") == does-not-compile &&
	$(jq -r '.reason' <<<"$row") == *"the carried changes break net/l2tp/l2tp_core.c, which the update does not change"* &&
	$(jq -r '.files | sort | join(" ")' <<<"$row") == "net/l2tp/l2tp_core.h net/l2tp/l2tp_ppp.c" ]]; then
	t_pass "l2tp_ppp.c with the header only: does-not-compile, naming l2tp_core.c"
else
	t_fail "l2tp_ppp.c with the header only: does-not-compile, naming l2tp_core.c" "saw exit $rc, $(jq -c '{outcome, reason, files}' <<<"$row")"
fi

# triage_row DIR SERIES ID - hotpatch-triage of SERIES into DIR; the row of candidate ID
# (another candidate's tool error does not matter here: the row does)
triage_row() {
	local rc=0 row
	nice "$triage" -j 2 "${cc[@]}" --from 6.1.190-1 -o "$1" "$2" >"$1.log" 2>&1 || rc=$?
	row=$(jq -c --arg id "$3" '.candidates[] | select(.id == $id)' "$1/triage.json" 2>/dev/null || true)
	[[ -n $row ]] || row=$(jq -nc --arg why "exit $rc: $(tail -n 2 "$1.log")" '{ outcome: "no row", reason: $why }')
	printf '%s\n' "$row"
}
closure=$T_TOP/tests/e2e/triage-closure

row=$(triage_row "$tmp/cfg" "$closure/cfg80211" net_wireless_nl80211_c)
if [[ $(jq -r '.outcome' <<<"$row") == refused &&
	$(jq -r '.reason' <<<"$row") == "does not compile without include/net/cfg80211.h (changes the layout of"* ]]; then
	t_pass "nl80211.c: needs cfg80211.h's layout change: refused, naming it"
else
	t_fail "nl80211.c: refused, naming cfg80211.h" "saw $(jq -c '{outcome, reason, files}' <<<"$row" | cut -c1-500)"
fi
# core.c's errors quote only functions ("passing argument 2 of 'wiphy_work_flush'"); the type
# that cfg80211.h's change gave the members is in gcc's "note: expected 'struct wiphy_work *'"
row=$(jq -c '.candidates[] | select(.id == "net_wireless_core_c")' "$tmp/cfg/triage.json" 2>/dev/null || true)
if [[ $(jq -r '.outcome' <<<"$row") == refused &&
	$(jq -r '.reason' <<<"$row") == "does not compile without include/net/cfg80211.h (changes the layout of"* ]]; then
	t_pass "core.c: the note's type names cfg80211.h's layout change: refused, naming it"
else
	t_fail "core.c: refused, naming cfg80211.h" "saw $(jq -c '{outcome, reason, files}' <<<"$row" | cut -c1-500)"
fi

row=$(triage_row "$tmp/mlx5" "$closure/mlx5" drivers_net_ethernet_mellanox_mlx5_core_en_main_c)
if [[ $(jq -r '.outcome' <<<"$row") == does-not-compile &&
	$(jq -r '.reason' <<<"$row") == *"; the carried changes break drivers/net/ethernet/mellanox/mlx5/core/eswitch_offloads.c, which needs the update's change of include/linux/mlx5/vport.h: a global header is not carried"* ]]; then
	t_pass "en_main.c: the reason names vport.h, the global header eswitch_offloads.c needs"
else
	t_fail "en_main.c: the reason names vport.h" "saw $(jq -c '{outcome, reason, files}' <<<"$row" | cut -c1-500)"
fi

id=drivers_gpu_drm_amd_amdkfd_kfd_chardev_c
row=$(triage_row "$tmp/kfd" "$closure/kfd" "$id")
files=$(jq -r '.files | join(" ")' <<<"$row")
if [[ $(jq -r '.outcome' <<<"$row") == built && -s $tmp/kfd/modules/$id.ko &&
	$files == "drivers/gpu/drm/amd/amdkfd/kfd_chardev.c drivers/gpu/drm/amd/amdkfd/kfd_priv.h drivers/gpu/drm/amd/amdkfd/kfd_topology.c" &&
	$(jq -r '.new_functions | join(" ")' <<<"$row") == *kfd_topology.o:kfd_topology_get_num_devices* &&
	$(jq -r '.changed_functions | join(" ")' <<<"$row") == *kfd_chardev.o:kfd_ioctl_get_process_apertures_new* ]] &&
	grep -q '^# triage: the patch refers to kfd_topology_get_num_devices, which the running kernel lacks and the update adds in drivers/gpu/drm/amd/amdkfd/kfd_topology.c' "$tmp/kfd/logs/$id.log"; then
	t_pass "kfd_chardev.c: carries kfd_topology.c, which defines the function it calls; built, the new function in the module"
else
	t_fail "kfd_chardev.c: carries kfd_topology.c and builds" "saw $(jq -c '{outcome, reason, files, new_functions}' <<<"$row" | cut -c1-500)"
fi
mkdir -p "$tmp/kfd-part"
cp "$closure"/kfd/*kfd_priv.h.patch "$closure"/kfd/*kfd_chardev.c.patch "$tmp/kfd-part/"
row=$(triage_row "$tmp/kfdp" "$tmp/kfd-part" "$id")
if [[ $(jq -r '.outcome' <<<"$row") == refused &&
	$(jq -r '.reason' <<<"$row") == *"refers to kfd_topology_get_num_devices, which neither "*"; the patch needs kfd_topology_get_num_devices, which the running kernel lacks and no .c the update changes defines" ]]; then
	t_pass "kfd_chardev.c without kfd_topology.c: refused, naming kfd_topology_get_num_devices"
else
	t_fail "kfd_chardev.c without kfd_topology.c: refused, naming the symbol" "saw $(jq -c '{outcome, reason, files}' <<<"$row" | cut -c1-500)"
fi
t_done
