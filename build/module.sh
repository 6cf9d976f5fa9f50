# shellcheck shell=bash
# build/module.sh - the patch module stage: the differ's outputs of one patch (any number of
# OUT.o + FACTS.json pairs, for vmlinux and modules) -> one signed livepatch module.
#
#   module_build [options] OUT.o FACTS.json [OUT.o FACTS.json ...]
#     --name NAME            module and patch name: [A-Za-z0-9_], at most 55 characters
#                            (the kernel's /sys/kernel/livepatch/NAME)           (required)
#     --out DIR              where NAME.ko is written                            (required)
#     --replace              atomic replace: klp_patch.replace = true, the patch supersedes
#                            every livepatch loaded before it (cumulative patches)
#     --sign-key KEY --sign-cert CERT
#                            sign with this key pair (default: CACHE/keys, made once)
#     --hooks FILE.c         compile FILE.c into the module (callbacks, shadow variables:
#                            kmod-skel/hotpatch.h); repeatable
#     --object OBJ           give OBJ (vmlinux or a module) a klp_object even when no function
#                            of it changes, for its callbacks; repeatable
#     --keep-build DIR       keep the kbuild directory as DIR (inspection, debugging)
#   Environment (hotpatch-build --print-env): HP_KDIR HP_SYMVERS HP_INDEX HP_RELEASE HP_CACHE;
#   HP_JOBS (default: nproc). MODULE_TEMPLATES, MODULE_SKEL: templates/ and kmod-skel/ of this
#   tree; MODULE_MAIN_CACHE: where the compiled init code is kept (default HP_CACHE/kmod).
#   Output: DIR/NAME.ko, stripped of debug info and signed (sha256, PKCS#7), its path on
#   stdout; DIR/NAME.ko.debug, the same module with its DWARF, unsigned.  Nothing is written to DIR
#   on failure.  The same inputs and key give a byte-identical module.
#
# Steps: module_prepare (hotpatch-mkmod writes the kbuild directory: klp records, prelinked
# differ objects, the init code compiled once per target by module_main_obj), module_kbuild (kbuild links it against HP_KDIR with gcc-12), module_finish
# (strip --strip-debug, hotpatch-klpfix rewrites the klp relocations and refuses any symbol that
# would not resolve at load time, and under IBT checks the functions' ENDBR, padding, return
# sites and ORC; sign-file signs). module_build runs the three.
# Needs build/common.sh and build/sign.sh.

