# shellcheck shell=bash
# build/objtool.sh - objtool where kbuild defers it to the link (6.12 with IBT).
#
#   objtool_deferred_args CONFIG   the arguments kbuild gives objtool at the link when CONFIG
#                                  defers it from each object (X86_KERNEL_IBT or LTO_CLANG);
#                                  nothing when objtool runs per object
#   objtool_strip CMD              CMD (a compile database command) without its objtool part
#                                  when HP_OBJTOOL_DEFERRED is set
#   objtool_check_link KBUILDDIR NAME
#                                  die unless kbuild ran objtool on the patch module's prelinked
#                                  NAME.o with exactly HP_OBJTOOL_DEFERRED --module
#
# Why: under IBT, 6.12's scripts/Makefile.lib sets delay-objtool and scripts/Makefile.vmlinux_o
# runs objtool once on vmlinux.o with --link; a multi-object module gets it on its prelinked
# object. So the running kernel's copy of a function got __pfx_ symbols over its 16 bytes of
# padding, ORC, .return_sites (return thunks rewritten at boot/load), .call_sites (call depth
# accounting), .retpoline_sites, .static_call_sites and .ibt_endbr_seal from that one link-time
# run, and a TU compiled alone has none of them.
#
# The patch module is a multi-object module, so kbuild runs the target's own objtool (the
# kbuild package's, same source version) on it at link time with objtool-args-y --link
# --module: every function the differ put in it gets exactly that processing, as a function of
# any module of the target does. That run skips a section that already exists ("file already
# has .return_sites, skipping"), which would leave the module's own code (its init, the klp
# tables) with unpatched return thunks -- the kernel WARNs (__warn_thunk) and the mitigation is
# off for it. So with delayed objtool, no object we compile runs objtool's full pass (single-object
# module TUs have it in their database command: it is dropped; only its code rewrites run,
# objtool_code_hacks), the differ compares and copies that output
# and objtool_check_link proves the link-time run happened with the
# link's arguments. The argument list mirrors 6.12's objtool-args-y / vmlinux-objtool-args-y.

