# shellcheck shell=bash
# build/objects.sh - from the diff's files to pairs of objects (original, patched).
#
#   objects_map WORK            PATCH_C + PATCH_H -> WORK/tus ("src.c<TAB>obj.o<TAB>target<TAB>command"):
#                               objects_map_changed (PATCH_C), then objects_map_headers
#   objects_compile_changed WORK
#                               between the two: the patched side of PATCH_C's TUs, first
#   objects_shadow SRC OVL DIR  DIR: a tree that is SRC with the files of OVL laid over it
#   objects_prefilter WORK      drop from WORK/tus the TUs that only include a changed header
#                               and whose object cannot change (hotpatch-ppcmp on gcc -E)
#   objects_compile WORK        compile every TU of WORK/tus twice, in parallel:
#                               WORK/orig/<obj>, WORK/patched/<obj> (the original from the
#                               release's object cache when it holds it)
#   objects_compile_tu TREE OUT OBJ CMD
#                               run OBJ's compile database command CMD in TREE, every output
#                               moved under OUT: the one way a TU is compiled
#   tree_compile_tu SRCROOT OUT TU...
#                               the same for TUs named by object path (fs/proc/meminfo.o),
#                               each command taken from the compile database
#
# Headers: a changed header reaches every TU that includes it, directly or through other
# headers. The release's include graph (build/includes.sh: every `#include` resolved as gcc
# resolves it, over-approximated where a TU's -I order would decide) gives the candidates,
# then `gcc -M` with the TU's own flags keeps exactly the TUs whose preprocessing opens the
# header.
#
# Compiling never writes into the cached tree: the original side runs in SRC with every output
# (-o, the -MMD file, objtool's in-place edit) moved under WORK; the patched side runs in a
# shadow tree whose directories along each patched path are real, holding the patched copies,
# and whose every other entry is a symlink into SRC. gcc keeps the paths it was given, so
# "./include/...", quoted includes next to a patched file and __FILE__ resolve as in kbuild.

# Where kbuild defers objtool to the link (6.12, IBT), no object is compiled with it: the patch
# module's link runs it (build/objtool.sh); sourced here so every user of this file does so.
objects_sh_dir=${BASH_SOURCE[0]%/*}
[[ $objects_sh_dir != "${BASH_SOURCE[0]}" ]] || objects_sh_dir=.
# shellcheck source=build/objtool.sh
. "$objects_sh_dir/objtool.sh"
# shellcheck source=build/includes.sh
. "$objects_sh_dir/includes.sh"

# objects_cmd_for CMD OUT OBJ - CMD with every output of OBJ moved under OUT, and the compiler
# behind $HOTPATCH_CC_WRAPPER when set ("ccache", "distcc", "icecc"): a build farm or a
# compiler cache takes the compile, objtool still runs here on its output.
objects_cmd_for() {
	local cmd=$1 out=$2 obj=$3 dir=. dep
	[[ $obj != */* ]] || dir=${obj%/*}
	dep=$dir/.${obj##*/}.d
	cmd=${cmd/"-Wp,-MMD,$dep "/"-Wp,-MMD,$out/$dep "}
	cmd=${cmd/"-c -o $obj "/"-c -o $out/$obj "}
	if [[ $cmd == *objtool* ]]; then
		[[ $cmd =~ [[:space:]]${obj}[[:space:]]*$ ]] ||
			hp_die "$obj: unexpected objtool command in the compile database: ${cmd##*;}"
		cmd="${cmd%"$obj"*}$out/$obj"
	fi
	[[ $cmd == *"-o $out/$obj "* && $cmd == *"-MMD,$out/"* ]] ||
		hp_die "$obj: cannot redirect the outputs of: $cmd"
	if [[ -n ${HOTPATCH_CC_WRAPPER:-} ]]; then
		[[ -z ${HP_BUILDROOT:-} ]] ||
			hp_die "HOTPATCH_CC_WRAPPER is not available for $HP_RELEASE: its compiles run in the build root $HP_BUILDROOT, which has no $HOTPATCH_CC_WRAPPER"
		[[ $cmd == gcc-* ]] || hp_die "$obj: the compile command does not start with the compiler: ${cmd:0:40}"
		cmd="$HOTPATCH_CC_WRAPPER $cmd"
	fi
	printf '%s\n' "$cmd"
}

# objects_header_users HEADER... - the compiled TUs (src.c, as the compile database spells
# them) that may include the headers, directly or through other files: the release's include
# graph (build/includes.sh), each #include resolved as the compiler would.
objects_header_users() {
	includes_ensure
	includes_users "$@"
}

