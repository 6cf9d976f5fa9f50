#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Man pages: every installed command has one (man/NAME.h2m), help2man makes it from the command's
# own --help and --version (so the page cannot drift from --help: it is regenerated here from the
# current build and every option --help names must appear in it), and man finds no warning in it
# (the check lintian's groff-message tag makes). Needs the tools built (make all); ~2 s.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
tmp=$(t_tmpdir)
cd "$T_TOP"

# the commands make install puts in bin/
cmds=(hotpatch-build)
for b in out/bin/hotpatch-*; do
	[[ -x $b ]] && cmds+=("$(basename "$b")")
done
for s in hotpatch-*.sh; do
	[[ $s == hotpatch-build.sh ]] || cmds+=("${s%.sh}")
done
if ((${#cmds[@]} < 6)); then
	t_bail "expected out/bin/hotpatch-* (run make all), saw ${cmds[*]}"
fi
# per command: its page is clean, and it has every option of --help
t_plan $((2 * ${#cmds[@]}))

for c in "${cmds[@]}"; do
	exe=out/bin/$c
	[[ -x $exe ]] || exe=./$c.sh
	if [[ ! -f man/$c.h2m ]]; then
		t_fail "$c has a man page source" "expected man/$c.h2m, saw none"
		t_fail "$c.1: NAME, SYNOPSIS and every option of $c --help" "no page without man/$c.h2m"
		continue
	fi
	if ! SOURCE_DATE_EPOCH=0 help2man -N --no-discard-stderr -i "man/$c.h2m" -o "$tmp/$c.1" "$exe" \
		>"$tmp/$c.h2m.log" 2>&1; then
		t_fail "help2man $c" "expected exit 0, saw: $(tail -n 3 "$tmp/$c.h2m.log" | tr '\n' ' ')"
		t_fail "$c.1: NAME, SYNOPSIS and every option of $c --help" "help2man made no page"
		continue
	fi
	warn=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$tmp/$c.1" 2>&1 >/dev/null || true)
	if [[ -z $warn ]]; then
		t_pass "$c.1: man --warnings is silent"
	else
		t_fail "$c.1: man --warnings is silent" "saw: $(head -n 3 <<<"$warn" | tr '\n' ' ')"
	fi
	page=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$tmp/$c.1" 2>/dev/null | col -b)
	missing=()
	while read -r opt; do
		grep -qF -- "$opt" <<<"$page" || missing+=("$opt")
	done < <("$exe" --help 2>&1 | grep -oE -- '(^|[ [,])--[a-z][a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u)
	name=$(sed -n '/^NAME/,/^[A-Z]/p' <<<"$page" | sed -n 2p)
	if ((${#missing[@]} == 0)) && grep -q '^SYNOPSIS' <<<"$page" && [[ $name == *"$c - "* && $name != *"manual page for"* ]]; then
		t_pass "$c.1: NAME, SYNOPSIS and every option of $c --help"
	else
		t_fail "$c.1: NAME, SYNOPSIS and every option of $c --help" \
			"expected a one-line NAME, a SYNOPSIS and ${missing[*]:-all options}, saw NAME '$name', sections $(grep -E '^[A-Z]' <<<"$page" | tr '\n' ' ')"
	fi
done
t_done
