#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-kernel-differ.sh - hotpatch-diff on real gcc-12 output of the Debian 6.1 tree (needs the
# kernel cache).  fs/proc/meminfo.c is compiled with tests/kernel/compile-pair.sh:
#   1. two comment lines after the first #include: every line moves, no code does -> exit 3;
#   2. a string of meminfo_proc_show changed -> exactly meminfo_proc_show, an output object
#      with its alias, __mcount_loc/.orc entries of that function only, and klp symbols;
#   3. the same through --kpatch-compat with the dbg vmlinux's symbol table -> its function
#      symbols are exactly meminfo_proc_show, and the .kpatch.* sections kpatch's
#      create-klp-module reads: the func entry and a dynrela with its symbol, field by field.
set -uo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
t_plan 9
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

# --- --kpatch-compat output: what kpatch's create-klp-module reads ------------------------
# Entry layouts (x86-64): kpatch_patch_func 56 bytes {new_addr, new_size, old_addr, old_size,
# sympos, name, objname}; kpatch_relocation 40 {dest, u32 type, int external, long addend,
# objname, ksym}; kpatch_symbol 40 {src, sympos, u8 bind, u8 type, name, objname}.

# sec_info OBJ NAME: "offset size entsize" (decimal) of section NAME
sec_info() {
	local name _t _a off size es _r
	while read -r name _t _a off size es _r; do
		if [[ $name == "$2" ]]; then
			echo "$((16#$off)) $((16#$size)) $((16#$es))"
			return
		fi
	done < <(readelf -SW "$1" | sed -nE 's/^ *\[ *[0-9]+\] *//p')
}

# sym_value SYMTAB NAME: the value (16 hex digits) of the first NAME in `readelf -s` text
sym_value() {
	awk -v n="$2" '$8 == n { print $2; exit }' "$1"
}

# u64 OBJ OFFSET / s64 OBJ OFFSET / u32 OBJ OFFSET / u8 OBJ OFFSET: a little-endian field
u64() { od -A n -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }
x64() { od -A n -t x8 -j "$2" -N 8 "$1" | tr -d ' '; }
s64() { od -A n -t d8 -j "$2" -N 8 "$1" | tr -d ' '; }
u32() { od -A n -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
u8() { od -A n -t u1 -j "$2" -N 1 "$1" | tr -d ' '; }

# kstr OBJ OFFSET: the string at OFFSET of .kpatch.strings
kstr() {
	local info
	read -r info _ < <(sec_info "$1" .kpatch.strings)
	dd if="$1" bs=1 skip=$((info + $2)) count=512 status=none | tr '\0' '\n' | head -n 1
}

# field_reloc DUMP SECTION OFFSET: "TARGET ADDEND" of the R_X86_64_64 at SECTION+OFFSET
# (TARGET is a symbol or [section]) in hotpatch-elfdump -r output DUMP
field_reloc() {
	awk -v at="$2+0x$(printf '%x' "$3")" '$1 == at && $2 == "64" {
		t = $3; sub(/[+-][0-9]+$/, "", t); a = substr($3, length(t) + 1); print t, a + 0; exit }' <<<"$1"
}

