# shellcheck shell=bash
# build/includes.sh - the release's include graph: which file includes which, resolved the way
# the compiler resolves it, so that a changed header maps to exactly the TUs that may include it.
#
#   includes_ensure           build <cache>/includes once per release (under the lock)
#   includes_rebuild          build it again (the tree gained generated files)
#   includes_users HEADER...  the compile database's TUs (src.c as it spells them) that include
#                             a header, directly or through other files
#   includes_aliases HEADER...
#                             the symbolic links of the tree that name a header (gcc -M names
#                             the link it opened, not its target)
#
# Why resolve instead of matching names: a local header's name says little ("eeprom.h",
# "debug.h" exist in dozens of drivers), and matching every `#include "eeprom.h"` fanned out
# through every driver's headers to thousands of TUs, each then preprocessed (966 s for one
# mt76 change). The resolution is a superset of what gcc does for any TU:
#   #include "X"  in F: DIR(F)/X when that file exists (gcc looks there first and stops);
#                 else, as for <X>, every I/X that exists, I any -I/-iquote/-isystem/-idirafter
#                 directory of any TU of the compile database (a TU uses some of them, in some
#                 order: taking all of them can only add edges). DIR(F)/X itself is kept as an
#                 edge too, so that a header a patch adds next to F is found.
#   #include <X>, #include_next <X>: every existing I/X.
#   -include FILE of a TU's command (kconfig.h, compiler_types.h ...): the TU includes FILE.
#   a symbolic link (include/dt-bindings/...): includes its target.
# Every path is normalized lexically (no symbolic link in a directory of the tree outside
# scripts/dtc), as gcc sees "drivers/gpu/drm/amd/amdgpu/../include/x.h".
# Not seen: an #include whose operand is a macro (TRACE_INCLUDE, `#include FOO_H`); a trace
# header reached that way is also included by name by the TU that defines CREATE_TRACE_POINTS.
#
# Format (TAB separated, written once per release; src/ and compiledb never change after it):
#   #hotpatch-includes VERSION
#   e  FROM  TO      FROM includes TO (normalized paths)
#   l  LINK  TARGET  a symbolic link (also an edge)
#   t  NORM  SRC     a TU of the compile database: its normalized path and its spelling there
#   u  DIR M TO      (also alone in includes.up) some path the compiler may open goes up M levels from DIR with ".." and
#                    leads to the directory TO: "-I./drivers/gpu/drm/amd/amdgpu/../include",
#                    `#include "../x.h"` in DIR, TRACE_INCLUDE_PATH "../../fs/xfs" expanded in
#                    include/trace. The patched tree (objects_shadow) makes DIR a real
#                    directory when a patched file lies under TO: a symbolic link to the
#                    original DIR would take ".." into the original tree, past the patched file.

INCLUDES_VERSION=3

# INCLUDES_AWK_NORM - an awk function norm(P): P with its "." and "dir/.." parts removed
# lexically, as paths are compared here and in objects_includes_header (gcc -M spells a header
# by the path it opened: "./drivers/gpu/drm/amd/amdgpu/../include/x.h").
INCLUDES_AWK_NORM='function norm(p,   n, i, k, part, out, o) {
	n = split(p, part, "/")
	k = 0
	for (i = 1; i <= n; i++) {
		if (part[i] == "" || part[i] == ".")
			continue
		if (part[i] == ".." && k > 0 && out[k] != "..") {
			k--
			continue
		}
		out[++k] = part[i]
	}
	o = ""
	for (i = 1; i <= k; i++)
		o = o (i > 1 ? "/" : "") out[i]
	return o
}'

includes_path() {
	printf '%s\n' "$HP_CACHE/includes"
}

includes_current() {
	local first
	[[ -s $HP_CACHE/includes ]] || return 1
	IFS= read -r first <"$HP_CACHE/includes" || return 1
	[[ $first == "#hotpatch-includes $INCLUDES_VERSION" ]]
}

