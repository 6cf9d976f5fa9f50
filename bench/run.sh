#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/run.sh - how fast is hotpatch-build, against the floor of what any tool must do.
#
#   bench/run.sh [--no-cold] [--no-header] [--runs N] [-k RELEASE]
#
# Prints, in one run:
#   warm     hotpatch-build on a one-file fix with a complete cache (median of N runs)
#   floor    what that fix costs at the least: compiling its TU twice (both at once, as we do)
#            plus kbuild building one small livepatch module with its init code compiled from
#            source (hp-main.c, as a module whose init code is its own C file is built),
#            measured the same way
#   floor_c  the same with the init code shipped precompiled, as hotpatch-build ships it (built
#            once per target, build/module.sh module_main_obj): the floor of a tool that caches
#            what we cache
#   ratio    warm / floor, the median of N triples run in turn (target: <= 1.2)
#   ratio_c  warm / floor_c: what is left of our overhead beyond what any tool must do
#   cold     the same fix on an empty cache: downloads, source tree, compile database, symbol
#            index and all (target: <= 120 s; the downloads alone are ~1 GB)
#   header   a header change: TUs reached, and its warm time
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
# floor_once SRC - the two compiles and kbuild of the module source SRC; prints the seconds
floor_once() {
	rm -rf "$work/fresh"
	cp -a "$1" "$work/fresh"
	t0=$(now)
	(cd "$HP_SRC" && hp_target_exec bash -c "set -e; $(cat "$work/orig/$obj.cmd")") &
	(cd "$work/shadow" && hp_target_exec bash -c "set -e; $(cat "$work/patched/$obj.cmd")") &
	wait
	hp_target_exec make -s -C "$HP_KDIR" M="$work/fresh" CC="$HP_CC" KBUILD_MODPOST_WARN=1 -j"$(nproc)" modules >/dev/null 2>&1
	secs "$t0" "$(now)"
}
warm_once() {
	t0=$(now)
	hb -o "$tmp/w" -n bench_warm "$one" >/dev/null 2>&1
	secs "$t0" "$(now)"
}

# warm (the full job, cache complete) and the floors alternate, so a change of the machine's
# load moves all of a triple: each ratio is the median of the triples' ratios
warm_once >/dev/null # warms the page cache
for _ in $(seq "$runs"); do
	w=$(warm_once)
	f=$(floor_once "$work/kbuild/src")
	fc=$(floor_once "$work/src-c")
	printf '%s %s %s %s %s\n' "$w" "$f" "$(awk -v a="$w" -v b="$f" 'BEGIN { printf "%.3f", a / b }')" \
		"$fc" "$(awk -v a="$w" -v b="$fc" 'BEGIN { printf "%.3f", a / b }')"
done >"$tmp/pairs"
warm=$(cut -d' ' -f1 "$tmp/pairs" | median)
floor=$(cut -d' ' -f2 "$tmp/pairs" | median)
ratio=$(cut -d' ' -f3 "$tmp/pairs" | median)
floorc=$(cut -d' ' -f4 "$tmp/pairs" | median)
ratioc=$(cut -d' ' -f5 "$tmp/pairs" | median)
rm -rf "$work"

printf '%-8s %8s s   one-file fix (%s), median of %d\n' warm "$warm" "${one#"$top"/}" "$runs"
printf '%-8s %8s s   2 x compile of the TU (parallel) + kbuild of the module, init code from source, median\n' floor "$floor"
printf '%-8s %8s s   the same, init code precompiled (as hotpatch-build ships it), median\n' floor_c "$floorc"
printf '%-8s %8s     median of %d warm / floor (target <= 1.2); load %s\n' ratio "$ratio" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %8s     median of %d warm / floor_c: our overhead beyond what a tool that caches the same must do\n' ratio_c "$ratioc" "$runs"
# header change
if ((header)); then
	t0=$(now)
	hb -o "$tmp/h" -n bench_header "$hdr" >"$tmp/hdr.log" 2>&1
	hwarm=$(secs "$t0" "$(now)")
	htus=$(sed -n '/ translation unit(s)/{s/.* \([0-9]*\) translation unit(s).*/\1/p;q}' "$tmp/hdr.log")
	hchanged=$(jq '[.objects[] | select(.functions | length > 0)] | length' "$tmp/h/bench_header.json")
	printf '%-8s %8s s   header change: %s TUs compiled twice, %s objects changed\n' header "$hwarm" "$htus" "$hchanged"
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