check_kpatch_sections() {
	local kp=$1 patched=$2 symtab=$3 dump f r s n_r n_s size es e k name addr
	local what="meminfo: --kpatch-compat .kpatch.* sections"
	dump=$(out/bin/hotpatch-elfdump -r "$kp" 2>&1)
	for f in .kpatch.strings .kpatch.funcs .kpatch.relocations .kpatch.symbols; do
		if [[ -z $(sec_info "$kp" "$f") ]]; then
			t_fail "$what" "expected section $f, saw $(readelf -SW "$kp" | grep -o '\.kpatch\.[a-z]*' | tr '\n' ' ')"
			return
		fi
	done
	read -r f size es < <(sec_info "$kp" .kpatch.funcs)
	read -r r n_r _ < <(sec_info "$kp" .kpatch.relocations)
	read -r s n_s _ < <(sec_info "$kp" .kpatch.symbols)
	if [[ $size == 56 && $es == 56 && $n_r == "$n_s" ]] && ((n_r > 0 && n_r % 40 == 0)) &&
		! readelf -sW "$kp" | grep >/dev/null '\.klp\.sym\.'; then
		t_pass "$what: one func entry, $((n_r / 40)) dynrelas = symbols, no .klp.sym symbol left"
	else
		t_fail "$what" "expected .kpatch.funcs 56/56 and as many relocations as symbols (40 bytes each), no .klp.sym symbols, saw funcs $size/$es, relocations $n_r, symbols $n_s, $(readelf -sW "$kp" | grep -c '\.klp\.sym\.') klp symbols"
		return
	fi
	# the func entry
	read -r name _ < <(field_reloc "$dump" .kpatch.funcs 0)
	addr=$(sym_value "$symtab" meminfo_proc_show)
	read -r _ k < <(field_reloc "$dump" .kpatch.funcs 40)
	read -r _ e < <(field_reloc "$dump" .kpatch.funcs 48)
	if [[ $name == meminfo_proc_show && $(kstr "$kp" "$k") == meminfo_proc_show &&
		$(kstr "$kp" "$e") == vmlinux && $(x64 "$kp" $((f + 16))) == "$addr" &&
		$(u64 "$kp" $((f + 32))) == 0 && $(u64 "$kp" $((f + 8))) != 0 ]]; then
		t_pass "$what: func {new_addr -> meminfo_proc_show, old_addr $addr, sympos 0, name, objname vmlinux}"
	else
		t_fail "$what: func entry" "expected new_addr -> meminfo_proc_show, name meminfo_proc_show, objname vmlinux, old_addr $addr, sympos 0, saw $name, '$(kstr "$kp" "${k:-0}")', '$(kstr "$kp" "${e:-0}")', $(x64 "$kp" $((f + 16))), $(u64 "$kp" $((f + 32)))"
	fi
	# a dynrela: the (first) reference to si_swapinfo, a global vmlinux does not export
	local ks=-1 i kr=-1 dest doff ptype paddend want_type s_name
	for ((i = 0; i < n_s / 40; i++)); do
		read -r _ k < <(field_reloc "$dump" .kpatch.symbols $((i * 40 + 24)))
		if [[ $(kstr "$kp" "$k") == si_swapinfo ]]; then
			ks=$i
			break
		fi
	done
	for ((i = 0; ks >= 0 && i < n_r / 40; i++)); do
		read -r _ k < <(field_reloc "$dump" .kpatch.relocations $((i * 40 + 32)))
		if [[ $k == $((ks * 40)) ]]; then
			kr=$i
			break
		fi
	done
	if ((kr < 0)); then
		t_fail "$what: dynrela of si_swapinfo" "expected a .kpatch.symbols entry named si_swapinfo and a .kpatch.relocations entry pointing at it, saw symbol $ks, relocation $kr"
		return
	fi
	e=$((r + kr * 40))
	read -r dest doff < <(field_reloc "$dump" .kpatch.relocations $((kr * 40)))
	read -r _ k < <(field_reloc "$dump" .kpatch.relocations $((kr * 40 + 24)))
	read -r _ s_name < <(field_reloc "$dump" .kpatch.symbols $((ks * 40 + 32)))
	addr=$(sym_value "$symtab" si_swapinfo)
	# the same reference in the patched object: type and addend
	read -r ptype paddend < <(readelf -rW "$patched" | awk -v o="$(printf '%016x' "${doff:-0}")" '
		/^Relocation section/ { in_s = index($0, "'"'"'.rela.text.meminfo_proc_show'"'"'") > 0 }
		in_s && $1 == o && $5 == "si_swapinfo" { print $3, $6 $7; exit }')
	# "-4" / "+10" in hex
	if [[ $paddend == -* ]]; then
		paddend=$((-16#${paddend#-}))
	elif [[ -n $paddend ]]; then
		paddend=$((16#${paddend#+}))
	fi
	case $ptype in
	R_X86_64_PLT32) want_type=4 ;;
	R_X86_64_PC32) want_type=2 ;;
	*) want_type=none ;;
	esac
	if [[ $dest == "[.text.meminfo_proc_show]" && $(u32 "$kp" $((e + 8))) == "$want_type" &&
		$(u32 "$kp" $((e + 12))) == 0 && $(s64 "$kp" $((e + 16))) == "$paddend" ]]; then
		t_pass "$what: dynrela {dest .text.meminfo_proc_show+$doff, $ptype, addend $paddend, external 0}"
	else
		t_fail "$what: dynrela of si_swapinfo" "expected dest [.text.meminfo_proc_show] where the patched object has a reference to si_swapinfo ('$ptype $paddend'), external 0, saw dest $dest+$doff, type $(u32 "$kp" $((e + 8))), external $(u32 "$kp" $((e + 12))), addend $(s64 "$kp" $((e + 16)))"
	fi
	if [[ $(kstr "$kp" "$k") == vmlinux && $(kstr "$kp" "$s_name") == vmlinux &&
		$(x64 "$kp" $((s + ks * 40))) == "$addr" && $(u64 "$kp" $((s + ks * 40 + 8))) == 0 &&
		$(u8 "$kp" $((s + ks * 40 + 16))) == 1 ]]; then
		t_pass "$what: its symbol {src $addr, sympos 0, GLOBAL, name si_swapinfo, objname vmlinux}"
	else
		t_fail "$what: symbol of the si_swapinfo dynrela" "expected objnames vmlinux, src $addr, sympos 0, bind 1, saw '$(kstr "$kp" "$k")', '$(kstr "$kp" "$s_name")', $(x64 "$kp" $((s + ks * 40))), $(u64 "$kp" $((s + ks * 40 + 8))), $(u8 "$kp" $((s + ks * 40 + 16)))"
	fi
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
	# 3. kpatch front end, with the target's own symbol table and, as kpatch-build sets them
	# from the vmlinux's debug info, the entry sizes of the special sections (read here from
	# the layouts the symbol index took from the same DWARF)
	readelf -s --wide "$HP_VMLINUX" >"$tmp/string/vmlinux.symtab" 2>/dev/null
	kpatch_sizes=()
	while read -r var st; do
		sz=$(out/bin/hotpatch-index dump "$HP_INDEX" --object '<layouts>' |
			awk -v n="$st" '$2 == "struct" && $3 == n { print $8 }')
		[[ -n $sz ]] && kpatch_sizes+=("$var=$sz")
	done <<-'SIZES'
		BUG_STRUCT_SIZE bug_entry
		EX_STRUCT_SIZE exception_table_entry
		ALT_STRUCT_SIZE alt_instr
		JUMP_STRUCT_SIZE jump_entry
		ORC_STRUCT_SIZE orc_entry
		STATIC_CALL_STRUCT_SIZE static_call_site
		PARA_STRUCT_SIZE paravirt_patch_site
	SIZES
	rc=0
	env "${kpatch_sizes[@]}" "$bin" --kpatch-compat "$tmp/string/pair/orig/fs/proc/meminfo.o" \
		"$tmp/string/pair/patched/fs/proc/meminfo.o" "$HP_VMLINUX" "$tmp/string/vmlinux.symtab" \
		"$HP_SYMVERS" test "$tmp/string/kp.o" >"$tmp/string/kp.log" 2>&1 || rc=$?
	saw=$(readelf -sW "$tmp/string/kp.o" 2>/dev/null | awk '$4 == "FUNC" && $7 != "UND" { print $8 }' | tr '\n' ' ')
	if [[ $rc == 0 && $saw == "meminfo_proc_show " ]]; then
		t_pass "meminfo: --kpatch-compat output carries exactly meminfo_proc_show"
	else
		t_fail "meminfo: --kpatch-compat output carries exactly meminfo_proc_show" "expected exit 0 and meminfo_proc_show, saw exit $rc and '$saw': $(tail -3 "$tmp/string/kp.log" | tr '\n' ' ')"
	fi
	if [[ $rc == 0 ]]; then
		check_kpatch_sections "$tmp/string/kp.o" "$tmp/string/pair/patched/fs/proc/meminfo.o" \
			"$tmp/string/vmlinux.symtab"
	fi
fi
t_done
