#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# compile-pair.sh SRC PATCH TU OUTDIR - compile one translation unit of a prepared kernel tree
# twice, before and after PATCH, without writing anything into SRC.
#
#   SRC     prepared kernel source tree (.config, `make prepare` done), e.g. $HP_SRC
#   PATCH   unified diff, -p1, against SRC
#   TU      the object or source to build, relative to SRC: fs/proc/meminfo.o or fs/proc/meminfo.c
#   OUTDIR  created if needed; receives
#             orig/<TU>.o  patched/<TU>.o     (e.g. orig/fs/proc/meminfo.o)
#             orig/<TU>.d  patched/<TU>.d     gcc dependency files
#             cmd          the compile and objtool commands, as make -n printed them
#             shadow-orig/ shadow-patched/    the shadow trees the objects were built in
#
# How: `make -n <TU>.o` in SRC prints the exact kbuild command lines (gcc with every flag,
# then objtool); nothing is executed but make's own recursion and kbuild's cc-option probes,
# which create and remove a .tmp_<pid> directory in SRC's root (so only the root directory's
# mtime moves; tests/kernel/test-kernel-diff-cases.sh checks that nothing else does).  Running
# make in the shadow tree instead is worse: the changed objtree makes kbuild rebuild
# tools/objtool, through the symlink, inside SRC.  The build then runs in a *shadow
# tree* per side: real directories along the path of every file the patch touches and of the TU,
# holding copies of those files, and symlinks to SRC for every other entry.  gcc runs with the
# shadow tree as its working directory, so `./include/...`, `#include "sibling.h"` and __FILE__
# ("fs/proc/meminfo.c") resolve exactly as in the kernel build, the patched copy of any touched
# file wins, and every write (-o, the dependency file, objtool's in-place edit) goes to OUTDIR.
# The flags are the kernel's plus -ffunction-sections -fdata-sections (given as KCFLAGS, so they
# come last, where kbuild puts them).
#
# Environment: CC (default gcc-12), MAKE (default make), COMPILE_PAIR_VERBOSE=1 shows commands.
# Exit 0 when both objects were built; 1 with a message otherwise (patch does not apply, the
# TU is not built by this configuration, a compile error).
set -euo pipefail

prog=compile-pair
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}
verbose() {
	if [[ ${COMPILE_PAIR_VERBOSE:-0} == 1 ]]; then
		printf '%s: + %s\n' "$prog" "$*" >&2
	fi
	return 0
}

