# shellcheck shell=bash
# build/buildroot.sh - the build root of a target whose compiler the host cannot run: a Debian
# root made with mmdebstrap under the cache, holding exactly the compiler that the kernel's
# CONFIG_CC_VERSION_TEXT names plus what kbuild needs. Every compile and kbuild step of such a
# target runs inside it (hp_target_exec).
#
#   buildroot_cc CONFIG        "NAME PKG VERSION" of the compiler CONFIG was built with, e.g.
#                              "x86_64-linux-gnu-gcc-14 gcc-14 14.2.0-19"
#   buildroot_ensure CONFIG    make the root for CONFIG's compiler (once per suite and compiler,
#                              shared by every release that uses it); sets HP_BUILDROOT, HP_CC
#   buildroot_toolchain        for the current release: HP_CC and HP_BUILDROOT from
#                              <release>/toolchain, written by buildroot_setup at --setup
#   buildroot_exec CMD...      run CMD inside HP_BUILDROOT, working directory and data paths
#                              (cache root, TMPDIR, /tmp, $PWD, HP_BUILDROOT_BINDS) at the
#                              same place as on the host; the root is held (shared) meanwhile
#   buildroot_hold             hold HP_BUILDROOT (shared) until this shell exits: a build uses
#                              it from its first compile to its signature
#   buildroot_clean            remove the roots no cached release's toolchain names (a target's
#                              compiler changed, a release's cache was deleted), never one held;
#                              call with <cache root>/.buildroot/.lock held
#
# Layout: <cache root>/.buildroot/<suite>-<pkg>-<version>/ (e.g. trixie-gcc-14-14.2.0-19),
# complete when its .hotpatch-root stamp exists; made in a .tmp.* directory and renamed, under
# <cache root>/.buildroot/.lock.
#
# Why chroot in a private mount namespace: the data stays where it is (no copies, the paths in
# the compile database stay valid), the mounts vanish with the command, and the programs (gcc,
# as, make, pahole, the kbuild package's modpost and sign-file, which need the suite's libc and
# libssl) are the suite's. As root this is `unshare --mount` + chroot; a non-root user needs
# unprivileged user namespaces (`unshare --map-root-user`), which mmdebstrap also uses then.

HP_BUILDROOT=${HP_BUILDROOT:-}

# What kbuild needs besides the compiler: make, objtool's libelf, bc/bison/flex for prepare,
# libssl for sign-file and certs, pahole because CONFIG_PAHOLE_VERSION is part of the config,
# python3 for prepare's resolve_btfids (DEBUG_INFO_BTF). A root made with another list is remade.
BUILDROOT_PACKAGES=make,libelf-dev,bc,bison,flex,libssl-dev,dwarves,python3

buildroot_cc() {
	local text name pkg ver
	text=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$1" 2>/dev/null)
	[[ -n $text ]] || hp_die "$1 names no CONFIG_CC_VERSION_TEXT: cannot tell which compiler built the target"
	name=${text%% *}
	pkg=${name#x86_64-linux-gnu-}
	[[ $text =~ \(Debian\ ([^\)]+)\) ]] ||
		hp_die "CONFIG_CC_VERSION_TEXT '$text' names no Debian compiler version"
	ver=${BASH_REMATCH[1]}
	[[ $pkg =~ ^gcc-[0-9]+$ ]] || hp_die "CONFIG_CC_VERSION_TEXT '$text' is not a Debian gcc-N"
	printf '%s %s %s\n' "$name" "$pkg" "$ver"
}

# buildroot_root_suite SUITE - the Debian release whose toolchain built SUITE's kernels.
buildroot_root_suite() {
	case $1 in
	trixie) printf 'trixie\n' ;;
	bookworm-backports) printf 'bookworm\n' ;;
	*) hp_die "no build root known for suite '$1'" ;;
	esac
}

# buildroot_complete DIR - DIR is a finished root with today's package list.
buildroot_complete() {
	[[ -f $1/.hotpatch-root && $(sed -n 2p "$1/.hotpatch-root") == "$BUILDROOT_PACKAGES" ]]
}

# buildroot_ensure CONFIG [TOOLCHAIN] - with TOOLCHAIN, also record the root there (HP_CC= and
# HP_BUILDROOT=) before the lock is let go, and clean the roots nothing records any more: a
# root is never without its record while the lock is free, so the cleaning sees every root in
# use by a release.
buildroot_ensure() {
	local config=$1 record=${2:-} suite rsuite name pkg ver dir base
	suite=$(suite_of "$HP_RELEASE")
	rsuite=$(buildroot_root_suite "$suite")
	read -r name pkg ver < <(buildroot_cc "$config") || exit 1
	base=$HP_CACHE_ROOT/.buildroot
	dir=$base/$rsuite-$pkg-$ver
	# shellcheck disable=SC2034 # the caller's, as HP_BUILDROOT
	HP_CC=$name
	HP_BUILDROOT=$dir
	if buildroot_complete "$dir" && { [[ -z $record ]] || buildroot_recorded "$record" "$dir"; }; then
		return 0
	fi
	(
		mkdir -p "$base" || hp_die "cannot create $base"
		exec {fd}>>"$base/.lock" || hp_die "cannot open $base/.lock"
		flock "$fd" || hp_die "cannot lock $base/.lock"
		if ! buildroot_complete "$dir"; then
			buildroot_make "$config" "$suite" "$rsuite" "$name" "$pkg" "$ver" "$dir"
		fi
		if [[ -n $record ]]; then
			printf 'HP_CC=%q\nHP_BUILDROOT=%q\n' "$name" "$dir" | hp_atomic_write "$record"
			buildroot_clean
		fi
	) || exit 1
}

