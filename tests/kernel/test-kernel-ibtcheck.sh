#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The IBT check (hotpatch-klpfix --ibt-check, kmod-skel/ibtcheck.c) on a real patch module of a
# 6.12 target (X86_KERNEL_IBT): examples/proc-cmdline (cmdline_proc_show, vmlinux) and
# examples/module-sctp-snmp (sctp_snmp_seq_show, module sctp: its original is read from the
# image's sctp.ko.xz) in one module, linked by the module stage's own kbuild. The module as
# linked passes; each property the check proves is then broken in a copy and must be refused
# (exit 1, naming the function and what is wrong, nothing written): the ENDBR of the vmlinux
# function and of the module function, a padding byte, the __pfx_ symbol, .return_sites, ORC.
# Last, the module stage itself (hotpatch-build --finish-module) refuses a linked module without
# the ENDBR and writes no module. Whether each original starts with endbr64 is read from the
# kernel's own files (System.map, dbg vmlinux, the .ko.xz), not from the tool.
# HP_IBT_RELEASE picks the target (default: the newest Debian 13 kernel the cache has set up, else
# the newest in the archive). ~20 s warm.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/suite.sh
. "$T_TOP/build/suite.sh"
# shellcheck source=build/buildroot.sh
. "$T_TOP/build/buildroot.sh"
# shellcheck source=build/sign.sh
. "$T_TOP/build/sign.sh"
# shellcheck source=build/module.sh
. "$T_TOP/build/module.sh"
export HP_TOP=$T_TOP

t_plan 9

hb=$T_TOP/hotpatch-build.sh
klpfix=$T_TOP/out/bin/hotpatch-klpfix
[[ -x $klpfix ]] || t_bail "expected $klpfix (run make)"
tmp=$(t_tmpdir)
HP_CACHE_ROOT=$(realpath -m "${HOTPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotpatch}")
# a 6.12 trixie target already set up (no download in a test run), else the newest one
rel=${HP_IBT_RELEASE:-}
if [[ -z $rel ]]; then
	for d in "$HP_CACHE_ROOT"/6.12.*+deb13-amd64/.done/setup; do
		[[ -e $d ]] || continue
		d=${d%/.done/setup}
		rel=$(printf '%s\n' "${d##*/}" "$rel" | sort -V | tail -n1)
	done
	[[ -n $rel ]] || rel=$(suite_newest trixie)
fi
env=$("$hb" -k "$rel" --setup --print-env 2>"$tmp/setup.log") ||
	t_bail "hotpatch-build -k $rel --setup failed: $(tail -n 3 "$tmp/setup.log" | tr '\n' ' ')"
eval "$env"
grep -q '^CONFIG_X86_KERNEL_IBT=y$' "$HP_KDIR/.config" || t_bail "$rel is not built with X86_KERNEL_IBT"

# sym_fileoff ELF NAME - the file offset of the function NAME's first byte (a relocatable ELF).
sym_fileoff() {
	local syms secs ndx value off
	syms=$(readelf -sW "$1") && secs=$(readelf -SW "$1") || return 1
	read -r ndx value < <(awk -v n="$2" '$4 == "FUNC" && $8 == n && !f { print $7, $2; f = 1 }' <<<"$syms")
	[[ -n $ndx ]] || return 1
	off=$(sed -n "s/^ *\[ *$ndx\] [^ ]* *[A-Z_]* *[0-9a-f]* \([0-9a-f]*\) .*/\1/p" <<<"$secs")
	printf '%d\n' $((0x$off + 0x$value))
}

# bytes_at FILE OFFSET N - N bytes of FILE in hex, no spaces.
bytes_at() {
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}

# patch_bytes FILE OFFSET PRINTF-BYTES
patch_bytes() {
	# shellcheck disable=SC2059 # the bytes are a printf escape string
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# check KO - the IBT check as the module stage runs it, on KO: sets rc and out.
check() {
	local a=()
	for f in "${facts[@]}"; do
		a+=(--ibt-check "$f")
	done
	rm -f "$tmp/checked.ko"
	rc=0
	out=$("$klpfix" --index "$HP_INDEX" --symvers "$HP_SYMVERS" --release "$HP_RELEASE" "${a[@]}" \
		--vmlinux "$HP_CACHE/dbg/vmlinux" --moddir "$HP_CACHE/root/lib/modules/$HP_RELEASE" \
		"$1" -o "$tmp/checked.ko" 2>&1) || rc=$?
}

# refused WHAT KO PATTERN... - the check refuses KO with messages matching every PATTERN.
refused() {
	local what=$1 ko=$2 p
	shift 2
	check "$ko"
	for p in "$@" "no module written"; do
		if ((rc != 1)) || [[ $out != *$p* ]] || [[ -e $tmp/checked.ko ]]; then
			t_fail "$what" "expected exit 1, a message with '$p' and no output, saw exit $rc: $out"
			return
		fi
	done
	t_pass "$what: $(grep -m1 -v 'no module written' <<<"$out" | cut -c1-200)"
}

# --- a real module, linked by the module stage's kbuild, stopped before klpfix ---
cat "$T_TOP/examples/proc-cmdline/fix.patch" "$T_TOP/examples/module-sctp-snmp/fix.patch" >"$tmp/fix.patch"
name=ibtc_test
rc=0
"$hb" -k "$rel" -o "$tmp/out" -n "$name" --defer-module "$tmp/defer" "$tmp/fix.patch" >"$tmp/build.log" 2>&1 || rc=$?
MODULE_BDIR=''
# shellcheck source=/dev/null # written by --defer-module: MODULE_BDIR and the run's options
((rc != 0)) || . "$tmp/defer/build.env"
linked=''
facts=()
if [[ -n $MODULE_BDIR ]] && (module_kbuild "$MODULE_BDIR") >>"$tmp/build.log" 2>&1; then
	# shellcheck source=/dev/null # written by module_prepare: name out key cert keep facts
	. "$MODULE_BDIR/module.env"
	linked=$(<"$MODULE_BDIR/built")/$name.ko
	cp "$linked" "$tmp/linked.ko"
fi
vfn=cmdline_proc_show mfn=sctp_snmp_seq_show
valias='' malias=''
for f in "${facts[@]}"; do
	case $(jq -r .target "$f") in
	vmlinux) valias=$(jq -r --arg n "$vfn" '.functions[] | select(.name == $n) | .alias' "$f") ;;
	sctp) malias=$(jq -r --arg n "$mfn" '.functions[] | select(.name == $n) | .alias' "$f") ;;
	esac
