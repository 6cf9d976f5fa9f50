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
# Cost: ~2 min on 2 idle cores with a warm 6.1.0-54 cache and ccache (3 + 1 candidates, up to
# 4 attempts each over the 7 TUs that include l2tp_core.h; modules linked, the bundle built
# once more; two qemu boots of ~20 s).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
ids=(net_l2tp_l2tp_core_c net_l2tp_l2tp_netlink_c net_l2tp_l2tp_ppp_c)
t_plan $((1 + 3 * ${#ids[@]} + 3 + 1))
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
t_done
