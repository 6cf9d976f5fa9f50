# shellcheck shell=bash
# build/tree.sh - the prepared source tree of a release.
#
#   tree_prepare                       <cache>/<release>/src: tree_unpack (linux-source
#                                      extracted) + tree_configure (Debian's config,
#                                      `make olddefconfig prepare` with CC=gcc-12,
#                                      resolve_btfids left out)
#
#   tree_generate                      once per release, after the compile database: the
#                                      files kbuild generates inside source directories
#                                      (flask.h, *.asn1.[ch], crc32table.h, ...), stamp
#                                      .done/$TREE_GENERATED_STAMP, list <cache>/generated
#
# Single TUs are compiled against the tree by build/objects.sh (tree_compile_tu).
#
# Why the tree is prepared in place: kbuild records absolute paths of the tree in a few places
# (tools/objtool is built with O=$(abspath $(objtree))), so a prepared tree must not move. The
# source is extracted into a temporary directory and renamed to src/ (atomic), then prepared
# there; the "tree" stamp is written only after prepare succeeded. A src/ without the stamp is a
# leftover of an interrupted run and is removed by the next one (under the lock).

HP_CC=${HP_CC:-gcc-12}
HP_KCFLAGS=${HP_KCFLAGS:--ffunction-sections -fdata-sections}

# tree_make ARGS... - make in src/ with the release's compiler; failures name the stage.
# --no-print-directory: without it the top Makefile runs itself once more (__sub-make), and a
# make option that is not passed on in MAKEFLAGS (-o below) would not reach the make that works.
tree_make() {
	local jobs
	jobs=${HP_JOBS:-$(nproc)}
	set -- --no-print-directory "$@"
	hp_verbose "make -C $HP_CACHE/src CC=$HP_CC -j$jobs $*"
	if [[ $HP_VERBOSE == 1 ]]; then
		hp_target_exec make -C "$HP_CACHE/src" CC="$HP_CC" -j"$jobs" "$@" >&2 ||
			hp_die "make $* failed in $HP_CACHE/src"
	else
		local log=$HP_CACHE/.tmp.make.$$.log
		if ! hp_target_exec make -C "$HP_CACHE/src" CC="$HP_CC" -j"$jobs" "$@" >"$log" 2>&1; then
			tail -n 30 "$log" >&2
			rm -f "$log"
			hp_die "make $* failed in $HP_CACHE/src (last lines above)"
		fi
		rm -f "$log"
	fi
}

# tree_extract DEST - unpack the kernel tarball from linux-source-6.1 into DEST.
tree_extract() {
	local dest=$1 deb st srcpkg
	srcpkg=$(suite_source_pkg "$HP_RELEASE")
	deb=$HP_CACHE/debs/$(target_deb_name "$srcpkg")
	[[ -f $deb ]] || hp_die "$deb is missing (the download stage did not run?)"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$srcpkg.tar.xz" |
		tar -xJ -C "$dest" --strip-components=1
	st=("${PIPESTATUS[@]}")
	[[ ${st[*]} == "0 0 0" ]] || hp_die "cannot unpack the kernel source from $deb (exit statuses: ${st[*]})"
	[[ -f $dest/Makefile && -d $dest/kernel ]] || hp_die "$deb holds no kernel tree"
}

# tree_config - Debian's config, adjusted only where building outside Debian's infrastructure
# needs it: the trusted/revocation key files name Debian's certificates, which the source package
# does not ship (they only matter for vmlinux, never for a module or a single object).
tree_config() {
	local src=$HP_CACHE/src config=$HP_CACHE/root/boot/config-$HP_RELEASE
	if [[ -n $(suite_of "$HP_RELEASE") ]]; then
		# 6.12 packages strip BUILD_SALT and the module signing options from the image's copy;
		# the headers' .config is the one the kernel was built with
		config=$HP_CACHE/root/usr/src/linux-headers-$HP_RELEASE/.config
	fi
	[[ -f $config ]] || hp_die "$config is missing (linux-image-$HP_RELEASE ships it)"
	cp "$config" "$src/.config" || hp_die "cannot copy $config"
	"$src/scripts/config" --file "$src/.config" \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" ||
		hp_die "cannot adjust $src/.config"
	hp_check_compiler "$src/.config"
}

tree_prepare() {
	tree_unpack
	tree_configure
}