done
if [[ -s $tmp/linked.ko && -n $valias && -n $malias ]]; then
	t_pass "$rel: a module patching $vfn (vmlinux) and $mfn (sctp) built and linked"
else
	t_fail "$rel: a module patching $vfn (vmlinux) and $mfn (sctp) built and linked" \
		"expected the linked module and the aliases of both, saw exit $rc, aliases '$valias' '$malias': $(grep -m3 -E 'error|refused' "$tmp/build.log" | tr '\n' ' ')"
	for _ in 2 3 4 5 6 7 8 9; do
		t_fail "IBT check" "no module to check"
	done
	t_done
fi

# --- the originals, from the kernel's own files ---
vaddr=$(awk -v n="$vfn" '($2 == "t" || $2 == "T") && $3 == n { a = $1 } END { print a }' "$HP_SYSMAP")
secs=$(readelf -SW "$HP_CACHE/dbg/vmlinux")
read -r taddr toff < <(sed -n 's/^ *\[ *[0-9]*\] \.text *PROGBITS *\([0-9a-f]*\) \([0-9a-f]*\) .*/\1 \2/p' <<<"$secs")
vorig=$(bytes_at "$HP_CACHE/dbg/vmlinux" $((0x$toff + 0x$vaddr - 0x$taddr)) 4)
xz -dc "$(find "$HP_MODDIR" -name sctp.ko.xz)" >"$tmp/sctp.ko"
morig=$(bytes_at "$tmp/sctp.ko" "$(sym_fileoff "$tmp/sctp.ko" "$mfn")" 4)

voff=$(sym_fileoff "$tmp/linked.ko" "$valias")
moff=$(sym_fileoff "$tmp/linked.ko" "$malias")
check "$tmp/linked.ko"
if [[ $vorig == f30f1efa && $morig == f30f1efa ]] && ((rc == 0)) && [[ -s $tmp/checked.ko ]] &&
	[[ $(bytes_at "$tmp/linked.ko" "$voff" 4) == f30f1efa && $(bytes_at "$tmp/linked.ko" "$moff" 4) == f30f1efa ]]; then
	t_pass "the linked module passes the IBT check; the kernel's $vfn and sctp's $mfn start with endbr64, so do their replacements"
else
	t_fail "the linked module passes the IBT check" \
		"expected exit 0 and originals starting with f30f1efa, saw exit $rc, $vfn $vorig, $mfn $morig: $out"
fi

# --- each property broken in a copy ---
cp "$tmp/linked.ko" "$tmp/bad.ko"
patch_bytes "$tmp/bad.ko" "$voff" '\x0f\x1f\x40\x00'
refused "ENDBR of a vmlinux function's replacement gone" "$tmp/bad.ko" \
	"$vfn starts with endbr64, its replacement $valias does not"

cp "$tmp/linked.ko" "$tmp/bad.ko"
patch_bytes "$tmp/bad.ko" "$moff" '\x0f\x1f\x40\x00'
refused "ENDBR of a module function's replacement gone (original read from sctp.ko.xz)" "$tmp/bad.ko" \
	"$mfn starts with endbr64, its replacement $malias does not"

cp "$tmp/linked.ko" "$tmp/bad.ko"
patch_bytes "$tmp/bad.ko" $((voff - 7)) '\xcc'
refused "a byte of the padding not a NOP" "$tmp/bad.ko" "$vfn: not preceded by the 16 bytes of NOP padding"

objcopy --redefine-sym "__pfx_$valias=__pfx_x$valias" "$tmp/linked.ko" "$tmp/bad.ko"
refused "the __pfx_ symbol gone" "$tmp/bad.ko" "$vfn: no __pfx_$valias symbol over its padding"

objcopy --remove-section .return_sites --remove-section .rela.return_sites "$tmp/linked.ko" "$tmp/bad.ko"
refused ".return_sites gone" "$tmp/bad.ko" "$vfn: return thunk jump at +0x" "not in .return_sites"

objcopy --remove-section .orc_unwind_ip --remove-section .rela.orc_unwind_ip \
	--remove-section .orc_unwind "$tmp/linked.ko" "$tmp/bad.ko"
refused "ORC gone" "$tmp/bad.ko" "$mfn: no ORC entry"

# --- the module stage runs the check ---
patch_bytes "$linked" "$voff" '\x0f\x1f\x40\x00'
rc=0
out=$("$hb" --finish-module "$tmp/defer" 2>&1) || rc=$?
if ((rc == 1)) && [[ $out == *"$vfn starts with endbr64"* && ! -e $tmp/out/$name.ko ]]; then
	t_pass "hotpatch-build --finish-module refuses the linked module without the ENDBR and writes none"
else
	t_fail "the module stage runs the IBT check" \
		"expected exit 1 naming $vfn and endbr64 and no $tmp/out/$name.ko, saw exit $rc: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
fi
t_done
