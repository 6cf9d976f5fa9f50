#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The patch module's init code compiled once per target (build/module.sh, module_main_obj):
# templates/livepatch.c is kbuilt into the cache as hp-main-KEY.o and every module ships that
# object. Checks, on the target's real headers and compiler: the cached object is byte for byte
# the hp-main.o kbuild compiles from source inside a module of another name in another
# directory (what the modules were built from before); a second module reuses it (kbuild
# copies it, compiles no hp-main.c, the file is not rewritten) and its modinfo names the
# module; modules built from two cache directories are byte-identical (.ko and .ko.debug); a
# changed template gives a new object that the module is built from, and a stale temporary is
# removed on the way; a new object prunes those unused for 8 days but keeps the ones used since
# (a use refreshes the mtime), also while readers race the writer; workers racing on an empty
# cache compile it once and agree; a template that does not compile fails naming it and leaves
# nothing in the cache.
# Loading and patching in qemu: tests/vm/test-vm-module.sh builds its modules this way.
# HP_TEST_RELEASE=6.12.118+deb13-amd64 runs it against that target (its build root).
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/buildroot.sh
. "$T_TOP/build/buildroot.sh"
# shellcheck source=build/sign.sh
. "$T_TOP/build/sign.sh"
# shellcheck source=build/module.sh
. "$T_TOP/build/module.sh"
export HP_TOP=$T_TOP

t_plan 11
if [[ -n ${HP_TEST_RELEASE:-} ]]; then
	env=$("$T_TOP/hotpatch-build.sh" -k "$HP_TEST_RELEASE" --setup --print-env 2>/dev/null) ||
		t_bail "kernel cache setup of $HP_TEST_RELEASE failed"
	eval "$env"
else
	t_setup_kernel
fi
HP_CACHE_ROOT=$(dirname "$HP_CACHE")
export HP_JOBS=2
work=$(t_tmpdir)
mkmod=$T_TOP/out/bin/hotpatch-mkmod
[[ -x $mkmod ]] || t_bail "hotpatch-mkmod is not built: run make"

# main_obj [VAR=VALUE...] - module_main_obj in a subshell (it dies on error); prints the path
main_obj() {
	(
		for a in "$@"; do
			export "${a?}"
		done
		module_main_obj && printf '%s\n' "$MODULE_MAIN_OBJ"
	)
}

# build DIR NAME [VAR=VALUE...] - a module that patches nothing (vmlinux callbacks only) through
# module_build, kbuild directory kept as DIR/kbuild; status in $rc
build() {
	local dir=$1 name=$2
	shift 2
	mkdir -p "$dir"
	rc=0
	(
		for a in "$@"; do
			export "${a?}"
		done
		module_build --name "$name" --out "$dir" --object vmlinux --keep-build "$dir/kbuild"
	) >"$dir/build.log" 2>&1 || rc=$?
}

# --- The object kbuild compiles inside a module, from source. ---
rc=0
obj=$(main_obj MODULE_MAIN_CACHE="$work/c1" 2>"$work/c1.log") || rc=$?
ref=$work/ref
"$mkmod" --name hp_main_ref -o "$ref" --index "$HP_INDEX" --symvers "$HP_SYMVERS" \
	--templates "$T_TOP/templates" --skel "$T_TOP/kmod-skel" --object vmlinux >"$work/ref.log" 2>&1 ||
	t_bail "hotpatch-mkmod without --main: $(tail -n 3 "$work/ref.log" | tr '\n' ' ')"
[[ -f $ref/hp-main.c ]] || t_bail "hotpatch-mkmod without --main wrote no hp-main.c"
module_make "$ref" "-ffile-prefix-map=$ref/=hotpatch/ $(module_kdir_maps)" "$ref/kbuild.log" ||
	t_bail "kbuild of the reference module failed: $(tail -n 5 "$ref/kbuild.log" | tr '\n' ' ')"
if ((rc == 0)) && [[ $obj == "$work/c1/hp-main-"*.o && -s $obj ]] && cmp -s "$obj" "$ref/hp-main.o"; then
	t_pass "the cached init code is byte-identical to the hp-main.o kbuild compiles from source in module hp_main_ref ($(stat -c %s "$obj") bytes)"
else
	t_fail "the cached init code is byte-identical to kbuild's hp-main.o of a module" \
		"exit $rc, $obj vs $ref/hp-main.o: $(cmp "$obj" "$ref/hp-main.o" 2>&1 | head -n 1); $(tail -n 3 "$work/c1.log" | tr '\n' ' ')"
fi
found=$(strings -a "$obj" | grep -E "hp_main_ref|$work|hp-main\.c" | sort -u | tr '\n' ' ')
if [[ $found == *"hotpatch/hp-main.c "* && $found != *hp_main_ref* && $found != *"$work"* ]]; then
	t_pass "the object names its source hotpatch/hp-main.c: no module name, no build path ($found)"
else
	t_fail "the object names hotpatch/hp-main.c, no module name or build path" "saw '$found'"
