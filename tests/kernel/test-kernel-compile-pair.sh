#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/kernel/compile-pair.sh on a 6.12 release, which compiles with its own gcc inside its
# build root (<release>/toolchain): both objects are built, by the compiler the kernel's .config
# names, into an OUTDIR outside /tmp and the cache (bound into the root on its own), and the
# pair is one hotpatch-diff can judge (a changed string in meminfo_proc_show: that function).
# The release is T_RELEASE, else the first 6.12 release whose cache is complete (--setup).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP"

t_plan 3

shared=$(realpath -m "${HOTPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotpatch}")
rel=${T_RELEASE:-}
if [[ -z $rel ]]; then
	for d in "$shared"/6.12.*/; do
		if [[ -f $d/.done/setup ]]; then
			rel=$(basename "$d")
			break
		fi
	done
fi
[[ -n $rel ]] || t_bail "expected a 6.12 release in $shared, saw none (hotpatch-build.sh --setup -k 6.12.N+deb13-amd64)"
env=$(./hotpatch-build.sh -k "$rel" --print-env 2>/dev/null) ||
	t_bail "expected hotpatch-build.sh -k $rel --print-env to succeed, saw it fail"
eval "$env"
[[ -n $HP_BUILDROOT ]] || t_bail "expected $rel to compile in a build root, saw no HP_BUILDROOT"
[[ -x out/bin/hotpatch-diff && -s $HP_INDEX ]] ||
	t_bail "expected out/bin/hotpatch-diff and the symbol index of $rel, saw them missing (make; --setup)"

tu=fs/proc/meminfo
grep >/dev/null -F '"MemTotal:       "' "$HP_SRC/$tu.c" ||
	t_bail "expected $tu.c of $rel to print MemTotal, saw no such line"
tmp=$(t_tmpdir)
mkdir -p "$tmp/a/${tu%/*}" "$tmp/b/${tu%/*}"
cp "$HP_SRC/$tu.c" "$tmp/a/$tu.c"
sed 's/"MemTotal:       "/"MemTotal (kB):  "/' "$HP_SRC/$tu.c" >"$tmp/b/$tu.c"
(cd "$tmp" && diff -u "a/$tu.c" "b/$tu.c" >fix.patch) || true
mkdir -p out
outdir=$(mktemp -d "$T_TOP/out/.test-compile-pair.XXXXXX")
trap 'rm -rf "$outdir"; t_cleanup' EXIT

rc=0
tests/kernel/compile-pair.sh "$HP_SRC" "$tmp/fix.patch" "$tu.o" "$outdir" >"$tmp/cp.log" 2>&1 || rc=$?
if ((rc == 0)) && [[ -s $outdir/orig/$tu.o && -s $outdir/patched/$tu.o ]]; then
	t_pass "$rel: compile-pair.sh builds $tu.o before and after the patch"
else
	t_fail "$rel: compile-pair.sh builds $tu.o before and after the patch" \
		"expected exit 0 and both objects, saw exit $rc: $(tail -n 3 "$tmp/cp.log" | tr '\n' ' ')"
fi

# same NAME WANT SAW
same() {
	if [[ $2 == "$3" ]]; then
		t_pass "$1"
	else
		t_fail "$1" "expected '$2', saw '$3'"
	fi
}

# CONFIG_CC_VERSION_TEXT is "<command> (Debian ...) VERSION"; .comment is "GCC: (Debian ...) VERSION"
want=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="[^ ]* \(.*\)"$/GCC: \1/p' "$HP_SRC/.config")
saw=$(for s in orig patched; do
	if [[ -s $outdir/$s/$tu.o ]]; then
		readelf -p .comment "$outdir/$s/$tu.o" | sed -n 's/^ *\[ *[0-9]*\] *//p'
	fi
done | sort -u | tr '\n' ' ')
same "$rel: both objects are built by the compiler the kernel's .config names" \
	"$want " "$saw"

rc=0
out/bin/hotpatch-diff --index "$HP_INDEX" --object vmlinux --json "$tmp/facts.json" \
	"$outdir/orig/$tu.o" "$outdir/patched/$tu.o" -o "$tmp/out.o" >"$tmp/diff.log" 2>&1 || rc=$?
saw=$(jq -r '[.functions[]?.name] | join(" ")' "$tmp/facts.json" 2>/dev/null || true)
same "$rel: hotpatch-diff on the pair patches meminfo_proc_show" \
	"exit 0: meminfo_proc_show" "exit $rc: $saw"
t_done
