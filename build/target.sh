# shellcheck shell=bash
# build/target.sh - resolve the target kernel release and fetch its Debian packages.
#
#   target_resolve [RELEASE]   sets HP_RELEASE (e.g. 6.1.0-56-amd64), HP_PKGVER (e.g. 6.1.192-2)
#                              and HP_KBUILD_VER (the linux-kbuild-6.1 version used)
#   target_record              writes pkgversion and kbuildversion into the release's cache
#   target_release_of VERSION  prints the -amd64 release built from package VERSION
#   target_fetch               fills <cache>/<release>/{debs,root,dbg} (needs HP_CACHE set)
#
# Resolution: an explicit RELEASE wins; otherwise the running kernel when it is a Debian 6.1
# kernel whose packages the archive still has; otherwise the newest Debian 12 kernel, i.e. the
# dependency of linux-image-amd64. No ABI number is written down anywhere: Debian removes old
# ABIs from the archive, so everything is asked of apt at run time.
#
# Older ABIs: bookworm-security keeps the image, headers, dbg and source of several older ABIs but
# linux-kbuild-6.1 only in its newest versions. kbuild is the one package that does not describe
# the target kernel: it carries the host tools (fixdep, modpost, objtool, sign-file) that build a
# module against the target's own headers, config and Module.symvers. So an ABI whose exact kbuild
# is gone gets the nearest linux-kbuild-6.1 version instead, said on stderr and recorded in the
# cache (kbuildversion) and in NAME.json; every other package must match the image's version.

# target_apt_ready - make sure apt's lists know the kernel packages; update them only when
# apt-cache knows nothing (a fresh container), so warm runs never touch the network.
target_apt_ready() {
	if [[ -n ${HP_APT_READY:-} ]]; then
		return 0
	fi
	if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
		hp_log "apt knows no kernel packages: running apt-get update"
		apt-get update -qq >&2 || hp_die "apt-get update failed (are you root, is the network up?)"
		[[ -n $(apt-cache madison linux-image-amd64 2>/dev/null) ]] ||
			hp_die "apt-cache still knows no linux-image-amd64 after apt-get update: is Debian 12 (bookworm) in the apt sources?"
	fi
	HP_APT_READY=1
}

# target_madison PKG... - "package version" lines for every version the archive has, in one
# apt-cache call (each call parses the whole package lists: about a second).
target_madison() {
	apt-cache "${HP_APT_OPTS[@]}" madison "$@" 2>/dev/null | awk -F'|' '{ gsub(/ /, ""); print $1, $2 }'
}

# target_base RELEASE - "6.1.0-56" for "6.1.0-56-amd64".
target_base() {
	[[ $1 =~ ^([0-9]+\.[0-9]+\.[0-9]+-[0-9]+)-[a-z0-9-]+$ ]] || return 1
	printf '%s\n' "${BASH_REMATCH[1]}"
}

# target_packages RELEASE - the packages a release needs, one per line (dbg last).
target_packages() {
	local rel=$1 base common
	if [[ -n $(suite_of "$rel") ]]; then
		suite_packages "$rel"
		return
	fi
	base=$(target_base "$rel")
	common=linux-headers-$base-common
	if [[ $rel == *-rt-* ]]; then
		common=linux-headers-$base-common-rt
	fi
	printf '%s\n' linux-source-6.1 "linux-headers-$rel" "$common" linux-kbuild-6.1 \
		"linux-image-$rel" "linux-image-$rel-dbg"
}

# target_nearest_version WANT VERSION... - the VERSION nearest to WANT (all 6.1.N-R): smallest
# difference in N (then in R when N is the same); a tie goes to the newer one (it carries the
# later tool fixes).
target_nearest_version() {
	local want=$1
	shift
	printf '%s\n' "$@" | awk -v want="$want" '
		function part(v, i,   a) { if (!match(v, /^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+/)) return -1
			split(substr(v, 1, RLENGTH), a, /[.-]/); return a[i] + 0 }
		function abs(x) { return x < 0 ? -x : x }
		BEGIN { wn = part(want, 3); wr = part(want, 4) }
		part($0, 3) >= 0 {
			n = part($0, 3); r = part($0, 4)
			d = abs(n - wn) * 100000 + (n == wn ? abs(r - wr) : 0)
			if (best == "" || d < bd || (d == bd && (n > bn || (n == bn && r > br)))) {
				best = $0; bd = d; bn = n; br = r
			}
		}
		END { if (best != "") print best }'
}

