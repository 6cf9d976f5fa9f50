#!/usr/bin/env bash
# hotpatch-build - turn a kernel source diff into a livepatch module for a Debian 12 kernel.
#
# The stages live in build/*.sh (one job per file) and are sourced here; this file only parses
# options and runs stages in order.
set -euo pipefail

HP_VERSION=0.1.0

hp_self=$(readlink -f "${BASH_SOURCE[0]}")
HP_TOP=$(dirname "$hp_self")
# Installed layout: <prefix>/bin/hotpatch-build + <prefix>/share/hotpatch/build/*.sh.
if [[ -d $HP_TOP/build ]]; then
	HP_LIBDIR=$HP_TOP
else
	HP_LIBDIR=$HP_TOP/../share/hotpatch
fi
# shellcheck source=build/common.sh
. "$HP_LIBDIR/build/common.sh"
# shellcheck source=build/target.sh
. "$HP_LIBDIR/build/target.sh"
# shellcheck source=build/tree.sh
. "$HP_LIBDIR/build/tree.sh"
# shellcheck source=build/symindex.sh
. "$HP_LIBDIR/build/symindex.sh"
# shellcheck source=build/compiledb.sh
. "$HP_LIBDIR/build/compiledb.sh"

hp_usage() {
	cat <<EOF
Usage: hotpatch-build [options] --setup
       hotpatch-build [options] --print-env

Build a livepatch module for a Debian 12 (6.1) kernel from a source diff.

Target kernel cache:
      --setup            fetch and prepare everything the target release needs (packages,
                         headers, dbg vmlinux, prepared source tree, symbol index); idempotent
      --print-env        print the cache's shell assignments (HP_RELEASE=..., HP_SRC=...);
                         with --setup, after setting up
  -k, --kernel RELEASE   target release, e.g. 6.1.0-N-amd64 (default: the running kernel when it
                         is a Debian 12 kernel, else the newest Debian 12 kernel)
      --cache DIR        cache root (default: \$HOTPATCH_CACHE or ~/.cache/hotpatch)
  -j, --jobs N           parallel jobs (default: number of CPUs)
  -v, --verbose          show the commands run
  -h, --help             this text
      --version          print the version
EOF
}

# Options: parsed in one place; actions run afterwards.
opt_kernel=''
opt_setup=0
opt_print_env=0
HP_CACHE_ROOT=${HOTPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotpatch}

hp_need_arg() {
	[[ $# -ge 2 && -n $2 ]] || hp_die "option $1 needs an argument (see --help)"
}

HP_STAGE=options
while (($#)); do
	case $1 in
	-k | --kernel)
		hp_need_arg "$@"
		opt_kernel=$2
		shift 2
		;;
	--kernel=*)
		opt_kernel=${1#*=}
		shift
		;;
	--cache)
		hp_need_arg "$@"
		HP_CACHE_ROOT=$2
		shift 2
		;;
	--cache=*)
		HP_CACHE_ROOT=${1#*=}
		shift
		;;
	-j | --jobs)
		hp_need_arg "$@"
		HP_JOBS=$2
		shift 2
		;;
	--jobs=*)
		HP_JOBS=${1#*=}
		shift
		;;
	--setup)
		opt_setup=1
		shift
		;;
	--print-env)
		opt_print_env=1
		shift
		;;
	-v | --verbose)
		HP_VERBOSE=1
		shift
		;;
	-h | --help)
		hp_usage
		exit 0
		;;
	--version)
		printf 'hotpatch-build %s\n' "$HP_VERSION"
		exit 0
		;;
	--)
		shift
		break
		;;
	-*)
		hp_die "unknown option '$1' (see --help)"
		;;
	*)
		break
		;;
	esac
done
if (($#)); then
	hp_die "building from a patch ('$1') is not implemented yet; use --setup / --print-env"
fi
if [[ -n ${HP_JOBS:-} && ! $HP_JOBS =~ ^[1-9][0-9]*$ ]]; then
	hp_die "--jobs needs a positive number, not '$HP_JOBS'"
fi
if ((!opt_setup && !opt_print_env)); then
	hp_usage >&2
	exit 2
fi
HP_CACHE_ROOT=$(realpath -m "$HP_CACHE_ROOT")
export HP_VERBOSE HP_JOBS

# hp_setup - make the release's cache complete. Everything that writes happens under the
# release's lock; a complete cache (the "setup" stamp) is used without taking it.
hp_setup() {
	if hp_is_done "$HP_CACHE" setup && hp_is_done "$HP_CACHE" compiledb && ! symindex_stale; then
		return 0
	fi
	hp_lock "$HP_CACHE"
	hp_clean_stale "$HP_CACHE"
	printf '%s\n' "$HP_PKGVER" | hp_atomic_write "$HP_CACHE/pkgversion"
	target_fetch
	tree_prepare
	hp_stage_begin compiledb
	if hp_is_done "$HP_CACHE" compiledb; then
		hp_stage_end cached
	else
		compiledb_ensure
		hp_stage_end "$(wc -l <"$HP_CACHE/compiledb") TUs"
	fi
	symindex_build
	hp_mark_done "$HP_CACHE" setup
	hp_unlock
}

# hp_print_env - the assignments tests and later stages eval (see HACKING.md).
hp_print_env() {
	local c=$HP_CACHE
	hp_is_done "$c" setup || HP_STAGE=print-env hp_die "the cache $c is not complete; run with --setup"
	printf 'HP_RELEASE=%q\n' "$HP_RELEASE"
	printf 'HP_PKGVER=%q\n' "$HP_PKGVER"
	printf 'HP_CACHE=%q\n' "$c"
	printf 'HP_SRC=%q\n' "$c/src"
	printf 'HP_KDIR=%q\n' "$c/root/usr/src/linux-headers-$HP_RELEASE"
	printf 'HP_VMLINUZ=%q\n' "$c/root/boot/vmlinuz-$HP_RELEASE"
	printf 'HP_CONFIG=%q\n' "$c/root/boot/config-$HP_RELEASE"
	printf 'HP_MODDIR=%q\n' "$c/root/lib/modules/$HP_RELEASE"
	printf 'HP_VMLINUX=%q\n' "$c/dbg/vmlinux"
	printf 'HP_SYSMAP=%q\n' "$c/dbg/System.map"
	printf 'HP_SYMVERS=%q\n' "$c/root/usr/src/linux-headers-$HP_RELEASE/Module.symvers"
	if [[ -f $c/symindex ]]; then
		printf 'HP_INDEX=%q\n' "$c/symindex"
	else
		printf 'HP_INDEX=\n'
	fi
}

HP_T_START=$(hp_now)
target_resolve "$opt_kernel"
if ((opt_setup)); then
	hp_setup
	HP_STAGE=setup
	HP_STAGE_T0=$HP_T_START
	hp_stage_end "total"
fi
if ((opt_print_env)); then
	hp_print_env
fi