# includes_build SRC COMPILEDB - write the index on stdout.
includes_build() {
	local src=$1 db=$2
	printf '#hotpatch-includes %s\n' "$INCLUDES_VERSION"
	{
		# every file: the existence test of the resolution
		# (each step says when it fails: errexit is off where the caller tests the status)
		(cd "$src" && find . \( -type f -o -type l \) -printf 'f\t%P\n') || exit 1
		(cd "$src" && find . -type l -printf 'l\t%P\t%l\n') || exit 1
		# the TUs: their include directories and forced includes
		awk -F'\t' '{ printf "c\t%s\t%s\n", $1, $4 }' "$db" || exit 1
		# every #include line of every text file (a .c, .inl or .def can be included too)
		(
			cd "$src" || exit 1
			grep -rHIE '^[[:space:]]*#[[:space:]]*include(_next)?[[:space:]]*[<"][^>"]+[>"]' . || (($? == 1))
		) |
			sed -nE 's|^\./([^:]*):[[:space:]]*#[[:space:]]*include(_next)?[[:space:]]*([<"])([^>"]+)[>"].*$|\1\t\3\t\4|p' |
			awk -F'\t' '{ printf "%s\t%s\t%s\n", ($2 == "\"" ? "q" : "a"), $1, $3 }' || exit 1
		# where the tracepoint headers include a file by TRACE_INCLUDE_PATH, and the paths
		# that go up with ".." from there
		(
			cd "$src" || exit 1
			grep -rlE --include='*.h' '^[[:space:]]*#[[:space:]]*include[[:space:]]+TRACE_INCLUDE\(' . || (($? == 1))
		) | sed 's|^\./|m\t|' || exit 1
		(
			cd "$src" || exit 1
			grep -rhE '^[[:space:]]*#[[:space:]]*define[[:space:]]+TRACE_INCLUDE_PATH[[:space:]]+[^[:space:]]*\.\.' . || (($? == 1))
		) | sed -nE 's|^.*TRACE_INCLUDE_PATH[[:space:]]+([^[:space:]]+).*$|p\t\1|p' || exit 1
	} | awk -F'\t' -v top="$(cd "$src" && pwd)" -v realtop="$(cd "$src" && pwd -P)" '
	'"$INCLUDES_AWK_NORM"'
	function dir(p) { return sub(/\/[^\/]*$/, "", p) ? p : "" }
	function join(d, x) { return d == "" ? x : d "/" x }
	# a "u" line for each run of ".." in the spelled path P (of a file when F, else of a
	# directory): the directory the run starts from, and the directory P leads to
	function dotdots(p, f,   n, i, k, m, part, pre, d, t) {
		if (p !~ /(^|\/)\.\.(\/|$)/)
			return
		t = norm(f ? dir(p) : p)
		if (t ~ /^\.\.(\/|$)/)
			return
		n = split(p, part, "/")
		pre = ""
		i = 1
		while (i <= n) {
			if (part[i] != "..") {
				pre = join(pre, part[i++])
				continue
			}
			for (m = 0; i <= n && part[i] == ".."; i++)
				m++
			d = norm(pre)
			if (d != "" && d !~ /^\.\.(\/|$)/ && !((d, t) in ups)) {
				ups[d, t] = 1
				print "u\t" d "\t" m "\t" t
			}
			for (k = 0; k < m; k++)
				pre = join(pre, "..")
		}
	}
	# every existing I/X: the resolution of <X>, and of "X" not found next to its includer
	function searched(from, x,   i, p) {
		if (!(x in memo)) {
			memo[x] = ""
			for (i = 1; i <= ndirs; i++) {
				p = join(dirs[i], x)
				if (p ~ /(^|\/)\.\.?(\/|$)/)
					p = norm(p)
				if (p in exists) {
					memo[x] = memo[x] "\t" p
					dotdots(join(dirs[i], x), 1)
				}
			}
		}
		if (memo[x] != "")
			print "e\t" from memo[x]
	}
	$1 == "f" { exists[$2] = 1; next }
	$1 == "m" { tracedirs[dir($2)] = 1; next }
	$1 == "p" { for (d in tracedirs) dotdots(join(d, $2 "/x.h"), 1); next }
	$1 == "l" { to = norm(join(dir($2), $3)); print "l\t" $2 "\t" to; next }
	$1 == "c" {
		tu = norm($2)
		print "t\t" tu "\t" $2
		dotdots($2, 1)
		n = split($3, w, " ")
		for (i = 1; i <= n; i++) {
			opt = w[i]
			if (opt == "-I" || opt == "-iquote" || opt == "-isystem" || opt == "-idirafter" || opt == "-include") {
				arg = w[++i]
			} else if (opt ~ /^-I./) {
				arg = substr(opt, 3)
				opt = "-I"
			} else {
				continue
			}
			# an absolute path into the tree is the tree path gcc -M prints under it
			if (index(arg, top "/") == 1)
				arg = substr(arg, length(top) + 2)
			else if (index(arg, realtop "/") == 1)
				arg = substr(arg, length(realtop) + 2)
			dotdots(arg, opt == "-include")
			if (opt == "-include") {
				print "e\t" tu "\t" norm(arg)
			} else {
				arg = norm(arg)
				if (!(arg in isdir)) {
					isdir[arg] = 1
					dirs[++ndirs] = arg
				}
			}
		}
		next
	}
	$1 == "q" {
		p = norm(join(dir($2), $3))
		print "e\t" $2 "\t" p
		dotdots(join(dir($2), $3), 1)
		if (!(p in exists))
			searched($2, $3)
		next
	}
	$1 == "a" { searched($2, $3) }
	' | awk -F'\t' '
	# one line per edge: "e FROM TO1 TO2 ..." is split
	$1 == "e" { for (i = 3; i <= NF; i++) print "e\t" $2 "\t" $i; next }
	{ print }'
}