# buildroot_recorded TOOLCHAIN DIR - TOOLCHAIN names DIR as its build root.
buildroot_recorded() {
	[[ -f $1 && $(buildroot_record_root "$1") == "$2" ]]
}

# buildroot_record_root TOOLCHAIN - the HP_BUILDROOT a toolchain record names.
buildroot_record_root() {
	local line v=''
	while IFS= read -r line; do
		case $line in
		HP_BUILDROOT=*) eval "v=${line#HP_BUILDROOT=}" ;;
		esac
	done <"$1"
	printf '%s\n' "$v"
}

# buildroot_make CONFIG SUITE ROOTSUITE CCNAME PKG VERSION DIR - mmdebstrap the root; under the lock.
buildroot_make() {
	local config=$1 suite=$2 rsuite=$3 name=$4 pkg=$5 ver=$6 dir=$7 base
	base=$(dirname "$dir")
	(
		rm -rf "$base"/.tmp.* "$dir"
		command -v mmdebstrap >/dev/null || hp_die "mmdebstrap is not installed (make deps)"
		suite_apt_use "$suite"
		if ! apt-cache "${HP_APT_OPTS[@]}" madison "$pkg" 2>/dev/null | awk -F'|' '{ gsub(/ /, ""); print $2 }' |
			grep -qxF -- "$ver"; then
			hp_die "$HP_RELEASE was built with $pkg $ver, which Debian $rsuite no longer has (it has: $(apt-cache "${HP_APT_OPTS[@]}" madison "$pkg" 2>/dev/null | awk -F'|' '{ gsub(/ /, ""); print $2 }' | paste -sd' ' - | sed 's/^$/none/')); objects from another compiler version would not match the running kernel, so this release cannot be patched here"
		fi
		local tmp log
		tmp=$(hp_tmpdir "$base" root)
		log=$base/.tmp.log.$$
		hp_log "making the $rsuite build root with $pkg $ver ($dir, once per compiler)"
		# the build root's own sources are the suite's, minus backports (its toolchain is the
		# release's own: bookworm-backports kernels are built with bookworm's gcc-12 and pahole)
		# dpkg's fsync per unpacked file cost 40 s of the root's 106 s here (68 s without,
		# load 6-8); the root is made under a temporary name and synced once before its stamp
		if ! mmdebstrap --variant=apt --dpkgopt=force-unsafe-io \
			--include="$pkg=$ver,$BUILDROOT_PACKAGES" "$rsuite" "$tmp" - \
			< <(suite_sources "$suite" | grep -v -- '-backports ') >"$log" 2>&1; then
			tail -n 15 "$log" >&2
			rm -rf "$tmp" "$log"
			hp_die "mmdebstrap could not make a $rsuite root with $pkg=$ver (log above)"
		fi
		rm -f "$log"
		# kbuild's HOSTCC is plain gcc (cc for some tools): the same compiler
		ln -sfn "/usr/bin/$name" "$tmp/usr/local/bin/gcc" && ln -sfn "/usr/bin/$name" "$tmp/usr/local/bin/cc" ||
			hp_die "cannot link gcc in $tmp"
		local have
		have=$(HP_BUILDROOT=$tmp buildroot_exec "$name" --version | head -n1)
		[[ $have == "$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$config")" ]] ||
			hp_die "the new build root's $name says '$have', not the kernel's CONFIG_CC_VERSION_TEXT"
		sync -f "$tmp" || hp_die "cannot sync the new build root $tmp"
		printf '%s\n%s\n' "$have" "$BUILDROOT_PACKAGES" >"$tmp/.hotpatch-root"
		hp_atomic_mv "$tmp" "$dir"
	) || exit 1
}

buildroot_clean() {
	local base=$HP_CACHE_ROOT/.buildroot f dir fd size
	local -A used=()
	rm -rf "$base"/.tmp.*
	# by name: a record written through another spelling of the cache root (a symlink) still
	# protects its root
	for f in "$HP_CACHE_ROOT"/*/toolchain; do
		[[ -f $f ]] || continue
		dir=$(buildroot_record_root "$f")
		[[ -n $dir ]] && used[${dir##*/}]=1
	done
	for dir in "$base"/*/; do
		dir=${dir%/}
		[[ -f $dir/.hotpatch-root && -z ${used[${dir##*/}]:-} ]] || continue
		# a command still running in it (a build that read its toolchain before the record
		# changed) holds it shared: keep it for a later cleaning
		exec {fd}<"$dir" || continue
		if ! flock -n -x "$fd"; then
			exec {fd}<&-
			hp_log "keeping the build root $dir: no cached release uses it, but a command still runs in it"
			continue
		fi
		size=$(du -sh "$dir" 2>/dev/null | cut -f1)
		hp_log "removing the build root $dir (${size:-?}): no cached release uses it"
		# renamed first: an interrupted removal leaves a .tmp.* (removed under the lock by the
		# next root made), never a half root that looks complete
		if ! mv -T "$dir" "$base/.tmp.${dir##*/}" || ! rm -rf "$base/.tmp.${dir##*/}"; then
			hp_log "could not remove $dir completely; the next cleaning retries"
		fi
		exec {fd}<&-
	done
}