# this file's directory: sourced once per hotpatch-build, twice per triage candidate, so
# without a dirname and readlink process each time
module_sh_dir=${BASH_SOURCE[0]%/*}
[[ $module_sh_dir != "${BASH_SOURCE[0]}" ]] || module_sh_dir=.
# shellcheck source=build/objtool.sh
. "$module_sh_dir/objtool.sh"

if [[ -z ${MODULE_TEMPLATES:-} || -z ${MODULE_SKEL:-} ]]; then
	module_sh_top=$(cd "$module_sh_dir/.." && pwd -P) || module_sh_top=$module_sh_dir/..
	MODULE_TEMPLATES=${MODULE_TEMPLATES:-$module_sh_top/templates}
	MODULE_SKEL=${MODULE_SKEL:-$module_sh_top/kmod-skel}
fi

# module_tool NAME VAR - VAR: the path of a hotpatch C tool (built tree, installed tree, or
# PATH); set, not printed, so that no subshell runs for it.
module_tool() {
	local t d
	for d in "${HP_LIBDIR:-}" "${HP_TOP:-}"; do
		t=$d/out/bin/$1
		if [[ -n $d && -x $t ]]; then
			printf -v "$2" '%s' "$t"
			return 0
		fi
	done
	t=$(command -v "$1" 2>/dev/null) || hp_die "$1 is not built: run make"
	printf -v "$2" '%s' "$t"
}

# module_build [options] OUT.o FACTS.json ... - the whole stage, see the top of this file:
# module_prepare, module_kbuild, module_finish.
module_build() {
	module_prepare "$@"
	module_kbuild "$MODULE_BDIR"
	module_finish "$MODULE_BDIR"
}

# module_prepare [options] OUT.o FACTS.json ... - check every input, write the kbuild directory
# (hotpatch-mkmod) as MODULE_BDIR/src and what module_finish needs as MODULE_BDIR/module.env;
# sets MODULE_BDIR (a new directory in --out). Nothing is compiled yet.
module_prepare() {
	local name='' out='' replace=0 key='' cert='' keep='' v
	local -a hooks=() objects=() pairs=() mkargs=() facts=()
	# shellcheck disable=SC2034 # read by hp_die
	local HP_STAGE=module
	while (($#)); do
		case $1 in
		--name | --out | --sign-key | --sign-cert | --hooks | --object | --keep-build)
			[[ $# -ge 2 && -n $2 ]] || hp_die "module_build: $1 needs an argument"
			v=$2
			case $1 in
			--name) name=$v ;;
			--out) out=$v ;;
			--sign-key) key=$v ;;
			--sign-cert) cert=$v ;;
			--hooks) hooks+=("$v") ;;
			--object) objects+=("$v") ;;
			--keep-build) keep=$v ;;
			esac
			shift 2
			;;
		--replace)
			replace=1
			shift
			;;
		--)
			shift
			pairs+=("$@")
			break
			;;
		-*) hp_die "module_build: unknown option $1" ;;
		*)
			pairs+=("$1")
			shift
			;;
		esac
	done
	[[ -n $name ]] || hp_die "module_build: --name is required"
	[[ -n $out ]] || hp_die "module_build: --out is required"
	((${#pairs[@]} % 2 == 0)) || hp_die "module_build: inputs come in pairs OUT.o FACTS.json"
	((${#pairs[@]} || ${#objects[@]})) || hp_die "module_build: no differ output to build from"
	if [[ -n $key || -n $cert ]]; then
		[[ -n $key && -n $cert ]] || hp_die "--sign-key and --sign-cert go together"
	fi
	module_check_env
	local f
	for f in "${pairs[@]}" "${hooks[@]}"; do
		[[ -r $f ]] || hp_die "cannot read $f"
	done
	[[ -f $HP_KDIR/Makefile ]] || hp_die "$HP_KDIR is not a kernel headers directory"
	hp_check_compiler "$HP_KDIR/.config"

	local mkmod
	module_tool hotpatch-mkmod mkmod
	module_main_obj
	mkargs+=(--main "$MODULE_MAIN_OBJ" --templates "$MODULE_TEMPLATES" --skel "$MODULE_SKEL")
	if [[ -z $key ]]; then
		read -r key cert < <(sign_keys_ensure "$HP_CACHE") || hp_die "no signing key"
		[[ -n $key ]] || hp_die "no signing key in $HP_CACHE/keys"
	fi

	mkdir -p "$out" || hp_die "cannot create $out"
	local bdir src
	bdir=$(hp_tmpdir "$out" "module-$name")
	src=$bdir/src
	# Absolute paths for the inputs: kbuild runs in HP_KDIR.
	for f in "${hooks[@]}"; do
		mkargs+=(--hooks "$(readlink -f "$f")")
	done
	for f in "${objects[@]}"; do
		mkargs+=(--object "$f")
	done
	((replace)) && mkargs+=(--replace)
	hp_run "$mkmod" --name "$name" -o "$src" --index "$HP_INDEX" --symvers "$HP_SYMVERS" \
		"${mkargs[@]}" "${pairs[@]}"
	for ((v = 1; v < ${#pairs[@]}; v += 2)); do
		facts+=("$(readlink -f "${pairs[v]}")")
	done
	out=$(readlink -f "$out")
	[[ -z $keep ]] || keep=$(readlink -m "$keep")
	declare -p name out key cert keep facts >"$bdir/module.env" || hp_die "cannot write $bdir/module.env"
	MODULE_BDIR=$bdir
}

module_check_env() {
	local var
	for var in HP_KDIR HP_SYMVERS HP_INDEX HP_RELEASE HP_CACHE; do
		[[ -n ${!var:-} ]] || hp_die "$var is not set: eval \"\$(hotpatch-build --setup --print-env)\""
	done
}

# module_kdir_maps - the -ffile-prefix-map options that keep the headers' paths out of a
# module: the same module whatever the cache's path is.
module_kdir_maps() {
	local kdir_real
	kdir_real=$(readlink -f "$HP_KDIR")
	printf '%s' "-ffile-prefix-map=$kdir_real/=kdir/"
	printf ' %s' "-ffile-prefix-map=$(readlink -f "$kdir_real/scripts")/=kdir/scripts/"
	printf ' %s' "-ffile-prefix-map=$(readlink -f "$(dirname "$kdir_real")")/=kdir/../"
}

# module_make DIR KCFLAGS LOG [TARGET] - kbuild's TARGET (default "modules") for the external
# module directory DIR. Its compiler is build/modcc.sh, which takes each module's NAME.mod.c
# from the cache module_modcc_env sets up (for "modules": the init code's object is cached
# whole); a kbuild that published there prunes it.
module_make() {
	local fd rc=0 modcc=$module_sh_dir/modcc.sh MODCC_DIR='' MODCC_ID='' MODCC_PUBLISHED=''
	[[ $modcc == /* ]] || modcc=$PWD/$modcc
	[[ ${4:-modules} != modules ]] || module_modcc_env "$3.published"
	MODCC_DIR=$MODCC_DIR MODCC_ID=$MODCC_ID MODCC_PUBLISHED=$MODCC_PUBLISHED \
		hp_target_exec make -C "$HP_KDIR" M="$1" CC="$modcc ${HP_CC:-gcc-12}" KBUILD_MODPOST_WARN=1 \
		KCFLAGS="$2" KBUILD_BUILD_TIMESTAMP='' -j "${HP_JOBS:-$(nproc)}" "${4:-modules}" >"$3" 2>&1 || rc=$?
	if [[ -n $MODCC_PUBLISHED && -e $MODCC_PUBLISHED ]]; then
		rm -f "$MODCC_PUBLISHED"
		if exec {fd}>>"$MODCC_DIR/.lock"; then
			flock "$fd" && hp_cache_prune "$MODCC_DIR" '' "a module's NAME.mod.o" '*.o' '*.d' '.tmp.*'
			exec {fd}>&-
		fi
	fi
	return "$rc"
}

# module_modcc_env PUBLISHED - MODCC_DIR, the cache of the modules' NAME.mod.o
# (MODULE_MAIN_CACHE/modc; empty with HOTPATCH_OBJECT_CACHE=0 or when it cannot be written),
# MODCC_ID, what every entry depends on besides its compile (the init code's key: recipe,
# target, compiler, .config; and build/modcc.sh), and MODCC_PUBLISHED=PUBLISHED when there is
# a cache. The key is computed once per process and target.
module_modcc_env() {
	local dir=${MODULE_MAIN_CACHE:-$HP_CACHE/kmod}/modc
	MODCC_DIR='' MODCC_ID='' MODCC_PUBLISHED=''
	[[ ${HOTPATCH_OBJECT_CACHE:-1} != 0 ]] || return 0
	[[ -d $dir ]] || mkdir -p "$dir" 2>/dev/null || return 0
	: >>"$dir/.lock" 2>/dev/null || return 0
	if [[ ${MODULE_MODCC_OF:-} != "$dir|$HP_KDIR|$HP_RELEASE|${HP_CC:-}|${HP_BUILDROOT:-}" ]]; then
		MODULE_MODCC_ID=$({
			module_main_key
			cat "$module_sh_dir/modcc.sh"
		} | sha256sum) || return 0
		MODULE_MODCC_OF="$dir|$HP_KDIR|$HP_RELEASE|${HP_CC:-}|${HP_BUILDROOT:-}"
	fi
	MODCC_DIR=$dir MODCC_ID=${MODULE_MODCC_ID%% *} MODCC_PUBLISHED=$1
}

# The init code (templates/livepatch.c) is the same file in every module and depends on no
# module name (the description is in hp-klp.o), so it is compiled once per target and the
# object shipped as hp-main.o_shipped: 0.6 s CPU less per module (per triage candidate).
#
# module_main_compile DIR - DIR/hp-main.o from DIR/hp-main.c as kbuild compiles that member
# of a patch module: kbuild itself, on a one-member module made from Kbuild.in, asked for that
# object alone, with the module build's flags (the 6.1 per-object objtool pass included; under
# IBT objtool waits for the module's link, as it does for a member compiled in place). DIR's
# path is mapped away, as module_kbuild maps its own: the object names hotpatch/hp-main.c.
module_main_compile() {
	local dir=$1
	sed -e 's/@NAME@/hotpatch_main/g' -e 's/@OBJS@/hp-main.o/' "$MODULE_TEMPLATES/Kbuild.in" >"$dir/Kbuild" &&
		module_make "$dir" "-ffile-prefix-map=$dir/=hotpatch/ $(module_kdir_maps)" "$dir/kbuild.log" hp-main.o
}

# module_main_key - what the compiled init code depends on, hashed: the recipe (the functions
# above, as this tree has them), the target (release, packages, .config), its compiler and
# binutils, the sources.
module_main_key() {
	local br=${HP_BUILDROOT:-}
	{
		declare -f module_main_compile module_make module_kdir_maps
		printf '%s\n' "$HP_RELEASE" "${HP_CC:-gcc-12}" "${HP_CC_ASKED:-}" "${br:-host}"
		cat "$HP_CACHE/pkgversion" "$HP_CACHE/kbuildversion" 2>/dev/null || true
		stat -L -c '%n %s %Y' "$br/usr/bin/as" "$br/usr/bin/ld" "$HP_KDIR/tools/objtool/objtool" 2>/dev/null || true
		cat "$MODULE_TEMPLATES/livepatch.c" "$MODULE_TEMPLATES/Kbuild.in" "$MODULE_SKEL/klp-records.h" \
			"$HP_KDIR/.config"
	} | sha256sum
}

# module_main_obj - set MODULE_MAIN_OBJ to the init code compiled for the target: the cache's
# MODULE_MAIN_CACHE/hp-main-KEY.o, compiled there first when missing. Writers hold DIR/.lock:
# concurrent builds (triage workers) compile it once and the others wait for it; the object is
# synced and renamed into place, so a reader never sees it half-written.
#
# Every change of the template or the recipe is a new KEY, so a writer prunes the objects
# nobody uses any more, and a use keeps an object: hp_cache_refresh and hp_cache_prune
# (build/common.sh, which says why that is safe for readers that hold no lock).
#
# MODULE_MAIN_OF names what the key was computed from: hotpatch-triage computes it once and
# exports it with MODULE_MAIN_OBJ (and the compiler's answer, HP_CC_ASKED), and each
# candidate's build keeps them when its ingredients are the same (5 processes less each).
module_main_obj() {
	local dir=${MODULE_MAIN_CACHE:-$HP_CACHE/kmod} key obj fd of
	# shellcheck disable=SC2034 # read by hp_die
	local HP_STAGE=module
	hp_check_compiler "$HP_KDIR/.config"
	of="$dir|$HP_RELEASE|$HP_KDIR|${HP_CC:-gcc-12}|${HP_CC_ASKED:-}|${HP_BUILDROOT:-}|$MODULE_TEMPLATES|$MODULE_SKEL|$module_sh_dir"
	if [[ ${MODULE_MAIN_OF:-} == "$of" && -f ${MODULE_MAIN_OBJ:-} ]]; then
		return 0
	fi
	key=$(module_main_key) || hp_die "cannot read the init code's sources in $MODULE_TEMPLATES and $MODULE_SKEL"
	obj=$dir/hp-main-${key:0:16}.o
	[[ ! -f $obj ]] || hp_cache_refresh "$dir" "$obj"
	if [[ ! -f $obj ]]; then
		mkdir -p "$dir" || hp_die "cannot create $dir"
		exec {fd}>>"$dir/.lock" || hp_die "cannot open $dir/.lock"
		flock "$fd" || hp_die "cannot lock $dir/.lock"
		if [[ ! -f $obj ]]; then
			module_main_build "$dir" "$obj"
			hp_cache_prune "$dir" "$obj" "an init object" 'hp-main-*.o'
		fi
		exec {fd}>&-
	fi
	MODULE_MAIN_OBJ=$obj MODULE_MAIN_OF=$of
}

# module_main_build DIR OBJ - compile the init code into OBJ (in DIR, under DIR/.lock).
module_main_build() {
	local dir=$1 obj=$2 tmp
	# under the lock, a temporary is an interrupted writer's
	rm -rf "$dir"/.tmp.*
	tmp=$(hp_tmpdir "$dir" hp-main)
	cp "$MODULE_TEMPLATES/livepatch.c" "$tmp/hp-main.c" || hp_die "cannot copy $MODULE_TEMPLATES/livepatch.c"
	cp "$MODULE_SKEL/klp-records.h" "$tmp/" || hp_die "cannot copy $MODULE_SKEL/klp-records.h"
	hp_verbose "compiling the patch module's init code for $HP_RELEASE into $obj"
	if ! module_main_compile "$tmp" || [[ ! -s $tmp/hp-main.o ]]; then
		grep -E 'error|Error' "$tmp/kbuild.log" | tail -n 20 >&2 || true
		rm -rf "$tmp"
		hp_die "kbuild failed on the patch module's init code ($MODULE_TEMPLATES/livepatch.c) for $HP_RELEASE; check that the kernel headers in $HP_KDIR are complete (hotpatch-build --setup -k $HP_RELEASE)"
	fi
	sync "$tmp/hp-main.o" || hp_die "cannot sync $tmp/hp-main.o"
	mv -f "$tmp/hp-main.o" "$obj" || hp_die "cannot rename $tmp/hp-main.o to $obj"
	rm -rf "$tmp"
}

# module_kbuild BDIR - link the module of module_prepare's BDIR alone (BDIR/src/NAME.ko).
module_kbuild() {
	local bdir=$1 name out key cert keep facts src
	# shellcheck disable=SC2034 # read by hp_die
	local HP_STAGE=module
	# shellcheck source=/dev/null # written by module_prepare: name out key cert keep facts
	. "$bdir/module.env" || hp_die "cannot read $bdir/module.env"
	src=$bdir/src
	# Reproducible: no build path in the output (DWARF, __FILE__), whatever $bdir is.
	if ! module_make "$src" "-ffile-prefix-map=$src/=hotpatch/$name/ $(module_kdir_maps)" "$bdir/kbuild.log"; then
		# the linker's own lines say what clashed ("multiple definition of ...") without "error"
		grep -E 'error|Error|undefined|multiple definition|^ld: ' "$bdir/kbuild.log" |
			grep -v '\.klp\.sym\.' | tail -n 20 >&2 || true
		hp_die "kbuild failed for module $name (the lines above; the whole log: $bdir/kbuild.log, kept with --keep-work)"
	fi
	grep -E 'undefined!' "$bdir/kbuild.log" | grep -v '"\.klp\.sym\.' >&2 || true
	printf '%s\n' "$src" >"$bdir/built"
}

# module_finish BDIR - the linked module (in the directory BDIR/built names) -> OUT/NAME.ko,
# post-linked, stripped and signed, and OUT/NAME.ko.debug; prints OUT/NAME.ko.
module_finish() {
	local bdir=$1 name out key cert keep facts src klpfix f
	local -a ibt=()
	# shellcheck disable=SC2034 # read by hp_die
	local HP_STAGE=module
	# shellcheck source=/dev/null # written by module_prepare: name out key cert keep facts
	. "$bdir/module.env" || hp_die "cannot read $bdir/module.env"
	src=$(<"$bdir/built") || hp_die "module $name was not linked ($bdir/built is missing)"
	[[ -f $src/$name.ko ]] || hp_die "kbuild wrote no $src/$name.ko"
	module_tool hotpatch-klpfix klpfix
	HP_OBJTOOL_DEFERRED=$(objtool_deferred_args "$HP_KDIR/.config")
	objtool_check_link "$src" "$name"

	# Shipped the way Debian ships its modules: DWARF stripped before signing (a one-function
	# patch: 262 KB -> 9 KB), the full module kept as NAME.ko.debug (same build id; the
	# stripped one names it in .gnu_debuglink) for crash and gdb. Strip before klpfix, so that
	# the bytes that ship are written and proven by klpfix, not rewritten by binutils after it.
	hp_run "$klpfix" --index "$HP_INDEX" --symvers "$HP_SYMVERS" --release "$HP_RELEASE" \
		"$src/$name.ko" -o "$bdir/$name.ko.debug"
	hp_run strip --strip-debug -o "$bdir/stripped.ko" "$src/$name.ko"
	hp_run objcopy --add-gnu-debuglink="$bdir/$name.ko.debug" "$bdir/stripped.ko"
	# Under IBT the shipped module's functions must look as the kernel's own do (ENDBR, padding,
	# return sites, ORC: kmod-skel/ibtcheck.h); TCG shows no IBT, so only this proves it.
	if grep -q '^CONFIG_X86_KERNEL_IBT=y$' "$HP_KDIR/.config"; then
		for f in "${facts[@]}"; do
			ibt+=(--ibt-check "$f")
		done
		((${#ibt[@]} == 0)) || ibt+=(--vmlinux "$HP_CACHE/dbg/vmlinux" --moddir "$HP_CACHE/root/lib/modules/$HP_RELEASE")
	fi
	hp_run "$klpfix" --index "$HP_INDEX" --symvers "$HP_SYMVERS" --release "$HP_RELEASE" \
		"${ibt[@]}" "$bdir/stripped.ko" -o "$bdir/$name.ko"
	sign_module "$bdir/$name.ko" "$key" "$cert" "$HP_KDIR"
	chmod 644 "$bdir/$name.ko" "$bdir/$name.ko.debug"
	mkdir -p "$out" || hp_die "cannot create $out"
	mv -f "$bdir/$name.ko.debug" "$out/$name.ko.debug" || hp_die "cannot write $out/$name.ko.debug"
	mv -f "$bdir/$name.ko" "$out/$name.ko" || hp_die "cannot write $out/$name.ko"
	if [[ -n $keep ]]; then
		rm -rf "$keep"
		mv "$bdir" "$keep" || hp_die "cannot keep the build directory as $keep"
	else
		rm -rf "$bdir"
	fi
	printf '%s\n' "$out/$name.ko"
}

# module_batch DIR BDIR... - link the modules of several module_prepare directories in one
# kbuild: DIR (new) holds one subdirectory per module (a copy of its kbuild directory) and a
# Kbuild naming them, so kbuild starts once, runs modpost once and compiles every module's
# files with -j HP_JOBS. Each module comes out byte-identical to its own module_kbuild (its
# files map to the same hotpatch/NAME/ paths). On success each BDIR/built names its linked
# directory and BDIR/batch-share holds its share of the wall time (the batch's / N), and the
# status is 0; on failure no BDIR is marked, the status is 1 and DIR/kbuild.log says why:
# module_kbuild then links each alone, which attributes the failure to its own module.
module_batch() {
	local dir=$1 b name out key cert keep facts kcflags t0 share
	local -a names=()
	# shellcheck disable=SC2034 # read by hp_die
	local HP_STAGE=module
	shift
	module_check_env
	rm -rf "$dir"
	mkdir -p "$dir" || hp_die "cannot create $dir"
	kcflags=$(module_kdir_maps)
	for b in "$@"; do
		# shellcheck source=/dev/null # written by module_prepare: name out key cert keep facts
		. "$b/module.env" || hp_die "cannot read $b/module.env"
		[[ ! -e $dir/$name ]] || hp_die "module $name is twice in the batch $dir"
		cp -a "$b/src" "$dir/$name" || hp_die "cannot copy $b/src to $dir/$name"
		names+=("$name")
	done
	# DIR/NAME/ is hotpatch/NAME/ as in module_kbuild; one map for all, so that a module's
	# compile names no other module (build/modcc.sh: its NAME.mod.c is cached whatever the batch)
	kcflags+=" -ffile-prefix-map=$dir/=hotpatch/"
	printf 'obj-m += %s/\n' "${names[@]}" >"$dir/Kbuild" || hp_die "cannot write $dir/Kbuild"
	t0=$(hp_now)
	module_make "$dir" "$kcflags" "$dir/kbuild.log" || return 1
	share=$(awk -v a="$t0" -v b="$(hp_now)" -v n="$#" 'BEGIN { printf "%.3f", (b - a) / n }')
	for b in "$@"; do
		# shellcheck source=/dev/null # written by module_prepare
		. "$b/module.env" || hp_die "cannot read $b/module.env"
		[[ -f $dir/$name/$name.ko ]] || hp_die "kbuild wrote no $dir/$name/$name.ko; log: $dir/kbuild.log"
		printf '%s\n' "$share" >"$b/batch-share" || hp_die "cannot write $b/batch-share"
		printf '%s\n' "$dir/$name" >"$b/built" || hp_die "cannot write $b/built"
	done
	grep -E 'undefined!' "$dir/kbuild.log" | grep -v '"\.klp\.sym\.' >&2 || true
}
