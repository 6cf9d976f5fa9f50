#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/run.sh - how fast is hotpatch-build, against the floor of what any tool must do.
#
#   bench/run.sh [--no-cold] [--no-header] [--runs N] [-k RELEASE]
#
# Prints, in one run:
#   warm     hotpatch-build on a one-file fix with a complete cache, the TU's original object
#            in the release's object cache (a maintainer's second build, a triage retry):
#            one compile (median of N runs; also its CPU time, user + system)
#   warm_nc  the same with HOTPATCH_OBJECT_CACHE=0: both sides compiled (a TU no build has
#            compiled before); wall and CPU
#   floor    what warm_nc costs at the least: compiling its TU twice (both at once, as we do)
#            plus kbuild building one small livepatch module with its init code compiled from
#            source (hp-main.c, as a module whose init code is its own C file is built),
#            measured the same way
#   floor_c  the same with the init code shipped precompiled, as hotpatch-build ships it (built
#            once per target, build/module.sh module_main_obj): the floor of a tool that caches
#            what we cache
#   floor_1  warm's floor: the patched compile alone plus that kbuild (init code precompiled)
#   ratio    warm_nc / floor, the median of N runs of the five in turn (target: <= 1.2)
#   ratio_c  warm_nc / floor_c: what is left of our overhead beyond what any tool must do
#   ratio_1  warm / floor_1: the same for a build whose original is cached
#   cold     the same fix on an empty cache: downloads, source tree, compile database, symbol
#            index and all (target: <= 120 s; the downloads alone are ~1 GB)
#   header   a header change: TUs reached, its warm time with every original from the object
#            cache and with HOTPATCH_OBJECT_CACHE=0
# and the differ's own time on large objects (bench/bench-differ.sh) when asked with --differ.
#
# -k picks the target (e.g. 6.12.118+deb13-amd64): for a 6.12 target the floor's compiles and
# kbuild run in its build root too, as hotpatch-build's do; the cold run then includes the build
# root only when none exists for its compiler yet.
#
# Timing is measured here, never asserted in tests.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=5
cold=1
header=1
kargs=()
while (($#)); do
	case $1 in
	--no-cold) cold=0 ;;
	--no-header) header=0 ;;
	--runs) runs=$2; shift ;;
	-k) kargs=(-k "$2"); shift ;;
	*) echo "usage: $0 [--no-cold] [--no-header] [--runs N] [-k RELEASE]" >&2; exit 2 ;;
	esac
	shift
done
hb() { "$top/hotpatch-build.sh" "${kargs[@]}" "$@"; }

