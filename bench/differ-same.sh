#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# differ-same.sh OLD_BIN [NEW_BIN] - does a differ change leave the differ's output alone?
#
# Runs two hotpatch-diff binaries (NEW_BIN defaults to out/bin/hotpatch-diff) on the same
# object pairs and compares, pair by pair, the exit code, the output object's bytes and the JSON
# facts' bytes (and, for fixtures marked `kpatch`, the --kpatch-compat output).  The corpus:
#   - every tests/differ/cases/<name>/ fixture, compiled and indexed as test-differ-cases.sh
#     does it (tests/differ/fixture.sh), with its expect file's args/env/cflags/object;
#   - every tests/kernel/diff-cases/<name>/ pair (needs the kernel cache): the pair the kernel
#     test kept in out/kernel-cases/<name>/pair when there is one, else compiled here with
#     tests/kernel/compile-pair.sh (kept in SAME_DIR/kernel/<name> until fix.patch changes, when
#     SAME_DIR is given);
#   - the bench-differ.sh pairs in BENCH_DIR (/tmp/hotpatch-bench-differ) that exist.
# A restructuring commit must print "0 differ".  Keep OLD_BIN outside out/ (a copy of the
# binary built from the commit before yours), since `make` replaces out/bin.
# Environment: SAME_DIR (work dir, kept; default a fresh mktemp directory, removed on exit unless
# a pair differs or fails, since users sharing a UID, root on a shared machine, would remove
# each other's runs), SAME_KERNEL=0 skips the kernel pairs.  Cost: ~1 s for the fixtures, ~1 s
# per kernel pair once compiled (compiling a missing pair ~5-20 s).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if (($# < 1 || $# > 2)); then
	echo "usage: $0 OLD_BIN [NEW_BIN]" >&2
	exit 1
fi
old=$(realpath "$1")
new=$(realpath "${2:-out/bin/hotpatch-diff}")
for b in "$old" "$new"; do
	[[ -x $b ]] || { echo "differ-same: $b is not an executable" >&2; exit 1; }
done
if [[ -n ${SAME_DIR:-} ]]; then
	dir=$SAME_DIR
	rm -rf "$dir/run" "$dir/fixture"	# kernel pairs are kept: they take a compile each
	mkdir -p "$dir"
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/hotpatch-differ-same.XXXXXX")
	# kept when a pair differs or fails: the lines above point into it
	cleanup() {
		local rc=$?
		if ((rc == 0 || rc > 128)); then
			rm -rf "$dir"
		else
			echo "differ-same: kept $dir (remove it when done)" >&2
		fi
	}
	trap cleanup EXIT
fi

# shellcheck source=tests/differ/fixture.sh
. tests/differ/fixture.sh

npairs=0
ndiffer=0

# run_both NAME ARGS... - run both binaries as `BIN ARGS... -o OUT --json FACTS` and compare
run_both() {
	local name=$1 side rc
	shift
	for side in old new; do
		local bin=$old
		[[ $side == new ]] && bin=$new
		mkdir -p "$dir/run/$name/$side"
		rc=0
		env "${envs[@]}" "$bin" "$@" --json "$dir/run/$name/$side/facts.json" \
			-o "$dir/run/$name/$side/out.o" >"$dir/run/$name/$side/log" 2>&1 || rc=$?
		echo "$rc" >"$dir/run/$name/$side/rc"
	done
	compare "$name" out.o facts.json
}

# compare NAME FILE... - the two sides' rc and FILEs are byte-identical
compare() {
	local name=$1 f what=""
	shift
	npairs=$((npairs + 1))
	cmp -s "$dir/run/$name/old/rc" "$dir/run/$name/new/rc" ||
		what+=" exit $(cat "$dir/run/$name/old/rc") -> $(cat "$dir/run/$name/new/rc");"
	for f in "$@"; do
		if [[ -e $dir/run/$name/old/$f || -e $dir/run/$name/new/$f ]] &&
			! cmp -s "$dir/run/$name/old/$f" "$dir/run/$name/new/$f"; then
			what+=" $f differs;"
		fi
	done
	if [[ -n $what ]]; then
		ndiffer=$((ndiffer + 1))
		echo "DIFFER $name:$what (see $dir/run/$name)"
	else
		echo "same   $name (exit $(cat "$dir/run/$name/old/rc"))"
	fi
}

# --- fixtures ---------------------------------------------------------------------------------
gcc -Wall -Wextra -Werror -Ilib -Isymindex -o "$dir/mkindex" tests/differ/mkindex.c \
	out/lib/libsymindex.a out/lib/libhp.a
