# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# build/triage-input.sh - what hotpatch-triage triages: an update as one change per file.
#
#   triage_abi_of VERSION        print the Debian 12 amd64 release (6.1.0-N-amd64) whose image
#                                has package version VERSION (asks apt once)
#   triage_fetch_update FROM TO  UPDATE dir of linux-source-6.1 FROM -> TO, cached under
#                                <cache root>/updates/FROM..TO (download, extract, compare once)
#   triage_input_series SRC DIR PATCH...
#                                UPDATE dir DIR of a patch series applied in order to copies of
#                                the files it touches in the tree SRC (patch dir or mbox)
#   triage_split_mbox MBOX DIR   one file per message of a git-style mbox, in order
#   triage_update_use UPDATE FILE...
#                                mark what the triage kept in UPDATE used; status 1 when one is
#                                gone (pruned meanwhile): the caller makes it again
#   triage_update_prune UPDATE KEEP
#                                after publishing KEEP: remove what the triage kept in UPDATE
#                                and nobody used for 8 days
#   triage_shadow_use UPDATE SHADOW
#                                mark the shadow SHADOW of UPDATE (and its .deps) used
#   triage_shadow_prune UPDATE KEEP
#                                after making the shadow KEEP: remove the other shadows (and
#                                their .deps) nobody used for 8 days
#
# An UPDATE dir holds, for every file the update changes:
#   files       "path<TAB>status<TAB>fixes" (status: modified, added, removed; fixes: the
#               subjects of the series' patches that touch it, ' | '-separated, or '-')
#   from/PATH   the file before (absent when added), to/PATH the file after (absent when removed)
#   diffs/PATH.diff   its unified diff (a/PATH, b/PATH), which hotpatch-build takes as is
# Per file, not per patch: a per-file diff of an update is the unit the triage reports on (the
# README's grouping rule), and a series that touches a file twice becomes one change of it.
# What the triage keeps there, made from the update by the first run or worker that needs it:
#   plan-KEY.{candidates,skipped}.tsv   the candidates (build/triage-candidates.sh)
#   api-KEY.{decls,uses}                the header-API index (build/triage-candidate.sh,
#                                       tc_api_index: ~1.2 MB for 6.1.190-1 -> 6.1.192-1)
#   shadow-KEY/                         the tree after the update (tc_shadow)
#   shadow-KEY.deps/                    its gcc -M lists (tc_gcc_deps)

# triage_abi_of VERSION - the -amd64 image built from linux-source VERSION (target_release_of:
# a complete cache of that version answers without apt, which takes ~2 s CPU per run and per
# CI shard).
triage_abi_of() {
	local ver=$1 rel
	rel=$(target_release_of "$ver") || hp_die "cannot ask apt which image has the version $ver (see above)"
	[[ -n $rel ]] || hp_die "no linux-image-6.1.0-N-amd64 of version $ver in the archive (is bookworm-security in the apt sources?); name the target with -k RELEASE"
	printf '%s\n' "$rel"
}

# triage_diff_file ROOT PATH - the unified diff of ROOT/from/PATH -> ROOT/to/PATH.
triage_diff_file() {
	local root=$1 path=$2 a b rc=0
	a=$root/from/$path
	b=$root/to/$path
	[[ -e $a ]] || a=/dev/null
	[[ -e $b ]] || b=/dev/null
	mkdir -p "$root/diffs/$(dirname "$path")" || return 1
	diff -u --label "a/$path" --label "b/$path" "$a" "$b" >"$root/diffs/$path.diff" || rc=$?
	((rc == 1))
}

# triage_extract_source DEB DIR - the source tree of a linux-source-6.1 package in DIR.
triage_extract_source() {
	local deb=$1 dir=$2 tarball
	mkdir -p "$dir/deb" || return 1
	dpkg-deb -x "$deb" "$dir/deb" || return 1
	tarball=$(find "$dir/deb/usr/src" -maxdepth 1 -name 'linux-source-*.tar.*' | head -n1)
	[[ -n $tarball ]] || { hp_log "$deb holds no linux-source tarball"; return 1; }
	tar -xf "$tarball" -C "$dir" || return 1
	rm -rf "$dir/deb"
	mv "$dir"/linux-source-* "$dir/tree"
}

