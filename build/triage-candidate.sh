#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build/triage-candidate.sh - triage one candidate: run hotpatch-build on it and write its row.
#
#   build/triage-candidate.sh OUT ID
#   build/triage-candidate.sh --finish OUT ID
#   build/triage-candidate.sh --resume OUT ID
#
# OUT is a hotpatch-triage output directory (OUT/run.env, OUT/candidates.tsv, the update dir it
# names); ID a line of OUT/candidates.tsv. hotpatch-triage runs this once per candidate, -j at
# a time; it also runs alone, to redo or debug one candidate.
# With TRIAGE_DEFER_MODULES=1 (hotpatch-triage sets it) a candidate that reaches the module
# stage stops there (hotpatch-build --defer-module): its state stays in OUT/work/c/ID, its id is
# appended to OUT/work/deferred and no row is written yet. hotpatch-triage then links the
# modules of many candidates in one kbuild (module_batch) and runs --finish on each: the rest of
# its hotpatch-build run (--finish-module), then its row, exactly as without the deferral.
# A run interrupted before it linked them leaves their state: a rerun's --resume takes up each
# one whose state is complete and current (tc_resume), so that only its module is linked.
#
# Writes OUT/modules/ID.{ko,json} when a module was built, OUT/logs/ID.log (hotpatch-build's
# messages, every attempt), and last OUT/results/ID.json, by rename: a candidate is finished
# exactly when its result exists, so an interrupted run (Ctrl-C, a killed job) leaves finished
# rows intact and no half-written one.
#
# Outcome from hotpatch-build's status: 0 built, 2 refused (reason: the differ's messages),
# 3 no-change, 1 with "(patched) does not compile" does-not-compile, any other failure
# tool-error (stage, object, message from its last "hotpatch: STAGE: error:" line).
# A .c that does not compile alone: the changed headers its TU includes (gcc -M in
# TRIAGE_SHADOW, the tree after the update) are looked at. One whose change alters a struct
# layout and names an identifier the compiler's errors quote refuses the candidate, naming it;
# a global one (include/, arch/*/include/) naming such an identifier is named in the reason
# but not carried (it would recompile every TU that includes it); the headers next to the .c
# are carried, and the candidate is built once more with them. When those headers break other
# .c files that the update changes too (a signature changed in the header and in every
# caller), their changes are carried as well, each with the local headers it needs, until it
# compiles; the same header rule judges every .c that any attempt breaks (tc_carry_sources).
# When the patched code refers to a global that neither the running kernel nor the patch
# defines (hotpatch-build refuses it, naming the symbol), the .c whose change in the update
# defines it is carried (tc_carry_definitions).
set -euo pipefail

