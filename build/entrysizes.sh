# shellcheck shell=bash
# build/entrysizes.sh - entry sizes of the target's special sections, read once per release
# from its own debug information, never taken from another kernel.
#
#   entrysizes_ensure     write <cache>/entry-sizes ("bug_table=12,ex_table=12,...")
#   entrysizes_get        print that line
#
# pahole reads the layouts of just these structs from the dbg vmlinux (about two seconds);
# the differ takes the line as --entry-size.

entrysizes_get() {
	cat "$HP_CACHE/entry-sizes"
}

entrysizes_ensure() {
	local f=$HP_CACHE/entry-sizes out spec='' key struct size
	[[ -s $f ]] && return 0
	command -v pahole >/dev/null || hp_die "pahole is not installed (make deps: dwarves)"
	out=$(pahole -C bug_entry,exception_table_entry,alt_instr,jump_entry,orc_entry,static_call_site,paravirt_patch_site \
		"$HP_CACHE/dbg/vmlinux" 2>/dev/null) ||
		hp_die "pahole cannot read $HP_CACHE/dbg/vmlinux"
	for key in bug_table:bug_entry ex_table:exception_table_entry altinstructions:alt_instr \
		jump_table:jump_entry orc_unwind:orc_entry static_call_sites:static_call_site \
		parainstructions:paravirt_patch_site; do
		struct=${key#*:}
		size=$(awk -v s="$struct" '$1 == "struct" && $2 == s { on = 1 }
			on && /\/\* size: / { sub(/.*size: /, ""); sub(/,.*/, ""); print; exit }' <<<"$out")
		[[ $size =~ ^[0-9]+$ ]] || hp_die "the $HP_RELEASE debug information has no struct $struct"
		spec+="${spec:+,}${key%%:*}=$size"
	done
	printf '%s\n' "$spec" | hp_atomic_write "$f"
}
