#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fuzz/mkseeds.sh OUTDIR - seed corpora for the fuzz harnesses, generated (never committed):
#
#   OUTDIR/elf/   objects: fs/proc/meminfo.o, fs/proc/cmdline.o and fs/binfmt_misc.o (a module's
#                 object) compiled from the release's prepared tree (tree_compile_tu), orig and
#                 patched, with and without debug info; plus the differ's fixture objects
#   OUTDIR/diff/  pairs for fuzz-diff: u32 little-endian size of ORIG, ORIG, PATCHED
#
# The patched side of each kernel TU is compiled in a shadow tree (objects_shadow): symlinks to
# the prepared tree ($HP_SRC) except along the path of the one changed file, so nothing is
# written to it.
# Without a kernel cache (hotpatch-build.sh --setup) only the fixture seeds are made.
# Reruns are free: OUTDIR/.done marks a complete set.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

(($# == 1)) || { echo "usage: $0 OUTDIR" >&2; exit 1; }
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
[[ -f $out/.done ]] && exit 0
rm -rf "$out"
mkdir -p "$out/elf" "$out/diff"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/hotpatch-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT

die() {
	printf 'mkseeds: error: %s\n' "$*" >&2
	exit 1
}

# pair ORIG PATCHED DEST - write a fuzz-diff input
pair() {
	local n
	n=$(stat -c %s "$1")
	{
		printf '%b' "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $((n >> 8 & 255)) \
			$((n >> 16 & 255)) $((n >> 24 & 255)))"
		cat "$1" "$2"
	} >"$3"
}

# --- the differ's fixture pairs (small, quick to mutate)
CC=${CC:-gcc-12}
CFLAGS_FIX="-O2 -g0 -ffunction-sections -fdata-sections -pg -mfentry -mrecord-mcount -fno-pie \
-mcmodel=kernel -mno-red-zone -fno-asynchronous-unwind-tables -fno-stack-protector \
-fno-jump-tables -fno-strict-aliasing -nostdinc -w"
for cdir in "$top"/tests/differ/cases/*/; do
	name=$(basename "$cdir")
	cflags=$(sed -n 's/^cflags //p' "$cdir/expect" 2>/dev/null | tr '\n' ' ')
	ok=1
	for side in orig patched; do
		mkdir -p "$work/fix/$side"
		cp "$cdir/$side.c" "$work/fix/$side/$name.c"
		# shellcheck disable=SC2086
		(cd "$work/fix/$side" && $CC $CFLAGS_FIX $cflags -c "$name.c" -o "$name.o") 2>/dev/null || ok=0
	done
	((ok)) || continue
	cp "$work/fix/orig/$name.o" "$out/elf/fix-$name.o"
	pair "$work/fix/orig/$name.o" "$work/fix/patched/$name.o" "$out/diff/fix-$name.pair"
done

# --- real kernel objects
env=$("$top/hotpatch-build.sh" --print-env 2>/dev/null || true)
if [[ $env != *HP_SRC=* ]]; then
	echo "mkseeds: no kernel cache (hotpatch-build.sh --setup): fixture seeds only" >&2
	touch "$out/.done"
	exit 0
fi
eval "$env"
# shellcheck source=../build/common.sh
. "$top/build/common.sh"
# shellcheck source=../build/compiledb.sh
. "$top/build/compiledb.sh"
# shellcheck source=../build/tree.sh
. "$top/build/tree.sh"
# shellcheck source=../build/objects.sh
. "$top/build/objects.sh"
export HP_STAGE=seeds

# tu TU SED-EXPR - compile TU (orig and patched by SED-EXPR) and add its seeds
tu() {
	local tu=$1 expr=$2 c=${1%.o}.c base
	base=$(basename "${1%.o}")
	mkdir -p "$work/patched-$base/$(dirname "$c")"
	sed "$expr" "$HP_SRC/$c" >"$work/patched-$base/$c"
	cmp -s "$HP_SRC/$c" "$work/patched-$base/$c" && die "$c: '$expr' changed nothing"
	objects_shadow "$HP_SRC" "$work/patched-$base" "$work/shadow-$base"
	tree_compile_tu "$HP_SRC" "$work/orig" "$tu" 2>"$work/cc.log" ||
		die "$tu: compile failed: $(tail -n 3 "$work/cc.log")"
	tree_compile_tu "$work/shadow-$base" "$work/patched" "$tu" 2>"$work/cc.log" ||
		die "$tu (patched): compile failed: $(tail -n 3 "$work/cc.log")"
	cp "$work/orig/$tu" "$out/elf/$base.o"
	cp "$work/patched/$tu" "$out/elf/$base.patched.o"
	objcopy --strip-debug "$work/orig/$tu" "$out/elf/$base.nodebug.o"
	objcopy --strip-debug "$work/patched/$tu" "$out/elf/$base.patched.nodebug.o"
	pair "$out/elf/$base.nodebug.o" "$out/elf/$base.patched.nodebug.o" "$out/diff/$base.nodebug.pair"
	pair "$out/elf/$base.o" "$out/elf/$base.patched.o" "$out/diff/$base.pair"
}

tu fs/proc/cmdline.o 's/seq_puts(m, saved_command_line);/seq_puts(m, saved_command_line); seq_puts(m, " ");/'
tu fs/proc/meminfo.o 's/"MemTotal:       "/"MemTotal:      ~"/'
tu fs/binfmt_misc.o 's/"enabled\\n" : "disabled\\n"/"on\\n" : "off\\n"/'
touch "$out/.done"
echo "mkseeds: $(find "$out/elf" -type f | wc -l) objects, $(find "$out/diff" -type f | wc -l) pairs in $out" >&2