for cdir in tests/differ/cases/*/; do
	cdir=${cdir%/}
	[[ -f $cdir/expect ]] || continue
	name=$(basename "$cdir")
	w=$dir/fixture/$name
	args=() envs=() cflags="" object=vmlinux kpatch=0
	while IFS= read -r line || [[ -n $line ]]; do
		key=${line%% *} rest=""
		[[ $line == *" "* ]] && rest=${line#* }
		case $key in
		args) read -r -a a <<<"$rest"; args+=("${a[@]}") ;;
		env) envs+=("$rest") ;;
		cflags) cflags+=" $rest" ;;
		object) object=$rest ;;
		kpatch) kpatch=1 ;;
		esac
	done <"$cdir/expect"
	mkdir -p "$w"
	if ! fixture_compile "$cdir" "$w" "$cflags" 2>"$w/cc.log" ||
		! fixture_index "$dir/mkindex" "$cdir" "$w" "$object" "tests/differ/cases/$name.c" \
			2>"$w/idx.log"; then
		echo "differ-same: fixture $name does not build (see $w)" >&2
		exit 1
	fi
	run_both "fixture-$name" --index "$w/index" --object "$object" \
		--cu "tests/differ/cases/$name.c" --name "$name.o" "${args[@]}" "$w/orig.o" "$w/patched.o"
	if ((kpatch)); then
		readelf -s --wide "$w/orig.o" >"$w/symtab.txt"
		for side in old new; do
			bin=$old
			[[ $side == new ]] && bin=$new
			mkdir -p "$dir/run/kpatch-$name/$side"
			rc=0
			env "${envs[@]}" "$bin" --kpatch-compat "$w/orig.o" "$w/patched.o" vmlinux \
				"$w/symtab.txt" /dev/null "$name" "$dir/run/kpatch-$name/$side/kp.o" \
				>"$dir/run/kpatch-$name/$side/log" 2>&1 || rc=$?
			echo "$rc" >"$dir/run/kpatch-$name/$side/rc"
		done
		compare "kpatch-$name" kp.o
	fi
done

# --- kernel pairs -----------------------------------------------------------------------------
envs=()
if [[ ${SAME_KERNEL:-1} == 1 ]]; then
	eval "$(./hotpatch-build.sh --setup --print-env 2>/dev/null)" ||
		{ echo "differ-same: kernel cache setup failed (./hotpatch-build.sh --setup)" >&2; exit 1; }
	for cdir in tests/kernel/diff-cases/*/; do
		cdir=${cdir%/}
		name=$(basename "$cdir")
		read -r tu target < <(grep -v '^[[:space:]]*#' "$cdir/objects" | awk 'NF >= 2 { print $1, $2; exit }')
		pair=out/kernel-cases/$name/pair
		if [[ ! -f $pair/orig/$tu || ! -f $pair/patched/$tu ]]; then
			pair=$dir/kernel/$name
			stamp=$(cat "$cdir/fix.patch" "$cdir/objects" | sha256sum)
		fi
		if [[ $pair == "$dir/kernel/$name" && $(cat "$pair/stamp" 2>/dev/null) != "$stamp" ]]; then
			rm -rf "$pair"
			bash tests/kernel/compile-pair.sh "$HP_SRC" "$cdir/fix.patch" "$tu" "$pair" \
				>"$dir/kernel-$name.log" 2>&1 ||
				{ echo "differ-same: $name: compile-pair failed (see $dir/kernel-$name.log)" >&2; exit 1; }
			echo "$stamp" >"$pair/stamp"
		fi
		run_both "kernel-$name" --index "$HP_INDEX" --object "$target" --cu "${tu%.o}.c" \
			--name "$tu" "$pair/orig/$tu" "$pair/patched/$tu"
	done
	bench=${BENCH_DIR:-/tmp/hotpatch-bench-differ}
	for w in "$bench"/*/; do
		[[ -d $w/orig ]] || continue
		obj=$(cd "$w/orig" && find . -name '*.o' -print -quit)
		obj=${obj#./}
		[[ -n $obj && -f $w/patched/$obj ]] || continue
		target=vmlinux
		[[ $obj == fs/ext4/* ]] && target=ext4
		run_both "bench-$(basename "$w")" --index "$HP_INDEX" --object "$target" \
			--cu "${obj%.o}.c" --name "$obj" "$w/orig/$obj" "$w/patched/$obj"
	done
fi

echo "$npairs pairs, $ndiffer differ"
((ndiffer == 0))
