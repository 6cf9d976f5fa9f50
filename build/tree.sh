# shellcheck shell=bash
# build/tree.sh - the prepared source tree of a release.
#
#   tree_prepare                       <cache>/<release>/src: tree_unpack (linux-source
#                                      extracted) + tree_configure (Debian's config,
#                                      `make olddefconfig prepare` with CC=gcc-12,
#                                      resolve_btfids left out)
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