eval "$(hb --setup --print-env 2>/dev/null)"
# shellcheck source=build/common.sh
. "$top/build/common.sh"
# shellcheck source=build/buildroot.sh
. "$top/build/buildroot.sh"
HP_CACHE_ROOT=$(dirname "$HP_CACHE")
HP_LIBDIR=$top
tmp=$(mktemp -d /tmp/hotpatch-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

one=$top/tests/kernel/diff-cases/string-cmdline/fix.patch
hdr=$top/tests/kernel/diff-cases/header-inline/fix.patch
[[ -f $one && -f $hdr ]] || { echo "bench: the example patches are missing" >&2; exit 1; }

echo "hotpatch bench: $HP_RELEASE, $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"

# floor: the same TU compiled twice at once with the kernel's flags, then kbuild on the module
# hotpatch generated (kept with --keep-work), with nothing of ours around them
hb -o "$tmp/f" -n bench_floor --keep-work "$one" >"$tmp/keep.log" 2>&1
work=$(sed -n 's/.*scratch directory kept: //p' "$tmp/keep.log" | tail -n 1)
[[ -d $work ]] || { echo "bench: no scratch directory kept" >&2; exit 1; }
obj=$(cut -f2 "$work/tus" | sed -n 1p)
# the generated module source as mkmod wrote it, before kbuild ran in it (floor_c's), and the
# same with the init code as its source (floor's)
find "$work/kbuild/src" -mindepth 1 ! -name Kbuild ! -name 'hp-*.c' ! -name '*.h' ! -name '*_shipped' ! -name '.hp-obj-*.cmd' ! -name '.hp-klp.o.cmd' ! -name '.hp-main.o.cmd' -delete
cp -a "$work/kbuild/src" "$work/src-c"
rm -f "$work/kbuild/src/hp-main.o_shipped" "$work/kbuild/src/.hp-main.o.cmd"
cp "$top/templates/livepatch.c" "$work/kbuild/src/hp-main.c"
# floor_once SRC [1] - the two compiles (with 1: the patched one alone) and kbuild of the
# module source SRC; prints the seconds
floor_once() {
	rm -rf "$work/fresh"
	cp -a "$1" "$work/fresh"
	t0=$(now)
	if [[ ${2:-2} == 2 ]]; then
		(cd "$HP_SRC" && hp_target_exec bash -c "set -e; $(cat "$work/orig/$obj.cmd")") &
	fi
	(cd "$work/shadow" && hp_target_exec bash -c "set -e; $(cat "$work/patched/$obj.cmd")") &
	wait
	hp_target_exec make -s -C "$HP_KDIR" M="$work/fresh" CC="$HP_CC" KBUILD_MODPOST_WARN=1 -j"$(nproc)" modules >/dev/null 2>&1
	secs "$t0" "$(now)"
}
# warm_once [VAR=VALUE] - the one-file fix end to end; prints the seconds, wall and CPU (user +
# system of every process): with two idle cores the original's compile runs beside the patched
# one, so the cache shows in the CPU time and on a busy or -j 1 machine, not in this wall time
warm_once() {
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$tmp/cpu" env "$@" "$top/hotpatch-build.sh" "${kargs[@]}" \
		-o "$tmp/w" -n bench_warm "$one" >/dev/null 2>&1
	printf '%s %s\n' "$(secs "$t0" "$(now)")" "$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/cpu")"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# warm (original cached), warm_nc (both compiled) and the floors alternate, so a change of the
# machine's load moves all of a run: each ratio is the median of the runs' ratios
warm_once >/dev/null # warms the page cache and the object cache
for _ in $(seq "$runs"); do
	read -r w wcpu < <(warm_once)
	read -r wn wncpu < <(warm_once HOTPATCH_OBJECT_CACHE=0)
	f=$(floor_once "$work/kbuild/src")
	fc=$(floor_once "$work/src-c")
	f1=$(floor_once "$work/src-c" 1)
	printf '%s %s %s %s %s %s %s %s %s %s\n' "$w" "$wn" "$f" "$fc" "$f1" \
		"$(ratio "$wn" "$f")" "$(ratio "$wn" "$fc")" "$(ratio "$w" "$f1")" "$wcpu" "$wncpu"
done >"$tmp/runs"
col() { cut -d' ' -f"$1" "$tmp/runs" | median; }
rm -rf "$work"

printf '%-8s %8s s   one-file fix (%s), original from the object cache, median of %d; CPU %s s\n' warm "$(col 1)" "${one#"$top"/}" "$runs" "$(col 9)"
printf '%-8s %8s s   the same with HOTPATCH_OBJECT_CACHE=0 (both sides compiled), median; CPU %s s\n' warm_nc "$(col 2)" "$(col 10)"
printf '%-8s %8s s   2 x compile of the TU (parallel) + kbuild of the module, init code from source, median\n' floor "$(col 3)"
printf '%-8s %8s s   the same, init code precompiled (as hotpatch-build ships it), median\n' floor_c "$(col 4)"
printf '%-8s %8s s   the patched compile alone + kbuild, init code precompiled: warm'"'"'s floor, median\n' floor_1 "$(col 5)"
printf '%-8s %8s     median of %d warm_nc / floor (target <= 1.2); load %s\n' ratio "$(col 6)" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %8s     median of %d warm_nc / floor_c: our overhead beyond what a tool that caches the same must do\n' ratio_c "$(col 7)" "$runs"
printf '%-8s %8s     median of %d warm / floor_1: the same when the original is cached\n' ratio_1 "$(col 8)" "$runs"
# header change: first with the cache off (every TU compiled twice, nothing published), then
# untimed to fill the object cache, then timed with every original from it
if ((header)); then
	hdr_once() {
		t0=$(now)
		/usr/bin/time -f '%U %S' -o "$tmp/cpu" env "$@" "$top/hotpatch-build.sh" "${kargs[@]}" \
			-o "$tmp/h" -n bench_header "$hdr" >"$tmp/hdr.log" 2>&1
		printf '%s s, CPU %s\n' "$(secs "$t0" "$(now)")" "$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/cpu")"
	}
	hnc=$(hdr_once HOTPATCH_OBJECT_CACHE=0)
	htus=$(sed -n '/ translation unit(s)/{s/.* \([0-9]*\) translation unit(s).*/\1/p;q}' "$tmp/hdr.log")
	hchanged=$(jq '[.objects[] | select(.functions | length > 0)] | length' "$tmp/h/bench_header.json")
	printf '%-8s %14s s   header change, HOTPATCH_OBJECT_CACHE=0: %s TUs compiled twice, %s objects changed\n' header_nc "$hnc" "$htus" "$hchanged"
	grep 'stage ' "$tmp/hdr.log" | sed 's/^hotpatch: /         header_nc /'
	hdr_once >/dev/null
	hwarm=$(hdr_once)
	printf '%-8s %14s s   header change, originals from the object cache: %s TUs, patched side compiled\n' header "$hwarm" "$htus"
	grep 'stage ' "$tmp/hdr.log" | sed 's/^hotpatch: /         header /'
fi

if ((cold)); then
	cache=$tmp/cold-cache
	t0=$(now)
	hb --cache "$cache" -o "$tmp/c" -n bench_cold "$one" >"$tmp/cold.log" 2>&1
	coldt=$(secs "$t0" "$(now)")
	printf '%-8s %8s s   one-file fix on an empty cache (target <= 120)\n' cold "$coldt"
	grep 'stage ' "$tmp/cold.log" | sed 's/^hotpatch: /         cold /'
	rm -rf "$cache"
fi