# target_check RELEASE - print "PKGVER KBUILDVER" for RELEASE after checking that every package
# describing the kernel (image, dbg, headers, source) is in the archive at the image's version
# and that some linux-kbuild-6.1 is; die naming what is missing.
target_check() {
	local rel=$1 ver pkg have missing=() pkgs kbuild kvers suite
	suite=$(suite_of "$rel")
	if [[ -n $suite ]]; then
		suite_base "$rel" >/dev/null ||
			hp_die "'$rel' is not a Debian $suite kernel release (expected 6.12.N+debNN-<flavour>, e.g. $(suite_newest "$suite"))"
	elif ! target_base "$rel" >/dev/null || [[ $rel != 6.1.* ]]; then
		hp_die "'$rel' is not a Debian 12 kernel release (expected 6.1.0-<abi>-<flavour>, e.g. $(target_newest))"
	fi
	mapfile -t pkgs < <(target_packages "$rel")
	have=$(target_madison "${pkgs[@]}")
	ver=$(awk -v p="linux-image-$rel" '$1 == p { print $2 }' <<<"$have" | sort -V | tail -n1)
	if [[ -z $ver ]]; then
		hp_die "linux-image-$rel is not in the Debian archive (Debian removes old ABIs; the newest release is $(if [[ -n $suite ]]; then suite_newest "$suite"; else target_newest; fi); choose one with -k RELEASE)"
	fi
	for pkg in "${pkgs[@]}"; do
		[[ $pkg == linux-kbuild-* ]] && continue
		if ! grep -qxF -- "$pkg $ver" <<<"$have"; then
			missing+=("$pkg=$ver (archive has: $(awk -v p="$pkg" '$1 == p { print $2 }' <<<"$have" | sort -V | tail -n3 | paste -sd' ' - | sed 's/^$/none/'))")
		fi
	done
	if ((${#missing[@]})); then
		hp_die "release $rel (linux-image-$rel $ver) cannot be built: the archive lacks $(printf '%s; ' "${missing[@]}")the image, its dbg package, the headers and the source must all have the image's version; choose a release the archive still has whole (-k RELEASE; the newest is $(target_newest))"
	fi
	kbuild=linux-kbuild-6.1
	if [[ -n $suite ]]; then
		kbuild=linux-kbuild-$(suite_base "$rel")
	fi
	if grep -qxF -- "$kbuild $ver" <<<"$have"; then
		printf '%s %s\n' "$ver" "$ver"
		return 0
	fi
	mapfile -t kvers < <(awk -v p="$kbuild" '$1 == p { print $2 }' <<<"$have")
	kvers=("$(target_nearest_version "$ver" "${kvers[@]}")")
	[[ -n ${kvers[0]} ]] ||
		hp_die "release $rel (linux-image-$rel $ver) cannot be built: the archive has no $kbuild at all (it builds and signs the module)"
	printf '%s %s\n' "$ver" "${kvers[0]}"
}

# target_newest - the release linux-image-amd64 depends on. apt-cache takes a second or so,
# so the answer is remembered next to the caches, keyed on the state of apt's lists.
target_newest() {
	local key memo=$HP_CACHE_ROOT/.newest rel=''
	key=$(stat -c '%n %Y %s' /var/lib/apt/lists/*_Packages* 2>/dev/null | md5sum | cut -c1-32)
	if [[ -f $memo ]] && read -r k r <"$memo" && [[ $k == "$key" && -n $r ]]; then
		printf '%s\n' "$r"
		return 0
	fi
	target_apt_ready
	rel=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' | sort -V | tail -n1)
	if [[ -z $rel ]]; then
		hp_die "cannot find the newest Debian 12 kernel: 'apt-cache depends linux-image-amd64' names none"
	fi
	if [[ -d $HP_CACHE_ROOT ]]; then
		printf '%s %s\n' "$key" "$rel" | hp_atomic_write "$memo" 2>/dev/null || true
	fi
	printf '%s\n' "$rel"
}

# target_resolve [RELEASE] - set HP_RELEASE and HP_PKGVER (HP_CACHE_ROOT must be set).
# A release whose cache is complete needs no apt look-up at all (warm runs stay offline).
target_resolve() {
	local want=${1:-} running=''
	hp_stage_begin resolve
	# the running kernel only matters without -k (a triage runs hotpatch-build with it)
	[[ -n $want ]] || running=$(uname -r)
	if [[ -n $want ]]; then
		HP_RELEASE=$want
	elif [[ $running =~ ^6\.1\.0-[0-9]+-(amd64|cloud-amd64)$ ]] &&
		{ [[ -f $HP_CACHE_ROOT/$running/.done/setup ]] ||
			[[ -n $(target_madison "linux-image-$running-dbg") ]]; }; then
		HP_RELEASE=$running
	elif [[ -n $(suite_of "$running") && $running == *-amd64 ]] &&
		{ [[ -f $HP_CACHE_ROOT/$running/.done/setup ]] ||
			{ suite_apt_use "$(suite_of "$running")" &&
				[[ -n $(target_madison "linux-image-$running-dbg") ]]; }; }; then
		HP_RELEASE=$running
	elif [[ $( (. /etc/os-release && printf '%s\n' "${VERSION_CODENAME:-}") 2>/dev/null) == trixie ]]; then
		HP_APT_OPTS=()
		HP_RELEASE=$(suite_newest trixie)
		hp_log "running kernel $running is not an available Debian kernel; targeting the newest Debian 13 kernel, $HP_RELEASE (use -k RELEASE to choose)"
	else
		HP_APT_OPTS=()
		HP_RELEASE=$(target_newest)
		[[ -n $HP_RELEASE ]] || exit 1
		hp_log "running kernel $running is not an available Debian 12 kernel; targeting the newest, $HP_RELEASE (use -k RELEASE to choose)"
	fi
	HP_CACHE=$HP_CACHE_ROOT/$HP_RELEASE
	if [[ -f $HP_CACHE/.done/setup && -s $HP_CACHE/pkgversion ]]; then
		# one-line files, read without a subshell
		IFS= read -r HP_PKGVER <"$HP_CACHE/pkgversion" || [[ -n $HP_PKGVER ]] ||
			hp_die "cannot read $HP_CACHE/pkgversion"
		# caches made before substitutions existed always had the exact kbuild
		HP_KBUILD_VER=$HP_PKGVER
		if [[ -s $HP_CACHE/kbuildversion ]]; then
			IFS= read -r HP_KBUILD_VER <"$HP_CACHE/kbuildversion" || [[ -n $HP_KBUILD_VER ]] ||
				hp_die "cannot read $HP_CACHE/kbuildversion"
		fi
	else
		local vers
		if [[ -n $(suite_of "$HP_RELEASE") ]]; then
			suite_apt_use "$(suite_of "$HP_RELEASE")"
		else
			target_apt_ready
		fi
		vers=$(target_check "$HP_RELEASE") || exit 1
		read -r HP_PKGVER HP_KBUILD_VER <<<"$vers"
		# an interrupted setup keeps the kbuild it downloaded, whatever the archive says now
		if hp_is_done "$HP_CACHE" debs && [[ -s $HP_CACHE/kbuildversion ]]; then
			HP_KBUILD_VER=$(<"$HP_CACHE/kbuildversion")
		fi
	fi
	local note=$HP_PKGVER
	if [[ $HP_KBUILD_VER != "$HP_PKGVER" ]]; then
		hp_log "linux-kbuild-6.1 $HP_PKGVER is no longer in the Debian archive: using linux-kbuild-6.1 $HP_KBUILD_VER, the nearest version (only its host tools build and sign the module; headers, config and Module.symvers are $HP_PKGVER's)"
		note+=", kbuild $HP_KBUILD_VER"
	fi
	hp_stage_end "$HP_RELEASE ($note)"
}

# target_release_of VERSION [FLAVOUR] - the release (6.1.0-N-FLAVOUR, default amd64) whose image
# has the Debian package version VERSION (e.g. 6.1.190-1 -> 6.1.0-54-amd64), or nothing. A
# complete cache of that version answers without apt (HP_CACHE_ROOT must be set).
target_release_of() {
	local ver=$1 fl=${2:-amd64} d pkgs
	for d in "$HP_CACHE_ROOT"/6.1.0-*-"$fl"; do
		[[ ${d##*/} =~ ^6\.1\.0-[0-9]+-$fl$ && -f $d/.done/setup && -s $d/pkgversion ]] || continue
		if [[ $(<"$d/pkgversion") == "$ver" ]]; then
			printf '%s\n' "${d##*/}"
			return 0
		fi
	done
	target_apt_ready
	mapfile -t pkgs < <(apt-cache search --names-only "^linux-image-6\\.1\\.0-[0-9]+-$fl\$" 2>/dev/null |
		awk '{ print $1 }')
	((${#pkgs[@]})) || return 0
	target_madison "${pkgs[@]}" | awk -v v="$ver" '$2 == v { sub(/^linux-image-/, "", $1); print $1; exit }'
}

# target_record - remember the versions in the release's cache (call with its lock held), so a
# warm run knows them without apt.
target_record() {
	printf '%s\n' "$HP_PKGVER" | hp_atomic_write "$HP_CACHE/pkgversion"
	printf '%s\n' "$HP_KBUILD_VER" | hp_atomic_write "$HP_CACHE/kbuildversion"
}

# target_pkgver PKG - the version of PKG this release uses: HP_KBUILD_VER for kbuild (see above),
# the image's version for everything else.
target_pkgver() {
	if [[ $1 == linux-kbuild-* ]]; then
		printf '%s\n' "${HP_KBUILD_VER:-$HP_PKGVER}"
	else
		printf '%s\n' "$HP_PKGVER"
	fi
}

# target_deb_name PKG - the name of PKG at its version (target_pkgver) in debs/ (apt-get
# download names end in _all.deb or _amd64.deb; they are renamed to PKG_VERSION.deb).
target_deb_name() {
	local v
	v=$(target_pkgver "$1")
	printf '%s_%s.deb\n' "$1" "${v//:/%3a}"
}

# target_download DESTDIR PKG... - apt-get download PKG=VERSION into a temporary dir, then
# rename each file into DESTDIR. Nothing under its final name is ever partial.
target_download() {
	local dest=$1 tmp pkg specs=() f v
	shift
	for pkg in "$@"; do
		specs+=("$pkg=$(target_pkgver "$pkg")")
	done
	tmp=$(hp_tmpdir "$dest" dl)
	chmod 755 "$tmp" # apt's _apt user downloads into it
	if ! (cd "$tmp" && apt-get "${HP_APT_OPTS[@]}" download -q -o APT::Sandbox::User="$(id -un)" "${specs[@]}" >&2); then
		rm -rf "$tmp"
		hp_die "apt-get download ${specs[*]} failed"
	fi
	for pkg in "$@"; do
		v=$(target_pkgver "$pkg")
		f=("$tmp/${pkg}_${v//:/%3a}_"*.deb)
		[[ -f ${f[0]} ]] || hp_die "apt-get download left no $pkg package in $tmp"
		mv -f "${f[0]}" "$dest/$(target_deb_name "$pkg")" || hp_die "cannot move $pkg into $dest"
	done
	rm -rf "$tmp"
}

# target_fix_symlinks ROOT - make absolute symlinks under ROOT relative to ROOT, so the
# extracted headers work where they are (e.g. lib/modules/<rel>/build -> /usr/src/...).
target_fix_symlinks() {
	local root=$1 link dest rel
	while IFS= read -r -d '' link; do
		dest=$(readlink "$link")
		[[ $dest == /* ]] || continue
		rel=$(realpath -m --relative-to="$(dirname "$link")" "$root$dest")
		ln -sfn "$rel" "$link" || hp_die "cannot rewrite symlink $link"
	done < <(find "$root" -type l -print0)
}

# target_fix_headers ROOT - the flavour headers' Makefile is one line including the common
# headers by absolute path (/usr/src/linux-headers-<base>-common/Makefile); make it relative
# to itself so ROOT/usr/src/linux-headers-<release> works as KDIR wherever the cache lives.
target_fix_headers() {
	local mk=$1/usr/src/linux-headers-$HP_RELEASE/Makefile
	[[ -f $mk ]] || hp_die "linux-headers-$HP_RELEASE has no usr/src/linux-headers-$HP_RELEASE/Makefile"
	# shellcheck disable=SC2016 # $(...) is make syntax written into the Makefile
	sed -i 's|^include /usr/src/|include $(realpath $(dir $(lastword $(MAKEFILE_LIST))))/../|' "$mk" ||
		hp_die "cannot rewrite $mk"
	if grep -q '/usr/src/\|/usr/lib/linux-kbuild' "$mk"; then
		hp_die "$mk still names absolute paths: $(grep '/usr/' "$mk" | head -n1)"
	fi
}

target_fetch_debs() {
	local dir=$HP_CACHE pkg missing=()
	hp_stage_begin download
	if hp_is_done "$dir" debs; then
		hp_stage_end cached
		return 0
	fi
	mkdir -p "$dir/debs" || hp_die "cannot create $dir/debs"
	while read -r pkg; do
		[[ $pkg == *-dbg ]] && continue
		[[ -f $dir/debs/$(target_deb_name "$pkg") ]] || missing+=("$pkg")
	done < <(target_packages "$HP_RELEASE")
	if ((${#missing[@]})); then
		target_download "$dir/debs" "${missing[@]}"
	fi
	hp_mark_done "$dir" debs
	hp_stage_end "$(du -sh "$dir/debs" | cut -f1)"
}

target_fetch_root() {
	local dir=$HP_CACHE tmp pkg
	hp_stage_begin root
	if hp_is_done "$dir" root; then
		hp_stage_end cached
		return 0
	fi
	tmp=$(hp_tmpdir "$dir" root)
	while read -r pkg; do
		case $pkg in
		linux-source-* | *-dbg) continue ;;
		esac
		hp_run dpkg -x "$dir/debs/$(target_deb_name "$pkg")" "$tmp"
	done < <(target_packages "$HP_RELEASE")
	# merged-/usr packages (6.12) ship usr/lib/modules: one link keeps lib/modules the path
	if [[ ! -e $tmp/lib && -d $tmp/usr/lib/modules ]]; then
		ln -s usr/lib "$tmp/lib" || hp_die "cannot link $tmp/lib"
	fi
	target_fix_symlinks "$tmp"
	target_fix_headers "$tmp"
	[[ -d $tmp/lib/modules/$HP_RELEASE ]] || hp_die "linux-image-$HP_RELEASE has no lib/modules/$HP_RELEASE"
	hp_run depmod -b "$tmp" "$HP_RELEASE"
	[[ -s $tmp/lib/modules/$HP_RELEASE/modules.dep ]] || hp_die "depmod wrote no modules.dep"
	hp_atomic_mv "$tmp" "$dir/root"
	hp_mark_done "$dir" root
	hp_stage_end
}

# target_fetch_dbg - download the -dbg package and take only vmlinux and System.map from it
# in one pass (listing the 858 MB package alone takes half a minute), then delete it.
target_fetch_dbg() {
	local dir=$HP_CACHE tmp deb pkg=linux-image-$HP_RELEASE-dbg
	hp_stage_begin dbg
	if hp_is_done "$dir" dbg; then
		hp_stage_end cached
		return 0
	fi
	deb=$dir/debs/$(target_deb_name "$pkg")
	if [[ ! -f $deb ]]; then
		target_download "$dir/debs" "$pkg"
	fi
	tmp=$(hp_tmpdir "$dir" dbg)
	# --occurrence: stop reading once both members are out (they come early in the archive).
	# dpkg-deb then dies of SIGPIPE, which is expected; tar's status is the one that counts.
	local st
	set +o pipefail
	dpkg-deb --fsys-tarfile "$deb" 2>/dev/null |
		tar -x -C "$tmp" --occurrence=1 \
			"./usr/lib/debug/boot/vmlinux-$HP_RELEASE" "./usr/lib/debug/boot/System.map-$HP_RELEASE"
	st=$?
	set -o pipefail
	((st == 0)) || hp_die "$pkg: tar failed (exit $st) extracting vmlinux and System.map from $deb"
	[[ -s $tmp/usr/lib/debug/boot/vmlinux-$HP_RELEASE && -s $tmp/usr/lib/debug/boot/System.map-$HP_RELEASE ]] ||
		hp_die "$pkg: cannot extract usr/lib/debug/boot/{vmlinux,System.map}-$HP_RELEASE from $deb"
	mv "$tmp/usr/lib/debug/boot/vmlinux-$HP_RELEASE" "$tmp/vmlinux" || hp_die "cannot move vmlinux in $tmp"
	mv "$tmp/usr/lib/debug/boot/System.map-$HP_RELEASE" "$tmp/System.map" || hp_die "cannot move System.map in $tmp"
	rm -rf "${tmp:?}/usr"
	hp_atomic_mv "$tmp" "$dir/dbg"
	hp_mark_done "$dir" dbg
	rm -f "$deb"
	hp_stage_end "$(du -sh "$dir/dbg/vmlinux" | cut -f1) vmlinux"
}

# target_fetch - every package stage of the cache; call with the cache lock held.
target_fetch() {
	target_fetch_debs
	target_fetch_root
	target_fetch_dbg
}
