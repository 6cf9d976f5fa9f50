# shellcheck shell=bash
# build/symindex.sh - build the release's symbol index with hotpatch-index (symindex/).
#
#   symindex_tool     print the path of hotpatch-index, or nothing when it is not built
#   symindex_stale    true when the index is missing or of another index format than the tool's
#   symindex_build    <cache>/<release>/symindex, written to a temporary name and renamed
#
# The index is skipped (with a notice) while the tool does not exist yet. It is rebuilt when its
# format (the u32 after the 8-byte magic) is not the one the tool writes: the format number changes
# whenever what the index holds does (symindex/format.h), so an older or newer hotpatch-index
# sharing the cache never leaves an index this one cannot use. A rebuilt tool of the same format
# keeps the index: re-indexing every cached release after each `make` cost 80-100 s per release.

symindex_tool() {
	local t
	for t in "$HP_TOP/out/bin/hotpatch-index" "$HP_TOP/hotpatch-index"; do
		if [[ -x $t ]]; then
			printf '%s\n' "$t"
			return 0
		fi
	done
	command -v hotpatch-index 2>/dev/null || true
}

symindex_stale() {
	local tool
	tool=$(symindex_tool)
	[[ -n $tool ]] || return 1
	! hp_is_done "$HP_CACHE" symindex ||
		[[ $(symindex_format_of "$HP_CACHE/symindex") != "$("$tool" format)" ]]
}

# symindex_format_of INDEX - the format number in INDEX's header, or nothing when unreadable.
symindex_format_of() {
	od -An -tu4 -j8 -N4 "$1" 2>/dev/null | tr -d ' ' || true
}

symindex_build() {
	local dir=$HP_CACHE tool tmp
	hp_stage_begin symindex
	tool=$(symindex_tool)
	if [[ -z $tool ]]; then
		hp_stage_end "skipped: hotpatch-index is not built (make)"
		return 0
	fi
	if ! symindex_stale; then
		hp_stage_end cached
		return 0
	fi
	tmp=$(mktemp "$dir/.tmp.symindex.XXXXXX") || hp_die "cannot create a temporary file in $dir"
	hp_run "$tool" build --vmlinux "$dir/dbg/vmlinux" --system-map "$dir/dbg/System.map" \
		--symvers "$dir/root/usr/src/linux-headers-$HP_RELEASE/Module.symvers" \
		--modules "$dir/root/lib/modules/$HP_RELEASE" --release "$HP_RELEASE" -o "$tmp"
	[[ -s $tmp ]] || hp_die "$tool wrote an empty index"
	chmod 644 "$tmp"
	mv -f "$tmp" "$dir/symindex" || hp_die "cannot rename $tmp to $dir/symindex"
	hp_mark_done "$dir" symindex
	hp_stage_end "$(du -sh "$dir/symindex" | cut -f1)"
}
