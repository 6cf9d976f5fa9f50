#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build/includes.sh on a small tree with the shapes of the kernel's: two drivers each with
# their own eeprom.h (a changed one maps only to its driver's TUs: the old name match fanned
# out to every driver's), a header reached only through another header, "../eeprom.h", a
# quoted or angle include found through a TU's -I (also an absolute one), a quoted
# "linux/foo.h" that a directory's own linux/foo.h shadows, a forced -include, a TU the compile
# database spells with "../", a symbolic link to a header and an included .inc file. A header
# found through -I is a candidate of every TU (the union of the database's -I directories);
# objects_includes_header's gcc -M, with the TU's own flags, keeps the exact ones.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

t_plan 16
work=$(t_tmpdir)
HP_CACHE=$work/cache
HP_RELEASE='test'
HP_STAGE='test'
src=$HP_CACHE/src
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/objects.sh
. "$T_TOP/build/objects.sh"

# put PATH LINE... - a file of the tree
put() {
	local f=$src/$1
	shift
	mkdir -p "$(dirname "$f")"
	printf '%s\n' "$@" >"$f"
}
put drivers/a/eeprom.h '#define A_EEPROM 1'
put drivers/a/a.h '#include <linux/kernel.h>' '#  include "eeprom.h"'
put drivers/a/main.c '#include "a.h"'
put drivers/a/sub/x.c '#include "../eeprom.h"'
put drivers/b/eeprom.h '#define B_EEPROM 1'
put drivers/b/b.h '#include "eeprom.h"'
put drivers/b/main.c '#include "b.h"'
put drivers/c/c.c '#include "eeprom.h" /* drivers/a through -I, spelled drivers/e/../a */'
put drivers/d/d.c '#include <eeprom.h>'
put drivers/m/m.h '/* m.h */'
put drivers/k/k.c '#include <m.h> /* through an absolute -I */'
put drivers/j/j.c '#include "eeprom.h"'
put include/linux/kernel.h '/* kernel.h */'
put include/linux/kconfig.h '/* kconfig.h */'
put include/linux/foo.h '/* foo.h */'
put drivers/e/e.c '#include <linux/foo.h>'
put drivers/e/f.c '#include "linux/foo.h"'
put drivers/g/linux/foo.h '/* g own foo.h */'
put drivers/g/g.c '#include "linux/foo.h"'
put drivers/i/i.inc '#include <linux/foo.h>'
put drivers/i/i.c '#include "i.inc"'
put virt/k/k.h '/* k.h */'
put virt/k/k.c '#include "k.h"'
mkdir -p "$src/arch/x86/k"
put include/uapi/linux/x.h '/* x.h */'
mkdir -p "$src/include/dt-bindings"
ln -s ../uapi/linux/x.h "$src/include/dt-bindings/x.h"
put drivers/h/h.c '#include <dt-bindings/x.h>'

# the compile database: every TU but drivers/j/j.c (not built by the configuration)
cc='gcc -Wp,-MMD,D/.x.o.d -nostdinc -I./arch/x86/include -I./include -I./include/uapi -include ./include/linux/kconfig.h'
for tu in drivers/a/main.c drivers/a/sub/x.c drivers/b/main.c 'drivers/c/c.c -I ./drivers/e/../a' \
	'drivers/d/d.c -Idrivers/b' drivers/e/e.c drivers/e/f.c drivers/g/g.c drivers/i/i.c \
	arch/x86/k/../../../virt/k/k.c drivers/h/h.c "drivers/k/k.c -I$src/drivers/m"; do
	c=${tu%% *}
	flags=
	[[ $tu == *' '* ]] && flags=" ${tu#* }"
	o=${c%.c}.o
	printf '%s\t%s\t%s\t%s\n' "$c" "$o" vmlinux \
		"${cc/D\/.x.o.d/$(dirname "$o")/.$(basename "$o").d}$flags -c -o $o $c ; ./tools/objtool/objtool --orc $o"
done | LC_ALL=C sort >"$HP_CACHE/compiledb"

# an index of an older format, and an interrupted writer's temporary
printf '#hotpatch-includes 0\ne\tx\ty\n' >"$HP_CACHE/includes"
printf 'partial\n' >"$HP_CACHE/.tmp.includes.stale1"
rc=0
(includes_ensure) >"$work/ensure.log" 2>&1 || rc=$?
if ((rc == 0)) && includes_current; then
	t_pass "includes_ensure writes the index, of the current version"
else
	t_fail "includes_ensure writes the index, of the current version" "saw exit $rc: $(tail -n 3 "$work/ensure.log")"
