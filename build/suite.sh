# shellcheck shell=bash
# build/suite.sh - targets from Debian suites other than the host's: Debian 13 (trixie,
# 6.12.N+deb13-<flavour>) and bookworm-backports (6.12.N+deb12-<flavour>).
#
#   suite_of RELEASE          "trixie", "bookworm-backports", or nothing for a Debian 12 6.1
#                             release (the host's own archive, build/target.sh)
#   suite_base RELEASE        "6.12.118+deb13" for "6.12.118+deb13-amd64"
#   suite_packages RELEASE    the packages the release needs, one per line (dbg last)
#   suite_source_pkg RELEASE  linux-source-X.Y (also for 6.1 releases)
#   suite_apt_use SUITE       point HP_APT_OPTS at SUITE's private apt configuration under the
#                             cache root, updating its lists when missing or a day old
#   suite_newest SUITE        the release SUITE's linux-image-amd64 depends on
#
# Why a private apt configuration: the host's sources must never change, and the host (Debian
# 12) does not know trixie or bookworm-backports. Each suite gets its own sources list, lists
# and package cache under <cache root>/.apt/<suite>/, made from the mirrors of the host's own
# sources, so the same archive (or local mirror) serves every target. apt-get/apt-cache take it
# with -o options; nothing under /etc or /var/lib/apt is touched.

# The apt -o options of the current target's suite; empty for the host's own archive.
HP_APT_OPTS=()

suite_of() {
	case $1 in
	6.12.*+deb13-*) printf 'trixie\n' ;;
	6.12.*+deb12-*) printf 'bookworm-backports\n' ;;
	*) ;;
	esac
}

suite_base() {
	[[ $1 =~ ^([0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+)-[a-z0-9-]+$ ]] || return 1
	printf '%s\n' "${BASH_REMATCH[1]}"
}

suite_source_pkg() {
	[[ $1 =~ ^([0-9]+\.[0-9]+)\. ]] || return 1
	printf 'linux-source-%s\n' "${BASH_REMATCH[1]}"
}

suite_packages() {
	local rel=$1 base common
	base=$(suite_base "$rel") || return 1
	common=linux-headers-$base-common
	if [[ $rel == *-rt-* ]]; then
		common=linux-headers-$base-common-rt
	fi
	printf '%s\n' "$(suite_source_pkg "$rel")" "linux-headers-$rel" "$common" "linux-kbuild-$base" \
		"linux-image-$rel" "linux-image-$rel-dbg"
}

# suite_host_mirror RELEASE - the archive URL the host's apt uses for its suite RELEASE
# (bookworm, bookworm-security), e.g. http://deb.debian.org/debian.
suite_host_mirror() {
	# shellcheck disable=SC2016 # $(...) are apt's format fields
	apt-get indextargets --format '$(RELEASE) $(BASE_URI)' 'Identifier: Packages' 2>/dev/null |
		awk -v r="$1" '$1 == r { sub(/\/dists\/.*/, "", $2); print $2; exit }'
}

# suite_sources SUITE - the sources list of SUITE (one-line format) from the host's mirrors.
# The build root of a suite is made from the same list (build/buildroot.sh).
suite_sources() {
	local suite=$1 mirror security kr=/usr/share/keyrings/debian-archive-keyring.gpg
	mirror=$(suite_host_mirror bookworm)
	security=$(suite_host_mirror bookworm-security)
	[[ -n $mirror ]] || hp_die "the host's apt sources name no Debian bookworm mirror to reach $suite from"
	[[ -n $security ]] || security=${mirror%/debian}/debian-security
	[[ -r $kr ]] || hp_die "$kr is missing (package debian-archive-keyring)"
	case $suite in
	trixie)
		printf 'deb [signed-by=%s] %s trixie main\n' "$kr" "$mirror"
		printf 'deb [signed-by=%s] %s trixie-security main\n' "$kr" "$security"
		;;
	bookworm-backports)
		printf 'deb [signed-by=%s] %s bookworm main\n' "$kr" "$mirror"
		printf 'deb [signed-by=%s] %s bookworm-updates main\n' "$kr" "$mirror"
		printf 'deb [signed-by=%s] %s bookworm-security main\n' "$kr" "$security"
		printf 'deb [signed-by=%s] %s bookworm-backports main\n' "$kr" "$mirror"
		;;
	*) hp_die "no apt sources known for suite '$suite'" ;;
	esac
}

suite_apt_dir() {
	printf '%s/.apt/%s\n' "$HP_CACHE_ROOT" "$1"
}

# suite_apt_use SUITE - HP_APT_OPTS for SUITE; the lists are fetched when missing or older than
# a day (security updates move the newest release), under the suite's own lock.
suite_apt_use() {
	local suite=$1 dir
	dir=$(suite_apt_dir "$suite")
	HP_APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o Dir::State::status=/dev/null)
	if [[ -f $dir/.done && -z $(find "$dir/.done" -mmin +1440 2>/dev/null) ]]; then
		return 0
	fi
	(
		mkdir -p "$dir" || hp_die "cannot create $dir"
		exec {fd}>>"$dir/.lock" || hp_die "cannot open $dir/.lock"
		flock "$fd" || hp_die "cannot lock $dir/.lock"
		if [[ -f $dir/.done && -z $(find "$dir/.done" -mmin +1440 2>/dev/null) ]]; then
			exit 0
		fi
		mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" || hp_die "cannot create $dir"
		suite_sources "$suite" | hp_atomic_write "$dir/sources.list"
		hp_log "updating the private apt lists of $suite ($dir)"
		apt-get "${HP_APT_OPTS[@]}" -o APT::Sandbox::User="$(id -un)" update -qq >&2 ||
			hp_die "apt-get update of $suite failed (network? mirror in $dir/sources.list)"
		date -u +%FT%TZ | hp_atomic_write "$dir/.done"
	) || exit 1
}

# (The suite's newest ABI package by name: bookworm-backports' lists include bookworm, whose
# linux-image-amd64 candidate is the 6.1 one.)
suite_newest() {
	local rel tag
	case $1 in
	trixie) tag=deb13 ;;
	bookworm-backports) tag=deb12 ;;
	*) hp_die "no kernels known for suite '$1'" ;;
	esac
	suite_apt_use "$1"
	rel=$(apt-cache "${HP_APT_OPTS[@]}" pkgnames linux-image-6. 2>/dev/null |
		sed -n "s/^linux-image-\(6\.[0-9]*\.[0-9]*+$tag-amd64\)$/\1/p" | sort -V | tail -n1)
	[[ -n $rel ]] || hp_die "cannot find the newest $1 kernel: its linux-image-amd64 names none"
	printf '%s\n' "$rel"
}

# suite_check_config CONFIG DEBIAN - after olddefconfig, CONFIG must be Debian's config except
# for the two key files blanked on purpose (build/tree.sh): a difference means the build root's
# tools (compiler, assembler, linker, pahole) are not the ones Debian built with, and every
# object compiled here could differ from the running kernel's.
suite_check_config() {
	local d
	d=$(diff <(grep -vE '^CONFIG_SYSTEM_(TRUSTED|REVOCATION)_KEYS=|^#|^$' "$2" | sort) \
		<(grep -vE '^CONFIG_SYSTEM_(TRUSTED|REVOCATION)_KEYS=|^#|^$' "$1" | sort) | grep '^[<>]' || true)
	[[ -z $d ]] || hp_die "the prepared config differs from Debian's ($2), so the build root's toolchain is not the one Debian used: $(head -n 6 <<<"$d" | paste -sd' ' -)"
}
