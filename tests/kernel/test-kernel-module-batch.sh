#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Patch modules linked together (build/module.sh's module_batch, what hotpatch-triage does with
# the modules of its candidates) on REAL differ output for the target kernel, and hotpatch-build's
# --defer-module / --finish-module that leave and take up a module between the two.
# Checks: a batch's modules are byte-identical to the same modules linked alone (.ko and
# .ko.debug); a batch with one module that does not link (a hooks file with a compile error)
# marks none linked, and linking each alone then fails that module only, naming it, while the
# others come out identical to their own builds; a deferred hotpatch-build writes no module and
# its finish writes the module a plain run writes. Each module's NAME.mod.o (build/modcc.sh):
# a batch publishes them in an empty cache, the same batch again takes both from it, and the
# modules stay byte-identical to their own builds either way.
set -euo pipefail

# shellcheck source=tests/kernel/test-kernel-module.sh
. "$(dirname "${BASH_SOURCE[0]}")/test-kernel-module.sh"

t_plan 14
t_setup_kernel
work=$(t_tmpdir)
tm_prepare "$work"
((${#TM_PAIRS[@]} == 6)) || t_bail "the differ outputs of the three fixtures are missing"
export HP_JOBS=2

cat >"$work/bad-hooks.c" <<'EOF'
#include "hotpatch.h"
static int hp_batch_broken(void) { return no_such_identifier; }
EOF

# mod_args NAME - module_prepare's arguments of each module of this test
mod_args() {
	case $1 in
	hp_batch_a) printf '%s\n' --name hp_batch_a -- "${TM_PAIRS[@]:0:2}" ;;
	hp_batch_b) printf '%s\n' --name hp_batch_b -- "${TM_PAIRS[@]:2:4}" ;;
	hp_batch_c) printf '%s\n' --name hp_batch_c --hooks "$work/bad-hooks.c" -- "${TM_PAIRS[@]:0:2}" ;;
	esac
}

# prepare DIR NAME - module_prepare of NAME into DIR; prints its build directory
prepare() {
	local -a args
	mapfile -t args < <(mod_args "$2")
	(module_prepare --out "$1" "${args[@]}" && printf '%s\n' "$MODULE_BDIR") 2>>"$work/prepare.log"
}

# sums DIR NAME... - sha256 of each NAME.ko and NAME.ko.debug in DIR, one line
sums() {
	local dir=$1 n
	shift
	for n in "$@"; do
		printf '%s %s ' "$(sha256sum <"$dir/$n.ko" | cut -c1-16)" "$(sha256sum <"$dir/$n.ko.debug" | cut -c1-16)"
	done
}

# --- Each module alone: the reference. ---
ok=1
for n in hp_batch_a hp_batch_b; do
	mapfile -t args < <(mod_args "$n")
	tm_build "$work/solo" "$n" "${args[@]:2}"
	((rc == 0)) || ok=0
done
if ((ok)); then
	t_pass "hp_batch_a (cmdline) and hp_batch_b (kallsyms + binfmt_misc) link alone"
	solo=$(sums "$work/solo" hp_batch_a hp_batch_b)
else
	t_fail "hp_batch_a and hp_batch_b link alone" "$(tail -n 3 "$work/solo/build.log" | tr '\n' ' ')"
	solo=none
fi

# --- A batch with a module that does not link. ---
if ! a=$(prepare "$work/f" hp_batch_a) || ! b=$(prepare "$work/f" hp_batch_b) || ! c=$(prepare "$work/f" hp_batch_c); then
	t_bail "module_prepare failed: $(tail -n 3 "$work/prepare.log" | tr '\n' ' ')"
fi
brc=0
(module_batch "$work/batch-f" "$a" "$b" "$c") >"$work/batch-f.log" 2>&1 || brc=$?
if ((brc == 1)) && [[ ! -e $a/built && ! -e $b/built && ! -e $c/built ]] &&
	grep -q 'no_such_identifier' "$work/batch-f/kbuild.log"; then
	t_pass "a batch with one module that does not compile fails (status 1) and marks no module linked"