tc_self=$(readlink -f "${BASH_SOURCE[0]}")
tc_dir=${tc_self%/*}
# shellcheck source=build/common.sh
. "$tc_dir/common.sh"
# shellcheck source=build/objects.sh
. "$tc_dir/objects.sh"
# shellcheck source=build/compiledb.sh
. "$tc_dir/compiledb.sh"
# shellcheck source=build/triage-input.sh
. "$tc_dir/triage-input.sh"

HP_STAGE=triage
TC_MODE=main
case ${1:-} in
--finish | --resume)
	TC_MODE=${1#--}
	shift
	;;
esac
TC_OUT=${1:?usage: triage-candidate.sh [--finish|--resume] OUT ID}
TC_ID=${2:?usage: triage-candidate.sh [--finish|--resume] OUT ID}
# shellcheck source=/dev/null # written by hotpatch-triage (triage_write_env)
. "$TC_OUT/run.env"
# the most .c files one candidate carries (its own and those its headers tie to it):
# hotpatch-triage --max-sources, 8 in a run.env of a version without it
TC_MAX_SOURCES=${TRIAGE_MAX_SOURCES:-8}
[[ $TC_MAX_SOURCES =~ ^[1-9][0-9]{0,3}$ ]] || hp_die "TRIAGE_MAX_SOURCES in $TC_OUT/run.env is not a positive number: '$TC_MAX_SOURCES'"

# tc_shadow - TRIAGE_SHADOW (UPDATE/shadow-KEY, KEY: the target tree and the update's files):
# the target tree with every file of the update laid over it (objects_shadow), made once per
# update by the first worker of any run that needs it, under the update's .shadow.lock, by
# rename; every later run and shard of the update uses it as it is.
tc_shadow() {
	local tmp
	[[ -d $TRIAGE_SHADOW ]] && return 0
	exec {tc_lock}>>"$TRIAGE_UPDATE/.shadow.lock" || hp_die "cannot open $TRIAGE_UPDATE/.shadow.lock"
	flock "$tc_lock" || hp_die "cannot lock $TRIAGE_UPDATE/.shadow.lock"
	if [[ ! -d $TRIAGE_SHADOW ]]; then
		tmp=$TRIAGE_UPDATE/.tmp.shadow.$$
		# what a writer killed midway left (every writer holds the lock)
		rm -rf "$TRIAGE_UPDATE"/.tmp.shadow.*
		objects_shadow "$HP_SRC" "$TRIAGE_UPDATE/to" "$tmp"
		mv -T "$tmp" "$TRIAGE_SHADOW" || hp_die "cannot rename $tmp"
		triage_shadow_prune "$TRIAGE_UPDATE" "$TRIAGE_SHADOW"
	fi
	exec {tc_lock}>&-
}

# tc_gcc_deps OBJ CMD SRC.c - the headers preprocessing SRC.c opens in the tree after the update.
# TRIAGE_SHADOW never changes once made, so the list is kept beside it (SHADOW.deps/, by
# command and file, temp+rename) for every later attempt, candidate, run and shard: a whole
# update asks ~1,000 times, 45 ms of gcc each.
tc_gcc_deps() {
	local obj=$1 cmd=$2 c=$3 key kept tmp
	key=$(printf '%s\n' "$cmd" "$c" | sha256sum) || hp_die "cannot hash the command of $c"
	kept=$TRIAGE_SHADOW.deps/${key:0:32}
	if [[ -f $kept ]]; then
		cat "$kept"
		return 0
	fi
	cmd=${cmd%%; *}
	cmd=${cmd/-Wp,-MMD,*.o.d /}
	cmd=${cmd/"-c -o $obj $c"/"-M -MG $c"}
	mkdir -p "$TRIAGE_SHADOW.deps" || hp_die "cannot create $TRIAGE_SHADOW.deps"
	tmp=$(mktemp "$TRIAGE_SHADOW.deps/.tmp.XXXXXX") || hp_die "cannot write in $TRIAGE_SHADOW.deps"
	# (a header found through amdgpu/../include is named by its lexical path, as the update's;
	# a preprocessing that fails is not kept)
	if (cd "$TRIAGE_SHADOW" && bash -c "$cmd" 2>/dev/null) | tr -d "\\\\" | tr ' ' '\n' |
		awk "$INCLUDES_AWK_NORM"' /\.h$/ { print norm($0) }' >"$tmp"; then
		cat "$tmp"
		mv -f "$tmp" "$kept" 2>/dev/null || rm -f "$tmp"
	else
		cat "$tmp"
		rm -f "$tmp"
	fi
}

# tc_needed_headers PATH - "header<TAB>layout-reason-or-dash" for every changed header of the
# update that the TU of PATH (a .c of the compile database) includes (one awk: the layout
# candidates, the TU's headers, the update's files).
tc_needed_headers() {
	local path=$1 line
	local spelled obj cmd
	line=$(compiledb_line "$path")
	[[ -n $line ]] || return 0
	IFS=$'\t' read -r spelled obj _ cmd <<<"$line"
	awk -F'\t' 'FILENAME == ARGV[1] { if ($2 == "layout" && !($3 in why)) why[$3] = $6; next }
		FILENAME == ARGV[2] { dep[$1] = 1; next }
		$1 ~ /\.h$/ && ($1 in dep) { print $1 "\t" ((($1 in why) && why[$1] != "") ? why[$1] : "-") }' \
		"$TC_OUT/work/all-candidates.tsv" <(tc_gcc_deps "$obj" "$cmd" "$spelled") "$TRIAGE_UPDATE/files"
}

# tc_header_rule SRC - the grouping rule's headers for SRC, a .c whose patched side did not
# compile in the last attempt: of the update's changed headers its TU includes (but those the
# candidate carries already), TC_NEED_LAYOUT ("header (why)": they change a layout, the
# candidate is refused), TC_NEED_GLOBAL (include/, arch/*/include/: named in the reason, never
# carried: it would recompile every TU that includes it) and TC_NEED_LOCAL (carried). A global
# or layout header counts only when its diff names an identifier the compiler's errors quote
# (TC_WORK/idents); a header next to the .c always travels with it.
tc_header_rule() {
	local src=$1 h g why global carried
	local -a needed=() check=()
	local -A named=()
	TC_NEED_LAYOUT=() TC_NEED_GLOBAL=() TC_NEED_LOCAL=()
	mapfile -t needed < <(tc_needed_headers "$src")
	for h in "${needed[@]}"; do
		IFS=$'\t' read -r h why <<<"$h"
		case $h in include/* | arch/*/include/*) check+=("$h") ;; *) [[ $why == - ]] || check+=("$h") ;; esac
	done
	while IFS= read -r h; do
		named[$h]=1
	done < <(tc_diff_mentions "$TC_WORK/idents" "${check[@]}")
	for h in "${needed[@]}"; do
		IFS=$'\t' read -r h why <<<"$h"
		[[ -n $h ]] || continue
		carried=0
		for g in "${TC_FILES[@]}"; do
			[[ $g == "$h" ]] && carried=1
		done
		((!carried)) || continue
		global=0
		case $h in include/* | arch/*/include/*) global=1 ;; esac
		if ((global)) || [[ $why != - ]]; then
			[[ -n ${named[$h]:-} ]] || continue
		fi
		if [[ $why != - ]]; then
			TC_NEED_LAYOUT+=("$h ($why)")
		elif ((global)); then
			TC_NEED_GLOBAL+=("$h")
		else
			TC_NEED_LOCAL+=("$h")
		fi
	done
}

# tc_error_idents LOG - the identifiers the compiler quoted in the patched side's errors
# (‘struct bpf_prog_aux’ has no member named ‘ext_mutex’ -> bpf_prog_aux ext_mutex). C's
# keywords and basic types are left out, the kernel's fixed-size integer types too: gcc quotes
# them in every type it prints ("conflicting types ...; have ‘void(..., u64, ...)’"), and a
# layout header whose diff names u64 (include/linux/key.h) is not the one that error needs
# (btrfs's extent-tree.c, broken by the carried ctree.h, was refused naming key.h).
tc_error_idents() {
	awk '/\(patched\) does not compile:/ { on = 1; next } on && /^  / && /error| note: expected / { print }' "$1" |
		grep -oE "[‘'][^’']+[’']" | tr -d "‘’'" | tr -c 'A-Za-z0-9_\n' '\n' |
		grep -E '^[A-Za-z_][A-Za-z0-9_]{2,}$' |
		grep -vxE 'struct|union|enum|const|unsigned|signed|long|short|char|int|void|bool|static|inline|(__)?[us](8|16|32|64)|__(le|be)(16|32|64)|u?int(8|16|32|64)_t|s?size_t' |
		sort -u || true
}

# tc_diff_mention HEADER IDENTS - does the update's diff of HEADER add or remove a line naming
# one of the identifiers in the file IDENTS?
tc_diff_mention() {
	[[ -s $2 ]] || return 1
	local lines
	lines=$(grep -E '^[-+][^-+]' "$TRIAGE_UPDATE/diffs/$1.diff") || return 1
	grep -qwF -f "$2" <<<"$lines"
}

# tc_diff_mentions IDENTS HEADER... - the HEADERs (one a line) for which tc_diff_mention holds.
# A candidate that does not compile alone includes dozens of changed headers: the same two
# greps run once for all of them, not once per header. The changed lines of every diff,
# concatenated, with their count per diff (-c: one count per file, in order, after the last
# ':'), and the numbers of the lines naming an identifier, each mapped back to its diff. When
# the lines do not add up (grep took a diff for binary data and printed one line for it), each
# header is asked on its own as before.
tc_diff_mentions() {
	local idents=$1 h n line last='' end=0 i=0 lines=$TC_WORK/changed-lines
	local -a hdrs=() files=() ends=() hits=() all=()
	shift
	[[ -s $idents ]] || return 0
	for h in "$@"; do
		[[ -f $TRIAGE_UPDATE/diffs/$h.diff ]] || continue
		hdrs+=("$h")
		files+=("$TRIAGE_UPDATE/diffs/$h.diff")
	done
	((${#files[@]})) || return 0
	while IFS= read -r line; do
		end=$((end + ${line##*:}))
		ends+=("$end")
	done < <(grep -cE '^[-+][^-+]' "${files[@]}" 2>/dev/null || true)
	grep -hE '^[-+][^-+]' "${files[@]}" >"$lines" 2>/dev/null || true
	mapfile -t all <"$lines"
	if ((${#ends[@]} != ${#files[@]} || ${#all[@]} != end)); then
		for h in "${hdrs[@]}"; do
			tc_diff_mention "$h" "$idents" && printf '%s\n' "$h"
		done
		return 0
	fi
	mapfile -t hits < <({ grep -nwF -f "$idents" "$lines" || true; } | cut -d: -f1)
	for n in "${hits[@]}"; do
		while ((i < ${#ends[@]} && n > ends[i])); do
			i=$((i + 1))
		done
		((i < ${#ends[@]})) || break
		[[ $last == "${hdrs[i]}" ]] && continue
		last=${hdrs[i]}
		printf '%s\n' "$last"
	done
}

# tc_failed_sources LOG - the .c files whose patched side did not compile in LOG, by their
# lexical path, the update's (the compile database spells amdgpu_dm.c
# drivers/gpu/drm/amd/amdgpu/../display/amdgpu_dm/amdgpu_dm.c).
tc_failed_sources() {
	sed -n 's/^hotpatch: objects: error: \(.*\.c\) (patched) does not compile:$/\1/p' "$1" |
		awk "$INCLUDES_AWK_NORM"'{ print norm($0) }' | sort -u
}

# tc_is_changed F - does the update change F (a file of the target it modifies, with a diff)?
tc_is_changed() {
	[[ -f $TRIAGE_UPDATE/diffs/$1.diff ]] &&
		awk -F'\t' -v p="$1" '$1 == p && $2 == "modified" { found = 1 } END { exit !found }' "$TRIAGE_UPDATE/files"
}

# tc_is_carried F - does the candidate carry F already?
tc_is_carried() {
	local g
	for g in "${TC_FILES[@]}"; do
		[[ $g == "$1" ]] && return 0
	done
	return 1
}

# tc_carry NOTE FILE... - carry FILEs too (the update's whole diff of each) and build again.
tc_carry() {
	local note=$1 f
	shift
	TC_FILES+=("$@")
	for f in "$@"; do
		cat "$TRIAGE_UPDATE/diffs/$f.diff" >>"$TC_WORK/with-headers.diff"
	done
	tc_compile_first
	tc_attempt "$TC_WORK/with-headers.diff" "$note"
}

# tc_compile_first - TC_WORK/compile-first, hotpatch-build's --compile-first list: the .c files
# of the update that the candidate does not carry and whose changed statements name what its
# carried headers declare in their changed lines (tc_api_callers), the likeliest to break
# under those headers. hotpatch-build compiles those that include them before it looks for
# the headers' other users: in the whole update, psp_v11_0.c's attempt with amdgpu.h & co
# spent 370 s in the header filter before amdgpu_dm.c failed. Only an order: the grouping rule
# judges a file that fails there as it judges any user of the headers that fails.
tc_compile_first() {
	: >"$TC_WORK/compile-first" || hp_die "cannot write $TC_WORK/compile-first"
	[[ " ${TC_FILES[*]} " == *".h "* ]] || return 0
	# made here, where a failure ends the worker, not in the pipeline below
	tc_api_index decls >/dev/null
	tc_api_index uses >/dev/null
	tc_api_callers | cut -f1 | LC_ALL=C sort -u >"$TC_WORK/compile-first" ||
		hp_die "cannot list the callers of the headers ${TC_FILES[*]}"
}

# tc_carry_sources - the grouping rule, applied to every .c that the last attempt could not
# compile (tc_header_rule), until the candidate compiles. The first attempt fails in the
# candidate's .c, whose local headers are carried. A carried header then breaks other .c files
# of its users: a fix that changes a function's signature in a local header changes its
# callers in other .c files too (l2tp_session_set_header_len: l2tp_core.h, l2tp_core.c,
# l2tp_netlink.c, l2tp_ppp.c). Each broken .c that the update changes is carried (its whole
# diff), with the local headers it needs from the update (amdgpu_dm.c, broken by amdgpu_dm.h,
# needs amdgpu_dm_hdcp.h); one the update leaves alone only with those headers. It ends when
# the candidate compiles, when a broken .c needs a layout header (refused, naming it) or a
# global one (named in the reason: every attempt's failure names the global headers its errors
# point at), when a broken .c the update does not change has nothing more to carry, when a
# carried .c fails again with nothing more to carry, or when TC_MAX_SOURCES .c files would be
# carried. Every user of the carried headers is compiled in each attempt, so a caller the
# update leaves alone cannot be missed.
tc_carry_sources() {
	local f h n broken with
	local -a failed add hdrs
	local -A more
	tc_shadow
	tc_error_idents "$TC_WORK/last.log" >"$TC_WORK/idents"
	mapfile -t failed < <(tc_failed_sources "$TC_WORK/last.log")
	add=() hdrs=() more=()
	for f in "${failed[@]}"; do
		# the subject of the reason: the candidate's .c, one it carries, or one it breaks
		broken=''
		if [[ $f != "$TC_PATH" ]]; then
			broken="the carried changes break $f, which "
			! tc_is_carried "$f" || broken="the carried $f "
		fi
		tc_header_rule "$f"
		if ((${#TC_NEED_LAYOUT[@]})); then
			TC_OUTCOME=refused
			TC_REASON="${broken}does not compile without ${TC_NEED_LAYOUT[*]}"
			return 1
		fi
		if ((${#TC_NEED_GLOBAL[@]})); then
			TC_REASON+="; ${broken}needs the update's change of ${TC_NEED_GLOBAL[*]}: a global header is not carried with a .c (it would recompile every TU that includes it)"
			return 1
		fi
		for h in "${TC_NEED_LOCAL[@]}"; do
			[[ -n ${more[$h]:-} ]] || hdrs+=("$h")
			more[$h]=1
		done
		if tc_is_carried "$f"; then
			continue
		elif tc_is_changed "$f"; then
			add+=("$f")
		elif ((!${#TC_NEED_LOCAL[@]})); then
			TC_REASON+="; the carried changes break $f, which the update does not change"
			return 1
		fi
	done
	((${#add[@]} + ${#hdrs[@]})) || return 1
	n=0
	for f in "${TC_FILES[@]}" "${add[@]}"; do
		[[ $f == *.c ]] && n=$((n + 1))
	done
	if ((n > TC_MAX_SOURCES)); then
		TC_REASON+="; needs the update's changes of ${add[*]} too: more than $TC_MAX_SOURCES .c files, not carried"
		return 1
	fi
	if ((${#failed[@]} == 1)) && [[ ${failed[0]} == "$TC_PATH" ]]; then
		tc_carry "$TC_PATH alone does not compile; again with ${hdrs[*]}" "${hdrs[@]}"
	elif ((${#add[@]})); then
		with=''
		((!${#hdrs[@]})) || with=" and the headers they need, ${hdrs[*]}"
		tc_carry "the carried changes break ${add[*]}, which the update changes too; again with them$with" "${add[@]}" "${hdrs[@]}"
	else
		tc_carry "the carried changes break ${failed[*]}, which need the update's ${hdrs[*]}; again with them" "${hdrs[@]}"
	fi
}

# tc_missing_symbols LOG - the globals the patched code refers to that neither the target nor
# the patch defines, from hotpatch-build's own message (build/diff.sh, diff_missing).
tc_missing_symbols() {
	sed -n 's/^hotpatch: [a-z-]*: refused: .* refers to \([A-Za-z_][A-Za-z0-9_.]*\), which neither .* nor any object of this patch defines: .*/\1/p' "$1" |
		LC_ALL=C sort -u
}

# tc_defining_sources NAME - "path<TAB>kind" of each .c of the update whose change adds a
# file-scope definition of NAME: an added line that starts at column 0 with no storage class
# that hides it from other objects (static) or makes it a declaration (extern, a prototype's
# ";"), then NAME and "(", "[", "=", ";" or the line's end (the type on the line before).
tc_defining_sources() {
	awk -F'\t' -v name="$1" -v diffs="$TRIAGE_UPDATE/diffs" '
	$1 ~ /\.c$/ {
		d = diffs "/" $1 ".diff"
		found = 0
		while ((getline l < d) > 0) {
			if (l !~ /^\+[A-Za-z_]/ || l ~ /^\+(static|extern|typedef)[ \t]/)
				continue
			l = substr(l, 2)
			if (!match(l, "(^|[ \t*])" name "[ \t]*([(\\[=;]|$)"))
				continue
			if (substr(l, RSTART + RLENGTH - 1, 1) == "(" && l ~ /\)[ \t]*;[ \t]*$/)
				continue
			found = 1
			break
		}
		close(d)
		if (found)
			print $1 "\t" $2
	}' "$TRIAGE_UPDATE/files"
}