objtool_deferred_args() {
	local config=$1 args=() pad line
	local -A y=() asked=()
	# the options asked below that are set, read in one grep (one per option cost 3-17
	# processes); an option not in this list is asked of the file itself
	local -a opts=(OBJTOOL X86_KERNEL_IBT LTO_CLANG HAVE_JUMP_LABEL_HACK HAVE_NOINSTR_HACK
		MITIGATION_CALL_DEPTH_TRACKING FINEIBT FTRACE_MCOUNT_USE_OBJTOOL HAVE_OBJTOOL_NOP_MCOUNT
		UNWINDER_ORC MITIGATION_RETPOLINE MITIGATION_RETHUNK MITIGATION_SLS STACK_VALIDATION
		HAVE_STATIC_CALL_INLINE HAVE_UACCESS_VALIDATION GCOV_KERNEL KCOV PREFIX_SYMBOLS
		NOINSTR_VALIDATION MITIGATION_UNRET_ENTRY MITIGATION_SRSO)
	for line in "${opts[@]}"; do
		asked[$line]=1
	done
	while IFS= read -r line; do
		line=${line#CONFIG_}
		y[${line%=y}]=1
	done < <(
		IFS='|'
		grep -E "^CONFIG_(${opts[*]})=y$" "$config" || true
	)
	objtool_cfg() {
		if [[ -n ${asked[$1]:-} ]]; then
			[[ -n ${y[$1]:-} ]]
		else
			grep -q "^CONFIG_$1=y$" "$config"
		fi
	}
	objtool_cfg OBJTOOL || return 0
	objtool_cfg X86_KERNEL_IBT || objtool_cfg LTO_CLANG || return 0
	objtool_cfg HAVE_JUMP_LABEL_HACK && args+=(--hacks=jump_label)
	objtool_cfg HAVE_NOINSTR_HACK && args+=(--hacks=noinstr)
	objtool_cfg MITIGATION_CALL_DEPTH_TRACKING && args+=(--hacks=skylake)
	objtool_cfg X86_KERNEL_IBT && args+=(--ibt)
	objtool_cfg FINEIBT && args+=(--cfi)
	if objtool_cfg FTRACE_MCOUNT_USE_OBJTOOL; then
		args+=(--mcount)
		objtool_cfg HAVE_OBJTOOL_NOP_MCOUNT && args+=(--mnop)
	fi
	objtool_cfg UNWINDER_ORC && args+=(--orc)
	objtool_cfg MITIGATION_RETPOLINE && args+=(--retpoline)
	objtool_cfg MITIGATION_RETHUNK && args+=(--rethunk)
	objtool_cfg MITIGATION_SLS && args+=(--sls)
	objtool_cfg STACK_VALIDATION && args+=(--stackval)
	objtool_cfg HAVE_STATIC_CALL_INLINE && args+=(--static-call)
	objtool_cfg HAVE_UACCESS_VALIDATION && args+=(--uaccess)
	if objtool_cfg GCOV_KERNEL || objtool_cfg KCOV; then
		args+=(--no-unreachable)
	fi
	if objtool_cfg PREFIX_SYMBOLS; then
		pad=$(sed -n 's/^CONFIG_FUNCTION_PADDING_BYTES=\([0-9]*\)$/\1/p' "$config")
		args+=("--prefix=${pad:-16}")
	fi
	if objtool_cfg NOINSTR_VALIDATION; then
		args+=(--noinstr)
		if objtool_cfg MITIGATION_UNRET_ENTRY || objtool_cfg MITIGATION_SRSO; then
			args+=(--unret)
		fi
	fi
	args+=(--link)
	printf '%s\n' "${args[*]}"
}

objtool_strip() {
	local cmd=$1
	if [[ -n ${HP_OBJTOOL_DEFERRED:-} && $cmd == *objtool* ]]; then
		cmd=${cmd%%; ./tools/objtool/objtool *}
		[[ $cmd != *objtool* ]] || hp_die "cannot drop objtool from: $1"
	fi
	printf '%s\n' "$cmd"
}

# objtool_code_hacks OBJ CMD - the code rewrites of the deferred objtool run, on one compiled
# object: --hacks=jump_label turns the `jmp` that 6.12's arch_static_branch() emits ("objtool
# NOPs this") into the NOP the kernel starts from, --hacks=noinstr NOPs instrumentation calls in
# noinstr code. Without them a static branch whose __jump_table entry the differ leaves out (a
# tracepoint keyed in a module: kept off) would stay a jump, always taken: seen in qemu on
# 6.12.118 as examples/module-tracepoint's event firing in the patched null_zone_write. Only
# the rewrites run here; the sections (ORC, .return_sites, ...) come from the module's link.
objtool_code_hacks() {
	local obj=$1 cmd=$2 a args=()
	[[ -n ${HP_OBJTOOL_DEFERRED:-} ]] || return 0
	for a in $HP_OBJTOOL_DEFERRED; do
		case $a in
		--hacks=jump_label | --hacks=noinstr) args+=("$a") ;;
		esac
	done
	((${#args[@]})) || return 0
	args+=(--link)
	if [[ $cmd == *" -DMODULE "* ]]; then
		args+=(--module)
	fi
	hp_verbose "objtool ${args[*]} $obj"
	hp_target_exec env SRCARCH=x86 "$HP_CACHE/src/tools/objtool/objtool" "${args[@]}" "$obj"
}

objtool_check_link() {
	local dir=$1 name=$2 cmdfile want have
	[[ -n ${HP_OBJTOOL_DEFERRED:-} ]] || return 0
	cmdfile=$dir/.$name.o.cmd
	want=$(tr -s ' ' <<<"objtool $HP_OBJTOOL_DEFERRED --module $dir/$name.o")
	have=$(sed -n "s|^savedcmd_.*; \./tools/objtool/\(objtool .*\)$|\1|p" "$cmdfile" 2>/dev/null | tr -s ' ')
	[[ $have == "$want" ]] ||
		hp_die "kbuild did not run objtool on the patch module as the target's link does: expected '$want', saw '${have:-no objtool run}' in $cmdfile; without it the module's functions lack ORC, return thunk and call depth sites"
}