else
	t_fail "a batch with one module that does not compile fails and marks no module linked" \
		"expected status 1, no BDIR/built and the compiler's error in kbuild.log, saw status $brc, built: $(find "$a" "$b" "$c" -maxdepth 1 -name built | wc -l)"
fi
ok=1
for d in "$a" "$b"; do
	(module_kbuild "$d" && module_finish "$d") >>"$work/alone.log" 2>&1 || ok=0
done
if ((ok)) && [[ $(sums "$work/f" hp_batch_a hp_batch_b) == "$solo" ]]; then
	t_pass "after the failed batch, hp_batch_a and hp_batch_b link alone, byte-identical to their own builds"
else
	t_fail "after the failed batch, hp_batch_a and hp_batch_b link alone, byte-identical" \
		"expected $solo, saw $(sums "$work/f" hp_batch_a hp_batch_b 2>/dev/null): $(tail -n 3 "$work/alone.log" | tr '\n' ' ')"
fi
crc=0
(module_kbuild "$c" && module_finish "$c") >"$work/alone-c.log" 2>&1 || crc=$?
if ((crc == 1)) && grep -q 'hotpatch: module: error: kbuild failed for module hp_batch_c' "$work/alone-c.log" &&
	[[ ! -e $work/f/hp_batch_c.ko ]]; then
	t_pass "alone, hp_batch_c fails naming its module and writes no module"
else
	t_fail "alone, hp_batch_c fails naming its module and writes no module" \
		"exit $crc: $(tail -n 3 "$work/alone-c.log" | tr '\n' ' ')"
fi

# --- A batch that links. ---
if ! a=$(prepare "$work/g" hp_batch_a) || ! b=$(prepare "$work/g" hp_batch_b); then
	t_bail "module_prepare failed: $(tail -n 3 "$work/prepare.log" | tr '\n' ' ')"
fi
brc=0
(module_batch "$work/batch-g" "$a" "$b") >"$work/batch-g.log" 2>&1 || brc=$?
if ((brc == 0)) && [[ $(<"$a/built") == "$work/batch-g/hp_batch_a" && $(<"$b/built") == "$work/batch-g/hp_batch_b" ]] &&
	[[ $(<"$a/batch-share") =~ ^[0-9]+\.[0-9]+$ ]]; then
	t_pass "a batch of two links both in one kbuild and gives each its share of the time"
else
	t_fail "a batch of two links both in one kbuild" "status $brc: $(tail -n 3 "$work/batch-g.log" | tr '\n' ' ')"
fi
ok=1
for d in "$a" "$b"; do
	module_finish "$d" >>"$work/finish-g.log" 2>&1 || ok=0
done
if ((ok)) && [[ $(sums "$work/g" hp_batch_a hp_batch_b) == "$solo" ]]; then
	t_pass "the batch's modules, post-linked and signed, are byte-identical to their own builds (.ko, .ko.debug)"
else
	t_fail "the batch's modules are byte-identical to their own builds" \
		"expected $solo, saw $(sums "$work/g" hp_batch_a hp_batch_b 2>/dev/null): $(tail -n 3 "$work/finish-g.log" | tr '\n' ' ')"
fi

# --- NAME.mod.o from the cache (an empty one of this test's). ---
# modcc_batch DIR - prepare hp_batch_a and hp_batch_b in DIR, link them in a batch, finish them
modcc_batch() {
	local a b
	a=$(prepare "$1" hp_batch_a) && b=$(prepare "$1" hp_batch_b) &&
		(MODULE_MAIN_CACHE=$work/kmod module_batch "$1/batch" "$a" "$b") >"$1.log" 2>&1 &&
		module_finish "$a" >>"$1.log" 2>&1 && module_finish "$b" >>"$1.log" 2>&1
}
hits() { grep -c '\.mod\.o from the cache: ' "$1/batch/kbuild.log" || true; }
entries() { find "$work/kmod/modc" -name '*.o' 2>/dev/null | wc -l; }
rc=0
modcc_batch "$work/h" || rc=$?
if ((rc == 0)) && [[ $(hits "$work/h") == 0 && $(entries) == 2 && $(sums "$work/h" hp_batch_a hp_batch_b) == "$solo" ]]; then
	t_pass "a batch publishes both NAME.mod.o in an empty cache; its modules are byte-identical to their own builds"
