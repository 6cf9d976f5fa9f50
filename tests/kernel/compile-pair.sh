#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# compile-pair.sh SRC PATCH TU OUTDIR - compile one translation unit of a release's prepared
# kernel tree twice, before and after PATCH, without writing anything into SRC.
#
#   SRC     the prepared tree of a kernel cache, <cache>/<release>/src ($HP_SRC); the command
#           comes from the compile database next to it (<cache>/<release>/compiledb)
#   PATCH   unified diff, -p1, against SRC
#   TU      the object or source to build, relative to SRC: fs/proc/meminfo.o or fs/proc/meminfo.c
#   OUTDIR  created if needed; receives
#             orig/<TU>.o  patched/<TU>.o     (e.g. orig/fs/proc/meminfo.o)
#             orig/<TU>.o.cmd  patched/...    the commands run (objects_cmd_for's rewrite)
#             orig/<dir>/.<base>.o.d  ...     gcc dependency files, named as kbuild names them
#             cmd                             the TU's command in the compile database
#             patched-src/                    copies of the files PATCH touches, patched
#             shadow-patched/                 the shadow tree the patched side was built in
#
# A thin command over what hotpatch-build.sh does: build/patch.sh's patch_apply copies and
# patches the touched files, build/objects.sh's objects_shadow lays them over SRC (real
# directories along their paths, symlinks into SRC for everything else) and objects_compile_tu
# runs the compile database's gcc + objtool command, the original side in SRC, the patched side
# in the shadow, with every output (-o, the -MMD file, objtool's in-place edit) moved into
# OUTDIR.  No make runs, so nothing in SRC moves (tests/kernel/test-kernel-diff-cases.sh checks).
#
# Environment: HP_VERBOSE=1 shows the commands.
# Exit 0 when both objects were built; 1 with a message otherwise (patch does not apply, the
# TU is not built by this configuration, a compile error).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=build/common.sh
. "$top/build/common.sh"
# shellcheck source=build/buildroot.sh
. "$top/build/buildroot.sh"
# shellcheck source=build/compiledb.sh
. "$top/build/compiledb.sh"
# shellcheck source=build/patch.sh
. "$top/build/patch.sh"
# shellcheck source=build/objects.sh
. "$top/build/objects.sh"
HP_STAGE=compile-pair

if (($# != 4)); then
	echo "usage: $0 SRC PATCH TU OUTDIR" >&2
	exit 1
fi
src=$1 patch_file=$2 tu=$3 outdir=$4

[[ -f $src/.config && -f $src/include/generated/autoconf.h ]] ||
	hp_die "$src is not a prepared kernel tree (.config, include/generated/autoconf.h)"
[[ -r $patch_file ]] || hp_die "cannot read patch $patch_file"
src=$(cd "$src" && pwd -P)
HP_CACHE=$(dirname "$src")
HP_RELEASE=${HP_RELEASE:-$(basename "$HP_CACHE")}
# A 6.12 release compiles with its own gcc inside its build root (<release>/toolchain), which
# hp_target_exec enters and whose binds start from the cache root; under IBT objtool is left to
# the module's link, as hotpatch-build's compiles leave it.
HP_CACHE_ROOT=$(dirname "$HP_CACHE")
HP_CC='' HP_BUILDROOT=''
buildroot_toolchain
buildroot_check
HP_OBJTOOL_DEFERRED=$(objtool_deferred_args "$src/.config")
[[ -s $(compiledb_path) ]] ||
	hp_die "no compile database $(compiledb_path) next to $src (run hotpatch-build.sh --setup)"
patch_file=$(cd "$(dirname "$patch_file")" && pwd -P)/$(basename "$patch_file")
tu=${tu#./}
tu_c=${tu%.[co]}.c
tu_o=${tu%.[co]}.o
[[ -f $src/$tu_c ]] || hp_die "$tu_c: no such source file in $src"
line=$(compiledb_get "$tu_c")
[[ $line == "$tu_o"$'\t'* ]] || hp_die "$tu_o is not built by this configuration (not in $(compiledb_path))"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd -P)
case $outdir/ in
"$src"/*) hp_die "OUTDIR must not be inside SRC" ;;
esac

# the build root sees the cache root, /tmp and the tree; OUTDIR (the patched side's tree and
# every output) may be anywhere else
HP_BUILDROOT_BINDS="${HP_BUILDROOT_BINDS:-} $outdir"

touched=$(patch_files "$patch_file")
[[ -n $touched ]] || hp_die "$patch_file: no file header (+++ b/...) found"
while IFS= read -r f; do
	[[ $f == /* || $f == *..* ]] && hp_die "$patch_file: refusing path $f"
done <<<"$touched"

rm -rf "$outdir/patched-src" "$outdir/shadow-patched" "$outdir/orig" "$outdir/patched"
patch_apply "$patch_file" "$src" "$outdir/patched-src"
objects_shadow "$src" "$outdir/patched-src" "$outdir/shadow-patched"
cmd=${line#*$'\t'*$'\t'}
printf '%s\n' "$cmd" >"$outdir/cmd"

# The two sides are independent: build them at the same time.
objects_compile_tu "$src" "$outdir/orig" "$tu_o" "$cmd" &
orig_pid=$!
rc=0
objects_compile_tu "$outdir/shadow-patched" "$outdir/patched" "$tu_o" "$cmd" || rc=$?
wait "$orig_pid" || rc=$?
((rc == 0)) || hp_die "$tu_c: compiling failed (see above)"
