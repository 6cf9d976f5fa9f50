#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install DESTDIR/PREFIX: the installed hotpatch-build builds a module from a real patch
# with nothing from the source tree. Needs the kernel cache.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_plan 4
t_setup_kernel
tmp=$(t_tmpdir)

if make -s -C "$T_TOP" install DESTDIR="$tmp/root" PREFIX=/opt/hp >"$tmp/install.log" 2>&1; then
	t_pass "make install DESTDIR=… PREFIX=/opt/hp"
else
	t_fail "make install" "exit non-zero: $(tail -n 3 "$tmp/install.log" | tr '\n' ' ')"
fi
hb=$tmp/root/opt/hp/bin/hotpatch-build
v=$("$hb" --version 2>&1 || true)
if [[ $v == "hotpatch-build $(cat "$T_TOP/VERSION")" ]]; then t_pass "installed hotpatch-build --version: $v"
else t_fail "installed hotpatch-build --version" "expected the VERSION file's version, saw '$v'"; fi

# run it from a directory far from the source tree, with the source tree's tools off PATH
out=$tmp/out
if (cd / && PATH=/usr/bin:/bin "$hb" -o "$out" -n installed_run \
	"$T_TOP/examples/proc-cmdline/fix.patch") >"$tmp/run.log" 2>&1 &&
	[[ -s $out/installed_run.ko ]]; then
	t_pass "the installed command builds a module"
	if grep -q "$T_TOP" "$tmp/run.log"; then
		t_fail "the installed command uses only installed files" "the log names $T_TOP: $(grep -m1 "$T_TOP" "$tmp/run.log")"
	else
		t_pass "the installed command uses only installed files"
	fi
else
	t_fail "the installed command builds a module" "$(tail -n 3 "$tmp/run.log" | tr '\n' ' ')"
fi
t_done