else
	t_fail "a batch publishes both NAME.mod.o in an empty cache, modules identical" \
		"exit $rc, $(hits "$work/h") hits, $(entries) entries, $(sums "$work/h" hp_batch_a hp_batch_b 2>/dev/null) vs $solo: $(tail -n 3 "$work/h.log" | tr '\n' ' ')"
fi
rc=0
modcc_batch "$work/i" || rc=$?
if ((rc == 0)) && [[ $(hits "$work/i") == 2 && $(entries) == 2 && $(sums "$work/i" hp_batch_a hp_batch_b) == "$solo" ]]; then
	t_pass "the same batch in another directory takes both NAME.mod.o from the cache; modules byte-identical"
else
	t_fail "the same batch again takes both NAME.mod.o from the cache, modules identical" \
		"exit $rc, $(hits "$work/i") hits, $(entries) entries, $(sums "$work/i" hp_batch_a hp_batch_b 2>/dev/null) vs $solo: $(tail -n 3 "$work/i.log" | tr '\n' ' ')"
fi

# --- hotpatch-build --defer-module / --finish-module. ---
fix=$T_TOP/examples/proc-cmdline/fix.patch
build=("$T_TOP/hotpatch-build.sh" -k "$HP_RELEASE" -j 2 -n hp_defer)
rc=0
"${build[@]}" -o "$work/plain" "$fix" >"$work/plain.log" 2>&1 || rc=$?
((rc == 0)) || t_bail "hotpatch-build on $fix: exit $rc: $(tail -n 3 "$work/plain.log" | tr '\n' ' ')"
rc=0
"${build[@]}" -o "$work/deferred" --defer-module "$work/d" "$fix" >"$work/defer.log" 2>&1 || rc=$?
if ((rc == 0)) && [[ -f $work/d/build.env && ! -e $work/deferred/hp_defer.ko && ! -e $work/d/work/orig ]] &&
	grep -q 'module hp_defer deferred' "$work/defer.log"; then
	t_pass "--defer-module: exit 0, the module's inputs in DIR (objects gone), no module written"
else
	t_fail "--defer-module: exit 0, inputs in DIR, no module" \
		"exit $rc, build.env $([[ -f $work/d/build.env ]] && echo present || echo missing): $(tail -n 2 "$work/defer.log" | tr '\n' ' ')"
fi
rc=0
"$T_TOP/hotpatch-build.sh" --finish-module "$work/d" >"$work/finish.log" 2>&1 || rc=$?
if ((rc == 0)) && [[ $(sums "$work/deferred" hp_defer) == "$(sums "$work/plain" hp_defer)" && ! -e $work/d ]] &&
	[[ $(jq -c '[.objects, .module.size]' "$work/deferred/hp_defer.json") == "$(jq -c '[.objects, .module.size]' "$work/plain/hp_defer.json")" ]]; then
	t_pass "--finish-module writes the module, debug copy and report of a plain run, byte for byte, and removes DIR"
else
	t_fail "--finish-module writes what a plain run writes" \
		"exit $rc, $(sums "$work/deferred" hp_defer 2>/dev/null) vs $(sums "$work/plain" hp_defer): $(tail -n 3 "$work/finish.log" | tr '\n' ' ')"
fi
rc=0
"${build[@]}" -o "$work/t" --defer-module "$work/d2" --test "$T_TOP/examples/proc-cmdline/check.sh" "$fix" >"$work/dt.log" 2>&1 || rc=$?
if ((rc == 1)) && grep -q 'error: --test needs the module: it does not go with --defer-module' "$work/dt.log" && [[ ! -e $work/d2 ]]; then
	t_pass "--defer-module with --test is a usage error (exit 1)"
else
	t_fail "--defer-module with --test is a usage error" "exit $rc: $(tail -n 2 "$work/dt.log" | tr '\n' ' ')"
fi
t_done