# tree_unpack - the source tree's files (needs only the downloaded packages, so setup runs it
# while the image is unpacked). A src/ without the unpack stamp is what an interrupted run left;
# one with it but without the tree stamp is prepared again (make is idempotent there).
tree_unpack() {
	local dir=$HP_CACHE tmp
	hp_stage_begin unpack
	if hp_is_done "$dir" tree || hp_is_done "$dir" unpack; then
		hp_stage_end cached
		return 0
	fi
	if [[ -e $dir/src ]]; then
		hp_log "removing the unfinished source tree of an interrupted run"
		rm -rf "$dir/src" || hp_die "cannot remove $dir/src"
	fi
	tmp=$(hp_tmpdir "$dir" src)
	tree_extract "$tmp"
	hp_atomic_mv "$tmp" "$dir/src"
	hp_mark_done "$dir" unpack
	hp_stage_end
}

# tree_configure - Debian's config, olddefconfig, prepare; needs root/ (the image's config).
tree_configure() {
	local dir=$HP_CACHE
	hp_stage_begin tree
	if hp_is_done "$dir" tree; then
		hp_stage_end cached
		return 0
	fi
	[[ -d $dir/src ]] || hp_die "$dir/src is missing (tree_unpack first)"
	tree_config
	tree_make olddefconfig
	hp_check_compiler "$dir/src/.config"
	if [[ -n $(suite_of "$HP_RELEASE") ]]; then
		suite_check_config "$dir/src/.config" "$dir/root/usr/src/linux-headers-$HP_RELEASE/.config"
	fi
	# -o: resolve_btfids (with its own libbpf and libsubcmd) only serves vmlinux's and the
	# modules' BTF link step; no TU compile and no objtool run reads it, and a patch module is
	# linked against the headers package, not this tree. Every other prepare target stays.
	tree_make -o tools/bpf/resolve_btfids prepare
	hp_mark_done "$dir" tree
	hp_stage_end
}

# `make prepare` leaves out what kbuild generates per directory while it builds that directory
# (SELinux's flask.h and av_permissions.h, the *.asn1.[ch] of ksmbd, cifs, crypto and
# netfilter, lib/crc32table.h, radeon's *_reg_safe.h, the vdso images ...): every TU that
# includes one fails to compile on both sides. Which files those are is kbuild's knowledge, so
# it is asked rather than listed here: `make -n --debug=b vmlinux modules` names every target
# it would remake; the .c and .h ones that do not exist (but the modules' *.mod.c and the
# dot-files of the final links, which need vmlinux or modpost) are made by their own
# directory's Makefile.build, which builds exactly them and what they need (a host program
# such as lib/gen_crc32table), nothing else of the directory. The stage's version is in its
# stamp: a change here makes every cache run the stage once more.
TREE_GENERATED_VERSION=1
TREE_GENERATED_STAMP=generated-$TREE_GENERATED_VERSION

