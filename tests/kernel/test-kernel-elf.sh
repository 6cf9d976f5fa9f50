#!/bin/bash
# shellcheck disable=SC2031 # build/ scripts sourced in a subshell below have a local tmp of their own
# SPDX-License-Identifier: GPL-2.0
# test-kernel-elf.sh - the ELF model on real kernel objects of the target release (needs the
# kernel cache).
#
# Compiles fs/proc/meminfo.o and kernel/sched/core.o (a big one) from the prepared tree with the
# kernel's flags plus -ffunction-sections -fdata-sections into a scratch directory (nothing is
# written into the tree), writes each back through the model (hotpatch-elfdump -w), and checks
# that the written object carries the same sections with their flags, symbols and relocations --
# as the model sees them and as binutils' readelf sees them -- and that `ld -r` accepts it.
# Then reads the dbg vmlinux the way the symbol index does (lazy, no relocations).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

t_plan 17
elfdump=$T_TOP/out/bin/hotpatch-elfdump
if [[ ! -x $elfdump ]]; then
	t_bail "expected $elfdump (run make), saw none"
fi

t_setup_kernel
tmp=$(t_tmpdir)
tus=(fs/proc/meminfo.o kernel/sched/core.o)

if ! out=$(
	set -euo pipefail
	. "$T_TOP/build/common.sh"
	# tree_compile_tu uses the release's compile database when there is one.
	if [[ -f $T_TOP/build/compiledb.sh ]]; then
		. "$T_TOP/build/compiledb.sh"
	fi
	. "$T_TOP/build/tree.sh"
	. "$T_TOP/build/objects.sh"
	tree_compile_tu "$HP_SRC" "$tmp/obj" "${tus[@]}" 2>&1
); then
	t_bail "compile ${tus[*]}: expected the TUs to compile in $HP_SRC, saw: $(tail -n 5 <<<"$out" | tr '\n' ' ')"
fi
t_pass "compile ${tus[*]} with -ffunction-sections -fdata-sections"

# first_diff A B - the first lines of a diff, on one line
first_diff() {
	diff "$1" "$2" | head -n 6 | tr '\n' ' ' || true
}

# same NAME A B - pass when files A and B are equal
same() {
	if cmp -s "$2" "$3"; then
		t_pass "$1"
	else
		t_fail "$1" "expected $(basename "$2") and $(basename "$3") equal, saw: $(first_diff "$2" "$3")"
	fi
}

# readelf -SW without offsets and without the sizes of the rebuilt string tables
sections_norm() {
	readelf -SW "$1" | sed -n 's/^ *\[ *\([0-9]*\)\] //p' |
		awk '$1 == "NULL" { print; next }
		     { $4 = ""; if ($2 == "STRTAB") $5 = ""; print }'
}

for tu in "${tus[@]}"; do
	o=$tmp/obj/$tu
	w=$tmp/obj/$tu.written.o
	if ! err=$("$elfdump" -w "$w" "$o" 2>&1 >"$o.written.dump"); then
		t_fail "$tu: round trip" "expected hotpatch-elfdump -w to write $w, saw: $err"
		continue
	fi
	"$elfdump" "$o" >"$o.dump"
	t_pass "$tu: read and written back ($(grep -c '^  \[' "$o.dump") sections, $(sed -n '/^symbols:/,/^relocations:/p' "$o.dump" | grep -c '^  [0-9]') symbols, $(grep -c '^    ' "$o.dump") relocations)"
	same "$tu: same sections, symbols and relocations (model)" "$o.dump" "$o.written.dump"

	sections_norm "$o" >"$o.S"
	sections_norm "$w" >"$w.S"
	same "$tu: same sections with flags, sizes, links (readelf -S)" "$o.S" "$w.S"
	readelf -sW "$o" >"$o.s"
	readelf -sW "$w" >"$w.s"
	same "$tu: same symbols (readelf -s)" "$o.s" "$w.s"
	readelf -rW "$o" | sed 's/ at offset 0x[0-9a-f]*//' >"$o.r"
	readelf -rW "$w" | sed 's/ at offset 0x[0-9a-f]*//' >"$w.r"
	same "$tu: same relocations (readelf -r)" "$o.r" "$w.r"
	if warn=$(readelf -aW "$w" 2>&1 >/dev/null) && [[ -z $warn ]]; then
		t_pass "$tu: readelf reads the written object without warnings"
	else
		t_fail "$tu: readelf warnings" "expected none, saw: $(head -n 3 <<<"$warn" | tr '\n' ' ')"
	fi
	t_check "$tu: ld -r accepts the written object" ld -r -o "$w.ld.o" "$w"
done

# The sections design.md lists for meminfo.o are there, with their flags.
w=$tmp/obj/fs/proc/meminfo.o.written.o
missing=()
for want in '.text.meminfo_proc_show PROGBITS AX' '.altinstructions PROGBITS A' \
	'.altinstr_replacement PROGBITS AX' '__mcount_loc PROGBITS A' '.return_sites PROGBITS A' \
	'.orc_unwind PROGBITS A' '.orc_unwind_ip PROGBITS A' '.init.text PROGBITS AX' \
	'.initcall5.init PROGBITS A' '.rela.text.meminfo_proc_show RELA I'; do
	grep -qF -- "] $want " "$tmp/obj/fs/proc/meminfo.o.written.dump" || missing+=("$want")
done
if ((${#missing[@]} == 0)); then
	t_pass "meminfo.o: written object has .text.<fn>, alternatives, __mcount_loc, ORC, init sections"
else
	t_fail "meminfo.o: special sections" "expected them in $w, missing: ${missing[*]}"
fi

# The dbg vmlinux as the symbol index reads it: every s_show System.map has, quickly.
start=$(date +%s%N)
if dump=$("$elfdump" -L -s "$HP_VMLINUX" 2>&1); then
	ms=$((($(date +%s%N) - start) / 1000000))
	n=$(grep -c ' s_show FUNC LOCAL ' <<<"$dump" || true)
	want=$(awk '$3 == "s_show" && $2 == "t"' "$HP_SYSMAP" | wc -l)
	if ((want > 1 && n == want)); then
		t_pass "vmlinux: read lazily in $ms ms, s_show found $n times (as in System.map)"
	else
		t_fail "vmlinux: s_show" "expected $want local s_show functions (System.map), saw $n"
	fi
else
	t_fail "vmlinux: read" "expected hotpatch-elfdump -L to read $HP_VMLINUX, saw: $(tail -n 3 <<<"$dump")"
fi

t_done