if (($# != 4)); then
	echo "usage: $0 SRC PATCH TU OUTDIR" >&2
	exit 1
fi
src=$1 patch_file=$2 tu=$3 outdir=$4
CC=${CC:-gcc-12}
MAKE=${MAKE:-make}

[[ -f $src/.config && -f $src/include/generated/autoconf.h ]] ||
	die "$src is not a prepared kernel tree (.config, include/generated/autoconf.h)"
[[ -r $patch_file ]] || die "cannot read patch $patch_file"
src=$(cd "$src" && pwd -P)
patch_file=$(cd "$(dirname "$patch_file")" && pwd -P)/$(basename "$patch_file")
tu=${tu#./}
tu_base=${tu%.[co]}
tu_c=$tu_base.c
tu_o=$tu_base.o
[[ -f $src/$tu_c ]] || die "$tu_c: no such source file in $src"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd -P)
case $outdir/ in
"$src"/*) die "OUTDIR must not be inside SRC" ;;
esac

# Files the patch touches (-p1): the "+++ b/path" lines (and "--- a/path" of deletions).
touched=()
while IFS= read -r f; do
	[[ -n $f ]] && touched+=("$f")
done < <(awk '
	/^--- / { old = $2 }
	/^\+\+\+ / {
		f = $2
		if (f == "/dev/null") f = old
		sub(/^[^\/]*\//, "", f)
		if (!(f in seen)) { seen[f] = 1; print f }
	}' "$patch_file")
((${#touched[@]})) || die "$patch_file: no file header (+++ b/...) found"
for f in "${touched[@]}"; do
	case $f in
	/* | *..*) die "$patch_file: refusing path $f" ;;
	esac
done

# The kbuild command lines for the TU.  -n executes nothing but make's own recursion.  The
# section flags go in through KCFLAGS, with a marker define that no saved .cmd file can hold,
# so that make prints the recipe even when SRC already has an up-to-date object (make -B would
# also try to remake .config).  The marker is removed from the command again below.
marker=-D__HOTPATCH_COMPILE_PAIR__
kcflags="-ffunction-sections -fdata-sections $marker"
cmdlog=$outdir/make-n.log
verbose "$MAKE -C $src -n CC=$CC KCFLAGS='$kcflags' $tu_o"
if ! "$MAKE" -C "$src" -n CC="$CC" KCFLAGS="$kcflags" "$tu_o" >"$cmdlog" 2>&1; then
	tail -n 5 "$cmdlog" >&2
	die "make -n $tu_o failed in $src (is $tu_o built by this .config?)"
fi
line=$(grep -F -- " -c -o $tu_o $tu_c" "$cmdlog" | grep -F -- "$CC " | head -n 1 || true)
[[ -n $line ]] || die "make -n printed no compile command for $tu_o (log: $cmdlog)"
# The recipe is: set -e; echo; trap ...; <gcc ...> ; <objtool ... obj>; scripts/basic/fixdep ...
cc_cmd=${line##*"\$\$' PIPE; "}
cc_cmd=${cc_cmd%%; scripts/basic/fixdep*}
objtool_cmd=
if [[ $cc_cmd == *" ; ./tools/objtool/objtool "* ]]; then
	objtool_cmd=./tools/objtool/objtool\ ${cc_cmd#* ; ./tools/objtool/objtool }
	cc_cmd=${cc_cmd%% ; ./tools/objtool/objtool *}
fi
cc_cmd=${cc_cmd%"${cc_cmd##*[![:space:]]}"}
[[ $cc_cmd == "$CC "* ]] || die "unexpected compile command for $tu_o: ${cc_cmd:0:80}..."
{
	printf 'cc: %s\n' "$cc_cmd"
	printf 'objtool: %s\n' "$objtool_cmd"
} >"$outdir/cmd"

# shadow_tree DIR - populate DIR as a view of SRC where the touched files and the TU source
# are real copies (in real directories) and everything else is a symlink into SRC.
shadow_tree() {
	local dir=$1 f d rel entry name
	rm -rf "$dir"
	mkdir -p "$dir"
	declare -A real_dirs=([.]=1)
	for f in "${touched[@]}" "$tu_c"; do
		d=$(dirname "$f")
		while [[ $d != . ]]; do
			real_dirs[$d]=1
			d=$(dirname "$d")
		done
	done
	for rel in "${!real_dirs[@]}"; do
		mkdir -p "$dir/$rel"
	done
	for f in "${touched[@]}" "$tu_c"; do
		if [[ -f $src/$f && ! -e $dir/$f ]]; then
			cp "$src/$f" "$dir/$f"
		fi
	done
	for rel in "${!real_dirs[@]}"; do
		[[ -d $src/$rel ]] || continue
		for entry in "$src/$rel"/* "$src/$rel"/.[!.]*; do
			[[ -e $entry || -L $entry ]] || continue
			name=${entry##*/}
			[[ -e $dir/$rel/$name || -L $dir/$rel/$name ]] || ln -s "$entry" "$dir/$rel/$name"
		done
	done
}

# build SIDE - compile the TU in OUTDIR/shadow-SIDE into OUTDIR/SIDE/<tu>.o, then objtool it.
build() {
	local side=$1 shadow=$outdir/shadow-$1 obj dep args=() out=() i a
	obj=$outdir/$side/$tu_o
	dep=$outdir/$side/$tu_base.d
	mkdir -p "$(dirname "$obj")"
	rm -f "$obj" "$dep"
	eval "args=($cc_cmd)"
	for ((i = 0; i < ${#args[@]}; i++)); do
		a=${args[i]}
		case $a in
		-Wp,-MMD,* | -Wp,-MD,*) out+=("-Wp,-MMD,$dep") ;;
		"$marker") ;;
		-o)
			out+=(-o "$obj")
			i=$((i + 1))
			;;
		*) out+=("$a") ;;
		esac
	done
	# The source operand stays relative (fs/proc/meminfo.c), resolved in the shadow tree.
	verbose "(cd $shadow && ${out[*]})"
	(cd "$shadow" && "${out[@]}") || die "$side: compile of $tu_c failed"
	if [[ -n $objtool_cmd ]]; then
		eval "args=($objtool_cmd)"
		args[${#args[@]} - 1]=$obj
		verbose "(cd $shadow && ${args[*]})"
		(cd "$shadow" && "${args[@]}") || die "$side: objtool on $tu_o failed"
	fi
}

shadow_tree "$outdir/shadow-orig"
shadow_tree "$outdir/shadow-patched"
verbose "patch -p1 -d $outdir/shadow-patched < $patch_file"
if ! patch -p1 -s -f --no-backup-if-mismatch -r - -d "$outdir/shadow-patched" \
	<"$patch_file" >"$outdir/patch.log" 2>&1; then
	cat "$outdir/patch.log" >&2
	die "$patch_file does not apply to $src"
fi
# patch writes a new file (it never follows a symlink it replaces), but check anyway that
# every touched file in the patched shadow is a regular file of its own.
for f in "${touched[@]}"; do
	if [[ -L $outdir/shadow-patched/$f ]]; then
		die "internal: $f is still a symlink into SRC after patching"
	fi
done

# The two sides are independent: build them at the same time.
build orig &
orig_pid=$!
rc=0
build patched || rc=$?
wait "$orig_pid" || rc=$?
exit "$rc"