# triage_fetch_update FROM TO - print the UPDATE dir; build it once, under the lock of the
# updates directory: both packages downloaded with apt (target_download), both trees extracted
# into a temporary directory, every differing file kept (before, after, diff), the trees
# deleted (3 GB), the result renamed into place. About a minute cold; warm it is a stat.
triage_fetch_update() {
	local from=$1 to=$2 root upd tmp v path status
	root=$HP_CACHE_ROOT/updates
	upd=$root/$from..$to
	if hp_is_done "$upd" update; then
		printf '%s\n' "$upd"
		return 0
	fi
	mkdir -p "$root" || hp_die "cannot create $root"
	hp_lock "$root"
	if hp_is_done "$upd" update; then
		hp_unlock
		printf '%s\n' "$upd"
		return 0
	fi
	hp_clean_stale "$root"
	target_apt_ready
	tmp=$(hp_tmpdir "$root" update)
	for v in "$from" "$to"; do
		hp_log "fetching linux-source-6.1 $v"
		HP_PKGVER=$v target_download "$tmp" linux-source-6.1
		triage_extract_source "$tmp/linux-source-6.1_${v//:/%3a}.deb" "$tmp/$v" ||
			hp_die "cannot extract linux-source-6.1 $v"
		rm -f "$tmp/linux-source-6.1_${v//:/%3a}.deb"
	done
	hp_log "comparing $from and $to"
	mkdir -p "$tmp/result/from" "$tmp/result/to" "$tmp/result/diffs"
	: >"$tmp/result/files"
	# "Files A and B differ" / "Only in DIR: NAME" (a directory only on one side is listed
	# as one entry: expanded to its files here)
	(cd "$tmp" && LC_ALL=C diff -rq "$from/tree" "$to/tree") >"$tmp/dq" 2>&1 || true
	while IFS= read -r line; do
		case $line in
		"Files "*" differ")
			path=${line#"Files $from/tree/"}
			path=${path%% and *}
			printf '%s\tmodified\n' "$path"
			;;
		"Only in $from/tree"* | "Only in $to/tree"*)
			v=$to status=added
			[[ $line == "Only in $from/tree"* ]] && v=$from status=removed
			path=${line#"Only in $v/tree"}
			path=${path#/}
			path=${path/: //}
			path=${path#/}
			(cd "$tmp/$v/tree" && find "$path" -type f) | sed "s/\$/\t$status/"
			;;
		*) hp_die "cannot read the comparison of $from and $to: $line" ;;
		esac
	done <"$tmp/dq" | LC_ALL=C sort >"$tmp/list"
	while IFS=$'\t' read -r path status; do
		[[ $status == added ]] || install -D -m 644 "$tmp/$from/tree/$path" "$tmp/result/from/$path" ||
			hp_die "cannot copy $path"
		[[ $status == removed ]] || install -D -m 644 "$tmp/$to/tree/$path" "$tmp/result/to/$path" ||
			hp_die "cannot copy $path"
		triage_diff_file "$tmp/result" "$path" || hp_die "cannot compare $path"
		printf '%s\t%s\t-\n' "$path" "$status" >>"$tmp/result/files"
	done <"$tmp/list"
	printf '%s\n%s\n' "$from" "$to" >"$tmp/result/versions"
	rm -rf "${tmp:?}/$from" "${tmp:?}/$to"
	hp_atomic_mv "$tmp/result" "$upd"
	rm -rf "$tmp"
	hp_mark_done "$upd" update
	hp_unlock
	hp_log "update $from..$to: $(wc -l <"$upd/files") files changed"
	printf '%s\n' "$upd"
}

# triage_split_mbox MBOX DIR - DIR/0001.patch ... one per message ("From " line of git
# format-patch / git send-email output), in order.
triage_split_mbox() {
	local mbox=$1 dir=$2 n
	mkdir -p "$dir" || hp_die "cannot create $dir"
	awk -v dir="$dir" '
	/^From [0-9a-f]+ / || (/^From / && NR == 1) { n++; f = sprintf("%s/%04d.patch", dir, n) }
	n { print > f }
	END { if (!n) exit 1 }' "$mbox" || hp_die "$mbox is not a git-style mbox (no 'From <sha> <date>' line)"
	n=$(find "$dir" -name '*.patch' | wc -l)
	hp_log "$mbox: $n message(s)"
}

# triage_patch_subject PATCH - its Subject (without "[PATCH n/m]"), else its file name.
triage_patch_subject() {
	local s
	s=$(sed -n '/^Subject: /{s/^Subject: *//; s/^\[[^]]*\] *//; p; q}' "$1")
	[[ -n $s ]] || s=$(basename "$1")
	printf '%s\n' "$s"
}

# triage_input_series SRC DIR PATCH... - apply the patches in order to copies (DIR/to) of the
# files they touch in SRC, keep the originals (DIR/from), and write DIR/files and DIR/diffs.
# A patch that does not apply stops the triage, naming it: the series is not for this tree.
triage_input_series() {
	local src=$1 dir=$2 p f out status
	shift 2
	mkdir -p "$dir/from" "$dir/to" "$dir/diffs" || hp_die "cannot create $dir"
	declare -A fixes=()
	for p in "$@"; do
		while IFS= read -r f; do
			[[ $f == *..* || $f == /* ]] && hp_die "$p: refusing the path '$f' (outside the tree)"
			if [[ ! -e $dir/from/$f && ! -e $dir/to/$f && -e $src/$f ]]; then
				install -D -m 644 "$src/$f" "$dir/from/$f" || hp_die "cannot copy $src/$f"
				install -D -m 644 "$src/$f" "$dir/to/$f" || hp_die "cannot copy $src/$f"
			fi
			fixes[$f]+="${fixes[$f]:+ | }$(triage_patch_subject "$p")"
		done < <(patch_files "$p")
		if ! out=$(cd "$dir/to" && patch -p1 --batch --forward --no-backup-if-mismatch -r - \
			--remove-empty-files <"$p" 2>&1); then
			printf '%s\n' "$out" | sed 's/^/hotpatch: input: /' >&2
			hp_die "$p does not apply to the $HP_RELEASE source after the patches before it (the lines above name the file and hunk)"
		fi
	done
	: >"$dir/files"
	while IFS= read -r f; do
		if [[ ! -e $dir/from/$f ]]; then
			status=added
		elif [[ ! -e $dir/to/$f ]]; then
			status=removed
		elif cmp -s "$dir/from/$f" "$dir/to/$f"; then
			continue
		else
			status=modified
		fi
		triage_diff_file "$dir" "$f" || hp_die "cannot compare $f"
		printf '%s\t%s\t%s\n' "$f" "$status" "${fixes[$f]}" >>"$dir/files"
	done < <(printf '%s\n' "${!fixes[@]}" | LC_ALL=C sort)
	[[ -s $dir/files ]] || hp_die "the series changes no file"
}

# The plan and the header-API index are keyed by the programs that make them: every version of
# the tool that changes one leaves the old files behind, and a killed writer its temporary
# (UPDATE/.tmp.api.*, UPDATE/plan-KEY.*.tsv.PID). They are kept and pruned as the kernel
# cache's objects (build/common.sh, hp_cache_refresh and hp_cache_prune, under UPDATE/.lock): a
# use refreshes a file's mtime (once a day), and a writer that published one removes the files
# and temporaries nobody used for 8 days. A run of another version that uses its own files
# keeps them; a file in use was refreshed within a day, a week away from pruning.

# triage_update_use UPDATE FILE... - mark the FILEs of UPDATE used; status 1 when one of them
# does not exist (any more: a writer pruned it before the refresh), which the caller then
# makes again. An update directory this user cannot write is left as it is.
triage_update_use() {
	local upd=$1 f
	shift
	: 2>/dev/null >>"$upd/.lock" || true
	hp_cache_refresh "$upd" "$@"
	for f in "$@"; do
		[[ -f $f ]] || return 1
	done
}

# triage_update_prune UPDATE KEEP - after publishing KEEP in UPDATE: the plans, header-API
# indexes and their temporaries that nobody used for 8 days go (but KEEP).
triage_update_prune() {
	local upd=$1 keep=$2 fd
	exec {fd}>>"$upd/.lock" || return 0
	if flock "$fd"; then
		hp_cache_prune "$upd" "$keep" "a plan or header-API index of the update" 'plan-*' 'api-*' '.tmp.api.*'
	fi
	exec {fd}>&-
}

# A shadow is keyed by the target tree, the include index and the update's files, so another
# version of the tool or of the tree leaves the old one behind: ~16,000 symbolic links and
# directories for 6.1.190-1 -> 6.1.192-1, and its .deps/ (one gcc -M list per TU asked). They
# are kept and pruned like the plans: a run refreshes the mtime of the shadow it uses (once a
# day), and the worker that makes a new shadow removes the shadows nobody used for 8 days.

# triage_shadow_use UPDATE SHADOW - mark SHADOW (when it exists) and SHADOW.deps used.
triage_shadow_use() {
	local upd=$1 shadow=$2
	: 2>/dev/null >>"$upd/.lock" || true
	[[ -d $shadow ]] || return 0
	hp_cache_refresh "$upd" "$shadow"
	[[ ! -d $shadow.deps ]] || hp_cache_refresh "$upd" "$shadow.deps"
}

# triage_shadow_prune UPDATE KEEP - under UPDATE/.lock: the shadow directories of UPDATE but
# KEEP, and the .deps directories beside them, unused for HP_CACHE_KEEP_MIN minutes, go.
triage_shadow_prune() {
	local upd=$1 keep=$2 fd old
	exec {fd}>>"$upd/.lock" || return 0
	if flock "$fd"; then
		while IFS= read -r -d '' old; do
			[[ $old == "$keep" || $old == "$keep.deps" ]] && continue
			# a shadow in use was refreshed: its .deps go with it, never before it
			[[ $old != *.deps || ! -d ${old%.deps} ]] || continue
			hp_verbose "removing $old: a shadow of the update not used for $((HP_CACHE_KEEP_MIN / 1440)) days"
			rm -rf "$old" "$old.deps"
		done < <(find "$upd" -mindepth 1 -maxdepth 1 -type d -name 'shadow-*' -mmin +"$HP_CACHE_KEEP_MIN" -print0)
	fi
	exec {fd}>&-
}
