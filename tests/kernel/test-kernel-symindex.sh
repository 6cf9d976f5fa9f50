#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The symbol index of the real target release (built by hotpatch-build.sh
# --setup with hotpatch-index): duplicate statics told apart by their CU,
# kallsyms positions as in System.map / the module's symbol table, exports.
set -euo pipefail
# shellcheck source=tests/lib.sh
source "$(dirname "$0")/../lib.sh"

t_plan 11
t_setup_kernel
INDEX=$T_TOP/out/bin/hotpatch-index
if [[ -z ${HP_INDEX:-} || ! -f $HP_INDEX ]]; then
	t_bail "expected HP_INDEX to name the cache's symbol index, saw '${HP_INDEX:-}'"
fi
t_pass "symbol index in the cache"

expect() { # NAME EXPECTED ACTUAL
	if [[ $2 == "$3" ]]; then t_pass "$1"; else t_fail "$1" "expected '$2', saw '$3'"; fi
}
# query prints: object name sympos type bind addr size exported cu; a failed query prints how
# it failed (its stderr stays in the log), so it never looks like an answer
q() {
	local out rc=0 err
	err=$(mktemp)
	out=$("$INDEX" query "$HP_INDEX" "$@" 2>"$err") || rc=$?
	cat "$err" >&2
	if ((rc != 0)); then
		echo "query $* exited $rc: $(head -c 200 "$err" | tr '\n' ' ')"
	else
		grep -v '^#' <<<"$out" || true
	fi
	rm -f "$err"
}

expect "index release is the cache's" "release $HP_RELEASE" \
	"$("$INDEX" info "$HP_INDEX" | grep '^release')"

# the s_show functions of this kernel (four in 6.1.0-N) in System.map's order, with the file
# addr2line gives for each
dups=$(t_kernel_dups s_show)
kallsyms_pos=$(awk '$2 == "kernel/kallsyms.c" { print $1 }' <<<"$dups")
expect "s_show: $(wc -l <<<"$dups") in vmlinux, sympos in System.map order, each tied to its source file" \
	"$(paste -sd'|' <<<"$dups")" \
	"$(q --object vmlinux s_show | awk '{print $3, $9}' | paste -sd'|')"
expect "s_show: positions follow System.map's address order" \
	"$(awk '$3 == "s_show" {print "0x" $1}' "$HP_SYSMAP" | paste -sd' ')" \
	"$(q --object vmlinux s_show | awk '{print $6}' | paste -sd' ')"
expect "s_show of kernel/kallsyms.c found by CU" "$kallsyms_pos" \
	"$(q --object vmlinux --cu kernel/kallsyms.c s_show | awk '{print $3}')"
expect "unique static: meminfo_proc_show has sympos 0 and its CU" \
	"0 FUNC LOCAL fs/proc/meminfo.c" \
	"$(q --object vmlinux meminfo_proc_show | awk '{print $3, $4, $5, $9}')"
expect "_printk is exported by vmlinux" "0 GLOBAL exported|# exported by vmlinux" \
	"$(q --object vmlinux _printk | awk '{print $3, $5, $8}')|$("$INDEX" query "$HP_INDEX" _printk | grep '^#')"

ext4=$(find "$HP_MODDIR" -name ext4.ko | head -n 1)
if [[ -z $ext4 ]]; then
	t_fail "ext4.ko in the modules" "expected ext4.ko under $HP_MODDIR, saw none"
else
	# symtab order and values of the .ko, as module kallsyms walks them
	want=$(readelf -sW "$ext4" | awk '$4 == "FUNC" && $8 == "ext4_es_is_delayed" {print "0x" $2}' |
		sed 's/0x0*/0x/' | paste -sd' ')
	expect "ext4: duplicated static ext4_es_is_delayed ranked 1,2 in symtab order" \
		"1 2|$want" \
		"$(q --object ext4 ext4_es_is_delayed | awk '{print $3}' | paste -sd' ')|$(q --object ext4 ext4_es_is_delayed | awk '{print $6}' | paste -sd' ')"
	expect "ext4: static ext4_fill_super unique in its module" "ext4 0 FUNC LOCAL" \
		"$(q --object ext4 ext4_fill_super | awk '{print $1, $3, $4, $5}')"
	expect "jbd2: jbd2_journal_start is exported by the jbd2 module" \
		"jbd2 0 GLOBAL exported|# exported by jbd2" \
		"$(q --object jbd2 jbd2_journal_start | awk '{print $1, $3, $5, $8}')|$("$INDEX" query "$HP_INDEX" jbd2_journal_start | grep '^#')"
fi

# The special-section entry layouts the differ reads come from the dbg vmlinux's DWARF: every
# struct size equals what pahole reads from the same file.
saw='' want=''
for st in bug_entry exception_table_entry alt_instr jump_entry orc_entry static_call_site \
	paravirt_patch_site; do
	saw+="$st=$("$INDEX" dump "$HP_INDEX" --object '<layouts>' 2>/dev/null |
		awk -v n="struct $st" '$2 " " $3 == n { print $8 }') "
	want+="$st=$(pahole -C "$st" "$HP_VMLINUX" 2>/dev/null |
		awk '/\/\* size: / { sub(/.*size: /, ""); sub(/,.*/, ""); print; exit }') "
done
expect "entry layouts in the index: the sizes pahole reads from the dbg vmlinux" "$want" "$saw"
t_done
