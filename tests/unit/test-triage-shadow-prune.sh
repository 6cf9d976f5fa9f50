#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The update's shadows (build/triage-input.sh, triage_shadow_use and triage_shadow_prune): a
# shadow-KEY/ tree and its shadow-KEY.deps/ are made once per update and target tree, so every
# other version of the tool or the tree leaves one behind (~16,000 links). The worker that makes
# a new shadow removes the others nobody used for 8 days, each with its .deps; the one it keeps,
# those used within 8 days and a .deps whose shadow is in use stay; a run's use refreshes its
# shadow and .deps, which keeps an old shadow in use from being pruned.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/triage-input.sh
. "$T_TOP/build/triage-input.sh"

t_plan 3
work=$(t_tmpdir)
upd=$work/update
# age PATH DAYS - set PATH's mtime DAYS back
age() { touch -d "@$((EPOCHSECONDS - $2 * 86400))" "$1"; }
# shadow NAME DAYS [DEPS-DAYS] - UPD/shadow-NAME (a link and a subdirectory, as a real one) DAYS
# old, and its .deps DEPS-DAYS old when given
shadow() {
	mkdir -p "$upd/shadow-$1/kernel"
	ln -s /nonexistent "$upd/shadow-$1/Makefile"
	age "$upd/shadow-$1" "$2"
	if (($# > 2)); then
		mkdir -p "$upd/shadow-$1.deps"
		: >"$upd/shadow-$1.deps/0123"
		age "$upd/shadow-$1.deps" "$3"
	fi
}
mkdir -p "$upd"
: >"$upd/plan-x.candidates.tsv"
shadow new 0 0
shadow old 9 9
shadow oldused 9 2
shadow recent 3 12
shadow inuse 10 10
mkdir -p "$upd/shadow-orphan.deps" && age "$upd/shadow-orphan.deps" 9
mkdir -p "$upd/shadow-youngorphan.deps"

# a run of another version uses the 10-day-old shadow: refreshed, with its .deps
triage_shadow_use "$upd" "$upd/shadow-inuse"
triage_shadow_use "$upd" "$upd/shadow-missing"
if [[ -e $upd/shadow-inuse && ! -e $upd/shadow-missing && -f $upd/.lock ]] &&
	[[ -n $(find "$upd/shadow-inuse" -maxdepth 0 -mmin -5) && -n $(find "$upd/shadow-inuse.deps" -maxdepth 0 -mmin -5) ]]; then
	t_pass "a use refreshes a 10-day-old shadow and its .deps; a missing shadow is not made"
else
	t_fail "a use refreshes the shadow" "$(ls -la --time-style=+%F "$upd")"
fi

triage_shadow_prune "$upd" "$upd/shadow-new"
left=$(cd "$upd" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort | tr '\n' ' ')
want='.lock plan-x.candidates.tsv shadow-inuse shadow-inuse.deps shadow-new shadow-new.deps shadow-recent shadow-recent.deps shadow-youngorphan.deps '
if [[ $left == "$want" ]]; then
	t_pass "pruning after a new shadow: the shadows unused for 9 days go with their .deps (even a younger one), an old orphan .deps goes; the new, the recent and the refreshed stay, a recent shadow keeps its old .deps"
else
	t_fail "pruning keeps what is used" "left: $left; wanted: $want"
fi

# the shadow kept is never removed, however old, nor its .deps
age "$upd/shadow-new" 20
age "$upd/shadow-new.deps" 20
triage_shadow_prune "$upd" "$upd/shadow-new"
if [[ -d $upd/shadow-new && -f $upd/shadow-new.deps/0123 && -d $upd/shadow-recent ]]; then
	t_pass "the shadow named to keep and its .deps stay at 20 days unused"
else
	t_fail "the kept shadow stays" "left: $(cd "$upd" && find . -mindepth 1 -maxdepth 1 -printf '%P ')"
fi
t_done
