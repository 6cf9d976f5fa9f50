#!/usr/bin/env bash
# hotpatch-build - turn a kernel source diff into a livepatch module for a Debian kernel.
#
# The stages live in build/*.sh (one job per file) and are sourced here; this file only parses
# options and runs stages in order.
set -euo pipefail


hp_self=$(readlink -f "${BASH_SOURCE[0]}")
HP_TOP=${hp_self%/*}
# Installed layout: <prefix>/bin/hotpatch-build -> <prefix>/lib/hotpatch/hotpatch-build.sh, with
# build/*.sh beside it (a copy instead of the link finds lib/hotpatch by itself).
if [[ -d $HP_TOP/build ]]; then
	HP_LIBDIR=$HP_TOP
else
	HP_LIBDIR=$HP_TOP/../lib/hotpatch
fi
HP_VERSION=''
{ read -r HP_VERSION <"$HP_LIBDIR/VERSION"; } 2>/dev/null || true
HP_VERSION=${HP_VERSION:-unknown}
# shellcheck source=build/common.sh
. "$HP_LIBDIR/build/common.sh"
# shellcheck source=build/target.sh
. "$HP_LIBDIR/build/target.sh"
# shellcheck source=build/suite.sh
. "$HP_LIBDIR/build/suite.sh"
# shellcheck source=build/buildroot.sh
. "$HP_LIBDIR/build/buildroot.sh"
# shellcheck source=build/tree.sh
. "$HP_LIBDIR/build/tree.sh"
# shellcheck source=build/symindex.sh
. "$HP_LIBDIR/build/symindex.sh"
# shellcheck source=build/compiledb.sh
. "$HP_LIBDIR/build/compiledb.sh"
# shellcheck source=build/patch.sh
. "$HP_LIBDIR/build/patch.sh"
# shellcheck source=build/objects.sh
. "$HP_LIBDIR/build/objects.sh"
# shellcheck source=build/diff.sh
. "$HP_LIBDIR/build/diff.sh"
# shellcheck source=build/sign.sh
. "$HP_LIBDIR/build/sign.sh"
# shellcheck source=build/module.sh
. "$HP_LIBDIR/build/module.sh"
# shellcheck source=vm/vmtest.sh
. "$HP_LIBDIR/vm/vmtest.sh"
# shellcheck source=build/report.sh
. "$HP_LIBDIR/build/report.sh"

hp_usage() {
	cat <<EOF
Usage: hotpatch-build [options] PATCH
  or:  hotpatch-build [options] --setup [--print-env]
  or:  hotpatch-build --finish-module DIR

Turn a kernel source diff (unified or git format, -p1) into a signed livepatch module for a
Debian kernel (Debian 12's 6.1, Debian 13's 6.12, bookworm-backports' 6.12), and optionally
prove in qemu that it works on that kernel.

  -k, --kernel RELEASE   target release: 6.1.0-N-amd64 (Debian 12), 6.12.N+deb13-amd64 (Debian
                         13), 6.12.N+deb12-amd64 (bookworm-backports); default: the running
                         kernel when it is a Debian 12 kernel the archive still has, else the
                         newest Debian 12 one
  -n, --name NAME        module name (default: from the patch file name)
  -o, --output DIR       NAME.ko (stripped, signed), NAME.ko.debug (with DWARF), NAME.json,
                         NAME.log and with --test NAME.console.log go here (default: .)
      --sign-key KEY     sign with this private key (PEM) ...
      --sign-cert CERT   ... and this X.509 certificate (default: a key pair made once per cache)
      --replace          atomic replace: the module supersedes every patch loaded before it
      --hooks FILE.c     compile FILE.c into the module: callbacks and shadow variables
                         (kmod-skel/hotpatch.h); repeatable
      --object OBJ       give OBJ (vmlinux or a module) a klp_object even when none of its
                         code changes, for its callbacks; repeatable
      --test SCRIPT      boot the target kernel in qemu: SCRIPT must fail before the module is
                         loaded, pass while it is enabled, fail after it is unloaded (its own
                         exit 1-123; a timeout or a check that cannot run is an error); an
                         oops, BUG, WARNING, RCU stall, failed livepatch operation or a taint
                         other than K/O/E fails
  -j, --jobs N           parallel compile jobs (default: number of CPUs)
      --cache DIR        cache root (default: \$HOTPATCH_CACHE or ~/.cache/hotpatch)
      --keep-work        keep the scratch directory (objects, differ output, kbuild tree)
      --defer-module DIR stop before the module is linked: leave its kbuild directory, the
                         differ's facts and this run's state in DIR (a new directory) and exit
                         0 without writing a module; for hotpatch-triage, which links many
                         such modules in one kbuild (build/module.sh, module_batch)
      --finish-module DIR
                         the rest of a --defer-module run: link the module (unless a batch
                         already did), post-link, sign and write the outputs of that run
      --compile-first LIST
                         when the patch changes a header: first compile (patched side) the
                         .c files of the tree that LIST names, one per line, that include it,
                         then look for its other users; a file the header breaks then fails
                         in seconds, not after the header filter has read every user
                         (hotpatch-triage names the update's .c files that use what the
                         carried headers change). Only an order: a file the header breaks
                         fails either way; when several do, the first to fail is named
  -v, --verbose          show the commands run
  -h, --help             this text
      --version          print the version

Cache only:
      --setup            fetch and prepare everything the target release needs (packages,
                         headers, dbg vmlinux, prepared source tree, compile database, symbol
                         index); idempotent
      --print-env        print the cache's shell assignments (HP_RELEASE=..., HP_SRC=...)

Environment: HOTPATCH_CACHE (the cache root), HOTPATCH_CC_WRAPPER (a command before every
compile: ccache, distcc), HOTPATCH_OBJECT_CACHE=0 (compile every TU's original side instead of
copying it from the release's object cache, CACHE/RELEASE/objects, and compile again a patched
side that failed before with the same patched files), HOTPATCH_PREFILTER=0
(compile every TU that includes a changed header, even one whose preprocessed text shows that
its object cannot change).

Exit status: 0 module written (and test passed), or with --defer-module its inputs left in
DIR; 1 error; 2 refused: the change cannot be live-patched safely (the message names file,
section and symbol); 3 no functional change.
EOF
}

# Options: parsed in one place; actions run afterwards.
opt_kernel=''
opt_setup=0
opt_print_env=0
opt_name=''
opt_output=.
opt_key=''
opt_cert=''
opt_replace=0
opt_test=''
opt_keep=0
opt_hooks=()
opt_objects=()
opt_defer=''
opt_finish=''
opt_first=''
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
	-n | --name | -o | --output | --sign-key | --sign-cert | --test | --defer-module | --finish-module | --compile-first)
		hp_need_arg "$@"
		case $1 in
		--compile-first)
			[[ -f $2 && -r $2 ]] || hp_die "cannot read the --compile-first list '$2'"
			opt_first=$(realpath "$2")
			;;
		--defer-module) opt_defer=$2 ;;
		--finish-module) opt_finish=$2 ;;
		-n | --name) opt_name=$2 ;;
		-o | --output) opt_output=$2 ;;
		--sign-key) opt_key=$2 ;;
		--sign-cert) opt_cert=$2 ;;
		--test) opt_test=$2 ;;
		esac
		shift 2
		;;
	--name=* | --output=* | --sign-key=* | --sign-cert=* | --test=* | --defer-module=* | --finish-module=* | --compile-first=*)
		set -- "${1%%=*}" "${1#*=}" "${@:2}"
		;;
	--hooks | --object)
		hp_need_arg "$@"
		if [[ $1 == --hooks ]]; then
			[[ -f $2 && -r $2 ]] || hp_die "cannot read the hooks file '$2'"
			opt_hooks+=("$(realpath "$2")")
		else
			opt_objects+=("$2")
		fi
		shift 2
		;;
	--replace)
		opt_replace=1
		shift
		;;
	--keep-work)
		opt_keep=1
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
opt_patch=''
if (($# > 1)); then
	hp_die "one patch at a time, not '$*' (see --help)"
elif (($# == 1)); then
	opt_patch=$1
fi
if [[ -n ${HP_JOBS:-} && ! $HP_JOBS =~ ^[1-9][0-9]*$ ]]; then
	hp_die "--jobs needs a positive number, not '$HP_JOBS'"
fi
if [[ -n $opt_finish ]]; then
	if [[ -n $opt_patch ]] || ((opt_setup || opt_print_env)); then
		hp_die "--finish-module DIR finishes a --defer-module run: no patch, --setup or --print-env with it"
	fi
	[[ -f $opt_finish/build.env ]] || hp_die "$opt_finish is not the directory of a --defer-module run (no build.env)"
	opt_finish=$(realpath "$opt_finish")
	# that run's options and state (target, names, outputs, timings): hp_defer wrote them
	# shellcheck source=/dev/null
	. "$opt_finish/build.env" || hp_die "cannot read $opt_finish/build.env"
elif ((!opt_setup && !opt_print_env)) && [[ -z $opt_patch ]]; then
	hp_usage >&2
	exit 1
fi
# hp_canon_paths VAR... - the path in each VAR made canonical (realpath -m: symbolic links
# resolved, absolute), one process for all of them
hp_canon_paths() {
	local v i=0
	local -a vals=() paths=()
	for v in "$@"; do
		vals+=("${!v}")
	done
	mapfile -d '' -t paths < <(realpath -m -z -- "${vals[@]}")
	((${#paths[@]} == $#)) || hp_die "cannot resolve the paths ${vals[*]}"
	for v in "$@"; do
		printf -v "$v" '%s' "${paths[i]}"
		i=$((i + 1))
	done
}

# --finish-module: build.env holds the paths as the deferred run made them canonical
hp_canon=1
[[ -z $opt_finish ]] || hp_canon=0
if [[ -n $opt_patch ]]; then
	[[ -f $opt_patch && -r $opt_patch ]] || hp_die "cannot read the patch file '$opt_patch'"
	hp_canon_vars=(opt_patch)
	if [[ -n $opt_test ]]; then
		[[ -f $opt_test && -r $opt_test ]] || hp_die "cannot read the test script '$opt_test'"
		hp_canon_vars+=(opt_test)
	fi
	if [[ -n $opt_defer ]]; then
		[[ -z $opt_test ]] || hp_die "--test needs the module: it does not go with --defer-module"
		[[ ! -e $opt_defer ]] || hp_die "--defer-module $opt_defer exists: it must name a new directory"
		hp_canon_vars+=(opt_defer)
	fi
	if [[ -n $opt_key || -n $opt_cert ]]; then
		[[ -n $opt_key && -n $opt_cert ]] || hp_die "--sign-key and --sign-cert go together"
		[[ -r $opt_key ]] || hp_die "cannot read the signing key '$opt_key'"
		[[ -r $opt_cert ]] || hp_die "cannot read the signing certificate '$opt_cert'"
		hp_canon_vars+=(opt_key opt_cert)
	fi
	((!hp_canon)) || hp_canon_paths "${hp_canon_vars[@]}"
	if [[ -z $opt_name ]]; then
		opt_name=$(basename "$opt_patch")
		opt_name=${opt_name%.patch}
		opt_name=${opt_name%.diff}
		opt_name=${opt_name//[^A-Za-z0-9_]/_}
		[[ $opt_name =~ ^[A-Za-z_] ]] || opt_name=hp_$opt_name
		opt_name=${opt_name:0:55}
	fi
	[[ $opt_name =~ ^[A-Za-z_][A-Za-z0-9_]{0,54}$ ]] ||
		hp_die "--name '$opt_name' is not a valid module name ([A-Za-z0-9_], at most 55 characters)"
	[[ -d $opt_output ]] || mkdir -p "$opt_output" || hp_die "cannot create the output directory '$opt_output'"
fi
if ((hp_canon)); then
	if [[ -n $opt_patch ]]; then
		hp_canon_paths HP_CACHE_ROOT opt_output
	else
		hp_canon_paths HP_CACHE_ROOT
	fi
fi
export HP_VERBOSE HP_JOBS

# hp_setup - make the release's cache complete. Everything that writes happens under the
# release's lock; a complete cache (the "setup" stamp) is used without taking it.
hp_setup() {
	if hp_is_done "$HP_CACHE" setup && hp_is_done "$HP_CACHE" compiledb &&
		hp_is_done "$HP_CACHE" "$TREE_GENERATED_STAMP" && ! symindex_stale &&
		{ [[ -z $HP_BUILDROOT ]] || buildroot_complete "$HP_BUILDROOT"; }; then
		return 0
	fi
	hp_lock "$HP_CACHE"
	hp_clean_stale "$HP_CACHE"
	target_record
	target_fetch_debs
	# Two halves that share nothing but the downloaded packages, each writing only its own
	# stamped stages: the image, the debug package (858 MB), the symbol index (with the entry
	# layouts of the special sections) and the signing key in the background; the source tree in the foreground. The tree needs
	# the image's config only after unpacking. About 80 s saved on a cold cache here.
	# Once root/ is there (the tree waits for its config), the rest is not on the critical path
	# (build root, tree, compile database), so it yields the CPU to it: a lower priority is not
	# a failure when renice is refused.
	(
		target_fetch_root
		renice -n 10 -p "$BASHPID" >/dev/null 2>&1 || true
		target_fetch_dbg
		symindex_build
		sign_keys_ensure "$HP_CACHE" >/dev/null
	) &
	local dbg_pid=$!
	# A target of another Debian release compiles in a build root of its own (mmdebstrap, about
	# half a minute the first time): made meanwhile from the headers package's config.
	local root_pid=''
	if [[ -n $(suite_of "$HP_RELEASE") ]]; then
		(
			hp_stage_begin buildroot
			buildroot_setup_from_debs
			hp_stage_end "$HP_BUILDROOT"
		) &
		root_pid=$!
	fi
	tree_unpack
	while ! hp_is_done "$HP_CACHE" root; do
		kill -0 "$dbg_pid" 2>/dev/null || hp_is_done "$HP_CACHE" root ||
			hp_die "unpacking linux-image-$HP_RELEASE failed (see above)"
		sleep 0.2
	done
	if [[ -n $root_pid ]]; then
		wait "$root_pid" || hp_die "the build root of $HP_RELEASE could not be made (see above)"
		buildroot_toolchain
	fi
	tree_configure
	hp_stage_begin compiledb
	if hp_is_done "$HP_CACHE" compiledb; then
		hp_stage_end cached
	else
		compiledb_ensure
		hp_stage_end "$(wc -l <"$HP_CACHE/compiledb") TUs"
	fi
	tree_generate
	# the include graph a changed header is mapped with (else made by the first such build)
	hp_stage_begin includes
	if includes_current; then
		hp_stage_end cached
	else
		includes_ensure
		hp_stage_end "$(grep -c $'^e\t' "$HP_CACHE/includes") edges"
	fi
	wait "$dbg_pid" || hp_die "the debug package or the symbol index could not be prepared (see above)"
	hp_mark_done "$HP_CACHE" setup
	hp_unlock
}

# hp_print_env - the assignments tests and later stages eval (see HACKING.md).
hp_print_env() {
	local c=$HP_CACHE
	hp_is_done "$c" setup || HP_STAGE=print-env hp_die "the cache $c is not complete; run with --setup"
	printf 'HP_RELEASE=%q\n' "$HP_RELEASE"
	printf 'HP_PKGVER=%q\n' "$HP_PKGVER"
	printf 'HP_KBUILD_VER=%q\n' "$HP_KBUILD_VER"
	printf 'HP_CACHE=%q\n' "$c"
	printf 'HP_SRC=%q\n' "$c/src"
	printf 'HP_KDIR=%q\n' "$c/root/usr/src/linux-headers-$HP_RELEASE"
	printf 'HP_VMLINUZ=%q\n' "$c/root/boot/vmlinuz-$HP_RELEASE"
	printf 'HP_CONFIG=%q\n' "$c/root/boot/config-$HP_RELEASE"
	printf 'HP_MODDIR=%q\n' "$c/root/lib/modules/$HP_RELEASE"
	printf 'HP_VMLINUX=%q\n' "$c/dbg/vmlinux"
	printf 'HP_SYSMAP=%q\n' "$c/dbg/System.map"
	printf 'HP_SYMVERS=%q\n' "$c/root/usr/src/linux-headers-$HP_RELEASE/Module.symvers"
	printf 'HP_CC=%q\n' "$HP_CC"
	printf 'HP_BUILDROOT=%q\n' "$HP_BUILDROOT"
	if [[ -f $c/symindex ]]; then
		printf 'HP_INDEX=%q\n' "$c/symindex"
	else
		printf 'HP_INDEX=\n'
	fi
}

# hp_publish SRC NAME - put SRC into the output directory as NAME, by rename.
hp_publish() {
	local tmp=$opt_output/.tmp.$2
	if ! cp "$1" "$tmp" || ! mv -f "$tmp" "$opt_output/$2"; then
		rm -f "$tmp"
		hp_die "cannot write $opt_output/$2"
	fi
}

# hp_build - the whole job on one patch; see --help.
hp_build() {
	local work t
	if [[ -n $opt_defer ]]; then
		work=$opt_defer/work
		mkdir -p "$work" || hp_die "cannot create $work"
		HP_WORK_RM=$opt_defer
	else
		work=$(mktemp -d "${TMPDIR:-/tmp}/hotpatch.$opt_name.XXXXXX") || hp_die "cannot create a scratch directory"
		HP_WORK_RM=$work
	fi
	HP_WORK=$work
	hp_work_traps
	hp_cache_refresh_ref "$work"
	((opt_keep)) || objects_shadow_place "$work"
	# The full log (every stage's messages) goes next to the outputs; the terminal keeps them too.
	exec 3>&2
	exec 2> >(trap "" INT TERM; exec tee "$work/build.log" >&3)

	hp_stage_begin patch
	# the objects must come from the compiler that built the target, checked on every run
	hp_check_compiler "$HP_CACHE/src/.config"
	patch_classify "$opt_patch"
	tree_generated_refuse "${PATCH_C[@]}" "${PATCH_H[@]}"
	patch_apply "$opt_patch" "$HP_CACHE/src" "$work/patched-src"
	# patch_classify sorted every file of the patch into these, or refused it
	hp_stage_end "$((${#PATCH_C[@]} + ${#PATCH_H[@]} + ${#PATCH_IGNORED[@]})) file(s)"

	hp_stage_begin map
	objects_map_changed "$work"
	objects_map_first "$work" "$opt_first"
	if objects_compile_changed_wanted "$work"; then
		hp_stage_end "$(wc -l <"$work/tus") changed TU(s)$([[ ! -s $work/first ]] || printf ' and %d of --compile-first' "$(wc -l <"$work/first")"), compiled before the header scan"
		hp_stage_begin compile
		objects_compile_changed "$work"
		hp_stage_end "the patched side of each, -j${HP_JOBS:-$(nproc)}"
		hp_stage_begin map
	fi
	objects_map_headers "$work"
	objects_prefilter "$work"
	local tus=()
	mapfile -t tus <"$work/tus"
	hp_stage_end "${#tus[@]} TU(s), $OBJECTS_DROPPED left out by the header filter"

	hp_stage_begin compile
	objects_compile "$work"
	hp_stage_end "$((${#tus[@]} * 2)) objects ($OBJECTS_CACHED original from the object cache), -j${HP_JOBS:-$(nproc)}"
	# (nothing after the compile reads the patched tree)
	((opt_keep)) || objects_shadow_drop

	hp_stage_begin diff
	diff_objects "$work" "${opt_hooks[@]}"
	hp_stage_end "$((${#DIFF_PAIRS[@]} / 2)) object(s) changed"

	hp_stage_begin module
	local margs=(--name "$opt_name" --out "$work/module")
	((opt_replace)) && margs+=(--replace)
	[[ -n $opt_key ]] && margs+=(--sign-key "$opt_key" --sign-cert "$opt_cert")
	((opt_keep)) && margs+=(--keep-build "$work/kbuild")
	for t in "${opt_hooks[@]}"; do
		margs+=(--hooks "$t")
	done
	for t in "${opt_objects[@]}"; do
		margs+=(--object "$t")
	done
	module_prepare "${margs[@]}" "${DIFF_PAIRS[@]}"
	if [[ -n $opt_defer ]]; then
		hp_defer
		return 0
	fi
	module_kbuild "$MODULE_BDIR"
	hp_module_done
}

# hp_work_traps - the scratch directory (HP_WORK_RM: the work dir, or the --defer-module /
# --finish-module directory) goes at exit, unless --keep-work or a deferred run kept it.
hp_work_traps() {
	# a stage that ends the run (a refusal, no change, an error) still says how long it took:
	# hotpatch-triage's rows and the issue's overhead figures count on every stage's time
	if ((opt_keep)); then
		trap 'hp_stage_close; hp_log "scratch directory kept: $HP_WORK"' EXIT
	else
		trap 'hp_stage_close; objects_shadow_drop; [[ -z $HP_WORK_RM ]] || rm -rf "$HP_WORK_RM" 2>/dev/null || true' EXIT
	fi
	trap 'hp_log "interrupted; nothing was written"; exit 130' INT TERM
}

# hp_stage_close - at exit, the time of a stage that did not end (the one that stopped the run).
# shellcheck disable=SC2317 # called from the EXIT trap
hp_stage_close() {
	[[ -z ${HP_STAGE_OPEN:-} || $BASHPID != "${HP_MAIN_PID:-}" ]] || hp_stage_end "(the run ends in this stage)"
}

# hp_defer - --defer-module: the module stage stops after module_prepare. What the rest needs
# stays in opt_defer: build.env (this run's options and state), work/ without the objects and
# sources (a triage keeps hundreds of these), the build directory MODULE_BDIR in it.
hp_defer() {
	local prep=0
	hp_elapsed prep "$HP_STAGE_T0" 3
	rm -rf "$HP_WORK/orig" "$HP_WORK/patched" "$HP_WORK/patched-src" "$HP_WORK/shadow" "$HP_WORK"/diff/*.layouts.* ||
		hp_die "cannot clean $HP_WORK"
	# shellcheck disable=SC2034 # read back by --finish-module
	local opt_kernel=$HP_RELEASE
	declare -p opt_kernel opt_name opt_output opt_patch opt_replace opt_key opt_cert opt_keep \
		HP_CACHE_ROOT HP_TIMINGS HP_WORK MODULE_BDIR prep DIFF_TARGETS |
		hp_atomic_write "$opt_defer/build.env"
	hp_log "module $opt_name deferred: its kbuild directory is $MODULE_BDIR/src; hotpatch-build --finish-module $opt_defer links, signs and writes it to $opt_output"
	HP_WORK_RM=''
	# the module stage goes on in --finish-module, which counts this part in
	HP_STAGE_OPEN=''
}

# hp_finish - --finish-module: the module stage of a --defer-module run from where it stopped
# (its time so far and, after module_batch, its share of the batch's kbuild count in it), then
# the rest of that run.
hp_finish() {
	local share=0 t a b
	HP_WORK_RM=$opt_finish
	hp_work_traps
	exec 3>&2
	exec 2> >(trap "" INT TERM; exec tee -a "$HP_WORK/build.log" >&3)
	[[ -f $MODULE_BDIR/batch-share ]] && share=$(<"$MODULE_BDIR/batch-share")
	hp_stage_begin module
	hp_usec t "$HP_STAGE_T0"
	hp_usec a "$prep"
	hp_usec b "$share"
	hp_secs HP_STAGE_T0 $((t - a - b)) 6
	[[ -f $MODULE_BDIR/built ]] || module_kbuild "$MODULE_BDIR"
	hp_module_done
}

# hp_module_done - the linked module of MODULE_BDIR -> post-linked, signed; test, report, outputs.
hp_module_done() {
	local work=$HP_WORK ko t secs
	module_finish "$MODULE_BDIR" >/dev/null
	ko=$work/module/$opt_name.ko
	[[ -s $ko ]] || hp_die "module_build wrote no $ko"
	hp_stage_end "$(stat -c %s "$ko") bytes, signed"

	HP_TEST_RESULT=
	if [[ -n $opt_test ]]; then
		hp_stage_begin test
		local vargs=(--vmlinuz "$HP_CACHE/root/boot/vmlinuz-$HP_RELEASE"
			--moddir "$HP_CACHE/root/lib/modules/$HP_RELEASE" --release "$HP_RELEASE"
			--check "$opt_test" --module "$ko" --log "$work/vm")
		for t in "${DIFF_TARGETS[@]}"; do
			vargs+=(--load-target-before "$t")
		done
		if vmtest_run "${vargs[@]}" >&2; then
			HP_TEST_RESULT=passed
			hp_stage_end passed
		else
			HP_TEST_RESULT=failed
			hp_stage_end FAILED
			# no module for a patch that failed its test; the report and guest log say why
			report_write "$work" "$work/$opt_name.json" "$ko"
			hp_publish "$work/$opt_name.json" "$opt_name.json"
			[[ -f $work/vm/console.log ]] && hp_publish "$work/vm/console.log" "$opt_name.console.log"
			hp_publish "$work/build.log" "$opt_name.log"
			hp_die "the module failed its test in the VM; no module written (guest log: $opt_output/$opt_name.console.log)"
		fi
	fi

	hp_stage_begin report
	report_write "$work" "$work/$opt_name.json" "$ko"
	hp_stage_end
	# Outputs appear only now, each by rename: a failure above leaves no module behind.
	hp_publish "$ko.debug" "$opt_name.ko.debug"
	# the guest's console: the evidence a passed --test leaves (CI keeps it as an artifact)
	if [[ -n $opt_test && -f $work/vm/console.log ]]; then
		hp_publish "$work/vm/console.log" "$opt_name.console.log"
	fi
	hp_publish "$ko" "$opt_name.ko"
	hp_publish "$work/$opt_name.json" "$opt_name.json"
	hp_elapsed secs "$HP_T_START" 1
	hp_log "wrote $opt_output/$opt_name.ko (+ .ko.debug) and $opt_output/$opt_name.json ($secs s)"
	hp_publish "$work/build.log" "$opt_name.log"
}

hp_trap_errors
hp_time HP_T_START
target_resolve "$opt_kernel"
buildroot_toolchain
if ((opt_setup)) || [[ -n $opt_patch$opt_finish ]]; then
	hp_setup
	if ((opt_setup)); then
		HP_STAGE=setup
		HP_STAGE_T0=$HP_T_START
		hp_stage_end "total"
	fi
fi
if ((opt_print_env)); then
	hp_print_env
fi
if [[ -n $opt_patch$opt_finish ]]; then
	eval "$(hp_print_env)"
	export HP_RELEASE HP_CACHE HP_SRC HP_KDIR HP_SYMVERS HP_INDEX HP_CC HP_BUILDROOT HP_CACHE_ROOT
	[[ -n $HP_INDEX ]] || hp_die "the symbol index of $HP_RELEASE is missing: run make"
	buildroot_check
	buildroot_hold
	if [[ -n $opt_finish ]]; then
		hp_finish
	else
		hp_build
	fi
fi
exit 0
