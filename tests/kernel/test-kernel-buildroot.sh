#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build roots (build/buildroot.sh) on a real one: a command runs in the root with its working
# directory and the cache root both reachable, whatever their lengths; buildroot_clean removes
# a root no cached release records, keeps the recorded ones (also through another spelling of
# the cache root) and keeps one a command still runs in until that command ends. The roots are
# hard-linked copies of a 6.12 target's real root (made by --setup when none exists), in a cache
# root of the test's own: the shared cache is only read.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/suite.sh
. "$T_TOP/build/suite.sh"
# shellcheck source=build/buildroot.sh
. "$T_TOP/build/buildroot.sh"

t_plan 5

shared=$(realpath -m "${HOTPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotpatch}")
src_root=''
for rec in "$shared"/*/toolchain; do
	[[ -f $rec ]] || continue
	r=$(buildroot_record_root "$rec")
	if [[ -n $r ]] && buildroot_complete "$r"; then
		src_root=$r
		break
	fi
done
if [[ -z $src_root ]]; then
	HP_CACHE_ROOT=$shared
	rel=$(suite_newest trixie) || t_bail "cannot find a Debian 13 kernel to make a build root for"
	env=$("$T_TOP/hotpatch-build.sh" -k "$rel" --setup --print-env 2>/dev/null) ||
		t_bail "hotpatch-build --setup -k $rel failed: no build root to test with"
	eval "$env"
	src_root=$HP_BUILDROOT
fi

# Outside /tmp, which every command gets bound anyway: the cache root and the working directory
# must each be bound on their own. Both names are five letters: the same path length.
mkdir -p "$T_TOP/out"
d=$(mktemp -d "$T_TOP/out/.test-buildroot.XXXXXX")
trap 'rm -rf "$d"; t_cleanup' EXIT
HP_CACHE_ROOT=$d/cache
base=$HP_CACHE_ROOT/.buildroot
mkdir -p "$base" "$d/works" "$HP_CACHE_ROOT/relA" "$HP_CACHE_ROOT/relB"
ln -s cache "$d/alias"
for n in used other old busy; do
	cp -al "$src_root" "$base/$n" 2>/dev/null || cp -a "$src_root" "$base/$n" ||
		t_bail "cannot copy the build root $src_root"
done
printf 'HP_CC=gcc\nHP_BUILDROOT=%q\n' "$base/used" >"$HP_CACHE_ROOT/relA/toolchain"
printf 'HP_CC=gcc\nHP_BUILDROOT=%q\n' "$d/alias/.buildroot/other" >"$HP_CACHE_ROOT/relB/toolchain"
touch "$HP_CACHE_ROOT/marker"

# shellcheck disable=SC2016 # the inner shell expands $1
out=$(cd "$d/works" && HP_BUILDROOT=$base/used buildroot_exec sh -c 'pwd && test -f "$1" && echo reached' _ "$HP_CACHE_ROOT/marker" 2>&1) || true
if [[ $out == "$d/works"$'\n'reached ]]; then
	t_pass "a command in the root runs in its working directory and reaches the cache root, paths of the same length"
else
	t_fail "working directory and cache root both bound" "expected '$d/works' then 'reached', saw: $out"
fi

# a command running in the busy root until told to stop (at most 30 s; at once when its root
# was removed under it and sleep is gone)
# shellcheck disable=SC2016 # the inner shell expands its arguments
(HP_BUILDROOT=$base/busy buildroot_exec sh -c 'touch "$1"; i=0
	while [ ! -e "$2" ] && [ $i -lt 300 ]; do sleep 0.1 || break; i=$((i + 1)); done' _ "$d/started" "$d/stop") &
busy_pid=$!
for _ in $(seq 300); do
	[[ -e $d/started ]] && break
	sleep 0.1
done
[[ -e $d/started ]] || t_bail "the command in $base/busy never started"

clean() {
	(
		exec {fd}>>"$base/.lock"
		flock "$fd"
		buildroot_clean
	) 2>&1
}
log=$(clean)
touch "$d/stop"
wait "$busy_pid" || true

if [[ ! -e $base/old && $log == *"removing the build root $base/old"* ]]; then
	t_pass "a root no release records is removed and named"
else
	t_fail "unrecorded root removed" "expected $base/old gone and named, saw $(cd "$base" && echo *)/ $log"
fi
if buildroot_complete "$base/used" && buildroot_complete "$base/other"; then
	t_pass "recorded roots are kept, also one recorded through a symlink to the cache root"
else
	t_fail "recorded roots kept" "expected $base/used and $base/other complete, saw $(cd "$base" && echo *)"
fi
if buildroot_complete "$base/busy" && [[ $log == *"keeping the build root $base/busy"*"still runs in it"* ]]; then
	t_pass "an unrecorded root a command still runs in is kept, and said"
else
	t_fail "root in use kept" "expected $base/busy kept with a message, saw: $log"
fi
log=$(clean)
if [[ ! -e $base/busy && $log == *"removing the build root $base/busy"* ]] && buildroot_complete "$base/used" &&
	! compgen -G "$base/.tmp.*" >/dev/null; then
	t_pass "once its command ended, the next cleaning removes it and leaves no temporary"
else
	t_fail "root removed after its command" "expected $base/busy gone, saw $(cd "$base" && echo .[!.]* *)/ $log"
fi
t_done
