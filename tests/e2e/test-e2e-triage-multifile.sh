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
# Cost: ~1-2 min on 2 idle cores with a warm 6.1.0-54 cache and ccache (3 + 1 candidates, up
# to 4 attempts each over the 7 TUs that include l2tp_core.h; modules linked, no qemu).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
ids=(net_l2tp_l2tp_core_c net_l2tp_l2tp_netlink_c net_l2tp_l2tp_ppp_c)
t_plan $((1 + 2 * ${#ids[@]} + 1))
tmp=$(t_tmpdir)
fixes=$T_TOP/tests/e2e/triage-multifile
triage=$T_TOP/hotpatch-triage.sh

cc=()
command -v ccache >/dev/null && cc=(--cc-wrapper ccache)

# the whole fix: every candidate carries the header and the three .c files, and builds
rc=0
nice "$triage" -j 2 "${cc[@]}" --from 6.1.190-1 -o "$tmp/all" "$fixes" >"$tmp/all.log" 2>&1 || rc=$?
if ((rc == 0)) && [[ $(jq '.candidates | length' "$tmp/all/triage.json" 2>/dev/null) == "${#ids[@]}" ]]; then
	t_pass "the whole fix: exit 0, ${#ids[@]} candidates (the header changes no layout: no candidate of its own)"
else
	t_fail "the whole fix: exit 0, ${#ids[@]} candidates" "saw exit $rc: $(tail -n 4 "$tmp/all.log" | tr '\n' ' ')"
fi
want_files='net/l2tp/l2tp_core.c net/l2tp/l2tp_core.h net/l2tp/l2tp_netlink.c net/l2tp/l2tp_ppp.c'
for id in "${ids[@]}"; do
	row=$(jq -c --arg id "$id" '.candidates[] | select(.id == $id)' "$tmp/all/triage.json" 2>/dev/null || true)
	row=${row:-null}
	got=$(jq -r '.outcome' <<<"$row")
	if [[ $got == built && -s $tmp/all/modules/$id.ko ]]; then
		t_pass "$id: built"
	else
		t_fail "$id: built" "saw $got: $(jq -r '.reason // ""' <<<"$row" | cut -c1-300)"
	fi
	files=$(jq -r '.files | sort | join(" ")' <<<"$row")
	funcs=$(jq -r '.changed_functions | join(" ")' <<<"$row")
	if [[ $files == "$want_files" && $funcs == *l2tp_core.o:l2tp_session_set_header_len* &&
		$funcs == *l2tp_netlink.o:l2tp_nl_cmd_session_modify* ]]; then
		t_pass "$id: carries the header and the three .c files; the function and its callers are patched"
	else
		t_fail "$id: carries the header and the three .c files" "expected files $want_files with l2tp_session_set_header_len and l2tp_nl_cmd_session_modify changed, saw files $files, changed $funcs"
	fi
done

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
t_done