fi

# --- Reused from the target's cache. ---
rc=0
obj=$(main_obj 2>"$work/main.log") || rc=$?
((rc == 0)) || t_bail "module_main_obj on $HP_CACHE: $(tail -n 3 "$work/main.log" | tr '\n' ' ')"
before=$(stat -c '%i %Y' "$obj")
build "$work/m1" hp_main_a
log=$work/m1/kbuild/kbuild.log
if ((rc == 0)) && [[ $(stat -c '%i %Y' "$obj") == "$before" ]] && grep -qE '^ *COPY +.*/hp-main\.o$' "$log" &&
	! grep -qE 'CC .*hp-main\.o' "$log" && cmp -s "$obj" "$work/m1/kbuild/src/hp-main.o_shipped" &&
	[[ ! -e $work/m1/kbuild/src/hp-main.c ]]; then
	t_pass "module_build ships the cached object: kbuild copies hp-main.o, compiles no hp-main.c, the cache file is untouched"
else
	t_fail "module_build ships the cached object" \
		"exit $rc, cache file $before -> $(stat -c '%i %Y' "$obj"): $(grep -E 'hp-main|error' "$log" "$work/m1/build.log" | head -n 3 | tr '\n' ' ')"
fi
desc=$(modinfo -F description "$work/m1/hp_main_a.ko" 2>&1):$(modinfo -F livepatch "$work/m1/hp_main_a.ko" 2>&1)
if [[ $desc == "hotpatch livepatch module hp_main_a:Y" ]]; then
	t_pass "modinfo: description names the module (from hp-klp.o's .modinfo), livepatch=Y"
else
	t_fail "modinfo: description names the module" "expected 'hotpatch livepatch module hp_main_a:Y', saw '$desc'"
fi

# --- The same module from another cache directory. ---
build "$work/m2" hp_main_a MODULE_MAIN_CACHE="$work/c1"
if ((rc == 0)) && cmp -s "$work/m1/hp_main_a.ko" "$work/m2/hp_main_a.ko" &&
	cmp -s "$work/m1/hp_main_a.ko.debug" "$work/m2/hp_main_a.ko.debug"; then
	t_pass "modules built from two cache directories are byte-identical (.ko, .ko.debug)"
else
	t_fail "modules built from two cache directories are byte-identical" \
		"exit $rc: $(cmp "$work/m1/hp_main_a.ko.debug" "$work/m2/hp_main_a.ko.debug" 2>&1 | head -n 1) $(tail -n 2 "$work/m2/build.log" | tr '\n' ' ')"
fi

# --- A changed template: a new object, and the module built from it. ---
tmpl=$work/templates
cp -r "$T_TOP/templates" "$tmpl"
printf 'MODULE_INFO(hp_main_test, "changed");\n' >>"$tmpl/livepatch.c"
mkdir -p "$work/c2/.tmp.hp-main.stale"
rc=0
obj1=$(main_obj MODULE_MAIN_CACHE="$work/c2" 2>"$work/c2.log") || rc=$?
obj2=$(main_obj MODULE_MAIN_CACHE="$work/c2" MODULE_TEMPLATES="$tmpl" 2>>"$work/c2.log") || rc=$?
build "$work/m3" hp_main_b MODULE_MAIN_CACHE="$work/c2" MODULE_TEMPLATES="$tmpl"
if ((rc == 0)) && [[ $obj1 != "$obj2" && -s $obj1 && -s $obj2 ]] &&
	[[ $(modinfo -F hp_main_test "$work/m3/hp_main_b.ko" 2>&1) == changed ]] &&
	cmp -s "$obj2" "$work/m3/kbuild/src/hp-main.o_shipped" && [[ ! -e $work/c2/.tmp.hp-main.stale ]]; then
	t_pass "a changed template gives a new cached object (the old one stays), the module has the change, a stale temporary is gone"
else
	t_fail "a changed template gives a new cached object the module is built from" \
		"objects '$obj1' '$obj2', modinfo hp_main_test '$(modinfo -F hp_main_test "$work/m3/hp_main_b.ko" 2>&1)', stale temporary $([[ -e $work/c2/.tmp.hp-main.stale ]] && echo left || echo gone): $(tail -n 3 "$work/c2.log" "$work/m3/build.log" | tr '\n' ' ')"
fi

