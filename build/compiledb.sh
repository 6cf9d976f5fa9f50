# shellcheck shell=bash
# build/compiledb.sh - the release's compile database: every C translation unit kbuild would
# build for this .config, with its exact command line and the object it is linked into.
#
#   compiledb_ensure          build <cache>/compiledb once per release (under the lock)
#   compiledb_get SRC.c       print "obj<TAB>target<TAB>command" for a source file, or nothing
#   compiledb_lines           "SRC<TAB>line" for each source file on stdin that is built
#
# Why `make -n`: it prints every recipe of `vmlinux modules` in the prepared tree without
# building anything (about a minute: it parses every directory's Makefile), so we get kbuild's
# own flags for every TU, objtool's arguments (--module or not) and, from the `.mod` recipes,
# which module links each object.
# A full kernel build, which kpatch-build and klp-build start from, takes an hour here.
#
# Format (TAB separated, one line per object, sorted by source):
#   src.c  obj.o  target  command
# target is "vmlinux" or the module name as the kernel spells it ('-' becomes '_').
# The command is the gcc + objtool part of the recipe, run from the tree's top directory,
# still writing to the tree's own paths; objects_cmd_for rewrites the outputs.

# the lexical form of a path (INCLUDES_AWK_NORM's norm) is the include index's
compiledb_sh_dir=${BASH_SOURCE[0]%/*}
[[ $compiledb_sh_dir != "${BASH_SOURCE[0]}" ]] || compiledb_sh_dir=.
# shellcheck source=build/includes.sh
. "$compiledb_sh_dir/includes.sh"

compiledb_path() {
	printf '%s\n' "$HP_CACHE/compiledb"
}

# compiledb_parse - read `make -n` output on stdin, write the database on stdout.
compiledb_parse() {
	awk -F'\t' '
	function after(s, pat,   i) { i = index(s, pat); return i ? substr(s, i + length(pat)) : "" }
	function before(s, pat,   i) { i = index(s, pat); return i ? substr(s, 1, i - 1) : s }
	# Compile recipe: "set -e; echo ...; trap ...; gcc-12 ... -c -o D/x.o D/x.c ; objtool ... D/x.o; printf ..."
	/ -c -o [^ ]+\.o [^ ]+\.c/ && /PIPE; / {
		cmd = $0
		while (index(cmd, "PIPE; "))
			cmd = after(cmd, "PIPE; ")
		cmd = before(cmd, "; printf '\''%s\\n'\'' '\''cmd_")
		cmd = before(cmd, "; scripts/basic/fixdep")
		if (!match(cmd, / -c -o [^ ]+\.o [^ ]+\.c/))
			next
		split(substr(cmd, RSTART + 7, RLENGTH - 7), w, " ")
		if (w[2] ~ /^scripts\// || w[2] ~ /^tools\//)
			next
		obj[w[1]] = w[2]
		command[w[1]] = cmd
		next
	}
	# Module membership: printf '\''%s\n'\'' a.o b.o | awk ... print("DIR/"$0) ... > DIR/name.mod
	/\.mod; printf/ && /PIPE; printf / {
		line = after($0, "PIPE; printf '\''%s\\n'\''")
		list = before(line, " | awk")
		prefix = after(line, "print(\"")
		prefix = before(prefix, "\"")
		mod = after(line, "> ")
		mod = before(mod, ";")
		sub(/\.mod$/, "", mod)
		n = split(mod, parts, "/")
		name = parts[n]
		gsub(/-/, "_", name)
		m = split(list, objs, " ")
		for (i = 1; i <= m; i++)
			if (objs[i] != "")
				module[prefix objs[i]] = name
		next
	}
	END {
		for (o in obj) {
			t = (o in module) ? module[o] : "vmlinux"
			printf "%s\t%s\t%s\t%s\n", obj[o], o, t, command[o]
		}
	}' | LC_ALL=C sort
}

compiledb_ensure() {
	local db tmp out n
	db=$(compiledb_path)
	if hp_is_done "$HP_CACHE" compiledb && [[ -s $db ]]; then
		return 0
	fi
	hp_lock "$HP_CACHE"
	if hp_is_done "$HP_CACHE" compiledb && [[ -s $db ]]; then
		return 0
	fi
	hp_log "building the compile database of $HP_RELEASE (once per release, about a minute)"
	tmp=$(mktemp "$HP_CACHE/.tmp.compiledb.XXXXXX") || hp_die "cannot create a file in $HP_CACHE"
	out=$(mktemp "$HP_CACHE/.tmp.makedn.XXXXXX") || hp_die "cannot create a file in $HP_CACHE"
	# vmlinux's final link needs the built-in archives, so make stops there: -k lets it print
	# every compile recipe first; the count check below catches a real failure.
	# -j with -Orecurse: every make but the top one writes into a file of its parent's, copied
	# out whole. With -Oline the commands that make prints itself (all of them, under -n) are not
	# synchronized: a line longer than stdio's buffer was now and then split by another make's
	# output, and its TU silently left out (1 of 14985 in one of four runs here).
	# -o: the tools' sub-makes run for real even under -n (the top Makefile resets their
	# MAKEFLAGS); objtool is already built and resolve_btfids is never needed (build/tree.sh,
	# which also says why -o needs --no-print-directory).
	(cd "$HP_CACHE/src" && hp_target_exec make -n -k -j"${HP_JOBS:-$(nproc)}" -Orecurse --no-print-directory \
		-o tools/objtool -o tools/bpf/resolve_btfids CC="$HP_CC" KCFLAGS="$HP_KCFLAGS" vmlinux modules) \
		>"$out" 2>/dev/null || true
	compiledb_parse <"$out" >"$tmp" || hp_die "cannot parse the make -n output"
	rm -f "$out"
	n=$(wc -l <"$tmp")
	if ((n < 1000)); then
		rm -f "$tmp"
		hp_die "make -n in $HP_CACHE/src printed only $n compile commands; is the tree prepared?"
	fi
	mv -f "$tmp" "$db" || hp_die "cannot rename $tmp to $db"
	hp_mark_done "$HP_CACHE" compiledb
	hp_log "compile database: $n translation units"
}

# COMPILEDB_AWK_MATCH - the awk program of both lookups below: the source files wanted (the
# first input, one per line), then database lines; "SRC<TAB>LINE" for the first line of each
# wanted SRC, its spelling or, with "..", its lexical form.
# shellcheck disable=SC2016 # an awk program, expanded by awk
COMPILEDB_AWK_MATCH='
NR == FNR { if ($0 != "") want[$0] = 1; next }
($1 in want) { if (!seen[$1]++) print $1 "\t" $0; next }
$1 ~ /(^|\/)\.\.\// { n = norm($1); if ((n in want) && !seen[n]++) print n "\t" $0 }'

# compiledb_line SRC.c - the database line of a source file (relative to the tree), if built:
# "src.c as the database spells it<TAB>obj<TAB>target<TAB>command". amdgpu's Makefile builds
# pm/, amdkfd/ and display/ as drivers/gpu/drm/amd/amdgpu/../pm/x.c: a spelling with ".." is
# compared with its lexical form (gcc compiles, and DWARF names, the spelling).
compiledb_line() {
	# grep first: every spelling of the file ends its first field with its name, and grep
	# skims the 32 MB for it in a third of awk's time (an awk reads the fields of each line)
	# (none found is no error: a file this configuration does not build; awk reads to the end,
	# so grep never writes into a closed pipe)
	{ grep -F -- "${1##*/}"$'\t' "$(compiledb_path)" || (($? == 1)); } |
		awk -F'\t' "$INCLUDES_AWK_NORM$COMPILEDB_AWK_MATCH" <(printf '%s\n' "$1") - | cut -f2-
}

# compiledb_lines - compiledb_line for every source file on stdin, in one pass over the
# database (32 MB for 6.1: ~20 ms a pass, and a header of amdgpu's has 345 users to look up):
# "SRC<TAB>LINE" for each one built, SRC as given, in the database's order.
compiledb_lines() {
	awk -F'\t' "$INCLUDES_AWK_NORM$COMPILEDB_AWK_MATCH" - "$(compiledb_path)"
}

# compiledb_get SRC.c - compiledb_line without the spelling: "obj<TAB>target<TAB>command".
compiledb_get() {
	local line
	line=$(compiledb_line "$1") || return 1
	[[ -z $line ]] || printf '%s\n' "${line#*$'\t'}"
}
