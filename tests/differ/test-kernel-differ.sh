#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-kernel-differ.sh - hotpatch-diff on real gcc-12 output of the Debian 6.1 tree (needs the
# kernel cache).  fs/proc/meminfo.c is compiled with tests/kernel/compile-pair.sh:
#   1. two comment lines after the first #include: every line moves, no code does -> exit 3;
#   2. a string of meminfo_proc_show changed -> exactly meminfo_proc_show, an output object
#      with its alias, __mcount_loc/.orc entries of that function only, and klp symbols;
#   3. the same through --kpatch-compat with the dbg vmlinux's symbol table -> its function
#      symbols are exactly meminfo_proc_show.
set -uo pipefail

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
t_setup_kernel
tmp=$(t_tmpdir)
bin=out/bin/hotpatch-diff
tu=fs/proc/meminfo.c

# make_pair NAME AWK-PROGRAM: compile the original and an edited copy
make_pair() {
	local name=$1 prog=$2
	mkdir -p "$tmp/$name"
	awk "$prog" "$HP_SRC/$tu" >"$tmp/$name/edited.c"
	(cd "$HP_SRC" && diff -u --label "a/$tu" --label "b/$tu" "$tu" "$tmp/$name/edited.c") \
		>"$tmp/$name/p.patch"
	bash tests/kernel/compile-pair.sh "$HP_SRC" "$tmp/$name/p.patch" "$tu" "$tmp/$name/pair" \
		>"$tmp/$name/compile.log" 2>&1
}

run_diff() {
	local name=$1
	shift
	"$bin" --index "$HP_INDEX" --object vmlinux --cu "$tu" --name fs/proc/meminfo.o \
		--json "$tmp/$name/facts.json" "$@" "$tmp/$name/pair/orig/fs/proc/meminfo.o" \
		"$tmp/$name/pair/patched/fs/proc/meminfo.o" -o "$tmp/$name/out.o" \
		>"$tmp/$name/diff.log" 2>&1
}

# 1. line shift only
if ! make_pair shift 'done == 0 && /^#include/ { print; print "/* a */"; print "/* b */"; done = 1; next } 1'; then
	t_fail "meminfo line shift compiles" "expected compile-pair to succeed, saw: $(tail -3 "$tmp/shift/compile.log" | tr '\n' ' ')"
else
	rc=0
	run_diff shift || rc=$?
	if [[ $rc == 3 && ! -e $tmp/shift/out.o ]]; then
		t_pass "meminfo: a line shift is no functional change (exit 3)"
	else
		t_fail "meminfo: a line shift is no functional change (exit 3)" "expected exit 3 and no output, saw exit $rc: $(tail -3 "$tmp/shift/diff.log" | tr '\n' ' ')"
	fi
fi

# 2. a string change in meminfo_proc_show
if ! make_pair string '{ sub(/"MemTotal:       "/, "\"MemTotal:        \"") } 1'; then
	t_fail "meminfo string change compiles" "expected compile-pair to succeed, saw: $(tail -3 "$tmp/string/compile.log" | tr '\n' ' ')"
else
	rc=0
	run_diff string || rc=$?
	saw=$(jq -r '[.functions[].name] | join(" ")' "$tmp/string/facts.json" 2>/dev/null)
	if [[ $rc == 0 && $saw == meminfo_proc_show ]]; then
		t_pass "meminfo: a string change patches exactly meminfo_proc_show"
	else
		t_fail "meminfo: a string change patches exactly meminfo_proc_show" "expected exit 0 and meminfo_proc_show, saw exit $rc and '$saw': $(tail -3 "$tmp/string/diff.log" | tr '\n' ' ')"
	fi
	alias=$(jq -r '.functions[0].alias' "$tmp/string/facts.json" 2>/dev/null)
	syms=$(readelf -sW "$tmp/string/out.o" 2>/dev/null)
	if grep -q " GLOBAL DEFAULT  *[0-9]* $alias\$" <<<"$syms" &&
		grep -q 'UND \.klp\.sym\.vmlinux\.' <<<"$syms"; then
		t_pass "meminfo: output has the alias and klp symbols"
	else
		t_fail "meminfo: output has the alias and klp symbols" "expected a GLOBAL $alias and UND .klp.sym.vmlinux.*, saw: $(grep -c . <<<"$syms") symbols"
	fi
	# exactly one __mcount_loc entry (8 bytes): the one of meminfo_proc_show
	size=$(readelf -SW "$tmp/string/out.o" | awk '$2 == "__mcount_loc" { print $6 }')
	if [[ $size == 000008 ]]; then
		t_pass "meminfo: only the included function's special entries"
	else
		t_fail "meminfo: only the included function's special entries" "expected __mcount_loc of 8 bytes, saw '$size'"
	fi
	# 3. kpatch front end, with the target's own symbol table
	readelf -s --wide "$HP_VMLINUX" >"$tmp/string/vmlinux.symtab" 2>/dev/null
	rc=0
	"$bin" --kpatch-compat "$tmp/string/pair/orig/fs/proc/meminfo.o" \
		"$tmp/string/pair/patched/fs/proc/meminfo.o" "$HP_VMLINUX" "$tmp/string/vmlinux.symtab" \
		"$HP_SYMVERS" test "$tmp/string/kp.o" >"$tmp/string/kp.log" 2>&1 || rc=$?
	saw=$(readelf -sW "$tmp/string/kp.o" 2>/dev/null | awk '$4 == "FUNC" && $7 != "UND" { print $8 }' | tr '\n' ' ')
	if [[ $rc == 0 && $saw == "meminfo_proc_show " ]]; then
		t_pass "meminfo: --kpatch-compat output carries exactly meminfo_proc_show"
	else
		t_fail "meminfo: --kpatch-compat output carries exactly meminfo_proc_show" "expected exit 0 and meminfo_proc_show, saw exit $rc and '$saw': $(tail -3 "$tmp/string/kp.log" | tr '\n' ' ')"
	fi
fi
t_done