# OBJECTS_AWK_INCLUDES - the awk program of the check (-v headers="HEADER..."): the name of each
# input file (gcc -M output) that names one of the headers. A path that matches ends with a
# header, so with its file name: the others (a TU opens hundreds of headers, an amdgpu TU a
# thousand) are not normalized. The line ends of the make rule (a backslash) are fields of
# their own, and name no header.
# shellcheck disable=SC2016 # an awk program, expanded by awk
OBJECTS_AWK_INCLUDES=$INCLUDES_AWK_NORM'
# or an absolute path that ends with the header (as the check was before the normalization)
function wanted(p,   i) {
	if (p in want)
		return 1
	for (i = 1; i <= n; i++)
		if (substr(p, length(p) - length(h[i])) == "/" h[i])
			return 1
	return 0
}
BEGIN {
	n = split(headers, h, " ")
	for (i = 1; i <= n; i++) {
		want[h[i]] = 1
		base[i] = h[i]
		sub(/.*\//, "", base[i])
	}
}
FNR == 1 { found = 0 }
found { next }
{
	for (i = 1; i <= NF; i++) {
		if ($i ~ /:$/)
			continue
		for (k = 1; k <= n && !index($i, base[k]); k++)
			;
		if (k <= n && wanted(norm($i))) {
			print FILENAME
			found = 1
			next
		}
	}
}'

# objects_includes_header SRC.c CMD HEADER... - does preprocessing SRC.c open one of them?
# gcc -M names a header by the path it opened ("./drivers/gpu/drm/amd/amdgpu/../include/x.h"
# through amdgpu's -I), so each is normalized before the comparison.
objects_includes_header() {
	local c=$1 cmd=$2 obj deps='' entry='' tmp from=- out
	shift 2
	obj=${c%.c}.o
	# The original TU's dependencies depend on what its object does (the release's tree, its
	# command, the toolchain): kept beside that object in the object cache, so the next map of
	# a header it may include (the next triage candidate of the same driver) reads them
	# instead of running the preprocessor (amdgpu: ~0.4 s CPU a TU, 344 TUs per candidate).
	# awk reads them from there: a TU's list is 10-30 KB, and bash's own ${deps//\\/ } on it
	# cost 9 ms a TU, more than the rest of this check.
	if [[ -n ${OBJECTS_CACHE_DIR:-} ]] && entry=$(objects_cache_entry "$c" "$obj" "$cmd"); then
		entry=${entry%.o}.deps
		if [[ -s $entry ]]; then
			hp_cache_refresh "$OBJECTS_CACHE_DIR" "$entry"
			from=$entry
		fi
	fi
	if [[ $from == - ]]; then
		cmd=${cmd%%; *} # the gcc part only
		cmd=${cmd/-Wp,-MMD,*.o.d /}
		cmd=${cmd/"-c -o $obj $c"/"-M -MG $c"}
		# A TU whose preprocessing fails is kept: compiling it will say why, where dropping
		# it could leave a changed function out of the module.
		deps=$(cd "$HP_CACHE/src" && hp_target_exec bash -c "$cmd" 2>/dev/null) || return 0
		[[ -n $deps ]] || return 0
		# published like an object; OBJECTS_WORK (objects_map's) gets the mark of a publisher
		if [[ -n $entry ]] && tmp=$(mktemp "${OBJECTS_WORK:-${TMPDIR:-/tmp}}/deps.XXXXXX" 2>/dev/null); then
			printf '%s\n' "$deps" >"$tmp" && objects_cache_put "$entry" "$tmp" "${OBJECTS_WORK:-}"
			rm -f "$tmp"
		fi
	fi
	# an awk that fails, or a child shell without the program, proves nothing: the TU is kept
	[[ -n ${OBJECTS_AWK_INCLUDES:-} ]] || return 0
	out=$(awk -v headers="$*" "$OBJECTS_AWK_INCLUDES" "$from" <<<"$deps") || return 0
	[[ -n $out ]]
}

objects_map() {
	objects_map_changed "$1"
	objects_map_headers "$1"
}

# objects_map_changed WORK - WORK/tus: the TUs of the patch's own .c files.
objects_map_changed() {
	local work=$1 c line
	: >"$work/tus"
	for c in "${PATCH_C[@]}"; do
		line=$(compiledb_line "$c")
		if [[ -z $line ]]; then
			hp_log "$c is not built by the $HP_RELEASE configuration; ignoring it"
			continue
		fi
		printf '%s\n' "$line" >>"$work/tus"
	done
}

# objects_map_first WORK LIST - WORK/first: the TUs of LIST's .c files (hotpatch-build
# --compile-first; none without a LIST or a changed header) that include a changed header and
# are not the patch's own, for objects_compile_changed. A header's users are compiled only
# after the header filter has preprocessed every one of them (amdgpu.h: 345, minutes when
# cold), and a user the change breaks ended the run only then: in a whole-update triage the
# update's own callers of a changed prototype, which a caller knows before the build starts.
objects_map_first() {
	local work=$1 list=$2 c obj target cmd
	local -a hdrs
	local -A own=() user=()
	: >"$work/first" || hp_die "cannot write $work/first"
	[[ -n $list ]] && ((${#PATCH_H[@]})) || return 0
	while IFS=$'\t' read -r _ obj _; do own[$obj]=1; done <"$work/tus"
	# (kept for objects_map_headers: the include graph is asked once per run)
	objects_header_users "${PATCH_H[@]}" >"$work/header-users" || hp_die "cannot list the users of ${PATCH_H[*]}"
	while IFS= read -r c; do user[$c]=1; done <"$work/header-users"
	mapfile -t hdrs < <(includes_aliases "${PATCH_H[@]}")
	hdrs+=("${PATCH_H[@]}")
	objects_cache_init "$HP_CACHE/src"
	OBJECTS_WORK=$work
	# (the include graph's candidates first, then gcc -M: objects_map_headers' exact check)
	while IFS=$'\t' read -r c obj target cmd; do
		[[ -n ${user[$c]:-} && -z ${own[$obj]:-} ]] || continue
		objects_includes_header "$c" "$cmd" "${hdrs[@]}" || continue
		printf '%s\t%s\t%s\t%s\n' "$c" "$obj" "$target" "$cmd" >>"$work/first"
	done < <(compiledb_lines <"$list" | cut -f2-)
}

# objects_map_cached TMPD HEADER... - objects_map_headers' exact check of the TUs in TMPD/cands
# whose gcc -M list the object cache holds (objects_includes_header reads the same entries):
# their line numbers in TMPD/hits when they include a header, those of the others (not
# cached, or no object cache) in TMPD/todo. One sha256sum for the entries' names and one awk
# for every list: amdgpu.h has 345 TUs, each a child shell, a key and an awk before.
objects_map_cached() {
	local tmpd=$1 i=0 entry out f
	local -a files=()
	local -A num=()
	shift
	: >"$tmpd/hits" || hp_die "cannot write $tmpd/hits"
	if [[ -z ${OBJECTS_CACHE_DIR:-} ]] ||
		! awk -F'\t' '{ o = $1; sub(/\.c$/, ".o", o); print $1 "\t" o "\t" $4 }' "$tmpd/cands" |
		objects_cache_entries >"$tmpd/entries"; then
		awk '{ print NR }' "$tmpd/cands" >"$tmpd/todo" || hp_die "cannot write $tmpd/todo"
		return 0
	fi
	while IFS= read -r entry; do
		i=$((i + 1))
		entry=${entry%.o}.deps
		if [[ -s $entry ]]; then
			files+=("$entry")
			num[$entry]=$i
		else
			printf '%s\n' "$i"
		fi
	done <"$tmpd/entries" >"$tmpd/todo"
	((${#files[@]})) || return 0
	hp_cache_refresh "$OBJECTS_CACHE_DIR" "${files[@]}"
	# (an awk that fails proves nothing: every TU it was to judge is kept)
	out=$(awk -v headers="$*" "$OBJECTS_AWK_INCLUDES" "${files[@]}") || out=$(printf '%s\n' "${files[@]}")
	while IFS= read -r f; do
		[[ -z $f ]] || printf '%s\n' "${num[$f]}"
	done <<<"$out" >>"$tmpd/hits"
}

# objects_map_headers WORK - adds to WORK/tus the TUs that include a changed header, and names
# them all.
objects_map_headers() {
	local work=$1 c line cands n
	if ((${#PATCH_H[@]})); then
		if [[ -f $work/header-users ]]; then
			mapfile -t cands <"$work/header-users"
		else
			mapfile -t cands < <(objects_header_users "${PATCH_H[@]}")
		fi
		hp_verbose "header scan: ${#cands[@]} candidate TUs for ${PATCH_H[*]}"
		# a header reached through a symbolic link is named by the link in gcc -M's output
		local hdrs
		mapfile -t hdrs < <(includes_aliases "${PATCH_H[@]}")
		hdrs+=("${PATCH_H[@]}")
		local tmpd
		tmpd=$(mktemp -d "$work/hdr.XXXXXX")
		# "SRC<TAB>obj<TAB>target<TAB>command" of each one built (SRC as the include graph names it)
		printf '%s\n' "${cands[@]}" | compiledb_lines | cut -f1,3- >"$tmpd/cands" ||
			hp_die "cannot look up the TUs of ${PATCH_H[*]} in the compile database"
		if [[ -s $tmpd/cands ]]; then
			objects_cache_init "$HP_CACHE/src"
			export -f objects_includes_header hp_target_exec buildroot_exec objects_cache_entry \
				objects_cache_put hp_cache_refresh
			OBJECTS_WORK=$work
			# shellcheck disable=SC2090 # an awk program, passed whole to awk
			export HP_CACHE HP_BUILDROOT HP_CACHE_ROOT INCLUDES_AWK_NORM OBJECTS_AWK_INCLUDES \
				OBJECTS_CACHE_DIR OBJECTS_CACHE_ID HP_CACHE_REFRESH_MIN OBJECTS_WORK
			# the TUs whose gcc -M list the object cache holds, in one awk; the others'
			# numbers in $tmpd/todo
			objects_map_cached "$tmpd" "${hdrs[@]}"
			# exact check in parallel; each job prints the number of its candidate when the TU
			# includes a header: a compile command is longer than one write(2), so parallel
			# jobs printing whole lines interleave them (a TU named "/amdgpu/../amdkfd/x.o")
			# shellcheck disable=SC2016 # the job script expands its own arguments
			xargs -P "${HP_JOBS:-2}" -I{} bash -c '
					line=$(sed -n "{}p" "$1"); shift
					IFS=$'"'"'\t'"'"' read -r c obj target cmd <<<"$line"
					if objects_includes_header "$c" "$cmd" "$@"; then
						printf "%s\n" {}
					fi' _ "$tmpd/cands" "${hdrs[@]}" <"$tmpd/todo" >>"$tmpd/hits" || true
			awk -v hits="$tmpd/hits" 'BEGIN { while ((getline n <hits) > 0) hit[n] = 1 }
				FNR in hit' "$tmpd/cands" >>"$work/tus" || hp_die "cannot list the TUs of ${PATCH_H[*]}"
			# a run may end here (nothing compiles): pruning is a publisher's job, as after a compile
			[[ ! -e $work/objects-published ]] || objects_cache_prune
		fi
		rm -rf "$tmpd"
	fi
	sort -u -o "$work/tus" "$work/tus"
	mapfile -t cands <"$work/tus"
	n=${#cands[@]}
	((n > 0)) || hp_die "the patch changes nothing that the $HP_RELEASE configuration builds"
	# the objects (second field), space-separated
	for c in "${!cands[@]}"; do
		line=${cands[c]#*$'\t'}
		cands[c]=${line%%$'\t'*}
	done
	hp_log "$n translation unit(s): ${cands[*]}"
}

# A directory of the shadow that holds no patched file is a symbolic link into SRC, and ".."
# taken from inside it lands in SRC: amdgpu's "-I./drivers/gpu/drm/amd/amdgpu/../display/dc/inc"
# would give a display TU the original of a patched dc/inc header when amdgpu/ holds no patched
# file, and the module would lack the fix. The release's include index lists every directory
# some include path goes up from ("u" lines); each whose ".." can reach a patched file is made a
# real directory too. objects_shadow_check is the net behind it, for what the index cannot see.

# objects_shadow_updirs OVL - the directories of the release's tree that must be real in a
# shadow of OVL: each "u DIR M TO" of the include index where a file of OVL lies under TO.
objects_shadow_updirs() {
	local ovl=$1
	{
		(cd "$ovl" && find . -type f -printf 'f\t%P\n')
		tail -n +2 "$(includes_updirs_path)"
	} | awk -F'\t' '
	$1 == "f" {
		under[""] = 1
		for (p = $2; sub(/\/[^\/]*$/, "", p);)
			under[p] = 1
		next
	}
	$1 == "u" && ($4 in under) { print $2 }' | LC_ALL=C sort -u
}

# objects_shadow SRC OVL DIR - build DIR as SRC overlaid with the regular files under OVL.
# With OBJECTS_SHADOW_TMPFS (a tmpfs directory; hotpatch-build's objects_shadow_place), the tree
# is made there and DIR is a symbolic link to it, listed in OBJECTS_SHADOW_MADE for the caller
# to remove: a shadow is a few hundred symbolic links, and making them on a journaled disk took
# 150 ms of CPU per triage candidate on an idle machine (16 ms per ln), a fifth of its
# overhead. A path through DIR resolves to the same file either way.
OBJECTS_SHADOW_MADE=()
objects_shadow() {
	local src=$1 ovl=$2 dir=$3 f d rel e place
	local -a globs=()
	local -a links ups=() dirs=()
	local -A real=() patched=()
	if [[ -n ${OBJECTS_SHADOW_TMPFS:-} && ! -e $dir ]] &&
		place=$(mktemp -d "$OBJECTS_SHADOW_TMPFS/hotpatch-shadow.XXXXXX" 2>/dev/null); then
		OBJECTS_SHADOW_MADE+=("$place")
		ln -s "$place" "$dir" || hp_die "cannot link $dir to $place"
		dir=$place
	fi
	real[.]=1
	# (only a directory SRC has: "missing/../x" fails in SRC and must fail here too)
	if [[ -n ${HP_CACHE:-} && $src -ef $HP_CACHE/src ]]; then
		includes_ensure
		while IFS= read -r d; do
			[[ -d $src/$d && ! -L $src/$d ]] && ups+=("$d/")
		done < <(objects_shadow_updirs "$ovl")
	fi
	while IFS= read -r f; do
		f=${f#./}
		[[ $f == */ ]] || patched[$f]=1
		d=${f%/*}
		[[ $d == "$f" ]] && d=.
		while [[ $d != . && -z ${real[$d]:-} ]]; do
			real[$d]=1
			[[ $d == */* ]] && d=${d%/*} || d=.
		done
	done < <(cd "$ovl" && find . -type f && if ((${#ups[@]})); then printf '%s\n' "${ups[@]}"; fi)
	for d in "${!real[@]}"; do
		dirs+=("$dir/$d")
	done
	mkdir -p "${dirs[@]}" || hp_die "cannot create the directories of $dir"
	# Every real directory gets a symlink to each SRC entry that is neither a real directory
	# nor a patched file: one `ln` per directory, since a shadow is made on every run (and no
	# stat per entry: amdgpu/ alone has 300).
	shopt -q nullglob || globs+=(nullglob)
	shopt -q dotglob || globs+=(dotglob)
	shopt -s nullglob dotglob
	for d in "${!real[@]}"; do
		links=()
		for e in "$src/$d"/*; do
			rel=$d/${e##*/}
			rel=${rel#./}
			[[ -n ${real[$rel]:-} || -n ${patched[$rel]:-} ]] || links+=("$e")
		done
		if ((${#links[@]})); then
			ln -s -t "$dir/$d" "${links[@]}" || hp_die "cannot link the entries of $dir/$d"
		fi
	done
	((${#globs[@]} == 0)) || shopt -u "${globs[@]}"
	(cd "$ovl" && find . -type f -print0 | xargs -0 cp -p --parents -t "$dir") ||
		hp_die "cannot copy the patched files into $dir"
}

# objects_shadow_place - OBJECTS_SHADOW_TMPFS: where this run's shadows are made, when the
# scratch directory is on a disk and a tmpfs this user can write is at hand ($XDG_RUNTIME_DIR,
# /dev/shm); none otherwise (a shadow is made in place). A shadow holds symbolic links and the
# patched files only, a few hundred KB at most.
objects_shadow_place() {
	local work=$1 d
	OBJECTS_SHADOW_TMPFS=''
	# (a target with a build root (6.12) compiles in a chroot that binds the scratch directory
	# and the cache: its shadow stays in the scratch directory, where that chroot is known to
	# see it)
	[[ -z ${HP_BUILDROOT:-} ]] || return 0
	[[ $(stat -f -c %T "$work" 2>/dev/null) != tmpfs ]] || return 0
	for d in "${XDG_RUNTIME_DIR:-}" /dev/shm; do
		if [[ -n $d && -d $d && -w $d && $(stat -f -c %T "$d" 2>/dev/null) == tmpfs ]]; then
			OBJECTS_SHADOW_TMPFS=$d
			return 0
		fi
	done
}

# objects_shadow_drop - remove the shadows objects_shadow made in OBJECTS_SHADOW_TMPFS (their
# links in the scratch directory go with it).
objects_shadow_drop() {
	((${#OBJECTS_SHADOW_MADE[@]})) || return 0
	rm -rf "${OBJECTS_SHADOW_MADE[@]}" 2>/dev/null || true
	OBJECTS_SHADOW_MADE=()
}

# A changed header sends every TU that includes it to the compiler, twice; most of them use
# nothing that changed (btrfs's ctree.h: 56 TUs for one prototype and one new static inline),
# and that fan-out was half of hotpatch-triage's cold compile time. Preprocessing a TU costs a
# tenth of compiling it, so each TU whose own source the patch leaves alone is preprocessed on
# both sides, exactly as it would be compiled, and hotpatch-ppcmp proves (or not) that its
# object cannot change: identical tokens, or only function declarations and static inline
# functions nothing in the TU names. Anything it cannot prove keeps the TU: a TU dropped
# whose object changed would be a module without the fix. HOTPATCH_PREFILTER=0 compiles them all.

# objects_ppcmp_tool - the hotpatch-ppcmp of this tree (built or installed), else on PATH.
objects_ppcmp_tool() {
	local t
	t=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)/out/bin/hotpatch-ppcmp
	[[ -x $t ]] || t=$(command -v hotpatch-ppcmp 2>/dev/null) || return 1
	printf '%s\n' "$t"
}

# objects_pp_cmd CMD OBJ OUT - OBJ's compile command CMD (objtool's part stripped as a
# compile strips it) preprocessing into OUT instead: no object, no dependency file.
objects_pp_cmd() {
	local pp
	objects_pp_cmd_to pp "$@" || return 1
	printf '%s\n' "$pp"
}

# objects_pp_cmd_to VAR CMD OBJ OUT - objects_pp_cmd into VAR, without a subshell.
objects_pp_cmd_to() {
	local var=$1 cmd=$2 obj=$3 out=$4 dep=.
	[[ $obj != */* ]] || dep=${obj%/*}
	dep=$dep/.${obj##*/}.d
	if [[ -n ${HP_OBJTOOL_DEFERRED:-} && $cmd == *objtool* ]]; then
		cmd=$(objtool_strip "$cmd") || return 1
	fi
	cmd=${cmd%%; *}
	[[ $cmd == *"-Wp,-MMD,$dep "* && $cmd == *"-c -o $obj "* ]] || return 1
	cmd=${cmd/"-Wp,-MMD,$dep "/}
	printf -v "$var" '%s' "${cmd/"-c -o $obj "/"-E -o $out "}"
}

# Concurrent runs on one release ask for the same work: hotpatch-triage's -j workers take the
# candidates in path order, and neighbours carry the same headers (btrfs's ctree.h, amdgpu.h)
# or converge on the same files (5 btrfs candidates on one group), so both workers preprocessed
# the same header users and compiled the same originals side by side (a cold shard of 146
# candidates: 2 x 131 s for one btrfs group). Before such work a job claims its entry under
# OBJECTS_CACHE_DIR/.claims/ (flock on one of 256 files picked by the entry's key: bounded,
# never removed, and sharing one only delays); a job that finds it claimed leaves it for later
# and takes the next, and the later pass waits for the claim and then finds the entry made
# (or makes it). A claim is held only while its one entry is made, so no job waits holding one.

# objects_claim VAR ENTRY MODE - claim ENTRY (an object cache path): MODE try takes it or returns
# 3 (claimed by another job), wait blocks until it is free; VAR gets the descriptor to close when
# done (empty: nothing to claim, as when the cache cannot be written).
objects_claim() {
	local -n objects_claim_fd=$1
	local entry=$2 mode=$3 key dir=${OBJECTS_CACHE_DIR:-}/.claims
	objects_claim_fd=''
	[[ -n ${OBJECTS_CACHE_DIR:-} ]] || return 0
	key=${entry##*/}
	[[ -d $dir ]] || mkdir -p "$dir" 2>/dev/null || return 0
	exec {objects_claim_fd}>>"$dir/${key:0:2}" 2>/dev/null || {
		objects_claim_fd=''
		return 0
	}
	if [[ $mode == try ]]; then
		flock -n "$objects_claim_fd" && return 0
		exec {objects_claim_fd}>&-
		objects_claim_fd=''
		return 3
	fi
	flock "$objects_claim_fd" || true
}

# objects_later TODO LATER MODE WHAT - after a pass of MODE over the job numbers in TODO: when it
# was the try pass and LATER lists jobs left to another job's claim (WHAT they are), those
# become TODO for the wait pass (status 0); else status 1, no pass left.
objects_later() {
	local todo=$1 later=$2 mode=$3 what=$4
	[[ $mode == try && -s $later ]] || return 1
	hp_verbose "$(wc -l <"$later") $what another job was making, waited for"
	mv -f "$later" "$todo" || hp_die "cannot write $todo"
	: >"$later" || hp_die "cannot write $later"
}

# objects_prefilter_one WORK SRC.c OBJ CMD [MODE] - one job of objects_prefilter: prints
# "drop<TAB>OBJ<TAB>VERDICT" or "keep<TAB>OBJ<TAB>WHY"; a verdict from the cache also appends
# OBJ to WORK/prefilter.hits. MODE try (the default): returns 3, printing nothing, when another
# job is making this TU's verdict (objects_claim); wait: waits for it.
objects_prefilter_one() {
	local work=$1 c=$2 obj=$3 cmd=$4 mode=${5:-try} side tree pp verdict rc=0 entry='' base='' hit kind claim=''
	local dir=$work/pp/${obj//\//_}
	if ! pp=$(objects_pp_cmd "$cmd" "$obj" "$dir/orig.i"); then
		printf 'keep\t%s\tcannot turn its command into a preprocessing one\n' "$obj"
		return 0
	fi
	# The original's preprocessed text and the verdict records are keyed on the command
	# without its output (objects_verdict_get).
	if [[ -n ${OBJECTS_CACHE_DIR:-} ]]; then
		base=$(objects_cache_entry "$c" "$obj" "${pp/" -o $dir/orig.i "/" "}") && base=${base%.o} || base=''
	fi
	if [[ -n $base ]] && hit=$(objects_verdict_get "$base" "$work"); then
		printf '%s\t%s\t%s\n' "${hit%%$'\t'*}" "$obj" "${hit#*$'\t'}"
		printf '%s\n' "$obj" >>"$work/prefilter.hits"
		return 0
	fi
	if [[ -n $base ]]; then
		objects_claim claim "$base" "$mode" || return 3
		# (the job that held the claim may have made this very verdict since the look above)
		if [[ -n $claim ]] && hit=$(objects_verdict_get "$base" "$work"); then
			exec {claim}>&-
			printf '%s\t%s\t%s\n' "${hit%%$'\t'*}" "$obj" "${hit#*$'\t'}"
			printf '%s\n' "$obj" >>"$work/prefilter.hits"
			return 0
		fi
	fi
	# (made only now: a verdict from the cache needs no files, amdgpu.h 345 TUs of them)
	mkdir -p "$dir" || return 1
	for side in orig patched; do
		tree=$HP_CACHE/src
		[[ $side == orig ]] || tree=$work/shadow
		pp=$(objects_pp_cmd "$cmd" "$obj" "$dir/$side.i") || return 1
		# The original's preprocessed text, like its object, depends only on the release and
		# the command (every candidate carrying the header asks for it again): kept gzipped
		# (3.9 MB -> 0.5 MB, 0.06 s) in the object cache.
		if [[ $side == orig && -n $base ]]; then
			entry=$base.i.gz
			if [[ -s $entry ]] && gzip -dc "$entry" >"$dir/orig.i" 2>/dev/null; then
				hp_cache_refresh "$OBJECTS_CACHE_DIR" "$entry"
				continue
			fi
		fi
		# the patched side's dependencies: what its verdict record depends on. -MD, not
		# kbuild's -MMD: a patched header may declare itself a system header, and -MMD would
		# leave out every file it includes
		[[ $side == orig ]] || pp=${pp/" -E -o "/" -Wp,-MD,$dir/patched.d -E -o "}
		if ! (cd "$tree" && hp_target_exec bash -c "$pp") >"$dir/$side.log" 2>&1; then
			# compiling it will say why
			printf 'keep\t%s\tpreprocessing the %s side failed\n' "$obj" "$side"
			rm -rf "$dir"
			return 0
		fi
		# an original read through ".." proves nothing: kept, its compile fails by name
		if [[ $side == patched ]] && ! objects_shadow_check "$tree" "$dir/patched.d" "$obj" 2>/dev/null; then
			printf 'keep\t%s\tthe patched side opened an original file through ".."\n' "$obj"
			rm -rf "$dir"
			return 0
		fi
		if [[ $side == orig && -n $base ]] && gzip -1 -c "$dir/orig.i" >"$dir/orig.i.gz"; then
			objects_cache_put "$entry" "$dir/orig.i.gz" "$work"
		fi
	done
	verdict=$("$OBJECTS_PPCMP" "$dir/orig.i" "$dir/patched.i" 2>&1) || rc=$?
	verdict=${verdict//$'\n'/ }
	kind=keep
	((rc != 0)) || kind=drop
	# only ppcmp's answers (0: cannot change, 2: may change) are kept, never its errors
	if [[ -n $base ]] && ((rc == 0 || rc == 2)); then
		objects_verdict_put "$base" "$work" "$dir" "$kind" "$verdict"
	fi
	[[ -z $claim ]] || exec {claim}>&-
	rm -rf "$dir"
	printf '%s\t%s\t%s\n' "$kind" "$obj" "$verdict"
}

# The patched side of a TU is new on every run, yet hotpatch-triage asks for it once per
# candidate, and a driver's candidates carry the same headers (amdgpu: 46 candidates with
# amdgpu.h & co, 345 TUs each, ~520 s a candidate). Its -E text, and so ppcmp's verdict,
# depend only on the command (the key of the original's .i.gz), the release's tree and
# toolchain (the cache key's ID), and the files preprocessing opened: the original tree's
# are the key's, the patched ones are the candidate's. So each verdict is kept as a record
# KEY-NAME.pf-SUM beside the .i.gz:
#   hotpatch-verdict<TAB>FORMAT
#   ppcmp<TAB>SHA256 of the hotpatch-ppcmp that gave it
#   verdict<TAB>drop|keep<TAB>TEXT
#   dep<TAB>PATH<TAB>NORMALIZED     each file the patched -E opened (gcc -MD), as gcc wrote it
#                                   (./ stripped) and with its dir/.. parts removed
#   file<TAB>PATH<TAB>SHA256        each patched file among them, and its content
#   phys<TAB>PATH<TAB>WHERE         each dep with a .. part: where it resolved (objects_pf_phys)
# and is reused (objects_verdict_get) only by a run whose patched files among the deps are
# exactly these contents, whose every added file (not in the original tree: it could change
# which file an #include finds) is among the deps, and whose shadow resolves every .. dep to
# the same file (a directory is real in one shadow, a link into the tree in another). A
# failed preprocessing is never recorded.
OBJECTS_VERDICT_FORMAT=1

# objects_pf_set WORK - WORK/prefilter.set: "PATH<TAB>SHA256<TAB>ADDED" for every file of
# WORK/patched-src (ADDED 1: the original tree has no such file); once per run.
objects_pf_set() {
	local work=$1 sum path added
	: >"$work/prefilter.set" || return 1
	[[ -d $work/patched-src ]] || return 0
	while read -r sum path; do
		path=${path#./}
		added=1
		[[ ! -e $HP_CACHE/src/$path && ! -L $HP_CACHE/src/$path ]] || added=0
		printf '%s\t%s\t%s\n' "$path" "$sum" "$added"
	done < <(cd "$work/patched-src" && find . -type f -print0 | xargs -0r sha256sum) >>"$work/prefilter.set"
}

# objects_pf_phys WORK - for each path read (a dep of the patched side, relative to the
# shadow), "PATH<TAB>WHERE": shadow:REL (a file of the shadow itself: a patched one),
# tree:REL (the original tree's) or abs:PATH. Non-zero when one does not resolve.
objects_pf_phys() {
	local work=$1 sp op w r out i
	local -a ws=() ps=() rs=()
	mapfile -t ws
	((${#ws[@]})) || return 0
	sp=$(cd "$work/shadow" && pwd -P) && op=$(cd "$HP_CACHE/src" && pwd -P) || return 1
	for w in "${ws[@]}"; do
		[[ $w == /* ]] && ps+=("$w") || ps+=("$work/shadow/$w")
	done
	out=$(realpath -e -- "${ps[@]}" 2>/dev/null) || return 1
	mapfile -t rs <<<"$out"
	((${#rs[@]} == ${#ws[@]})) || return 1
	for ((i = 0; i < ${#ws[@]}; i++)); do
		r=${rs[i]}
		case $r in
		"$sp"/*) r=shadow:${r#"$sp"/} ;;
		"$op"/*) r=tree:${r#"$op"/} ;;
		*) r=abs:$r ;;
		esac
		printf '%s\t%s\n' "${ws[i]}" "$r"
	done
}

# objects_verdict_put BASE WORK DIR KIND TEXT - record the verdict of the TU preprocessed in
# DIR (its patched.d) as BASE.pf-SUM; a failure leaves the cache without it.
objects_verdict_put() {
	local base=$1 work=$2 dir=$3 kind=$4 text=$5 sum sp
	[[ -s $dir/patched.d ]] || return 0
	# gcc -MD: "TARGET: DEP DEP \<newline> DEP ...", no escapes in a kernel tree's paths
	sp=$(cd "$work/shadow" && pwd -P) || return 0
	awk -F'\t' -v shadow="$work/shadow/" -v shadowp="$sp/" -v want="$dir/phys.want" '
	'"$INCLUDES_AWK_NORM"'
	function anorm(p) { return (substr(p, 1, 1) == "/" ? "/" : "") norm(p) }
	function under(p, d) { return substr(p, 1, length(d)) == d }
	FILENAME == ARGV[1] { sum[$1] = $2; next }
	{
		sub(/\\$/, "")
		if ($0 ~ /\\/)
			bad = 1
		n = split($0, f, /[ \t]+/)
		for (i = 1; i <= n; i++) {
			p = f[i]
			if (p == "" || p ~ /:$/)
				continue
			if (under(p, shadow))
				p = substr(p, length(shadow) + 1)
			else if (under(p, shadowp))
				p = substr(p, length(shadowp) + 1)
			while (substr(p, 1, 2) == "./")
				p = substr(p, 3)
			q = anorm(p)
			if (p in seen)
				continue
			seen[p] = 1
			deps[++nd] = p "\t" q
			if (p in sum && !(p in file))
				file[p] = sum[p]
			if (q in sum && !(q in file))
				file[q] = sum[q]
			if (p ~ /(^|\/)\.\.(\/|$)/)
				print p >want
		}
	}
	END {
		if (bad || nd == 0)
			exit 1
		for (i = 1; i <= nd; i++)
			print "dep\t" deps[i]
		for (p in file)
			print "file\t" p "\t" file[p]
	}' "$work/prefilter.set" "$dir/patched.d" >"$dir/record.deps" || return 0
	# a dep naming this run's scratch directory would never match another run's
	! grep -qF -e "$work/" -e "$sp/" "$dir/record.deps" || return 0
	: >>"$dir/phys.want" || return 0
	# "end" last: a record cut short (a full disk) is no record
	{
		printf 'hotpatch-verdict\t%s\n' "$OBJECTS_VERDICT_FORMAT" &&
			printf 'ppcmp\t%s\n' "$OBJECTS_PPCMP_ID" &&
			printf 'verdict\t%s\t%s\n' "$kind" "$text" &&
			cat "$dir/record.deps" &&
			objects_pf_phys "$work" <"$dir/phys.want" >"$dir/record.phys" &&
			sed 's/^/phys\t/' "$dir/record.phys" &&
			printf 'end\n'
	} >"$dir/record" || return 0
	sum=$(sha256sum <"$dir/record") || return 0
	objects_cache_put "$base.pf-${sum:0:16}" "$dir/record" "$work"
}

# OBJECTS_AWK_VERDICT - the awk program that judges records (-F'\t', -v fmt=FORMAT, -v
# id=PPCMP_ID; input: WORK/prefilter.set, then the paths of the records, one per line): for
# each record that holds for this run's patched files, "R<TAB>RECORD<TAB>KIND<TAB>TEXT", then
# "P<TAB>PATH<TAB>WHERE" for each of its phys lines (which objects_verdict_pick resolves).
# One awk for every record: a TU of amdgpu has one for each set of headers some candidate
# carried, dozens in a whole update, and a header has hundreds of TUs.
# shellcheck disable=SC2016,SC2089 # an awk program, expanded by awk
OBJECTS_AWK_VERDICT='
function judge(path,   line, f, r, first, bad, ok_id, ended, kind, verdict, np, dep, rec, phys, p, i) {
	first = 1
	while ((r = (getline line < path)) > 0) {
		split(line, f, "\t")
		if (first && (f[1] != "hotpatch-verdict" || f[2] != fmt))
			bad = 1
		first = 0
		if (bad)
			break
		if (f[1] == "ppcmp") {
			if (f[2] != id) {
				bad = 1
				break
			}
			ok_id = 1
		}
		if (f[1] == "verdict") {
			verdict = substr(line, length(f[1] "\t" f[2] "\t") + 1)
			kind = f[2]
		}
		if (f[1] == "dep") {
			dep[f[2]] = 1
			dep[f[3]] = 1
		}
		if (f[1] == "file")
			rec[f[2]] = f[3]
		if (f[1] == "phys")
			phys[++np] = f[2] "\t" f[3]
		ended = line == "end"
	}
	close(path)
	if (r < 0 || bad || !ended || !ok_id || (kind != "drop" && kind != "keep"))
		return
	for (p in rec)
		if (!(p in sum) || sum[p] != rec[p])
			return
	for (p in sum)
		if (p in dep && !(p in rec))
			return
	for (p in added)
		if (!(p in dep))
			return
	print "R\t" path "\t" kind "\t" verdict
	for (i = 1; i <= np; i++)
		print "P\t" phys[i]
}
FILENAME == ARGV[1] { sum[$1] = $2; if ($3 == 1) added[$1] = 1; next }
$0 != "" { judge($0) }'

# OBJECTS_AWK_BASE - base(NAME): NAME without its last ".pf-" and what follows (as bash's
# ${NAME%.pf-*}): the TU a record belongs to.
# shellcheck disable=SC2089 # an awk program, exported whole to the filter's jobs
OBJECTS_AWK_BASE='
function base(name,   n, i) {
	n = 0
	while ((i = index(substr(name, n + 1), ".pf-")) > 0)
		n += i
	return n ? substr(name, 1, n - 1) : name
}'

# objects_verdict_pick WORK - of OBJECTS_AWK_VERDICT's lines on stdin, the first record of each
# TU (its records share the name BASE.pf-) that holds, once its ".." paths resolve in this
# run's shadow as it says: "BASE<TAB>RECORD<TAB>KIND<TAB>TEXT" each. The paths of all the
# records are resolved together (objects_pf_phys: one realpath), and the records compared in
# one awk: amdgpu's TUs include through "amdgpu/../include", so each of their records has
# dozens of such paths, and a header's records thousands of lines.
objects_verdict_pick() {
	local work=$1 tmp p
	local -a paths=()
	tmp=$(mktemp -d "$work/pick.XXXXXX") || return 1
	cat >"$tmp/judged" || return 1
	# a path this shadow lacks resolves nowhere: a record that has it does not hold
	while IFS= read -r p; do
		if [[ $p == /* && -e $p || $p != /* && -e $work/shadow/$p ]]; then
			paths+=("$p")
		fi
	done < <(awk -F'\t' '$1 == "P" && !seen[$2]++ { print $2 }' "$tmp/judged")
	: >"$tmp/where"
	if ((${#paths[@]})); then
		printf '%s\n' "${paths[@]}" | objects_pf_phys "$work" >"$tmp/where" || : >"$tmp/where"
	fi
	awk -F'\t' "$OBJECTS_AWK_BASE"'
	function flush(   b) {
		if (r == "" || want != have)
			return
		b = base(r)
		if (!(b in picked)) {
			picked[b] = 1
			print b "\t" r "\t" rest
		}
	}
	FILENAME == ARGV[1] { where[$1] = $2; next }
	$1 == "R" {
		flush()
		r = $2
		rest = substr($0, length("R\t" $2 "\t") + 1)
		want = have = ""
		next
	}
	$1 == "P" {
		want = want $2 "\t" $3 "\n"
		have = have $2 "\t" (($2 in where) ? where[$2] : "") "\n"
	}
	END { flush() }' "$tmp/where" "$tmp/judged"
	rm -rf "$tmp"
}

# objects_verdict_get BASE WORK - "drop|keep<TAB>TEXT" of a record BASE.pf-* that holds for
# this run's patched files (see above); non-zero when none does.
objects_verdict_get() {
	local base=$1 work=$2 line r verdict
	local -a recs=("$base".pf-*)
	[[ -f ${recs[0]} ]] || return 1
	line=$(printf '%s\n' "${recs[@]}" |
		awk -F'\t' -v fmt="$OBJECTS_VERDICT_FORMAT" -v id="$OBJECTS_PPCMP_ID" "$OBJECTS_AWK_VERDICT" \
			"$work/prefilter.set" - | objects_verdict_pick "$work") || return 1
	[[ -n $line ]] || return 1
	IFS=$'\t' read -r _ r verdict <<<"$line"
	hp_cache_refresh "$OBJECTS_CACHE_DIR" "$r"
	printf '%s\n' "$verdict"
}

# objects_prefilter_cached WORK - the header filter's verdicts that the cache holds for the TUs
# of WORK/prefilter.jobs (objects_prefilter_one would take the same), written as it writes
# them to WORK/prefilter and WORK/prefilter.hits; the line numbers of the other TUs in
# WORK/prefilter.todo. One sha256sum for the records' names, one awk for all their records
# (objects_verdict_pick): a child shell, a key and an awk for each TU before (amdgpu.h: 345).
objects_prefilter_cached() {
	local work=$1 i=0 c obj cmd pp dir b r kind text glob=0
	local -a objs=() used=()
	local -A num=() hit=()
	: >"$work/prefilter" || hp_die "cannot write $work/prefilter"
	awk '{ print NR }' "$work/prefilter.jobs" >"$work/prefilter.todo" || hp_die "cannot write $work/prefilter.todo"
	[[ -n ${OBJECTS_CACHE_DIR:-} ]] || return 0
	# each TU's key, as objects_prefilter_one makes it (a TU whose command cannot be turned
	# into a preprocessing one gets none: objects_prefilter_one says so)
	while IFS=$'\t' read -r c obj cmd; do
		i=$((i + 1))
		objs[i]=$obj
		dir=$work/pp/${obj//\//_}
		if objects_pp_cmd_to pp "$cmd" "$obj" "$dir/orig.i"; then
			printf '%s\t%s\t%s\n' "$c" "$obj" "${pp/" -o $dir/orig.i "/" "}"
		else
			objs[i]=''
			printf '%s\t%s\t%s\n' - - -
		fi
	done <"$work/prefilter.jobs" >"$work/prefilter.keys"
	objects_cache_entries <"$work/prefilter.keys" >"$work/prefilter.entries" || return 0
	i=0
	while IFS= read -r b; do
		i=$((i + 1))
		[[ -z ${objs[i]} ]] || num[${b%.o}]=$i
	done <"$work/prefilter.entries"
	# their records (every record of the cache named, those of these TUs kept), in name order
	shopt -q nullglob || glob=1
	shopt -s nullglob
	printf '%s\n' "$OBJECTS_CACHE_DIR"/*.pf-* |
		awk "$OBJECTS_AWK_BASE"'NR == FNR { want[$0] = 1; next } base($0) in want' \
			<(printf '%s\n' "${!num[@]}") - >"$work/prefilter.records" || : >"$work/prefilter.records"
	((!glob)) || shopt -u nullglob
	[[ -s $work/prefilter.records ]] || return 0
	while IFS=$'\t' read -r b r kind text; do
		i=${num[$b]:-}
		[[ -n $i ]] || continue
		hit[$i]=1
		used+=("$r")
		printf '%s\t%s\t%s\n' "$kind" "${objs[i]}" "$text" >>"$work/prefilter"
		printf '%s\n' "${objs[i]}" >>"$work/prefilter.hits"
	done < <(awk -F'\t' -v fmt="$OBJECTS_VERDICT_FORMAT" -v id="$OBJECTS_PPCMP_ID" "$OBJECTS_AWK_VERDICT" \
		"$work/prefilter.set" "$work/prefilter.records" | objects_verdict_pick "$work")
	((${#used[@]})) || return 0
	hp_cache_refresh "$OBJECTS_CACHE_DIR" "${used[@]}"
	for ((i = 1; i <= ${#objs[@]}; i++)); do
		[[ -n ${hit[$i]:-} ]] || printf '%s\n' "$i"
	done >"$work/prefilter.todo"
}

# objects_prefilter WORK - leave out of WORK/tus each TU that is there only because it includes
# a changed header and whose object cannot change; the whole verdict list in WORK/prefilter.
# Sets OBJECTS_DROPPED (how many).
objects_prefilter() {
	local work=$1 c obj cmd n kept dropped ident hits mode
	OBJECTS_DROPPED=0
	((${#PATCH_H[@]})) || return 0
	if [[ ${HOTPATCH_PREFILTER:-1} == 0 ]]; then
		hp_verbose "header filter: off (HOTPATCH_PREFILTER=0)"
		return 0
	fi
	if ! OBJECTS_PPCMP=$(objects_ppcmp_tool); then
		hp_log "hotpatch-ppcmp is not built (make): every TU that includes a changed header is compiled"
		return 0
	fi
	# the TUs of the patch's own .c files (spelled "amdgpu/../pm/x.c" in the database) stay
	awk -F'\t' "$INCLUDES_AWK_NORM"'
	NR == FNR { own[$0] = 1; next }
	!(norm($1) in own) { print $1 "\t" $2 "\t" $4 }' <(printf '%s\n' "${PATCH_C[@]}") "$work/tus" >"$work/prefilter.jobs" ||
		hp_die "cannot list the TUs for the header filter"
	[[ -s $work/prefilter.jobs ]] || return 0
	[[ -d $work/shadow ]] || objects_shadow "$HP_CACHE/src" "$work/patched-src" "$work/shadow"
	objects_cache_init "$HP_CACHE/src"
	rm -f "$work/prefilter.hits" "$work/objects-published"
	: >"$work/prefilter.hits" || hp_die "cannot write $work/prefilter.hits"
	# the verdict records (objects_verdict_get): what a record is checked against
	if [[ -n $OBJECTS_CACHE_DIR ]]; then
		OBJECTS_PPCMP_ID=$(sha256sum <"$OBJECTS_PPCMP") || hp_die "cannot read $OBJECTS_PPCMP"
		OBJECTS_PPCMP_ID=${OBJECTS_PPCMP_ID%% *}
		objects_pf_set "$work" || hp_die "cannot list the patched files of $work/patched-src"
	fi
	export -f objects_prefilter_one objects_pp_cmd objects_pp_cmd_to objtool_strip hp_die hp_target_exec buildroot_exec \
		objects_cache_entry objects_cache_put hp_cache_refresh objects_verdict_get objects_verdict_put \
		objects_verdict_pick objects_pf_phys objects_shadow_check
	# shellcheck disable=SC2090 # an awk program, passed whole to awk
	export HP_CACHE HP_BUILDROOT HP_CACHE_ROOT HP_OBJTOOL_DEFERRED OBJECTS_PPCMP OBJECTS_CACHE_DIR \
		OBJECTS_CACHE_ID HP_CACHE_REFRESH_MIN OBJECTS_PPCMP_ID OBJECTS_VERDICT_FORMAT INCLUDES_AWK_NORM \
		OBJECTS_AWK_VERDICT OBJECTS_AWK_BASE
	# the verdicts the cache holds, in one pass; the other TUs' numbers in WORK/prefilter.todo
	objects_prefilter_cached "$work"
	# the TUs whose verdict another job was making go in WORK/prefilter.later, for a second pass
	# that waits for them (objects_claim)
	: >"$work/prefilter.later" || hp_die "cannot write $work/prefilter.later"
	export -f objects_claim
	# shellcheck disable=SC2016 # the job script expands its own arguments
	for mode in try wait; do
		xargs -P "${HP_JOBS:-2}" -I{} bash -c '
			IFS=$'"'"'\t'"'"' read -r c obj cmd <<<"$(sed -n "{}p" "$1")"
			rc=0
			objects_prefilter_one "$2" "$c" "$obj" "$cmd" "$3" || rc=$?
			((rc != 3)) || { printf "%s\n" "{}" >>"$2/prefilter.later"; rc=0; }
			exit "$rc"' _ "$work/prefilter.jobs" "$work" "$mode" \
			<"$work/prefilter.todo" >>"$work/prefilter" || hp_die "the header filter failed"
		objects_later "$work/prefilter.todo" "$work/prefilter.later" "$mode" "header filter verdict(s)" || break
	done
	n=$(wc -l <"$work/prefilter.jobs")
	[[ $(wc -l <"$work/prefilter") == "$n" ]] || hp_die "the header filter gave no verdict for some TUs (see $work/prefilter)"
	awk -F'\t' 'NR == FNR { if ($1 == "drop") drop[$2] = 1; next } !($2 in drop)' \
		"$work/prefilter" "$work/tus" >"$work/tus.kept" || hp_die "cannot filter $work/tus"
	mv "$work/tus.kept" "$work/tus"
	dropped=$(awk -F'\t' '$1 == "drop"' "$work/prefilter" | wc -l)
	hits=$(wc -l <"$work/prefilter.hits")
	ident=$(awk -F'\t' '$1 == "drop" && $3 == "identical"' "$work/prefilter" | wc -l)
	kept=$((n - dropped))
	OBJECTS_DROPPED=$((OBJECTS_DROPPED + dropped))
	hp_log "header filter: $dropped of $n TU(s) that only include ${PATCH_H[*]} not compiled ($ident preprocess identically, $((dropped - ident)) differ only in unused function declarations or static inlines), $kept kept; $hits verdict(s) from the cache; HOTPATCH_PREFILTER=0 compiles them all"
	if [[ ${HP_VERBOSE:-} == 1 ]]; then
		while IFS=$'\t' read -r c obj cmd; do
			hp_verbose "header filter: $obj: $c ($cmd)"
		done <"$work/prefilter"
	fi
	[[ ! -e $work/objects-published ]] || objects_cache_prune
	return 0
}

# objects_compile_tu TREE OUT OBJ CMD - compile OBJ in TREE (SRC, or a shadow of it) with CMD,
# its line of the compile database, rewritten by objects_cmd_for: OUT/OBJ, its -MMD file and
# OUT/OBJ.cmd (the command run). The compiler's messages go to stderr. Returns non-zero when
# the command cannot be redirected, fails, or writes no object.
objects_compile_tu() {
	local tree=$1 out=$2 obj=$3 cmd=$4 rc=0 dir=.
	cmd=$(objtool_strip "$cmd") || return 1
	cmd=$(objects_cmd_for "$cmd" "$out" "$obj") || return 1
	[[ $obj != */* ]] || dir=${obj%/*}
	[[ -d $out/$dir ]] || mkdir -p "$out/$dir" || return 1
	rm -f "$out/$obj"
	printf '%s\n' "$cmd" >"$out/$obj.cmd"
	hp_verbose "(cd $tree && $cmd)"
	(cd "$tree" && hp_target_exec bash -c "set -e; $cmd") >&2 || rc=$?
	if ((rc != 0)); then
		printf 'hotpatch: %s: error: %s: compiling failed (exit %d); command in %s\n' \
			"$HP_STAGE" "$obj" "$rc" "$out/$obj.cmd" >&2
		return 1
	fi
	if [[ ! -s $out/$obj ]]; then
		printf 'hotpatch: %s: error: %s: no object written to %s\n' "$HP_STAGE" "$obj" "$out" >&2
		return 1
	fi
	if ! objtool_code_hacks "$out/$obj" "$cmd" >&2; then
		printf 'hotpatch: %s: error: %s: objtool --hacks failed on %s\n' "$HP_STAGE" "$obj" "$out/$obj" >&2
		return 1
	fi
}

# The original object of a TU depends only on the release's tree, its compile database line,
# the recipe above and the toolchain, yet every run compiled it again: a maintainer iterating
# on one fix, and hotpatch-triage on every retry of a candidate (each carried header
# recompiles every TU that includes it) and for every candidate carrying the same header. So it
# is kept per release in OBJECTS_CACHE (default HP_CACHE/objects, HOTPATCH_OBJECT_CACHE=0: not
# used) as KEY-NAME.o, KEY hashing everything it depends on (objects_cache_init,
# objects_cache_entry); a compiler wrapper (ccache, distcc) is not part of it, it gives the
# same object. Only the original side: the patched one is new on every run.
#
# An entry is never modified: a hit is copied (a hard link would let a later step that writes
# the object in place change the cache), an entry is read-only, and it is published once,
# synced, from a temporary in the same directory renamed without replacing (concurrent writers
# of one key: the first one's stays, the others' temporaries go). An interrupted writer leaves
# a .tmp.* that no lookup names. Entries are kept and pruned by the rule of the init code's
# cache (build/common.sh hp_cache_refresh, hp_cache_prune): a hit marks its entry used, a run
# that published an entry removes the entries and temporaries unused for 8 days.
OBJECTS_CACHE_FORMAT=1

# objects_cache_init SRC - HP_OBJTOOL_DEFERRED (objtool's arguments under SRC's
# configuration), OBJECTS_CACHE_DIR (empty: no cache) and OBJECTS_CACHE_ID, the hash of what
# every original object of this run depends on besides its own database line: format, recipe
# (the functions as this tree has them), release, tree (package versions, the preparation
# stamps), the flags and objtool arguments added to every command, the compiler (its
# --version as hp_check_compiler asked it, the build root and its package list, the compiler,
# cc1, as and objtool files). Exported for the stages' jobs. Computed once per run: the map,
# the header filter and the compile each ask (0.02 s and 8 processes each), and a later call
# with the same ingredients from the environment (OBJECTS_CACHE_OF) keeps them.
objects_cache_init() {
	local src=$1 dir=${OBJECTS_CACHE:-$HP_CACHE/objects} br=${HP_BUILDROOT:-} cc=${HP_CC:-gcc-12} f of
	local -a tools=()
	of="$objects_sh_dir|$src|$dir|${HOTPATCH_OBJECT_CACHE:-1}|$HP_CACHE|$HP_RELEASE|${HP_KCFLAGS:-}|$br|$cc|$PATH"
	[[ ${OBJECTS_CACHE_OF:-} != "$of" ]] || return 0
	HP_OBJTOOL_DEFERRED=$(objtool_deferred_args "$src/.config")
	OBJECTS_CACHE_DIR='' OBJECTS_CACHE_ID='' OBJECTS_CACHE_OF=$of
	export HP_OBJTOOL_DEFERRED OBJECTS_CACHE_DIR OBJECTS_CACHE_ID OBJECTS_CACHE_OF
	[[ ${HOTPATCH_OBJECT_CACHE:-1} != 0 ]] || return 0
	if ! mkdir -p "$dir" 2>/dev/null || ! : >>"$dir/.lock" 2>/dev/null; then
		hp_log "cannot write the object cache $dir: every original object is compiled"
		return 0
	fi
	hp_check_compiler "$src/.config"
	if [[ -z $br ]]; then
		f=$(command -v "$cc") && tools+=("$f")
	else
		tools+=("$br/usr/bin/$cc")
	fi
	for f in "$br"/usr/libexec/gcc/x86_64-linux-gnu/*/cc1 "$br"/usr/lib/gcc/x86_64-linux-gnu/*/cc1; do
		[[ -e $f ]] && tools+=("$f")
	done
	tools+=("$br/usr/bin/as" "$src/tools/objtool/objtool")
	OBJECTS_CACHE_ID=$(
		{
			printf 'format %s\n' "$OBJECTS_CACHE_FORMAT"
			declare -f objects_compile_tu objects_cmd_for objtool_strip objtool_code_hacks objects_cache_entry
			printf '%s\n' "cache $HP_CACHE" "release $HP_RELEASE" "kcflags ${HP_KCFLAGS:-}" \
				"objtool ${HP_OBJTOOL_DEFERRED:-}" "compiler ${HP_CC_ASKED:-}" "root ${br:-host}"
			cat "$HP_CACHE/pkgversion" "$HP_CACHE/kbuildversion" "$HP_CACHE/.done/unpack" "$HP_CACHE/.done/tree" 2>/dev/null || true
			[[ -z $br ]] || cat "$br/.hotpatch-root" 2>/dev/null || true
			stat -L -c '%n %s %Y' "${tools[@]}" 2>/dev/null || true
		} | sha256sum
	) || hp_die "cannot compute the object cache key"
	OBJECTS_CACHE_ID=${OBJECTS_CACHE_ID%% *}
	OBJECTS_CACHE_DIR=$dir
}

# objects_cache_entry SRC.c OBJ CMD - the cache entry of OBJ's original object.
objects_cache_entry() {
	local key
	key=$(printf '%s\n' "$OBJECTS_CACHE_ID" "$1" "$2" "$3" | sha256sum) || return 1
	printf '%s/%s-%s\n' "$OBJECTS_CACHE_DIR" "${key:0:32}" "${2##*/}"
}

# objects_cache_entries - objects_cache_entry of each "SRC.c<TAB>OBJ<TAB>CMD" line on stdin, one
# line each, in order: one sha256sum for all (a header's users: hundreds).
objects_cache_entries() {
	local tmpd c obj cmd n=0 i sum path
	local -a names=() files=()
	tmpd=$(mktemp -d "${TMPDIR:-/tmp}/hotpatch-keys.XXXXXX") || return 1
	while IFS=$'\t' read -r c obj cmd; do
		n=$((n + 1))
		# exactly what objects_cache_entry hashes
		printf '%s\n' "$OBJECTS_CACHE_ID" "$c" "$obj" "$cmd" >"$tmpd/$n" || {
			rm -rf "$tmpd"
			return 1
		}
		names[n]=${obj##*/}
		files+=("$tmpd/$n")
	done
	if ((n)); then
		i=0
		while read -r sum path; do
			i=$((i + 1))
			[[ $path == "$tmpd/$i" ]] || break
			printf '%s/%s-%s\n' "$OBJECTS_CACHE_DIR" "${sum:0:32}" "${names[i]}"
		done < <(sha256sum "${files[@]}")
		((i == n)) || {
			rm -rf "$tmpd"
			return 1
		}
	fi
	rm -rf "$tmpd"
}

# objects_cmd_file OUT OBJ CMD - OUT/OBJ.cmd, the command a compile of OBJ into OUT runs (what
# objects_compile_tu writes), for an object or a failure the cache gave instead.
objects_cmd_file() {
	local cmd
	cmd=$(objtool_strip "$3") && objects_cmd_for "$cmd" "$1" "$2" >"$1/$2.cmd"
}

# objects_cache_get ENTRY OUT OBJ CMD - OUT/OBJ (and OUT/OBJ.cmd, the command a compile would
# have run) from ENTRY; non-zero when it is not there (or was pruned meanwhile).
objects_cache_get() {
	local entry=$1 out=$2 obj=$3 cmd=$4 dir=.
	[[ -s $entry ]] || return 1
	hp_cache_refresh "$OBJECTS_CACHE_DIR" "$entry"
	[[ $obj != */* ]] || dir=${obj%/*}
	[[ -d $out/$dir ]] || mkdir -p "$out/$dir" || return 1
	rm -f "$out/$obj"
	if ! cp --no-preserve=mode "$entry" "$out/$obj" 2>/dev/null || [[ ! -s $out/$obj ]]; then
		rm -f "$out/$obj"
		return 1
	fi
	objects_cmd_file "$out" "$obj" "$cmd"
}

# objects_cache_put ENTRY FILE WORK - publish FILE (a compiled original object, its gcc -E
# or gcc -M output) as ENTRY (see above), WORK/objects-published marking that this run
# published (none without WORK); a failure leaves the cache without it, never the build
# without its object.
objects_cache_put() {
	local entry=$1 file=$2 work=$3 tmp
	tmp=$(mktemp "$OBJECTS_CACHE_DIR/.tmp.${entry##*/}.XXXXXX" 2>/dev/null) || return 0
	if cp "$file" "$tmp" && chmod 444 "$tmp" && sync "$tmp" && mv -n "$tmp" "$entry"; then
		[[ -z $work ]] || : >>"$work/objects-published"
	fi
	rm -f "$tmp"
}

# objects_shadow_check SHADOW DEPFILE OBJ - fails, saying so, when the compile whose dependency
# file is DEPFILE read the original of a file patched in SHADOW: a path gcc opened through ".."
# whose lexical form names a patched file but which leads elsewhere (past a symbolic link).
objects_shadow_check() {
	local tree=$1 dep=$2 obj=$3 p n rc=0
	[[ -s $dep ]] || return 0
	while IFS=$'\t' read -r p n; do
		[[ -f $tree/$n && ! -L $tree/$n ]] || continue
		[[ $tree/$p -ef $tree/$n ]] && continue
		printf 'hotpatch: objects: error: %s (patched): the compiler opened %s, which is not the patched %s but its original: the patched tree %s lets ".." out of it there; this is a bug of hotpatch, please report it\n' \
			"$obj" "$p" "$n" "$tree" >&2
		rc=1
	done < <(sed 's/\\$//' "$dep" | tr -s '[:blank:]' '\n' | awk '
		'"$INCLUDES_AWK_NORM"'
		!/:$/ && /(^|\/)\.\.(\/|$)/ { print $0 "\t" norm($0) }')
	return "$rc"
}

# objects_compile_errors LOG - the compiler's first 20 errors in LOG, each with the "note:
# expected 'T'" that follows it: the type the code expected names what a changed header
# renamed (triage finds the header by it: tc_error_idents)
objects_compile_errors() {
	awk '/error|Error/ { k = n++ < 20; if (k) print "  " $0; next }
		k && / note: expected / && m++ < 20 { print "  " $0 }' "$1"
}

# A patched TU that does not compile is compiled again on every run: ccache keeps no failures,
# and a whole-update triage has hundreds of candidates whose .c does not compile without a
# header that changes a layout (294 of 1,214 in 6.1.190-1 -> 6.1.192-1, 390 s of compiles in
# each warm run). The patched side's inputs are the release's tree (OBJECTS_CACHE_ID) and the
# patched files the shadow lays over it, so a failure is kept in the object cache as
# KEY-NAME.fail (the compiler's messages), KEY hashing OBJECTS_PATCHED_ID (that ID plus the
# path, content and addedness of every patched file) and the TU's database line. Kept only
# when the compiler itself said why, and nothing says the machine got in the way (a signal, a
# full disk, a wrapper's own failure): such a failure must be retried, never replayed. A
# replay says so in the log; a compile that succeeds is never looked up here.
OBJECTS_FAIL_FORMAT=1

# objects_fail_init WORK - OBJECTS_PATCHED_ID (empty: no failure records) for WORK's patched
# files; after objects_cache_init. Besides them and the object cache's ID it hashes what else
# shapes the tree a patched side compiles in: the files tree_generate added to the release's
# tree (a version that generates more would let a failure for a missing generated header
# stand) and the include index's version (which directories of the shadow are real).
objects_fail_init() {
	local work=$1 id
	OBJECTS_PATCHED_ID=''
	export OBJECTS_PATCHED_ID
	[[ -n ${OBJECTS_CACHE_DIR:-} ]] || return 0
	[[ -s $work/prefilter.set ]] || objects_pf_set "$work" || return 0
	id=$({
		printf 'fail %s\n%s\nincludes %s\n' "$OBJECTS_FAIL_FORMAT" "$OBJECTS_CACHE_ID" "${INCLUDES_VERSION:-}"
		cat "$HP_CACHE/generated" 2>/dev/null || printf 'no generated list\n'
		LC_ALL=C sort "$work/prefilter.set"
	} | sha256sum) || return 0
	OBJECTS_PATCHED_ID=${id%% *}
}

# objects_fail_entry SRC.c OBJ CMD - the failure record of OBJ's patched side.
objects_fail_entry() {
	local key
	key=$(printf '%s\n' "$OBJECTS_PATCHED_ID" "$1" "$2" "$3" | sha256sum) || return 1
	printf '%s/%s-%s.fail\n' "$OBJECTS_CACHE_DIR" "${key:0:32}" "${2##*/}"
}

# objects_fail_keep ENTRY LOG WORK - record the failed compile whose messages are LOG (output
# of objects_compile_tu) as ENTRY when the compiler said why, in a "FILE:LINE:COL: error:"
# line, exited 1 and nothing in LOG points at the machine. The record holds the compiler's
# messages only: objects_compile_tu's own last line names this run's scratch directory.
objects_fail_keep() {
	local entry=$1 log=$2 work=$3
	grep -q '^hotpatch: [a-z]*: error: [^ ]*: compiling failed (exit 1); command in ' "$log" || return 0
	grep -Eq '^[^ :][^:]*:[0-9]+:[0-9]+: (fatal )?error: ' "$log" || return 0
	! grep -Eq 'internal compiler error|signal terminated program|error writing to|No space left on device|Cannot allocate memory|out of memory|memory exhausted|Input/output error|Too many open files|Resource temporarily unavailable|Broken pipe|^(ccache|distcc|icecc|ICECC)' "$log" ||
		return 0
	grep -v '^hotpatch: ' "$log" >"$log.fail" || {
		rm -f "$log.fail"
		return 0
	}
	objects_cache_put "$entry" "$log.fail" "$work"
	rm -f "$log.fail"
}

# objects_fail_replay ENTRY TREE OUT OBJ CMD - what objects_compile_tu would say of the
# recorded failure ENTRY: its messages and OUT/OBJ.cmd; non-zero when there is no such record.
objects_fail_replay() {
	local entry=$1 tree=$2 out=$3 obj=$4 cmd=$5
	[[ -s $entry ]] || return 1
	hp_cache_refresh "$OBJECTS_CACHE_DIR" "$entry"
	objects_cmd_file "$out" "$obj" "$cmd" || return 1
	cat "$entry" || return 1
	printf 'hotpatch: %s: error: %s: compiling failed (exit 1); command in %s\n' "$HP_STAGE" "$obj" "$out/$obj.cmd"
	# (no path in this line: hotpatch-triage reads every line that says "error" as the compiler's)
	printf 'hotpatch: %s: these messages are the object cache'"'"'s record of the same compile (same tree, patched files and command) failing before; it was not run again (HOTPATCH_OBJECT_CACHE=0 runs it)\n' \
		"$HP_STAGE"
	hp_verbose "$obj (patched): a failure recorded in the object cache, $entry (in $tree)"
}

# objects_compile_failed SRC.c SIDE LOG - say that SIDE of SRC.c does not compile, with the
# compiler's errors from LOG (hotpatch-triage reads these words).
objects_compile_failed() {
	printf 'hotpatch: objects: error: %s (%s) does not compile:\n' "$1" "$2" >&2
	objects_compile_errors "$3" >&2
	printf '  full log: %s\n' "$3" >&2
}

# objects_compile_one SIDE TREE WORK SRC.c OBJ CMD [MODE] - one job of objects_compile: the
# compiler's messages go to WORK/SIDE/OBJ.log, the errors among them to stderr. The original
# side comes from the object cache when it has it, and goes there when it did not; a patched
# side that failed before with the same inputs is replayed from there (objects_fail_keep).
# MODE try (the default): returns 3 when another job is compiling the same original
# (objects_claim); wait: waits for it, then takes its object.
objects_compile_one() {
	local side=$1 tree=$2 work=$3 c=$4 obj=$5 cmd=$6 mode=${7:-try} log entry='' fail='' dir=. claim='' try
	[[ $obj != */* ]] || dir=${obj%/*}
	[[ -d $work/$side/$dir ]] || mkdir -p "$work/$side/$dir"
	log=$work/$side/$obj.log
	if [[ $side == orig && -n ${OBJECTS_CACHE_DIR:-} ]]; then
		entry=$(objects_cache_entry "$c" "$obj" "$cmd") || entry=''
		for try in cached claimed; do
			if [[ -n $entry ]] && objects_cache_get "$entry" "$work/$side" "$obj" "$cmd"; then
				[[ -z $claim ]] || exec {claim}>&-
				printf 'from the object cache: %s\n' "$entry" >"$log"
				hp_verbose "$obj (orig): from the object cache $entry"
				: >"$work/$side/$obj.cached"
				return 0
			fi
			[[ -n $entry && $try == cached ]] || break
			objects_claim claim "$entry" "$mode" || return 3
			# (the job that held the claim may have published it since the look above)
			[[ -n $claim ]] || break
		done
	fi
	if [[ $side == patched && -n ${OBJECTS_CACHE_DIR:-} && -n ${OBJECTS_PATCHED_ID:-} ]]; then
		fail=$(objects_fail_entry "$c" "$obj" "$cmd") || fail=''
	fi
	if [[ -n $fail ]] && objects_fail_replay "$fail" "$tree" "$work/$side" "$obj" "$cmd" >"$log" 2>&1; then
		objects_compile_failed "$c" "$side" "$log"
		printf '  (as the object cache recorded it: the same compile failed before; HOTPATCH_OBJECT_CACHE=0 runs it again)\n' >&2
		return 1
	fi
	if ! objects_compile_tu "$tree" "$work/$side" "$obj" "$cmd" >"$log" 2>&1; then
		[[ -z $fail ]] || objects_fail_keep "$fail" "$log" "$work"
		objects_compile_failed "$c" "$side" "$log"
		return 1
	fi
	if [[ $side == patched ]]; then
		objects_shadow_check "$tree" "$work/$side/$(dirname "$obj")/.$(basename "$obj").d" "$obj" || return 1
	fi
	[[ -z $entry ]] || objects_cache_put "$entry" "$work/$side/$obj" "$work"
	[[ -z $claim ]] || exec {claim}>&-
}

# objects_compile WORK - both objects of every TU of WORK/tus; sets OBJECTS_CACHED, the number
# of original objects the cache gave.
objects_compile() {
	local work=$1 src=$HP_CACHE/src
	objects_compile_env "$work"
	local c obj cmd
	local -A first=()
	if [[ -s $work/compiled-first ]]; then
		while read -r obj; do first[$obj]=1; done <"$work/compiled-first"
	fi
	: >"$work/jobs"
	# The patched side first: with -j 1 (hotpatch-triage's candidates) a patched file that does
	# not compile stops the run before its original is compiled for nothing.
	while IFS=$'\t' read -r c obj _ cmd; do
		[[ -n ${first[$obj]:-} ]] ||
			printf 'patched\t%s\t%s\t%s\t%s\n' "$work/shadow" "$c" "$obj" "$cmd" >>"$work/jobs"
		printf 'orig\t%s\t%s\t%s\t%s\n' "$src" "$c" "$obj" "$cmd" >>"$work/jobs"
	done <"$work/tus"
	objects_run_jobs "$work"
	OBJECTS_CACHED=0
	while IFS=$'\t' read -r c obj _; do
		[[ -s $work/orig/$obj && -s $work/patched/$obj ]] || hp_die "$obj: an object is missing"
		[[ ! -e $work/orig/$obj.cached ]] || OBJECTS_CACHED=$((OBJECTS_CACHED + 1))
	done <"$work/tus"
	[[ ! -e $work/objects-published ]] || objects_cache_prune
}

# objects_compile_changed WORK - with a changed header, the patched side of the TUs WORK/tus
# holds so far (the patch's own .c files) and of WORK/first (objects_map_first), listed in
# WORK/compiled-first for objects_compile.
# Finding the TUs a header reaches preprocesses each candidate once or twice (gcc -M, then the
# header filter's gcc -E on both sides): amdgpu's 345 took 508 s. A changed .c that does not
# compile against the changed headers ends the run anyway, and it is the likeliest to: in a
# whole-update triage 472 attempts spent 4,357 s of 16,023 in that stage before a compile
# that failed.
objects_compile_changed() {
	local work=$1 c obj cmd
	objects_compile_env "$work"
	[[ -f $work/first ]] || : >"$work/first" || hp_die "cannot write $work/first"
	: >"$work/jobs"
	while IFS=$'\t' read -r c obj _ cmd; do
		printf 'patched\t%s\t%s\t%s\t%s\n' "$work/shadow" "$c" "$obj" "$cmd" >>"$work/jobs"
	done < <(cat "$work/tus" "$work/first")
	objects_run_jobs "$work"
	cut -f2 "$work/tus" "$work/first" >"$work/compiled-first" || hp_die "cannot write $work/compiled-first"
}

# objects_compile_changed_wanted WORK - is there a header scan to save (a changed header) and a
# .c to compile before it (WORK/tus after objects_map_changed, WORK/first)?
objects_compile_changed_wanted() {
	((${#PATCH_H[@]})) && [[ -s $1/tus || -s $1/first ]]
}

# objects_wrapper_env - ccache's options when it is HOTPATCH_CC_WRAPPER (each only unless set):
# - CCACHE_NOHASHDIR: the patched side compiles in a new shadow tree per run, and with the
#   working directory (DW_AT_comp_dir) in the hash no rerun would ever hit;
# - CCACHE_DEPEND: by default a miss runs the preprocessor first, to hash its output, then the
#   compiler, which preprocesses again; the depend mode hashes the files the compiler's -MMD
#   list names instead (kbuild's -Wp,-MMD), so a miss costs one compile. In a cold
#   whole-update triage those extra preprocessor runs were a quarter of all CPU (1,700 of them
#   in the first 224 candidates). A hit is the same either way (the direct mode's manifest),
#   and so are entries made in either mode.
objects_wrapper_env() {
	local w=${HOTPATCH_CC_WRAPPER:-}
	w=${w%% *}
	[[ ${w##*/} == ccache ]] || return 0
	export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true} CCACHE_DEPEND=${CCACHE_DEPEND:-true}
}

# objects_compile_env WORK - what objects_run_jobs' child shells need: the shadow, the object
# cache, the compiler wrapper's settings, the functions and variables they use.
objects_compile_env() {
	local work=$1
	objects_wrapper_env
	[[ -d $work/shadow ]] || objects_shadow "$HP_CACHE/src" "$work/patched-src" "$work/shadow"
	export -f objects_compile_one objects_compile_errors objects_compile_tu objects_cmd_for hp_die hp_verbose \
		hp_target_exec buildroot_exec objtool_strip objtool_code_hacks objects_shadow_check \
		objects_cache_entry objects_cache_get objects_cache_put hp_cache_refresh objects_fail_entry \
		objects_fail_keep objects_fail_replay objects_cmd_file objects_compile_failed
	objects_cache_init "$HP_CACHE/src"
	objects_fail_init "$work"
	# shellcheck disable=SC2090 # an awk program, passed whole to awk
	export HP_STAGE HP_VERBOSE HP_BUILDROOT HP_CACHE_ROOT HP_CACHE HP_OBJTOOL_DEFERRED \
		OBJECTS_CACHE_DIR OBJECTS_CACHE_ID HP_CACHE_REFRESH_MIN INCLUDES_AWK_NORM
}

# objects_run_jobs WORK - every job of WORK/jobs ("side<TAB>tree<TAB>src.c<TAB>obj<TAB>cmd"),
# HP_JOBS at a time; dies naming what did not compile.
objects_run_jobs() {
	local work=$1
	# The first TU that does not compile dooms the build: the jobs not started yet are
	# skipped (a header change can reach hundreds of TUs; triage spent an hour on amdgpu's).
	local mode
	rm -f "$work/compile.failed" "$work/objects-published"
	# the originals another job was compiling go in WORK/jobs.later, for a second pass that
	# waits for them (objects_claim)
	awk '{ print NR }' "$work/jobs" >"$work/jobs.todo" || hp_die "cannot write $work/jobs.todo"
	: >"$work/jobs.later" || hp_die "cannot write $work/jobs.later"
	export -f objects_claim
	for mode in try wait; do
		# shellcheck disable=SC2016 # the job script expands its own arguments
		xargs -P "${HP_JOBS:-2}" -I{} bash -c '
			[[ ! -e $2/compile.failed ]] || exit 0
			IFS=$'"'"'\t'"'"' read -r side tree c obj cmd <<<"$(sed -n "{}p" "$1")"
			rc=0
			objects_compile_one "$side" "$tree" "$2" "$c" "$obj" "$cmd" "$3" || rc=$?
			((rc != 3)) || { printf "%s\n" "{}" >>"$2/jobs.later"; exit 0; }
			((rc != 0)) || exit 0
			printf "%s\t%s\n" "$side" "{}" >>"$2/compile.failed"
			exit 1' _ \
			"$work/jobs" "$work" "$mode" <"$work/jobs.todo" ||
			{
				objects_check_failed_orig "$work" "$HP_CACHE/src"
				hp_die "compiling failed (see above)"
			}
		objects_later "$work/jobs.todo" "$work/jobs.later" "$mode" "original object(s)" || break
	done
}

# objects_fail_in_patch WORK LOG - is every error of the compiler's messages LOG ("FILE:LINE:COL:
# error:", the compile ran in a shadow of the tree) on a line that WORK's patch changed or
# added? Then the patch's own lines are why, and the original, which has none of them, needs no
# check: a tree or toolchain that does not compile that TU fails on lines the patch left alone
# too. Non-zero when any error is elsewhere, or no error is named.
objects_fail_in_patch() {
	local work=$1 log=$2 e f n l
	local -a errs=()
	local -A changed=() diffed=()
	mapfile -t errs < <(sed -nE 's/^(\.\/)?([^ :][^:]*):([0-9]+):[0-9]+: (fatal )?error: .*/\2\t\3/p' "$log")
	((${#errs[@]})) || return 1
	for e in "${errs[@]}"; do
		f=${e%%$'\t'*} n=${e#*$'\t'}
		[[ $f != *..* && -f $work/patched-src/$f ]] || return 1
		if [[ -z ${diffed[$f]:-} ]]; then
			diffed[$f]=1
			if [[ ! -e $HP_CACHE/src/$f ]]; then
				# a file the patch adds: every line is the patch's
				changed[$f:*]=1
			else
				while IFS= read -r l; do
					changed[$f:$l]=1
				done < <(diff --unchanged-line-format= --old-line-format= --new-line-format=$'%dn\n' \
					"$HP_CACHE/src/$f" "$work/patched-src/$f")
			fi
		fi
		[[ -n ${changed[$f:$n]:-} || -n ${changed[$f:*]:-} ]] || return 1
	done
}

# objects_check_failed_orig WORK SRC - after a failed compile: the original of each TU whose
# patched side failed and whose original was not compiled (the patched side goes first and a
# failure stops the jobs) is checked with -fsyntax-only (kernel/signal.c: 0.4 s, a fifth of a
# compile), unless the object cache holds it (compiled with this tree and toolchain) or every
# error is on a line of the patch (objects_fail_in_patch). "does
# not compile" says the fix does not build against the target only while the original does:
# an original that fails too (a broken toolchain, a wrong database command) is the tool's
# error, reported as "(orig) does not compile".
objects_check_failed_orig() {
	local work=$1 src=$2 side n c obj cmd log entry
	local -A failed=()
	while IFS=$'\t' read -r side n; do
		failed[$side.$n]=1
	done <"$work/compile.failed"
	while IFS=$'\t' read -r side n; do
		[[ $side == patched ]] || continue
		IFS=$'\t' read -r _ _ c obj cmd <<<"$(sed -n "${n}p" "$work/jobs")"
		# the original is the job after its patched side
		[[ ! -s $work/orig/$obj && -z ${failed[orig.$((n + 1))]:-} ]] || continue
		if objects_fail_in_patch "$work" "$work/patched/$obj.log"; then
			hp_verbose "$obj (orig): not checked: every error of its patched side is on a line the patch changed"
			continue
		fi
		# an original the object cache holds compiled with this tree and toolchain, or checked
		# before (ENTRY.ok: a triage retries such a candidate on every run)
		entry=''
		if [[ -n ${OBJECTS_CACHE_DIR:-} ]] && entry=$(objects_cache_entry "$c" "$obj" "$cmd") &&
			[[ -s $entry || -s $entry.ok ]]; then
			[[ ! -s $entry.ok ]] || hp_cache_refresh "$OBJECTS_CACHE_DIR" "$entry.ok"
			continue
		fi
		mkdir -p "$work/orig-check/$(dirname "$obj")" || return 0
		log=$work/orig-check/$obj.log
		cmd=$(objects_cmd_for "${cmd%%;*}" "$work/orig-check" "$obj") || return 0
		hp_verbose "(cd $src && $cmd -fsyntax-only)"
		if ! (cd "$src" && hp_target_exec bash -c "set -e; $cmd -fsyntax-only") >"$log" 2>&1; then
			objects_compile_failed "$c" orig "$log"
		elif [[ -n $entry ]] && printf 'the original compiles (-fsyntax-only)\n' >"$log.ok"; then
			objects_cache_put "$entry.ok" "$log.ok" ''
		fi
	done <"$work/compile.failed"
}

# objects_cache_prune - after publishing: the entries unused for 8 days go (build/common.sh).
objects_cache_prune() {
	local fd
	exec {fd}>>"$OBJECTS_CACHE_DIR/.lock" || return 0
	if flock "$fd"; then
		hp_cache_prune "$OBJECTS_CACHE_DIR" '' "an original object" '*.o' '*.i.gz' '*.deps' '*.pf-*' '*.fail' '*.ok' '.tmp.*'
	fi
	exec {fd}>&-
}

# tree_compile_tu SRCROOT OUT TU... - compile each TU (path of the object relative to the tree,
# e.g. fs/proc/meminfo.o) of the source tree SRCROOT into OUT/<TU> with objects_compile_tu: the
# command of the release's compile database (the kernel's exact flags plus $HP_KCFLAGS, objtool
# as kbuild runs it). Nothing is written inside SRCROOT.
#
# SRCROOT is the prepared tree (HP_SRC), a shadow of it (objects_shadow) or a copy of it in which
# a patch replaced some files (e.g. `cp -al` + `patch`, which writes new inodes).
#
# Why not `make O=/tmp/x fs/proc/meminfo.o`: kbuild refuses O= builds from a tree configured in
# place ("The source tree is not clean"). And no make at all runs in the tree here: even
# `make -n` runs the tools/objtool sub-make for real (the top Makefile resets its MAKEFLAGS),
# which can rebuild tools/objtool inside the shared tree. The command comes from the compile
# database (build/compiledb.sh: `make -n vmlinux modules` once, at --setup, under the lock).
tree_compile_tu() {
	local srcroot=$1 out=$2 tu line
	shift 2
	(($#)) || hp_die "tree_compile_tu: no translation unit given"
	[[ -f $srcroot/.config && -f $srcroot/include/generated/autoconf.h ]] ||
		hp_die "$srcroot is not a prepared kernel tree"
	if ! declare -F compiledb_get >/dev/null || [[ ! -s $HP_CACHE/compiledb ]]; then
		hp_die "no compile database in $HP_CACHE (run hotpatch-build.sh --setup)"
	fi
	mkdir -p "$out" || hp_die "cannot create $out"
	HP_OBJTOOL_DEFERRED=$(objtool_deferred_args "$srcroot/.config")
	srcroot=$(cd "$srcroot" && pwd -P)
	out=$(cd "$out" && pwd -P)
	case $out/ in
	"$srcroot"/*) hp_die "the output directory $out is inside the source tree $srcroot" ;;
	esac
	for tu in "$@"; do
		[[ $tu == *.o && $tu != /* && $tu != *..* ]] || hp_die "'$tu' is not an object path relative to the tree (e.g. fs/proc/meminfo.o)"
		[[ -f $srcroot/${tu%.o}.c ]] || hp_die "${tu%.o}.c: no such file in $srcroot"
		line=$(compiledb_get "${tu%.o}.c")
		[[ $line == "$tu"$'\t'* ]] || hp_die "$tu: not in the compile database (is it built by this .config?)"
		# "obj<TAB>target<TAB>gcc ... -c -o obj src ; objtool ... obj"
		objects_compile_tu "$srcroot" "$out" "$tu" "${line#*$'\t'*$'\t'}" || exit 1
	done
}