# --- Pruning: old objects go, used ones stay, a reader racing a writer still gets its object. ---
# age FILE DAYS - set FILE's mtime DAYS days back
age() { touch -d "@$(($(date +%s) - $2 * 86400))" "$1"; }
rc=0
obja=$(main_obj MODULE_MAIN_CACHE="$work/c5" 2>"$work/c5.log") || rc=$?
cp "$obja" "$work/obja.o"
unused=$work/c5/hp-main-0000000000000000.o recent=$work/c5/hp-main-1111111111111111.o
cp "$obja" "$unused" && age "$unused" 10
cp "$obja" "$recent" && age "$recent" 3
age "$obja" 10
obja2=$(main_obj MODULE_MAIN_CACHE="$work/c5" 2>>"$work/c5.log") || rc=$?
used=$(stat -c %Y "$obja")
objb=$(main_obj MODULE_MAIN_CACHE="$work/c5" MODULE_TEMPLATES="$tmpl" HP_VERBOSE=1 2>>"$work/c5.log") || rc=$?
kept=$(cd "$work/c5" && printf '%s ' hp-main-*.o)
if ((rc == 0)) && [[ $obja2 == "$obja" && $objb != "$obja" && -s $objb && -s $recent && ! -e $unused ]] &&
	cmp -s "$obja" "$work/obja.o" && ((used > $(date +%s) - 600)) &&
	grep -q "removing $unused: an init object not used for 8 days" "$work/c5.log"; then
	t_pass "a new object prunes one unused for 10 days; one used 3 days ago and one used now (its mtime refreshed from 10 days back) stay ($kept)"
else
	t_fail "a new object prunes only the objects unused for 8 days" \
		"exit $rc, left: $kept; used object's mtime $used: $(tail -n 3 "$work/c5.log" | tr '\n' ' ')"
fi
age "$obja" 10
rm -f "$objb"
rc=0
main_obj MODULE_MAIN_CACHE="$work/c5" MODULE_TEMPLATES="$tmpl" >"$work/w.out" 2>"$work/w.log" &
wpid=$!
for i in 1 2 3; do
	main_obj MODULE_MAIN_CACHE="$work/c5" >"$work/r$i.out" 2>"$work/r$i.log" &
done
wait "$wpid" || rc=$?
wait
bad=''
for i in 1 2 3; do
	[[ $(cat "$work/r$i.out") == "$obja" ]] || bad+=" reader $i: '$(cat "$work/r$i.out")' $(tail -n 1 "$work/r$i.log")"
done
if ((rc == 0)) && [[ -z $bad && $(cat "$work/w.out") == "$objb" && -s $objb ]] && cmp -s "$obja" "$work/obja.o"; then
	t_pass "three readers of an object last used 10 days ago racing a writer that prunes: each gets the object, intact; the writer its new one"
else
	t_fail "readers racing a pruning writer get their object" "writer exit $rc ($(cat "$work/w.out")),$bad; object $(cmp "$obja" "$work/obja.o" 2>&1)"
fi

# --- Workers racing on an empty cache. ---
for i in 1 2 3; do
	main_obj MODULE_MAIN_CACHE="$work/c3" HP_VERBOSE=1 >"$work/race$i.out" 2>"$work/race$i.log" &
done
wait
paths=$(sort -u "$work"/race?.out | wc -l)
compiles=$(cat "$work"/race?.log | grep -c 'compiling the patch module.s init code' || true)
left=$(find "$work/c3" -mindepth 1 ! -name .lock ! -name 'hp-main-*.o' | wc -l)
if ((paths == 1 && compiles == 1 && left == 0)) && cmp -s "$(cat "$work/race1.out")" "$obj"; then
	t_pass "three workers on an empty cache: one compiles, all get the same object, nothing else is left"
else
	t_fail "three workers on an empty cache compile once" \
		"expected 1 path, 1 compile, 0 other files, saw $paths, $compiles, $left: $(cat "$work"/race?.log | tail -n 3 | tr '\n' ' ')"
fi

# --- A template that does not compile. ---
printf 'static int hp_main_broken(void) { return no_such_identifier; }\n' >>"$tmpl/livepatch.c"
rc=0
main_obj MODULE_MAIN_CACHE="$work/c4" MODULE_TEMPLATES="$tmpl" >/dev/null 2>"$work/c4.log" || rc=$?
if ((rc == 1)) && grep -q "hotpatch: module: error: kbuild failed on the patch module's init code ($tmpl/livepatch.c) for $HP_RELEASE" "$work/c4.log" &&
	grep -q no_such_identifier "$work/c4.log" && [[ -z $(find "$work/c4" -mindepth 1 ! -name .lock) ]]; then
	t_pass "a template that does not compile: exit 1 naming it and the compiler's error, nothing in the cache"
else
	t_fail "a template that does not compile fails naming it" \
		"exit $rc, cache: $(find "$work/c4" -mindepth 1 | tr '\n' ' '): $(tail -n 3 "$work/c4.log" | tr '\n' ' ')"
fi
rc=0
build "$work/m4" hp_main_c MODULE_MAIN_CACHE="$work/c4" MODULE_TEMPLATES="$tmpl"
if ((rc == 1)) && [[ ! -e $work/m4/hp_main_c.ko ]] && grep -q "hotpatch: module: error: kbuild failed on the patch module's init code" "$work/m4/build.log"; then
	t_pass "module_build with that template fails in the module stage and writes no module"
else
	t_fail "module_build with a broken template fails and writes no module" "exit $rc: $(tail -n 3 "$work/m4/build.log" | tr '\n' ' ')"
fi
t_done
