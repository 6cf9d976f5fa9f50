#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hp_cache_refresh (build/common.sh): a use of a cache entry older than HP_CACHE_REFRESH_MIN (a
# day) refreshes its mtime, so a writer's pruning (8 days unused) never takes an entry in use;
# a younger entry is left alone (one touch a day, not one per use). Both ways of telling its
# age: find's -mmin, and in a hotpatch-build run the reference file of hp_cache_refresh_ref
# (mtimes compared in bash: a map of amdgpu.h reads two entries for each of 345 TUs). An entry
# that does not exist, or a cache without its lock file, is left alone.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"

t_plan 4
work=$(t_tmpdir)
# age FILE MINUTES - set FILE's mtime MINUTES back
age() { touch -d "@$((EPOCHSECONDS - $2 * 60))" "$1"; }
# mtime_age FILE - its age in minutes
mtime_age() { echo $(((EPOCHSECONDS - $(stat -c %Y "$1")) / 60)); }

for how in find ref; do
	dir=$work/$how
	mkdir -p "$dir"
	: >"$dir/.lock"
	: >"$dir/old" && age "$dir/old" $((10 * 1440))
	: >"$dir/young" && age "$dir/young" 600
	HP_CACHE_REFRESH_REF=''
	[[ $how == find ]] || hp_cache_refresh_ref "$work"
	hp_cache_refresh "$dir" "$dir/old"
	hp_cache_refresh "$dir" "$dir/young"
	hp_cache_refresh "$dir" "$dir/missing"
	if (($(mtime_age "$dir/old") < 5 && $(mtime_age "$dir/young") >= 599)) && [[ ! -e $dir/missing ]]; then
		t_pass "$how: an entry unused for 10 days is refreshed by a use, one used 10 hours ago is not touched, a missing one is not made"
	else
		t_fail "$how: refresh an old entry only" "ages now: old $(mtime_age "$dir/old") min, young $(mtime_age "$dir/young") min; missing made: $([[ -e $dir/missing ]] && echo yes || echo no)"
	fi
done

# the reference is a day old, in the directory given
if [[ -f $work/.cache-refresh-ref ]] && (($(mtime_age "$work/.cache-refresh-ref") == 1440)) &&
	[[ $HP_CACHE_REFRESH_REF == "$work/.cache-refresh-ref" ]]; then
	t_pass "hp_cache_refresh_ref: HP_CACHE_REFRESH_REF is a file of the given directory, HP_CACHE_REFRESH_MIN old"
else
	t_fail "hp_cache_refresh_ref: a day-old reference" "HP_CACHE_REFRESH_REF='$HP_CACHE_REFRESH_REF', age $(mtime_age "$work/.cache-refresh-ref" 2>/dev/null || echo none) min"
fi

# a cache without its lock file (not ours to keep): left as it is
dir=$work/nolock
mkdir -p "$dir"
: >"$dir/old" && age "$dir/old" $((10 * 1440))
hp_cache_refresh "$dir" "$dir/old"
if (($(mtime_age "$dir/old") >= 10 * 1440 - 1)); then
	t_pass "a cache without a lock file: nothing refreshed"
else
	t_fail "a cache without a lock file is left alone" "old is now $(mtime_age "$dir/old") min old"
fi
t_done