# tc_carry_definitions - the patched code refers to a global that the running kernel lacks and
# the patch does not define (hotpatch-build refused it): kfd_chardev.c calls
# kfd_topology_get_num_devices(), which the update adds in kfd_topology.c. A live patch of the
# caller alone would call nothing: the .c whose change defines it is carried (its whole diff)
# and the candidate built again, when the update changes that file; otherwise the symbol is
# named in the reason. Status 0 when it built again.
tc_carry_definitions() {
	local sym path kind n f carried other
	local -a missing add=() defs
	mapfile -t missing < <(tc_missing_symbols "$TC_WORK/last.log")
	((${#missing[@]})) || return 1
	for sym in "${missing[@]}"; do
		mapfile -t defs < <(tc_defining_sources "$sym")
		f='' carried='' other=''
		for path in "${defs[@]}"; do
			IFS=$'\t' read -r path kind <<<"$path"
			if [[ $kind != modified ]]; then
				other+="${other:+, }$path ($kind)"
			elif tc_is_carried "$path"; then
				carried+="${carried:+, }$path"
			elif [[ -z $f ]]; then
				f=$path
			fi
		done
		if [[ -n $f ]]; then
			# two symbols of one file: its diff once
			[[ " ${add[*]} " == *" $f "* ]] || add+=("$f")
			continue
		fi
		if [[ -n $carried ]]; then
			TC_REASON+="; the patch needs $sym, which the carried $carried defines but its module still lacks"
		elif [[ -n $other ]]; then
			TC_REASON+="; the patch needs $sym, which the running kernel lacks and only $other defines: not carried"
		else
			TC_REASON+="; the patch needs $sym, which the running kernel lacks and no .c the update changes defines"
		fi
		return 1
	done
	n=0
	for f in "${TC_FILES[@]}" "${add[@]}"; do
		[[ $f == *.c ]] && n=$((n + 1))
	done
	if ((n > TC_MAX_SOURCES)); then
		TC_REASON+="; needs the update's changes of ${add[*]} too (they define ${missing[*]}): more than $TC_MAX_SOURCES .c files, not carried"
		return 1
	fi
	tc_carry "the patch refers to ${missing[*]}, which the running kernel lacks and the update adds in ${add[*]}; again with them" "${add[@]}"
}

# tc_api_awk PART - the awk program of the "uses what a changed header declares" rule, in two
# parts that share its notion of a changed statement: "decls", the names each header of the
# update declares in its changed lines (once per update, tc_api_index), and "fix", the names
# the changed statements of .c diffs name (every candidate's own, and the update's .c files).
# Comments (followed across the lines of a hunk, on each side) and string and character
# literals do not count; C's keywords and basic type names are left out, nothing else: a name
# this misses is a fix built against the old declaration.
tc_api_awk() {
	local common part main
	IFS= read -r -d '' common <<'EOF' || true
# code(L, S) - the code of line L outside comments, S the side ("o" old, "n" new), whose state
# (inside a comment or not) it follows
function code(l, s,   out, i, j) {
	gsub(/"([^"\\]|\\.)*"/, " ", l)
	gsub(q "([^" q "\\\\]|\\\\.)*" q, " ", l)
	out = ""
	while (l != "") {
		if (incom[s]) {
			i = index(l, "*/")
			if (!i)
				return out
			l = substr(l, i + 2)
			incom[s] = 0
			out = out " "
			continue
		}
		i = index(l, "/*")
		j = index(l, "//")
		if (j && (!i || j < i))
			return out substr(l, 1, j - 1)
		if (!i)
			return out l
		out = out substr(l, 1, i - 1) " "
		l = substr(l, i + 2)
		incom[s] = 1
	}
	return out
}
function keywords(   n, k, i) {
	n = split("auto break case char const continue default do double else enum extern float " \
		"for goto if inline int long register restrict return short signed sizeof static " \
		"struct switch typedef union unsigned void volatile while bool true false NULL", k, " ")
	for (i = 1; i <= n; i++)
		keyword[k[i]] = 1
}
EOF
	case $1 in
	fix | uses)
		IFS= read -r -d '' part <<'EOF' || true
# ends(T) - does code T end a statement (or a preprocessor line, or is it blank)?
function ends(t) {
	return t ~ /[;{}][ \t]*$/ || t ~ /^[ \t]*#/ || t ~ /^[ \t]*$/
}
# take(T) - T's identifiers, into fix[]; those it reaches as members (after "." or "->") into
# member[] too
function take(t,   w, before) {
	while (match(t, /[A-Za-z_][A-Za-z0-9_]*/)) {
		w = substr(t, RSTART, RLENGTH)
		before = substr(t, 1, RSTART - 1)
		t = substr(t, RSTART + RLENGTH)
		if (length(w) < 2 || (w in keyword))
			continue
		fix[w] = 1
		if (before ~ /(\.|->)[ \t]*$/)
			member[w] = 1
	}
}
# fixed(D) - every identifier of the .c diff D's changed lines, each with the rest of its
# statement (the unchanged lines before it since the last statement's end, at most 8, and after
# it up to the statement's end: a call whose argument changes names the function on the line
# before, kfd_chardev.c), into fix[]
function fixed(d,   l, c, t, hunk, pend, np, open) {
	hunk = 0
	while ((getline l < d) > 0) {
		if (l ~ /^@@/) {
			hunk = 1
			incom["o"] = incom["n"] = 0
			pend = ""
			np = open = 0
			continue
		}
		c = substr(l, 1, 1)
		if (!hunk || (c != " " && c != "-" && c != "+"))
			continue
		if (c == " ") {
			code(substr(l, 2), "o")
			t = code(substr(l, 2), "n")
			if (open)
				take(t)
			if (ends(t)) {
				pend = ""
				np = open = 0
			} else if (!open && np++ < 8) {
				pend = pend " " t
			}
			continue
		}
		t = code(substr(l, 2), c == "-" ? "o" : "n")
		take(pend " " t)
		pend = ""
		np = 0
		open = !ends(t)
	}
	close(d)
}
# counts(W, TAG) - does a header's record of W (a member of struct TAG when TAG is not empty)
# count for the fix in fix[] and member[]? "dev" of a struct the header changes is not the
# fix's local "dev": a member counts when the fix names it as one and names its struct too.
function counts(w, tag) {
	return (w in fix) && (tag == "" || ((tag in fix) && (w in member)))
}
EOF
		IFS= read -r -d '' main <<'EOF' || true
BEGIN {
	keywords()
}
# every modified .c of the update: "path<TAB>name<TAB>member"
$1 ~ /\.c$/ && $2 == "modified" {
	delete fix
	delete member
	fixed(diffs "/" $1 ".diff")
	for (w in fix)
		print $1 "\t" w "\t" ((w in member) ? 1 : 0)
}
EOF
		[[ $1 == fix ]] || part+=$main
		;;
	decls)
		IFS= read -r -d '' part <<'EOF' || true
# record(W, TAG) - header h declares W in a changed line (a member of struct TAG when TAG is
# not empty): one line "h<TAB>W<TAB>TAG", in the order of its diff, each once
function record(w, tag) {
	if (length(w) < 2 || (w in keyword) || ((h, w, tag) in seen))
		return
	seen[h, w, tag] = 1
	print h "\t" w "\t" tag
}
# lastdecl(T, TAG) - the declarator of the declaration T: its last identifier outside
# parentheses before ";", "[", "=", ":", "," or "{" (a variable, a typedef's name; a member of
# struct TAG when TAG is not empty)
function lastdecl(t, tag,   m) {
	while (gsub(/\([^()]*\)/, " ", t))
		;
	sub(/[;=\[:,{].*$/, "", t)
	if (match(t, /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/)) {
		m = substr(t, RSTART, RLENGTH)
		sub(/[ \t]+$/, "", m)
		record(m, tag)
	}
}
# load(F) - file F into line[F, 1..nl[F]], once
function load(f,   t) {
	if (f in nl)
		return
	nl[f] = 0
	while ((getline t < f) > 0)
		line[f, ++nl[f]] = t
	close(f)
}
# has(F, W) - does file F name W anywhere?
function has(f, w,   i, re) {
	if ((f, w) in hascache)
		return hascache[f, w]
	load(f)
	re = "(^|[^A-Za-z0-9_])" w "([^A-Za-z0-9_]|$)"
	for (i = 1; i <= nl[f]; i++)
		if (line[f, i] ~ re)
			return hascache[f, w] = 1
	return hascache[f, w] = 0
}
# declared(F, O, L, T) - the names that line L of header F (one side of the update; O the other
# side's file), a changed line whose code is T, belongs to the declaration of. Its top-level
# construct starts at the last line at or above L that starts with a letter or "#" (not a
# comment's or a body's line, not a label). A macro: its name. A struct, union or enum: its tag
# and the member (or constant) that line L declares (a member counts only when the fix names the
# tag too: "id" of any struct is not the fix's "->id"). A function (a prototype, a static
# inline's head or body) or a variable: the name before its first "(", and its declarator. A
# construct whose first line the update adds or removes and whose name the other side lacks is
# new (or gone): a fix that compiles alone cannot use it.
function declared(f, o, L, t,   s, head, key, i, kind, m) {
	load(f)
	for (s = L; s > 1 && (line[f, s] !~ /^[A-Za-z_#]/ || line[f, s] ~ /^[A-Za-z_][A-Za-z0-9_]*:([^:]|$)/); s--)
		;
	head = line[f, s]
	key = ""
	if (match(head, /^#[ \t]*define[ \t]+[A-Za-z_][A-Za-z0-9_]*/)) {
		key = substr(head, RSTART, RLENGTH)
		sub(/^#[ \t]*define[ \t]+/, "", key)
		kind = "macro"
	} else if (head ~ /^#/) {
		return
	} else if (head ~ /^(typedef[ \t]+)?(struct|union|enum)([ \t]+[A-Za-z_][A-Za-z0-9_]*)?[ \t]*\{/) {
		m = head
		sub(/^(typedef[ \t]+)?(struct|union|enum)[ \t]*/, "", m)
		if (match(m, /^[A-Za-z_][A-Za-z0-9_]*/))
			key = substr(m, RSTART, RLENGTH)
		kind = head ~ /enum/ ? "enum" : "struct"
	} else {
		# the declaration's head: its lines up to the first that ends it, at most 12
		m = ""
		for (i = s; i <= nl[f] && i < s + 12; i++) {
			m = m " " line[f, i]
			if (line[f, i] ~ /[;{][ \t]*$/ || line[f, i] ~ /\)[ \t]*$/ && line[f, i + 1] ~ /^\{/)
				break
		}
		m = code(m, "d")
		incom["d"] = 0
		if (match(m, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
			key = substr(m, RSTART, RLENGTH)
			sub(/[ \t]*\($/, "", key)
		}
		kind = "decl"
	}
	if (((f, s) in edited) && (key == "" || !has(o, key)))
		return
	if (key != "")
		record(key, "")
	if (kind == "decl") {
		lastdecl(m, "")
	} else if (L != s && kind == "enum" && match(t, /^[ \t]*[A-Za-z_][A-Za-z0-9_]*/)) {
		m = substr(t, RSTART, RLENGTH)
		gsub(/[ \t]/, "", m)
		record(m, "")
	} else if (L != s && kind == "struct" && key != "") {
		lastdecl(t, key)
	}
}
# header() - the records of what the changed lines of h's diff (not comments) declare
function header(   d, l, c, ol, nn, a, t, from, to) {
	d = diffs "/" h ".diff"
	from = root "/from/" h
	to = root "/to/" h
	ol = ""
	while ((getline l < d) > 0) {
		if (l ~ /^@@/) {
			split(l, a, /[-+, ]+/)
			ol = a[2]
			nn = l
			sub(/^@@ -[0-9,]+ \+/, "", nn)
			sub(/[^0-9].*$/, "", nn)
			incom["o"] = incom["n"] = 0
			continue
		}
		c = substr(l, 1, 1)
		if (ol == "" || (c != " " && c != "-" && c != "+"))
			continue
		if (c == " ") {
			code(substr(l, 2), "o")
			code(substr(l, 2), "n")
			ol++
			nn++
			continue
		}
		t = code(substr(l, 2), c == "-" ? "o" : "n")
		if (c == "-") {
			edited[from, ol] = 1
			if (t !~ /^[ \t]*$/)
				declared(from, to, ol, t)
			ol++
		} else {
			edited[to, nn] = 1
			if (t !~ /^[ \t]*$/)
				declared(to, from, nn, t)
			nn++
		}
	}
	close(d)
}
BEGIN {
	keywords()
}
$1 ~ /\.h$/ && $2 == "modified" {
	h = $1
	header()
}
EOF
		;;
	*) return 1 ;;
	esac
	printf '%s%s' "$common" "$part"
}

# tc_api_index WHAT - the path of UPDATE/api-KEY.WHAT, made once per update by the first
# candidate that needs it: "decls" ("header<TAB>name<TAB>struct" of tc_api_awk decls, every
# header of the update), "uses" ("path<TAB>name<TAB>member" of tc_api_awk uses, every modified
# .c of the update; member 1 when its changed statements name it after "." or "->"). Both
# depend on the update alone; the decls read every changed header (1.1 s for 6.1.190-1 ->
# 6.1.192-1, which every built candidate paid before), the uses every .c diff (0.4 s). KEY
# hashes the programs and the update's file list (as the plan's); written by rename, so
# parallel candidates (-j) that both make it write the same bytes, and a reader sees a whole
# file or none; an update directory this user cannot write keeps it in the candidate's work
# directory. A use marks it used, and a candidate that wrote one removes the indexes (of other
# versions of these programs) nobody used for 8 days (build/triage-input.sh: a file pruned
# before the refresh is made again here).
tc_api_index() {
	local what=$1 key f tmp prog kept=1
	key=$({
		tc_api_awk decls
		tc_api_awk uses
		sha256sum <"$TRIAGE_UPDATE/files"
	} | sha256sum) || hp_die "cannot hash the update $TRIAGE_UPDATE"
	f=$TRIAGE_UPDATE/api-${key:0:16}.$what
	if ! triage_update_use "$TRIAGE_UPDATE" "$f"; then
		tmp=$(mktemp "$TRIAGE_UPDATE/.tmp.api.XXXXXX" 2>/dev/null) || {
			f=$TC_WORK/api-${key:0:16}.$what
			tmp=$f.tmp
			kept=0
		}
		case $what in
		decls)
			prog=$(tc_api_awk decls)
			awk -F'\t' -v q="'" -v root="$TRIAGE_UPDATE" -v diffs="$TRIAGE_UPDATE/diffs" "$prog" "$TRIAGE_UPDATE/files" >"$tmp"
			;;
		uses)
			prog=$(tc_api_awk uses)
			awk -F'\t' -v q="'" -v diffs="$TRIAGE_UPDATE/diffs" "$prog" "$TRIAGE_UPDATE/files" >"$tmp"
			;;
		*) false ;;
		esac || {
			rm -f "$tmp"
			hp_die "cannot read the $what of the update $TRIAGE_UPDATE"
		}
		chmod 644 "$tmp" || hp_die "cannot make $tmp readable"
		mv -f "$tmp" "$f" || hp_die "cannot rename $tmp"
		((!kept)) || triage_update_prune "$TRIAGE_UPDATE" "$f"
	fi
	printf '%s\n' "$f"
}

# tc_api_headers - "header<TAB>identifier" for each header of the update (modified, not carried
# yet) whose diff's changed lines declare an identifier that the changed statements of the
# candidate's .c diffs name too (tc_api_awk): the fix may use what that header's change declares
# (a function's new prototype, a macro, a type, a member), and built against the old header it
# would use the running kernel's old one (kfd_chardev.c passes an 8-byte stack slot to
# amdgpu_amdkfd_get_dmabuf_info, whose new prototype in amdgpu_amdkfd.h says so; its old one
# copies up to a size the user gives into it). The longest such identifier is named. Text only:
# the candidate's diffs, matched against the update's decls (tc_api_index); whether the
# candidate's TUs include the header is asked after it.
tc_api_headers() {
	local f decls
	local -a cdiffs=()
	for f in "${TC_FILES[@]}"; do
		[[ $f == *.c ]] && cdiffs+=("$TRIAGE_UPDATE/diffs/$f.diff")
	done
	((${#cdiffs[@]})) || return 0
	decls=$(tc_api_index decls)
	awk -F'\t' -v q="'" -v carried="${TC_FILES[*]}" "$(tc_api_awk fix)"'
	BEGIN {
		keywords()
		n = split(carried, k, " ")
		for (i = 1; i <= n; i++)
			have[k[i]] = 1
		for (i = 1; i < ARGC - 1; i++) {
			fixed(ARGV[i])
			delete ARGV[i]
		}
	}
	!($1 in have) && counts($2, $3) {
		if (!($1 in best))
			order[++nh] = $1
		if (length($2) > length(best[$1]))
			best[$1] = $2
	}
	END {
		for (i = 1; i <= nh; i++)
			print order[i] "\t" best[order[i]]
	}' "${cdiffs[@]}" "$decls"
}

# tc_api_callers - "path<TAB>header<TAB>identifier" for each .c of the update (modified, not
# carried) whose changed statements name an identifier that the changed lines of a header the
# candidate carries declare (tc_api_awk, the same notion as tc_api_headers'; the longest per
# .c and header): the other direction of that rule. The update changed that .c's use of the
# declaration together with the declaration (kfd_chardev.c's call of
# amdgpu_amdkfd_get_dmabuf_info, whose prototype amdgpu_amdkfd.h changes and amdgpu_amdkfd.c's
# definition with it; server.c's call of ksmbd_init_smb_server, smb_common.h and smb_common.c).
# Text only; whether the .c's TU includes the header is asked after it.
tc_api_callers() {
	local f decls uses
	local -a hdrs=()
	for f in "${TC_FILES[@]}"; do
		[[ $f == *.h ]] && hdrs+=("$f")
	done
	((${#hdrs[@]})) || return 0
	decls=$(tc_api_index decls)
	uses=$(tc_api_index uses)
	awk -F'\t' -v q="'" -v carried="${TC_FILES[*]}" "$(tc_api_awk fix)"'
	# flush() - the records of the carried headers that the .c "cur" names, in fix[] and
	# member[]: its longest per header
	function flush(   i, nh, order) {
		for (i = 1; i <= nr && cur != "" && !(cur in have); i++) {
			if (!counts(rw[i], rt[i]))
				continue
			if (!(rh[i] in best))
				order[++nh] = rh[i]
			if (length(rw[i]) > length(best[rh[i]]))
				best[rh[i]] = rw[i]
		}
		for (i = 1; i <= nh; i++)
			print cur "\t" order[i] "\t" best[order[i]]
		delete best
		delete fix
		delete member
	}
	BEGIN {
		n = split(carried, k, " ")
		for (i = 1; i <= n; i++)
			have[k[i]] = 1
	}
	FILENAME == ARGV[1] {
		if ($1 in have) {
			nr++
			rh[nr] = $1
			rw[nr] = $2
			rt[nr] = $3
		}
		next
	}
	!nr { exit }
	$1 != cur {
		flush()
		cur = $1
	}
	{
		fix[$2] = 1
		if ($3)
			member[$2] = 1
	}
	END { flush() }' "$decls" "$uses"
}

# tc_api_check - the grouping rule's last word on a candidate that built: a changed header its
# TUs include (tc_needed_headers, gcc -M in the updated tree: asked only for the headers
# tc_api_headers names, so a candidate whose changes name nothing a header changes pays
# nothing) whose change names an identifier the fix's changed lines use travels with it. A
# local one is carried and the candidate built again (tc_close then carries the .c files it
# breaks); a global one (include/, arch/*/include/: it would recompile every TU that includes
# it) or one that changes a layout refuses the candidate, naming the header and the identifier.
# When no header is wanted, the other direction (tc_api_users). Status 0 when it built again.
tc_api_check() {
	tc_api_declared && return 0
	[[ $TC_OUTCOME == built ]] || return 1
	tc_api_users
}

# tc_api_declared - tc_api_check's first direction: the headers whose changed declarations the
# candidate's changed statements use. Status 0 when it built again.
tc_api_declared() {
	local f h w why line
	local -a api local=()
	local -A want=() inc=() lay=()
	# made here, where a failure ends the worker, not in the process substitution below, where
	# it would read as "no header"
	tc_api_index decls >/dev/null
	mapfile -t api < <(tc_api_headers)
	((${#api[@]})) || return 1
	for line in "${api[@]}"; do
		IFS=$'\t' read -r h w <<<"$line"
		want[$h]=$w
	done
	tc_shadow
	for f in "${TC_FILES[@]}"; do
		[[ $f == *.c ]] || continue
		while IFS=$'\t' read -r h why; do
			[[ -n ${want[$h]:-} ]] || continue
			inc[$h]=1
			[[ $why == - ]] || lay[$h]=$why
		done < <(tc_needed_headers "$f")
	done
	for line in "${api[@]}"; do
		IFS=$'\t' read -r h w <<<"$line"
		[[ -n ${inc[$h]:-} ]] || continue
		why="uses $w, whose declaration the update changes in $h; built without $h the fix would use the running kernel's old one"
		if [[ -n ${lay[$h]:-} ]]; then
			TC_OUTCOME=refused
			TC_REASON="$why, and $h changes a layout (${lay[$h]})"
			return 1
		fi
		case $h in
		include/* | arch/*/include/*)
			TC_OUTCOME=refused
			TC_REASON="$why; a global header is not carried with a .c (it would recompile every TU that includes it)"
			return 1
			;;
		esac
		local+=("$h")
	done
	((${#local[@]})) || return 1
	tc_carry "$TC_PATH $(tc_api_note "${api[@]}"); again with ${local[*]}" "${local[@]}"
}

# tc_api_users - the other direction: a header the candidate carries changes a declaration
# (tc_api_callers) whose use the update changes in another .c whose TU includes that header
# (tc_needed_headers). Every TU that includes a carried header is compiled against it, but from
# its old source: a caller whose old statements compile against the new declaration (a
# void * that becomes void **, kfd_chardev.c; a pointer to another struct, which gcc only warns
# about, server.c) keeps the running kernel's code, or gets mixed code that the update never
# had, and passes the old meaning to a function the candidate patches (or to a macro, static
# inline or type that now means something else). So whether the candidate patches the function
# does not matter: every .c of the update whose changed statements name what a carried header's
# changed lines declare is carried (its whole diff) and the candidate built again, which takes
# the definition's .c along too (its changed head names the function). More than
# TC_MAX_SOURCES .c files refuse the candidate, naming the header, the name and the .c files.
# Status 0 when it built again.
tc_api_users() {
	local line c h w n f note=''
	local -a users add=() deps
	local -A inc=() seen=()
	[[ " ${TC_FILES[*]} " == *".h "* ]] || return 1
	# made here, where a failure ends the worker, not in the process substitution below, where
	# it would read as "no callers"
	tc_api_index decls >/dev/null
	tc_api_index uses >/dev/null
	mapfile -t users < <(tc_api_callers)
	((${#users[@]})) || return 1
	tc_shadow
	for line in "${users[@]}"; do
		IFS=$'\t' read -r c h w <<<"$line"
		if [[ -z ${inc[$c]+set} ]]; then
			mapfile -t deps < <(tc_needed_headers "$c")
			inc[$c]=" ${deps[*]%%$'\t'*} "
		fi
		# another driver's name alike, or a .c this configuration does not build
		[[ ${inc[$c]} == *" $h "* ]] || continue
		[[ -n ${seen[$c]:-} ]] || add+=("$c")
		seen[$c]=1
		note+="${note:+, }$w ($h) in $c"
	done
	((${#add[@]})) || return 1
	n=0
	for f in "${TC_FILES[@]}" "${add[@]}"; do
		[[ $f == *.c ]] && n=$((n + 1))
	done
	if ((n > TC_MAX_SOURCES)); then
		TC_OUTCOME=refused
		TC_REASON="the carried headers change declarations whose use the update changes in other .c files too: $note; with them more than $TC_MAX_SOURCES .c files, not carried; built without them, those callers would stay the running kernel's code and use the new declarations with the old meaning"
		return 1
	fi
	tc_carry "the carried headers change declarations whose use the update changes in other .c files too: $note; again with ${add[*]}" "${add[@]}"
}

# tc_api_note LINE... - "uses W1 (H1), W2 (H2)" of tc_api_headers' lines, for the log.
tc_api_note() {
	local line h w out=''
	for line in "$@"; do
		IFS=$'\t' read -r h w <<<"$line"
		out+="${out:+, }$w ($h)"
	done
	printf 'uses what the update changes in the headers it includes: %s' "$out"
}

# tc_close - after the first attempt, the grouping rule's carries (tc_carry_sources for what
# does not compile, tc_carry_definitions for what it calls that only the update defines, and
# tc_api_check for a built one that uses what a changed header declares, or carries a header
# whose changed declarations other .c files of the update use), one attempt each,
# until the candidate builds with nothing more to carry, or something ends it.
tc_close() {
	while :; do
		case $TC_OUTCOME in
		does-not-compile) tc_carry_sources || return 0 ;;
		refused) tc_carry_definitions || return 0 ;;
		built) tc_api_check || return 0 ;;
		*) return 0 ;;
		esac
	done
}

# tc_attempt PATCH [NOTE] - one more hotpatch-build of the candidate, on PATCH: NOTE ("# triage:
# NOTE") and its messages appended to the candidate's log (OUT/logs/ID.log.tmp), its outcome
# classified (tc_classify). Ctrl-C or TERM of the build ends the worker without a row.
tc_attempt() {
	local rc=0 log=$TC_OUT/logs/$TC_ID.log.tmp
	[[ -z ${2:-} ]] || printf '\n# triage: %s\n' "$2" >>"$log"
	TC_ATTEMPTS=$((TC_ATTEMPTS + 1))
	tc_build "$1" "$TC_WORK/last.log" || rc=$?
	((rc != 130 && rc != 143)) || exit 130
	cat "$TC_WORK/last.log" >>"$log"
	tc_classify "$rc" "$TC_WORK/last.log"
}

# tc_build PATCH LOG - hotpatch-build on PATCH, module named TC_ID, into TC_WORK/out; status.
tc_build() {
	local patch=$1 log=$2 args=(-k "$HP_RELEASE" --cache "$HP_CACHE_ROOT" -j "${TRIAGE_BUILD_JOBS:-1}"
		-n "$TC_ID" -o "$TC_WORK/out")
	[[ -n ${TRIAGE_SIGN_KEY:-} ]] && args+=(--sign-key "$TRIAGE_SIGN_KEY" --sign-cert "$TRIAGE_SIGN_CERT")
	[[ ${TRIAGE_DEFER_MODULES:-0} == 1 ]] && args+=(--defer-module "$TC_WORK/defer")
	[[ -s $TC_WORK/compile-first ]] && args+=(--compile-first "$TC_WORK/compile-first")
	rm -rf "$TC_WORK/out" "$TC_WORK/defer"
	"$TRIAGE_BUILD" "${args[@]}" "$patch" >"$log" 2>&1 </dev/null
}

# tc_classify RC LOG - sets TC_OUTCOME, TC_STAGE, TC_OBJECT, TC_REASON.
tc_classify() {
	local rc=$1 log=$2 line
	TC_STAGE='' TC_OBJECT='' TC_REASON=''
	case $rc in
	0) TC_OUTCOME=built ;;
	2)
		TC_OUTCOME=refused
		# the differ's distinct messages, at most five (one awk: a reader that stops early in
		# a pipeline would kill its writer with SIGPIPE)
		TC_REASON=$(awk '{ m = "" }
			/^  hotpatch-diff: error: / { m = substr($0, 25) }
			/^hotpatch: [a-z-]*: refused: / { m = $0; sub(/^hotpatch: [a-z-]*: refused: /, "", m) }
			m == "" || m ~ /the patch cannot be applied live safely/ || (m in seen) { next }
			{ seen[m] = 1; if (n < 5) printf "%s%s", (n++ ? "; " : ""), m }' "$log")
		[[ -n $TC_REASON ]] || TC_REASON=$(grep -m1 'refused' "$log" || echo refused)
		;;
	3)
		TC_OUTCOME=no-change
		TC_REASON=$(sed -n 's/^hotpatch: [a-z-]*: no change: //p' "$log" | tail -n1)
		;;
	*)
		line=$(grep -E '^hotpatch: [a-z-]+: error: ' "$log" | tail -n1 || true)
		if grep -q '^hotpatch: objects: error: .* (patched) does not compile:' "$log" &&
			! grep -q '^hotpatch: objects: error: .* (orig) does not compile:' "$log"; then
			TC_OUTCOME=does-not-compile
			TC_REASON=$(awk '/\(patched\) does not compile:/ { on = 1; next } on && /^  / && /error/ { sub(/^  /, ""); print; exit }' "$log")
			[[ -n $TC_REASON ]] || TC_REASON=$(grep -m1 'does not compile' "$log")
			return 0
		fi
		TC_OUTCOME=tool-error
		if [[ -n $line ]]; then
			TC_STAGE=${line#hotpatch: }
			TC_STAGE=${TC_STAGE%%:*}
			TC_REASON=${line#hotpatch: *: error: }
			# "command failed: <tool> ...": the tool's own first message says more
			if [[ $TC_REASON == "command failed"* || $TC_REASON == *" failed on "* ]]; then
				line=$(grep -m1 -E '^ *hotpatch-[a-z]+: error: ' "$log" || true)
				[[ -z $line ]] || TC_REASON=${line#"${line%%[! ]*}"}
			fi
			# the object: the candidate's when the message names it, else the first tree path of
			# an object it names ("fs/x.o: ..."; scratch paths under / do not count)
			if [[ $TC_REASON != *"$TC_OBJ"* && $TC_REASON =~ (^|[[:space:]])([A-Za-z0-9_][A-Za-z0-9_./-]*\.(o|ko))([:[:space:]]|$) ]]; then
				TC_OBJECT=${BASH_REMATCH[2]}
			fi
		elif ((rc >= 128)); then
			TC_STAGE=killed
			TC_REASON="hotpatch-build was killed by signal $((rc - 128))"
		else
			TC_STAGE=unknown
			TC_REASON="hotpatch-build exited $rc without an error line; last line: $(tail -n1 "$log")"
		fi
		[[ -n $TC_OBJECT ]] || TC_OBJECT=$TC_OBJ
		;;
	esac
}

# tc_publish SRC DST - rename SRC into place as DST.
tc_publish() {
	mv -f "$1" "$2" || hp_die "cannot rename $1 to $2"
}

# tc_row - the result row (JSON) on stdout.
tc_row() {
	local facts=/dev/null stages='{}' ko=''
	# the module's facts only for a built row (an empty file slurps as [])
	[[ $TC_OUTCOME == built && -f $TC_WORK/out/$TC_ID.json ]] && facts=$TC_WORK/out/$TC_ID.json
	[[ $TC_OUTCOME != built ]] || ko=modules/$TC_ID.ko
	# seconds per stage of the last attempt, from hotpatch-build's "stage NAME  S.Ss" lines (a
	# stage that ran twice summed: compile)
	if [[ -f $TC_WORK/last.log ]]; then
		stages=$(awk '/^hotpatch: stage / { if (!($3 in t)) o[n++] = $3; t[$3] += $4 }
			END { printf "{"; for (i = 0; i < n; i++) printf "%s\"%s\":%s", (i ? "," : ""), o[i], t[o[i]] + 0; printf "}" }' "$TC_WORK/last.log")
	fi
	# the fixes of the candidate's own file and of those it carries, from one read of the
	# update's file list (the first line of a path, as the row always took it)
	jq -n --arg id "$TC_ID" --arg kind "$TC_KIND" --arg path "$TC_PATH" \
		--arg object "$TC_OBJ" --arg target "$TC_TARGET" \
		--rawfile ufixes <(awk -F'\t' 'NR == FNR { want[$0] = 1; next } ($1 in want) && !seen[$1]++ { print $1 "\t" $3 }' \
			<(printf '%s\n' "$TC_PATH" "${TC_FILES[@]}") "$TRIAGE_UPDATE/files") \
		--arg outcome "$TC_OUTCOME" --arg reason "$TC_REASON" \
		--arg stage "$TC_STAGE" --arg eobject "$TC_OBJECT" \
		--argjson attempts "$TC_ATTEMPTS" --argjson time "$TC_TIME" \
		--argjson stages "$stages" --arg key "$TC_KEY" \
		--arg ko "$ko" --slurpfile facts "$facts" \
		'($facts[0] // null) as $f |
		def subjects: if . == null or . == "-" or . == "" then [] else split(" | ") end;
		([$ufixes | split("\n")[] | select(. != "") | split("\t") | { key: .[0], value: .[1] }] | from_entries) as $fx |
		($fx[$path] // "") as $fixes |
		{ id: $id, kind: $kind, path: $path, object: (if $object == "-" then null else $object end),
		  target: (if $target == "-" then null else $target end), files: $ARGS.positional,
		  fixes: ($fixes | subjects),
		  carried_fixes: [$ARGS.positional[1:][] | { file: ., fixes: ($fx[.] | subjects) }],
		  outcome: $outcome, reason: (if $reason == "" then null else $reason end),
		  error: (if $outcome == "tool-error" then { stage: $stage, object: $eobject, message: $reason } else null end),
		  changed_functions: (if $f then [$f.objects[] | .object as $o | .functions[] | "\($o):\(.name)"] else [] end),
		  new_functions: (if $f then [$f.objects[] | .object as $o | (.new_functions // [])[] | "\($o):\(.name)"] else [] end),
		  objects: (if $f then [$f.objects[] | .object] else [] end),
		  module: (if $f then { path: $ko, size: $f.module.size, sha256: $f.module.sha256 } else null end),
		  time: $time, stages: $stages, attempts: $attempts, key: $key }' --args "${TC_FILES[@]}"
}

# tc_candidate - TC_KIND TC_PATH TC_OBJ TC_TARGET TC_REASON of TC_ID (OUT/candidates.tsv) and
# TC_KEY: what its result holds for, the target, the tool's version, the grouping rule's limit
# (another limit may carry other files, or stop where this one carried) and the change.
# hotpatch-triage's triage_todo computes the same.
tc_candidate() {
	local line
	line=$(awk -F'\t' -v id="$TC_ID" '$1 == id { print; exit }' "$TC_OUT/candidates.tsv")
	[[ -n $line ]] || hp_die "no candidate $TC_ID in $TC_OUT/candidates.tsv"
	IFS=$'\t' read -r _ TC_KIND TC_PATH TC_OBJ TC_TARGET TC_REASON <<<"$line"
	TC_KEY=$(printf '%s\n%s\nmax-sources %s\n%s\n' "$HP_RELEASE" "$TRIAGE_VERSION" "$TC_MAX_SOURCES" \
		"$(<"$TRIAGE_UPDATE/diffs/$TC_PATH.diff")" | sha256sum)
	TC_KEY=${TC_KEY:0:16}
}

tc_main() {
	local t0 patch log
	tc_candidate
	TC_WORK=$TC_OUT/work/c/$TC_ID
	rm -rf "$TC_WORK"
	mkdir -p "$TC_WORK" "$TC_OUT/results" "$TC_OUT/logs" "$TC_OUT/modules" || hp_die "cannot create $TC_WORK"
	# Ctrl-C reaches hotpatch-build too, which cleans up after itself; no row for this one
	trap 'rm -rf "$TC_WORK"; exit 130' INT TERM
	hp_time t0
	TC_FILES=("$TC_PATH")
	TC_ATTEMPTS=0
	TC_STAGE='' TC_OBJECT=''
	log=$TC_OUT/logs/$TC_ID.log
	: >"$log.tmp"
	if [[ $TC_KIND == layout ]]; then
		TC_OUTCOME=refused
	else
		patch=$TRIAGE_UPDATE/diffs/$TC_PATH.diff
		tc_attempt "$patch"
		cat "$patch" >"$TC_WORK/with-headers.diff"
		tc_close
	fi
	hp_elapsed TC_TIME "$t0" 2
	if [[ $TC_OUTCOME == built && -f $TC_WORK/defer/build.env ]]; then
		tc_defer
		return 0
	fi
	tc_result
}

# tc_defer - the module of this candidate is linked later, with others: keep what its row needs
# (TC_WORK/state, the log so far in OUT/logs/ID.log.tmp) and queue it in OUT/work/deferred.
# The state is written last, by rename: with it, the deferral is complete (tc_resume).
tc_defer() {
	declare -p TC_KIND TC_PATH TC_OBJ TC_TARGET TC_FILES TC_ATTEMPTS TC_KEY TC_TIME \
		TRIAGE_SIGN_KEY TRIAGE_SIGN_CERT | hp_atomic_write "$TC_WORK/state"
	# one short line: an append this short is atomic
	printf '%s\n' "$TC_ID" >>"$TC_OUT/work/deferred"
}

# tc_finish - the deferred module stage: hotpatch-build --finish-module (its kbuild already run
# by module_batch, or alone when the batch failed), then the row. The candidate's time is its
# first part, its share of the batch's kbuild and the finish.
tc_finish() {
	local rc=0 t0 share=0 bdir log=$TC_OUT/logs/$TC_ID.log t s e
	TC_WORK=$TC_OUT/work/c/$TC_ID
	[[ -f $TC_WORK/state && -f $TC_WORK/defer/build.env ]] || hp_die "candidate $TC_ID has no deferred module in $TC_WORK"
	# shellcheck source=/dev/null # written by tc_defer
	. "$TC_WORK/state" || hp_die "cannot read $TC_WORK/state"
	trap 'rm -rf "$TC_WORK"; exit 130' INT TERM
	# shellcheck source=/dev/null # written by hotpatch-build --defer-module
	bdir=$(. "$TC_WORK/defer/build.env" && printf '%s\n' "$MODULE_BDIR")
	[[ -f $bdir/batch-share ]] && share=$(<"$bdir/batch-share")
	hp_time t0
	"$TRIAGE_BUILD" --finish-module "$TC_WORK/defer" >"$TC_WORK/finish.log" 2>&1 </dev/null || rc=$?
	((rc != 130 && rc != 143)) || exit 130
	cat "$TC_WORK/finish.log" >>"$TC_WORK/last.log"
	cat "$TC_WORK/finish.log" >>"$log.tmp"
	tc_classify "$rc" "$TC_WORK/last.log"
	hp_usec t "$TC_TIME"
	hp_usec s "$share"
	hp_elapsed e "$t0" 6
	hp_usec e "$e"
	hp_secs TC_TIME $((t + s + e)) 2
	tc_result
}

# tc_resume - take up the deferred module an interrupted run left in TC_WORK: when its state
# is complete (the state, written last; the deferred build's build.env and kbuild directory;
# the log so far) and was made for this candidate as it is now (TC_KEY, kind, path, object,
# target, signing key), and no finish of it started (a killed --finish may have left a
# kbuild's half-written objects in its kbuild directory, which a later kbuild would take as
# up to date), queue it in OUT/work/deferred as tc_defer does, with a note in its log; a
# batch that the interruption cut short no longer counts (it linked copies, in its own
# directory). Status 1 and nothing touched otherwise: the candidate is then built from
# scratch (tc_main removes what is left).
tc_resume() {
	local bdir log=$TC_OUT/logs/$TC_ID.log.tmp
	TC_WORK=$TC_OUT/work/c/$TC_ID
	[[ -f $TC_WORK/state && -f $TC_WORK/defer/build.env && -f $log ]] || return 1
	tc_candidate
	# shellcheck source=/dev/null # written by tc_defer
	(
		kind=$TC_KIND path=$TC_PATH obj=$TC_OBJ target=$TC_TARGET key=$TC_KEY
		skey=${TRIAGE_SIGN_KEY:-} scert=${TRIAGE_SIGN_CERT:-}
		. "$TC_WORK/state" &&
			[[ $TC_KIND == "$kind" && $TC_PATH == "$path" && $TC_OBJ == "$obj" && $TC_TARGET == "$target" &&
				$TC_KEY == "$key" && $TRIAGE_SIGN_KEY == "$skey" && $TRIAGE_SIGN_CERT == "$scert" ]]
	) 2>/dev/null || return 1
	# shellcheck source=/dev/null # written by hotpatch-build --defer-module
	bdir=$(. "$TC_WORK/defer/build.env" 2>/dev/null && printf '%s\n' "$MODULE_BDIR") || return 1
	[[ $bdir == "$TC_WORK/defer/"* && -f $bdir/module.env && -d $bdir/src ]] || return 1
	[[ ! -e $TC_WORK/finish.log && ! -e $bdir/kbuild.log ]] || return 1
	rm -f "$bdir/built" "$bdir/batch-share" || return 1
	printf '\n# triage: resumed: the module deferred by an interrupted run, linked in this one\n' >>"$log" || return 1
	printf '%s\n' "$TC_ID" >>"$TC_OUT/work/deferred"
}

# tc_result - write the row and publish the module, the log and last the result.
tc_result() {
	local log=$TC_OUT/logs/$TC_ID.log
	tc_row >"$TC_WORK/row.json" || hp_die "cannot write the row of $TC_ID"
	# same file system: each mv is a rename; the result goes last
	if [[ $TC_OUTCOME == built ]]; then
		tc_publish "$TC_WORK/out/$TC_ID.ko" "$TC_OUT/modules/$TC_ID.ko"
		tc_publish "$TC_WORK/out/$TC_ID.json" "$TC_OUT/modules/$TC_ID.json"
	fi
	tc_publish "$log.tmp" "$log"
	tc_publish "$TC_WORK/row.json" "$TC_OUT/results/$TC_ID.json"
	# one line per finished candidate for the progress line (an append this short is atomic)
	printf '%s %s\n' "$TC_ID" "$TC_OUTCOME" >>"$TC_OUT/work/progress"
	rm -rf "$TC_WORK"
}

hp_trap_errors
case $TC_MODE in
finish) tc_finish ;;
resume) tc_resume || exit 1 ;;
main) tc_main ;;
esac
