#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-kernel-differ-oom.sh - hotpatch-diff running out of memory at any allocation, on real
# kernel objects (needs the kernel cache).  HOTPATCH_FAIL_ALLOC=N, the test hook of lib/array.h,
# fails the Nth allocation of a run (the differ's mem_*() and every array_grow, elf/'s too).
# For two pairs of tests/kernel/diff-cases (a vmlinux object with klp symbols; a module object
# whose tracepoint entries are dropped), compiled by tests/kernel/compile-pair.sh, without and
# with the structure layouts (pahole -a, as build/diff.sh passes them):
#   - a run without the hook writes an object (the reference);
#   - T, the number of allocations of a whole run, is found by doubling N then bisecting: N = T+1
#     writes the reference's object and facts byte for byte;
#   - the runs that fail one allocation each end with exit 1, main's out-of-memory line exactly
#     once and no line the reference run did not print (elf/, lib/ and the passes return
#     -ENOMEM and say nothing), no output object, facts (when written: not when main's own
#     first allocation fails) whose verdict is "error", and no sanitizer report.  Without the
#     layouts every OOM_STEP-th N from 1 to T (default 4; 1 for all) and the last 150; with them
#     (hundreds of types read the same way) a sample, and every allocation of the first ones
#     where lib/'s read_whole_file reads each layout file (sweep below).
# With out/bin and, when built, out-asan/bin (ASan + UBSan: a leak on an error path fails too).
# Then hotpatch-mkmod on each pair's differ output (lib/'s strv_add, read_whole_file,
# write_file and copy_file, elf/): every N of its T, the same way.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP"
cases=(string-meminfo module-tracepoint)
bindirs=(out/bin)
[[ -x out-asan/bin/hotpatch-diff ]] && bindirs+=(out-asan/bin)
t_plan $((${#cases[@]} * (2 + 7 * ${#bindirs[@]})))
[[ -x out/bin/hotpatch-diff ]] || t_bail "out/bin/hotpatch-diff is not built (run make)"
t_setup_kernel
tmp=$(t_tmpdir)
# OOM_STEP=N (default 4) fails every Nth allocation of the runs without layouts; OOM_STEP=1 each
oom_step=${OOM_STEP:-4}
[[ $oom_step =~ ^[1-9][0-9]*$ ]] || t_bail "OOM_STEP must be a positive number, saw '$oom_step'"
((oom_step == 1)) ||
	t_left_out "without layouts, $((oom_step - 1)) of every $oom_step allocations before the last 150 are not failed (OOM_STEP=1 fails each)"

# run_n BIN N: the pair through BIN with the Nth allocation failing (0: none); sets rc
run_n() {
	rm -f "$w/out.o" "$w/facts.json"
	rc=0
	HOTPATCH_FAIL_ALLOC=$2 "$1" --index "$HP_INDEX" --object "$target" --cu "${tu%.o}.c" \
		--name "$tu" "${layout_args[@]}" \
		--json "$w/facts.json" "$w/pair/orig/$tu" "$w/pair/patched/$tu" -o "$w/out.o" \
		>"$w/log" 2>&1 || rc=$?
}

# oom_ok [LINE]: whether the last run failed as running out of memory must (LINE: main's report,
# default hotpatch-diff's); else why, in $why.  Every other line must be one the run without the
# hook printed ($w/ref.log): a second report, or "cannot read: Cannot allocate memory", is wrong.
oom_ok() {
	local line=${1:-"hotpatch-diff: error: $tu: out of memory; free memory or raise the process's limit (ulimit -v) and run again"}
	local n extra
	n=$(grep -c -F -x -- "$line" "$w/log") || true
	extra=$(grep -v -F -x -e "$line" "$w/log" | grep -v -F -x -f "$w/ref.log") || true
	why=
	if ((rc != 1)); then
		why="exit $rc"
	elif [[ -e $w/out.o ]]; then
		why="an output object"
	elif ((n != 1)); then
		why="main's out-of-memory line $n times"
	elif [[ -n $extra ]]; then
		why="lines a run without the hook does not print (elf/, lib/ and the passes return -ENOMEM; main alone reports it): ${extra//$'\n'/ | }"
	elif [[ -e $w/facts.json ]] && ! grep -q -F '"verdict": "error"' "$w/facts.json"; then
		why="facts without the verdict \"error\""
	fi
	if grep -q -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$w/log"; then
		why="${why:+$why, }a sanitizer report"
	fi
	[[ -z $why ]]
}

# probe BIN N: run_n, and count the run in bad/ran when it failed (as it must, or not)
probe() {
	run_n "$1" "$2"
	((rc == 0)) && return 0
	ran=$((ran + 1))
	if ! oom_ok; then
		bad=$((bad + 1))
		[[ -n $first_bad ]] || first_bad="N=$2: $why ($(tail -n 2 "$w/log" | tr '\n' ' '))"
	fi
	return 0
}

# reads_at BIN ORIG PATCHED: in $at, how many allocations a run with these layout files makes
# before read_whole_file opens the first of them that is missing ($w/none; it fails there
# without allocating): the last N whose run ends before that file's "cannot read".  0: never.
reads_at() {
	local lo=0 hi=$((total + 1)) mid keep=("${layout_args[@]}")
	layout_args=(--orig-layouts "$2" --patched-layouts "$3")
	at=0
	run_n "$1" "$hi"
	if grep -q -F "$w/none: cannot read" "$w/log"; then
		while ((hi - lo > 1)); do
			mid=$(((lo + hi) / 2))
			run_n "$1" "$mid"
			if grep -q -F "$w/none: cannot read" "$w/log"; then
				hi=$mid
			else
				lo=$mid
			fi
		done
		at=$lo
	fi
	layout_args=("${keep[@]}")
}

# sweep BIN LAYOUTS: the reference run, T by doubling and bisection, N = T + 1, then the
# failing runs: without the layouts (LAYOUTS=no) every OOM_STEP-th N from 1 to T and the last
# 150, so every pass has allocations that fail (OOM_STEP=1: every allocation fails once); with
# them (pahole's hundreds of types, read the same way each) N = 1..3, the first 6 from where
# each layout file is read (lib's read_whole_file), the last 150 (resolve and emit) and
# T - 2^k.  Three tests, four with the layouts.
sweep() {
	local bin=$1 pfx="$c: with layouts:" n k lo hi mid found total ns at ra rb
	[[ $2 == no ]] && pfx="$c: without layouts:"
	[[ $bin == out-asan/* ]] && pfx="$pfx asan:"
	if [[ $2 == yes ]]; then
		layout_args=(--orig-layouts "$w/layouts.orig" --patched-layouts "$w/layouts.patched")
	else
		layout_args=()
	fi
	run_n "$bin" 0
	if ((rc != 0)) || [[ ! -s $w/out.o ]]; then
		t_fail "$pfx reference run" "expected exit 0 and an object, saw exit $rc ($(tail -n 2 "$w/log" | tr '\n' ' '))"
		t_fail "$pfx N = T + 1" "expected a reference run, saw none"
		t_fail "$pfx out-of-memory runs" "expected a reference run, saw none"
		[[ $2 == no ]] || t_fail "$pfx layout files read" "expected a reference run, saw none"
		return 0
	fi
	cp "$w/out.o" "$w/ref.o"
	cp "$w/facts.json" "$w/ref.json"
	cp "$w/log" "$w/ref.log"
	t_pass "$pfx a run without the hook writes an object"

	bad=0 ran=0 first_bad=
	# doubling, then bisection: hi is the first N whose run succeeds
	lo=0 hi=1
	while :; do
		probe "$bin" "$hi"
		((rc != 0 && hi < 1048576)) || break
		lo=$hi
		hi=$((hi * 2))
	done
	found=$((rc == 0))
	while ((found && hi - lo > 1)); do
		mid=$(((lo + hi) / 2))
		probe "$bin" "$mid"
		if ((rc == 0)); then
			hi=$mid
		else
			lo=$mid
		fi
	done
	total=$((hi - 1))
	run_n "$bin" "$hi"
	if ((found && rc == 0)) && cmp -s "$w/out.o" "$w/ref.o" && cmp -s "$w/facts.json" "$w/ref.json"; then
		t_pass "$pfx N = T + 1 = $hi writes the reference's object and facts (T = $total allocations)"
	else
		t_fail "$pfx N = T + 1" "expected N = $hi to write the reference's object and facts, saw exit $rc ($(tail -n 2 "$w/log" | tr '\n' ' '))"
	fi

	ns=()
	if [[ $2 == no ]]; then
		# every OOM_STEP-th allocation, and the last 150 (resolve and emit) each
		for ((n = 1; n <= total; n++)); do
			((n % oom_step == 1 % oom_step || n > total - 150)) && ns+=("$n")
		done
	else
		ns=(1 2 3)
		reads_at "$bin" "$w/none" "$w/layouts.patched"
		ra=$at
		reads_at "$bin" "$w/layouts.orig" "$w/none"
		rb=$at
		if ((ra > 0 && rb > ra)); then
			t_pass "$pfx the layout files are read after allocations $ra and $rb: each of the 6 after each fails below"
			for ((n = 1; n <= 6; n++)); do
				ns+=("$((ra + n))" "$((rb + n))")
			done
		else
			t_fail "$pfx layout files read" "expected a missing layout file to be opened after some allocations, the original's first, saw after $ra and $rb"
		fi
		for ((n = total > 150 ? total - 149 : 1; n <= total; n++)); do
			ns+=("$n")
		done
		for ((k = 256; k < total; k *= 2)); do
			ns+=("$((total - k))")
		done
	fi
	for n in "${ns[@]}"; do
		probe "$bin" "$n"
		if ((rc == 0)); then
			bad=$((bad + 1))
			[[ -n $first_bad ]] || first_bad="N=$n: exit 0 within the T = $total allocations"
		fi
	done
	if ((bad == 0 && ran > 150)); then
		t_pass "$pfx $ran runs failing one allocation each: exit 1, main's out-of-memory line and no other, no object, verdict \"error\", no sanitizer report"
	else
		t_fail "$pfx out-of-memory runs" "expected more than 150 runs that each fail as out of memory, saw $ran runs, $bad wrong; first: ${first_bad:-none}"
	fi
}

# mk_n N: hotpatch-mkmod on the pair's differ output (the reference run's), with a hooks file,
# the Nth allocation failing (0: none); sets rc
mk_n() {
	rm -rf "$w/mod" "$w/out.o" "$w/facts.json"
	rc=0
	HOTPATCH_FAIL_ALLOC=$1 out/bin/hotpatch-mkmod --name hp_oom -o "$w/mod" --hooks "$w/hooks.c" \
		--index "$HP_INDEX" --symvers "$HP_SYMVERS" "$w/ref.o" "$w/ref.json" >"$w/log" 2>&1 || rc=$?
}

# mkmod_sweep: the reference run, T by doubling and bisection, then every N from 1 to T (few:
# mkmod allocates little through the hook) ends as running out of memory must (no module
# source is promised either way).  One test.
mkmod_sweep() {
	local pfx="$c: hotpatch-mkmod:" n lo=0 hi=1 mid found total why first_bad='' bad=0 ran=0
	local line="hotpatch-mkmod: error: out of memory; no module source written to $w/mod; free memory or raise the process's limit (ulimit -v) and run again"
	printf '#include "hotpatch.h"\n' >"$w/hooks.c"
	mk_n 0
	if ((rc != 0)) || [[ ! -s $w/mod/Kbuild ]]; then
		t_fail "$pfx out-of-memory runs" "expected a run without the hook to write the module source, saw exit $rc ($(tail -n 2 "$w/log" | tr '\n' ' '))"
		return 0
	fi
	cp "$w/log" "$w/ref.log"
	while mk_n "$hi"; ((rc != 0 && hi < 1048576)); do
		lo=$hi
		hi=$((hi * 2))
	done
	found=$((rc == 0))
	while ((found && hi - lo > 1)); do
		mid=$(((lo + hi) / 2))
		mk_n "$mid"
		if ((rc == 0)); then
			hi=$mid
		else
			lo=$mid
		fi
	done
	total=$((hi - 1))
	for ((n = 1; n <= total; n++)); do
		mk_n "$n"
		ran=$((ran + 1))
		if ! oom_ok "$line"; then
			bad=$((bad + 1))
			[[ -n $first_bad ]] || first_bad="N=$n: $why ($(tail -n 2 "$w/log" | tr '\n' ' '))"
		fi
	done
	if ((found && bad == 0 && ran > 0)); then
		t_pass "$pfx $ran runs failing one of its T = $total allocations each: exit 1, main's out-of-memory line and no other, no sanitizer report"
	else
		t_fail "$pfx out-of-memory runs" "expected a run to succeed within 2^20 allocations, then each of the runs before it to fail as out of memory, saw found=$found, $ran runs, $bad wrong; first: ${first_bad:-none}"
	fi
}

for c in "${cases[@]}"; do
	tu='' target=''
	while read -r tu target _; do
		[[ -z $tu || $tu == \#* ]] || break
	done <"tests/kernel/diff-cases/$c/objects"
	w=$tmp/$c
	mkdir -p "$w"
	if ! bash tests/kernel/compile-pair.sh "$HP_SRC" "tests/kernel/diff-cases/$c/fix.patch" \
		"$tu" "$w/pair" >"$w/compile.log" 2>&1; then
		t_fail "$c: compile $tu" "expected compile-pair to succeed, saw: $(tail -n 3 "$w/compile.log" | tr '\n' ' ')"
		for _ in "${bindirs[@]}"; do
			for layouts in without with; do
				t_fail "$c: $layouts layouts: reference run" "expected a compiled pair, saw none"
				t_fail "$c: $layouts layouts: N = T + 1" "expected a compiled pair, saw none"
				t_fail "$c: $layouts layouts: out-of-memory runs" "expected a compiled pair, saw none"
			done
			t_fail "$c: with layouts: layout files read" "expected a compiled pair, saw none"
		done
		t_fail "$c: hotpatch-mkmod: out-of-memory runs" "expected a compiled pair, saw none"
		continue
	fi
	t_pass "$c: compile-pair builds $tu twice"
	pahole -a "$w/pair/orig/$tu" >"$w/layouts.orig" 2>"$w/pahole.log" || true
	pahole -a "$w/pair/patched/$tu" >"$w/layouts.patched" 2>>"$w/pahole.log" || true

	for bd in "${bindirs[@]}"; do
		for layouts in no yes; do
			sweep "$bd/hotpatch-diff" "$layouts"
		done
	done
	mkmod_sweep
done
t_done
