#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-differ.sh [TU[:OBJECT]...] - time hotpatch-diff on large real kernel objects.
#
# For each translation unit (default: kernel/sched/core.c mm/vmalloc.c fs/ext4/inode.c:ext4
# fs/ext4/super.c:ext4 kernel/trace/trace.c fs/proc/meminfo.c; OBJECT is the module it links
# into, vmlinux when omitted) of the prepared Debian tree, compile it twice with tests/kernel/compile-pair.sh:
# the original, and a copy with two comment lines inserted after its first #include -- every line
# below moves, so every __LINE__ (WARN_ON, might_sleep ...) changes while no code does.  Then run
# hotpatch-diff on the pair (expected verdict: no functional change, exit 3) and print its time,
# peak RSS, and the object's section and symbol counts.  Compiled pairs are kept in
# BENCH_DIR (default /tmp/hotpatch-bench-differ) and reused.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
eval "$(./hotpatch-build.sh --setup --print-env 2>/dev/null)" ||
	{ echo "bench-differ: kernel cache setup failed (./hotpatch-build.sh --setup)" >&2; exit 1; }
diff_bin=${DIFF_BIN:-$top/out/bin/hotpatch-diff}
[[ -x $diff_bin ]] || { echo "bench-differ: $diff_bin missing: run make" >&2; exit 1; }
dir=${BENCH_DIR:-/tmp/hotpatch-bench-differ}
mkdir -p "$dir"
tus=("$@")
((${#tus[@]})) || tus=(kernel/sched/core.c mm/vmalloc.c fs/ext4/inode.c:ext4 fs/ext4/super.c:ext4
	kernel/trace/trace.c fs/proc/meminfo.c)

printf '%-24s %8s %8s %9s %10s %5s  %s\n' object sections symbols time_s peak_rss_kb exit verdict
for spec in "${tus[@]}"; do
	tu=${spec%%:*}
	target=vmlinux
	[[ $spec == *:* ]] && target=${spec#*:}
	tu=${tu%.[co]}.c
	key=$(echo "$tu" | tr '/' '_')
	work=$dir/$key
	obj=${tu%.c}.o
	if [[ ! -f $work/patched/$obj ]]; then
		mkdir -p "$work"
		# the line-shift patch: two comment lines after the first #include
		awk 'done == 0 && /^#include/ { print; print "/* bench: shift */"; print "/* every line */"; done = 1; next } 1' \
			"$HP_SRC/$tu" >"$work/shifted.c"
		(cd "$HP_SRC" && diff -u --label "a/$tu" --label "b/$tu" "$tu" "$work/shifted.c") \
			>"$work/shift.patch" || true
		bash tests/kernel/compile-pair.sh "$HP_SRC" "$work/shift.patch" "$tu" "$work/pair" \
			>"$work/compile.log" 2>&1 ||
			{ echo "bench-differ: $tu: compile failed (see $work/compile.log)" >&2; continue; }
		mkdir -p "$(dirname "$work/orig/$obj")" "$(dirname "$work/patched/$obj")"
		cp "$work/pair/orig/$obj" "$work/orig/$obj"
		cp "$work/pair/patched/$obj" "$work/patched/$obj"
		rm -rf "$work/pair/shadow-orig" "$work/pair/shadow-patched"
	fi
	nsec=$(readelf -SW "$work/orig/$obj" | grep -c '^ *\[ *[0-9]')
	nsym=$(readelf -sW "$work/orig/$obj" | grep -c '^ *[0-9]*:')
	rc=0
	/usr/bin/time -f '%e %M' -o "$work/time" "$diff_bin" --index "$HP_INDEX" --object "$target" \
		--cu "$tu" --name "$obj" --json "$work/facts.json" "$work/orig/$obj" "$work/patched/$obj" \
		-o "$work/out.o" >"$work/diff.log" 2>&1 || rc=$?
	read -r secs rss < <(tail -n 1 "$work/time")
	verdict=$(jq -r '.verdict + " " + ([.functions[]?.name] | join(","))' "$work/facts.json" 2>/dev/null || echo "?")
	printf '%-24s %8s %8s %9s %10s %5s  %s\n' "$obj" "$nsec" "$nsym" "$secs" "$rss" "$rc" "$verdict"
done