# tree_generated_missing MAKEOUT - from `make -n --debug=b` output, the generated .c and .h
# files the tree lacks, one a line, relative to src/.
tree_generated_missing() {
	local f
	sed -n "s/^ *Must remake target '\(.*\)'\.\$/\1/p" "$1" | LC_ALL=C sort -u |
		while IFS= read -r f; do
			case $f in
			*.mod.c | .* | */.* | scripts/* | tools/* | /*) continue ;;
			*.c | *.h) ;;
			*) continue ;;
			esac
			[[ -e $HP_CACHE/src/$f || -L $HP_CACHE/src/$f ]] || printf '%s\n' "$f"
		done
}

# tree_files - every file and link of src/, sorted (the generation's undo list).
tree_files() {
	(cd "$HP_CACHE/src" && find . \( -type f -o -type l \) -print) | LC_ALL=C sort
}

# tree_generate - make the missing generated files of src/ (see above), once per release.
# Under the lock; an interrupted run is undone by the next one: generated.before lists src/
# before the stage, and whatever is not in it goes. The stamp is written last.
tree_generate() {
	local dir=$HP_CACHE before=$HP_CACHE/generated.before out mk list log d f n i=0 made
	local -a missing=() failed=()
	local -A bydir=()
	hp_stage_begin generated
	if hp_is_done "$dir" "$TREE_GENERATED_STAMP"; then
		hp_stage_end cached
		return 0
	fi
	hp_lock "$dir"
	if hp_is_done "$dir" "$TREE_GENERATED_STAMP"; then
		hp_stage_end cached
		return 0
	fi
	if [[ -s $before ]]; then
		hp_log "removing what an interrupted generation left in $dir/src"
		tree_files | LC_ALL=C comm -13 "$before" - | (cd "$dir/src" && xargs -r -d '\n' rm -f --) ||
			hp_die "cannot undo the interrupted generation in $dir/src"
	else
		tree_files | hp_atomic_write "$before"
	fi
	out=$(mktemp "$dir/.tmp.genmakedn.XXXXXX") || hp_die "cannot create a file in $dir"
	# the flags of build/compiledb.sh: the same targets, the same tools left alone
	(cd "$dir/src" && hp_target_exec make -n -k -j"${HP_JOBS:-$(nproc)}" -Orecurse --no-print-directory \
		--debug=b -o tools/objtool -o tools/bpf/resolve_btfids CC="$HP_CC" KCFLAGS="$HP_KCFLAGS" \
		vmlinux modules) >"$out" 2>/dev/null || true
	n=$(grep -c "Must remake target" "$out" || true)
	if ((n < 1000)); then
		rm -f "$out"
		hp_die "make -n --debug=b in $dir/src named only $n targets; is the tree prepared?"
	fi
	mapfile -t missing < <(tree_generated_missing "$out")
	rm -f "$out"
	# each file by the Makefile of its directory (or the nearest one above that has one)
	for f in "${missing[@]}"; do
		d=${f%/*}
		[[ $d != "$f" ]] || d=.
		while [[ $d != . && ! -f $dir/src/$d/Makefile && ! -f $dir/src/$d/Kbuild ]]; do
			[[ $d == */* ]] && d=${d%/*} || d=.
		done
		bydir[$d]+=" $f"
	done
	mk=$(mktemp "$dir/.tmp.generated.XXXXXX.mk") || hp_die "cannot create a file in $dir"
	{
		printf 'PHONY += hp-generated\nhp-generated:'
		for d in "${!bydir[@]}"; do printf ' hp-generated-%s' "$((i++))"; done
		printf '\n'
		i=0
		for d in "${!bydir[@]}"; do
			# shellcheck disable=SC2016 # make expands $(MAKE) and $(build)
			printf 'PHONY += hp-generated-%s\nhp-generated-%s:\n\t$(Q)$(MAKE) $(build)=%s%s\n' \
				"$i" "$i" "$d" "${bydir[$d]}"
			i=$((i + 1))
		done
	} >"$mk" || hp_die "cannot write $mk"
	log=$(mktemp "$dir/.tmp.generated.XXXXXX.log") || hp_die "cannot create a file in $dir"
	hp_verbose "make -C $dir/src -f Makefile -f $mk hp-generated (${#missing[@]} files)"
	# -k: a generator that fails costs only the TUs that include its file (they fail as they
	# did before); -o: nothing generated here may wait for the kernel's own link
	hp_target_exec make -C "$dir/src" -k -j"${HP_JOBS:-$(nproc)}" --no-print-directory \
		-f Makefile -f "$mk" -o tools/objtool -o tools/bpf/resolve_btfids -o vmlinux -o vmlinux.o \
		CC="$HP_CC" KCFLAGS="$HP_KCFLAGS" hp-generated >"$log" 2>&1 || true
	for f in "${missing[@]}"; do
		[[ -e $dir/src/$f ]] || failed+=("$f")
	done
	if ((${#failed[@]})); then
		tail -n 20 "$log" >&2
		hp_log "warning: could not generate ${failed[*]} in $dir/src (last lines of make above): the TUs that include them do not compile"
	fi
	rm -f "$mk" "$log"
	# the record of what the stage made (the generated files and the host programs they needed)
	list=$(mktemp "$dir/.tmp.generated.XXXXXX") || hp_die "cannot create a file in $dir"
	tree_files | LC_ALL=C comm -13 "$before" - | sed 's|^\./||' >"$list" || hp_die "cannot list the generated files"
	if ! chmod 644 "$list" || ! mv -f "$list" "$dir/generated"; then
		hp_die "cannot write $dir/generated"
	fi
	made=$(grep -c -v -e '/\.[^/]*\.cmd$' -e '/\.[^/]*\.d$' "$dir/generated" || true)
	# an include index made before the stage lacks the edges out of the generated headers
	# (ksmbd's asn1.h includes linux/asn1_ber_bytecode.h): made again
	if [[ -s $dir/includes ]]; then
		includes_rebuild
	fi
	rm -f "$before"
	hp_mark_done "$dir" "$TREE_GENERATED_STAMP"
	hp_stage_end "${#missing[@]} targets, $made files, ${#failed[@]} failed"
}

# tree_generated_inputs - "INPUT<TAB>GENERATED" for every C source or header a generated .c/.h
# of src/ is made from (tree_generate): the files its command names, and the sources and local
# headers of the host program that made it (kbuild's .cmd records: deps_ and source_ lines),
# normalized as the include index. Built once per release, generated files are never made
# again for a patch, so a patch that changes one of these inputs would compile against the old
# generated file (SELinux's classmap.h makes flask.h and av_permissions.h; cpufeatures.h makes
# capflags.c). A host program's global headers (include/, arch/*/include/, tools/) are left
# out: genheaders includes uapi/linux/stddef.h, which the 6.1.192 update changes without
# changing what genheaders writes; a change there that would is not seen.
tree_generated_inputs() {
	local list=$HP_CACHE/generated
	[[ -s $list ]] || return 0
	(cd "$HP_CACHE/src" &&
		awk "$INCLUDES_AWK_NORM"'
		# the deps_ and source_ lines of a .cmd file, each printed against OUT
		function local_dep(p, out) {
			p = norm(p)
			if (p !~ /^(include|tools)\// && p !~ /^arch\/[^\/]*\/include\//)
				print p "\t" out
		}
		function deps(cmdfile, out,   line, in_deps) {
			in_deps = 0
			while ((getline line < cmdfile) > 0) {
				if (line ~ /^source_/) {
					sub(/^[^=]*:= */, "", line)
					local_dep(line, out)
				} else if (line ~ /^deps_/) {
					in_deps = 1
				} else if (in_deps) {
					if (line !~ /\\$/)
						in_deps = 0
					gsub(/[ \t\\]/, "", line)
					if (line != "" && line !~ /^\// && line !~ /wildcard/ && line !~ /^\$/)
						local_dep(line, out)
				}
			}
			close(cmdfile)
		}
		function readable(f,   l, r) { r = (getline l < f); close(f); return r >= 0 }
		# the .cmd of a generated .c/.h or of a host program (a name without a suffix)
		/\/\.[^\/]*\.cmd$/ {
			base = $0; sub(/^.*\/\./, "", base); sub(/\.cmd$/, "", base)
			if (base ~ /\./ && base !~ /\.[ch]$/)
				next
			dir = $0; sub(/\/[^\/]*$/, "", dir)
			out = dir "/" base
			deps($0, out)
			while ((getline line < $0) > 0) {
				# (the kbuild of 6.12 writes savedcmd_)
				if (line !~ /^(saved)?cmd_/)
					continue
				n = split(line, w, /[ \t;<>|()]+/)
				for (i = 3; i <= n; i++) {
					t = w[i]; sub(/^\.\//, "", t)
					if (t == "" || t ~ /^[-\/$]/ || t == out)
						continue
					if (t ~ /\.[ch]$/ && readable(t))
						print norm(t) "\t" out
					# a host program of the tree that makes it: its sources
					tdir = t; tb = t
					if (sub(/\/[^\/]*$/, "", tdir) && sub(/^.*\//, "", tb) && tb !~ /\./ &&
					    readable(tdir "/." tb ".cmd"))
						deps(tdir "/." tb ".cmd", out)
				}
			}
			close($0)
		}' "$list") | LC_ALL=C sort -u
}

# tree_generated_refuse FILE... - refuse (exit 2) when the patch changes an input of a generated
# file (tree_generated_inputs), naming both: the patched side would compile against the copy
# made once for the release, without the change.
tree_generated_refuse() {
	local -a hits=()
	(($#)) || return 0
	mapfile -t hits < <(tree_generated_inputs | awk -F'\t' 'NR == FNR { p[$0] = 1; next }
		($1 in p) { print $1 ": the generated " $2 " is made from it" }' <(printf '%s\n' "$@") -)
	((${#hits[@]})) || return 0
	printf 'hotpatch: %s: refused: %s\n' "$HP_STAGE" "${hits[@]}" >&2
	hp_refuse "the patch changes what kbuild generates files from, and the files this build compiles against were generated once for $HP_RELEASE without the change (see above)"
}