# buildroot_setup CONFIG - at --setup: the root of the release's compiler, recorded in
# <release>/toolchain. Releases of the host's own archive (6.1) use the host compiler.
buildroot_setup() {
	if [[ -z $(suite_of "$HP_RELEASE") ]]; then
		return 0
	fi
	buildroot_ensure "$1" "$HP_CACHE/toolchain"
}

buildroot_hold() {
	[[ -n $HP_BUILDROOT && -d $HP_BUILDROOT ]] || return 0
	exec {HP_BUILDROOT_FD}<"$HP_BUILDROOT" || hp_die "cannot open $HP_BUILDROOT"
	flock -s "$HP_BUILDROOT_FD" || hp_die "cannot lock $HP_BUILDROOT"
}

buildroot_toolchain() {
	local f=$HP_CACHE/toolchain line
	[[ -f $f ]] || return 0
	while IFS= read -r line; do
		case $line in
		HP_CC=* | HP_BUILDROOT=*) eval "$line" ;;
		esac
	done <"$f"
}

# buildroot_check - die unless the current release's build root (if any) is complete.
buildroot_check() {
	[[ -z $HP_BUILDROOT ]] || buildroot_complete "$HP_BUILDROOT" ||
		hp_die "the build root $HP_BUILDROOT of $HP_RELEASE is missing or out of date; rerun hotpatch-build --setup -k $HP_RELEASE"
}

buildroot_exec() {
	local root=$HP_BUILDROOT d b i j keep
	local -a want=() real=() binds=() ns=(--mount --propagation private)
	[[ -n $root && -d $root ]] || hp_die "no build root to run $1 in"
	# shellcheck disable=SC2206 # a list of paths, split on blanks on purpose
	want=("$HP_CACHE_ROOT" "${TMPDIR:-/tmp}" /tmp "$PWD" "${HP_LIBDIR:-/tmp}" ${HP_BUILDROOT_BINDS:-})
	# Every compile, kbuild and signature comes through here, so no program is started to
	# work out the binds: real paths from the shell's own pwd -P, and a path bound already
	# (the same, or inside another one) is left out by comparing whole paths.
	for d in "${want[@]}"; do
		if [[ -n $d && -d $d ]]; then
			real+=("$(cd "$d" && pwd -P)")
		fi
	done
	for i in "${!real[@]}"; do
		d=${real[i]}
		[[ $d != / ]] || continue
		keep=1
		for j in "${!real[@]}"; do
			b=${real[j]}
			if [[ $b != / ]] && { [[ $d == "$b"/* ]] || { [[ $d == "$b" ]] && ((j < i)); }; }; then
				keep=0
				break
			fi
		done
		((keep)) && binds+=("$d")
	done
	if ((EUID != 0)); then
		ns=(--map-root-user --mount)
	fi
	# held shared while CMD runs: buildroot_clean never removes a root under a running command
	# shellcheck disable=SC2016 # the inner script expands its own arguments
	flock -s "$root" unshare "${ns[@]}" -- /bin/bash -c '
		set -e
		root=$1 n=$2
		shift 2
		for ((i = 0; i < n; i++)); do
			[[ -d $root$1 ]] || mkdir -p "$root$1"
			mount --bind "$1" "$root$1"
			shift
		done
		mount --rbind /proc "$root/proc"
		mount --rbind /dev "$root/dev"
		exec chroot "$root" /usr/bin/env -C "$PWD" "$@"' _ "$root" "${#binds[@]}" "${binds[@]}" "$@"
}

# buildroot_setup_from_debs - buildroot_setup with the config of the downloaded headers package
# (the image is still being unpacked when setup starts this).
buildroot_setup_from_debs() {
	local deb tmp
	deb=$HP_CACHE/debs/$(target_deb_name "linux-headers-$HP_RELEASE")
	tmp=$(mktemp "$HP_CACHE/.tmp.config.XXXXXX") || hp_die "cannot create a file in $HP_CACHE"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/linux-headers-$HP_RELEASE/.config" >"$tmp" ||
		hp_die "cannot read the kernel config from $deb"
	buildroot_setup "$tmp"
	rm -f "$tmp"
}