fi
left=$(cd "$HP_CACHE" && find . -maxdepth 1 -name '*includes*' | LC_ALL=C sort | paste -sd' ')
if [[ $left == "./includes ./includes.up" ]]; then
	t_pass "the index of an older format is replaced in place and a stale temporary removed: nothing else is left (but its \"u\" lines, includes.up)"
else
	t_fail "an older index replaced in place, a stale temporary removed" "expected ./includes and ./includes.up alone, saw '$left'"
fi

# users NAME EXPECTED HEADER... - includes_users of the headers is exactly EXPECTED (sorted)
users() {
	local name=$1 want=$2 got
	shift 2
	got=$(includes_users "$@" | paste -sd' ')
	if [[ $got == "$want" ]]; then
		t_pass "$name"
	else
		t_fail "$name" "expected '$want', saw '$got'"
	fi
}

users "drivers/a/eeprom.h: its own driver's TUs (through a.h, ../eeprom.h) and those that find an eeprom.h through -I, nothing of drivers/b" \
	"drivers/a/main.c drivers/a/sub/x.c drivers/c/c.c drivers/d/d.c" drivers/a/eeprom.h
users "drivers/b/eeprom.h: its own driver's TU and those that find an eeprom.h through -I, nothing of drivers/a" \
	"drivers/b/main.c drivers/c/c.c drivers/d/d.c" drivers/b/eeprom.h
users "a header reached only through another local header (drivers/a/a.h includes eeprom.h)" \
	"drivers/a/main.c" drivers/a/a.h
users "include/linux/foo.h: <linux/foo.h>, a quoted \"linux/foo.h\" without a local one, an included .inc; not drivers/g, whose own linux/foo.h comes first" \
	"drivers/e/e.c drivers/e/f.c drivers/i/i.c" include/linux/foo.h
users "drivers/g/linux/foo.h: only drivers/g/g.c" "drivers/g/g.c" drivers/g/linux/foo.h
users "a header found through an absolute -I into the tree" "drivers/k/k.c" drivers/m/m.h
users "a forced -include reaches every TU" \
	"$(cut -f1 "$HP_CACHE/compiledb" | LC_ALL=C sort | paste -sd' ')" include/linux/kconfig.h
users "a TU is named as the compile database spells it (arch/x86/k/../../../virt/k/k.c)" \
	"arch/x86/k/../../../virt/k/k.c" virt/k/k.h
users "a header reached through a symbolic link (include/dt-bindings/x.h)" "drivers/h/h.c" include/uapi/linux/x.h

got=$(includes_aliases include/uapi/linux/x.h)
if [[ $got == include/dt-bindings/x.h ]]; then
	t_pass "includes_aliases names the link to a header"
else
	t_fail "includes_aliases names the link to a header" "expected include/dt-bindings/x.h, saw '$got'"
fi

# includes HEADER TU - objects_includes_header with the TU's command from the database
includes() {
	local cmd
	cmd=$(awk -F'\t' -v c="$2" '$1 == c { print $4 }' "$HP_CACHE/compiledb")
	objects_includes_header "$2" "$cmd" "$1"
}
if includes drivers/a/eeprom.h drivers/c/c.c && ! includes drivers/b/eeprom.h drivers/c/c.c; then
	t_pass "gcc -M: drivers/c/c.c opens drivers/a/eeprom.h (as ./drivers/e/../a/eeprom.h), not drivers/b's"
else
	t_fail "gcc -M: drivers/c/c.c opens drivers/a/eeprom.h (as ./drivers/e/../a/eeprom.h), not drivers/b's" \
		"saw $(includes drivers/a/eeprom.h drivers/c/c.c && echo yes || echo no) and $(includes drivers/b/eeprom.h drivers/c/c.c && echo yes || echo no)"
fi
if includes drivers/b/eeprom.h drivers/d/d.c && ! includes drivers/a/eeprom.h drivers/d/d.c; then
	t_pass "gcc -M: drivers/d/d.c opens drivers/b/eeprom.h, not drivers/a's"
else
	t_fail "gcc -M: drivers/d/d.c opens drivers/b/eeprom.h, not drivers/a's" "saw the opposite"
fi
if includes drivers/m/m.h drivers/k/k.c; then
	t_pass "gcc -M: drivers/k/k.c opens drivers/m/m.h (an absolute path)"
else
	t_fail "gcc -M: drivers/k/k.c opens drivers/m/m.h (an absolute path)" "saw no"
fi
if includes include/linux/foo.h drivers/i/i.c && ! includes include/linux/foo.h drivers/g/g.c; then
	t_pass "gcc -M: drivers/i/i.c opens include/linux/foo.h, drivers/g/g.c does not"
else
	t_fail "gcc -M: drivers/i/i.c opens include/linux/foo.h, drivers/g/g.c does not" "saw the opposite"
fi

t_done
