#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build/modcc.sh CC ARG... - the compiler of the patch modules' kbuild (build/module.sh,
# module_make passes it as CC): runs CC ARG..., except that a module's NAME.mod.c comes from
# the cache MODCC_DIR when the same compile ran before.
#
# modpost writes NAME.mod.c (the module's struct module, version table, modinfo) and kbuild
# compiles it with the kernel's full flags: 0.2-0.3 s CPU per module, most of a triage
# candidate's module stage, spent again on every run for the same file. Its object depends
# only on the compile's arguments, the file, the working directory (kbuild runs in HP_KDIR) and
# the target's headers and compiler, which MODCC_ID hashes (module_modcc_env); the module's
# own directory DIR is named nowhere in it once kbuild maps DIR/ away (-ffile-prefix-map), so
# the key replaces DIR with @DIR@ and a module built in another directory hits the same entry.
# Without that map the compile is not cached: DIR would be in the object's DWARF. DIR is the
# module's directory, or the batch's that holds it (module_batch maps it once for all).
#
# An entry is KEY.o and KEY.d (gcc's dependency file, which kbuild's fixdep turns into the
# .cmd file, DIR as @DIR@), never modified, published from temporaries by rename (.d first:
# KEY.o marks a complete entry), kept and pruned as the object cache's (build/common.sh): a hit
# marks its entry used and says so on stderr (kbuild's log); MODCC_PUBLISHED, when set, is created when this compile published one,
# so that module_make prunes once per kbuild. Anything wrong with the cache compiles.
set -euo pipefail

n=$#
# kbuild's cmd_cc_o_c: "... -c -o DIR/NAME.mod.o DIR/NAME.mod.c"; anything else runs as it is
if [[ -z ${MODCC_DIR:-} || -z ${MODCC_ID:-} || $n -lt 5 || ${!n} != /*.mod.c ]]; then
	exec "$@"
fi
args=("$@")
c=${args[n - 1]}
o=${args[n - 2]}
d=${c%/*}
dep=$d/.${o##*/}.d
# the directory mapped away: the module's own (module_kbuild) or the batch's (module_batch)
p=''
if [[ " $* " == *" -ffile-prefix-map=${d%/*}/="* ]]; then
	p=${d%/*}
elif [[ " $* " == *" -ffile-prefix-map=$d/="* ]]; then
	p=$d
fi
if [[ -z $p || ${args[n - 3]} != -o || ${args[n - 4]} != -c || $o != "${c%.c}.o" ||
	" $* " != *" -Wp,-MMD,$dep "* || ! -f $c ]]; then
	exec "$@"
fi

key=$(
	printf '%s\n' "$MODCC_ID" "$PWD" "${args[@]//"$p"/@DIR@}" "--"
	cat "$c"
) || exec "$@"
key=$(sha256sum <<<"$key") || exec "$@"
entry=$MODCC_DIR/${key:0:32}

if [[ -s $entry.o && -s $entry.d ]]; then
	# shellcheck source=build/common.sh
	. "${BASH_SOURCE[0]%/*}/common.sh"
	hp_cache_refresh "$MODCC_DIR" "$entry.o" "$entry.d"
	text=$(<"$entry.d") &&
		printf '%s\n' "${text//@DIR@/"$p"}" >"$dep" &&
		cp --no-preserve=mode "$entry.o" "$o" && [[ -s $o ]] &&
		printf 'hotpatch: %s from the cache: %s\n' "${o##*/}" "$entry.o" >&2 && exit 0
	rm -f "$o" "$dep"
fi

"$@"
# publish; a failure leaves the cache without the entry, never kbuild without its object
tmpd='' tmpo=''
if tmpd=$(mktemp "$MODCC_DIR/.tmp.${entry##*/}.d.XXXXXX" 2>/dev/null) &&
	tmpo=$(mktemp "$MODCC_DIR/.tmp.${entry##*/}.o.XXXXXX" 2>/dev/null) &&
	text=$(<"$dep") && printf '%s\n' "${text//"$p"/@DIR@}" >"$tmpd" && cp "$o" "$tmpo" &&
	chmod 444 "$tmpd" "$tmpo" && sync "$tmpd" "$tmpo" && mv -n "$tmpd" "$entry.d" && mv -n "$tmpo" "$entry.o" &&
	[[ -n ${MODCC_PUBLISHED:-} ]]; then
	: >>"$MODCC_PUBLISHED" || true
fi
rm -f "$tmpd" "$tmpo"
exit 0