# includes_updirs_path - the index's "u" lines alone (with its version line): read for every
# patched tree (objects_shadow), where grepping the 30 MB index cost 46 ms a candidate.
includes_updirs_path() {
	printf '%s\n' "$HP_CACHE/includes.up"
}

includes_updirs_current() {
	local first
	[[ -s $HP_CACHE/includes.up ]] || return 1
	IFS= read -r first <"$HP_CACHE/includes.up" || return 1
	[[ $first == "#hotpatch-includes $INCLUDES_VERSION" ]]
}

includes_ensure() {
	includes_current && includes_updirs_current && return 0
	includes_write 0
}

# includes_rebuild - the index made again although current: the tree gained files (build/tree.sh's
# tree_generate), so edges to them were missing; replaced by rename under its readers.
includes_rebuild() {
	includes_write 1
}

# includes_write REBUILD - write the index (and includes.up) unless current, or anyway when
# REBUILD is 1.
includes_write() {
	local rebuild=$1
	# A subshell, so that the lock is released when done (hp_lock is a no-op when the caller
	# already holds it: --setup).
	(
		hp_lock "$HP_CACHE"
		((rebuild)) || { includes_current && includes_updirs_current && exit 0; }
		# under the lock, a temporary is an interrupted writer's (the index is ~30 MB)
		rm -f "$HP_CACHE"/.tmp.includes.*
		if ((rebuild)) || ! includes_current; then
			hp_log "indexing the #include lines of $HP_RELEASE (once per release, about 15 s)"
			tmp=$(mktemp "$HP_CACHE/.tmp.includes.XXXXXX") || exit 1
			includes_build "$HP_CACHE/src" "$HP_CACHE/compiledb" >"$tmp" || exit 1
			# every TU of the database is in it, or something was cut short
			if [[ $(grep -c $'^t\t' "$tmp") != "$(wc -l <"$HP_CACHE/compiledb")" ]]; then
				rm -f "$tmp"
				exit 1
			fi
			chmod 644 "$tmp" && mv -f "$tmp" "$(includes_path)" || exit 1
		fi
		tmp=$(mktemp "$HP_CACHE/.tmp.includes.up.XXXXXX") || exit 1
		{ head -n 1 "$(includes_path)" && { LC_ALL=C grep $'^u\t' "$(includes_path)" || (($? == 1)); }; } >"$tmp" || exit 1
		chmod 644 "$tmp" && mv -f "$tmp" "$(includes_updirs_path)"
	) || hp_die "cannot index the #include lines of $HP_CACHE/src into $(includes_path)"
	includes_current || hp_die "$(includes_path): not an include index of version $INCLUDES_VERSION"
	includes_updirs_current || hp_die "$(includes_updirs_path): not of version $INCLUDES_VERSION"
}

# includes_users HEADER... - every TU that reaches one of the headers through the edges.
# Walked backwards one level at a time, each level a fixed-string grep of the index (a few
# tens of ms) rather than loading the whole graph (7 s in awk).
includes_users() {
	local idx f
	local -a level=("$@") next
	local -A seen=()
	idx=$(includes_path)
	for f in "$@"; do seen[$f]=1; done
	while ((${#level[@]})); do
		mapfile -t next < <(printf '\t%s\n' "${level[@]}" | { grep -F -f - "$idx" || true; } |
			awk -F'\t' 'NR == FNR { want[$0] = 1; next }
				($1 == "e" || $1 == "l") && ($3 in want) { print $2 }' \
				<(printf '%s\n' "${level[@]}") - | LC_ALL=C sort -u)
		level=()
		for f in "${next[@]}"; do
			[[ -n ${seen[$f]:-} ]] && continue
			seen[$f]=1
			level+=("$f")
		done
	done
	printf 't\t%s\t\n' "${!seen[@]}" | { grep -F -f - "$idx" || true; } |
		awk -F'\t' '$1 == "t" { print $3 }' | LC_ALL=C sort -u
}

# includes_aliases HEADER... - the links whose target is one of the headers.
includes_aliases() {
	printf '%s\n' "$@" | awk -F'\t' '
	FILENAME == "-" { want[$0] = 1; next }
	$1 == "l" && ($3 in want) { print $2 }' - "$(includes_path)"
}
