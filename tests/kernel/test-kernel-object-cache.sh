#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The release's cache of original objects (build/objects.sh, objects_cache_*): hotpatch-build
# compiles a TU's original side once per key and copies it afterwards. On the real kernel
# cache and a real TU (fs/proc/cmdline.o), with every real compiler run counted by a wrapper
# (HOTPATCH_CC_WRAPPER) that execs the compiler:
# - a second build of another fix of the same TU runs the compiler for the patched side only;
#   the entry is byte for byte the object a build with the cache off compiles, and the module
#   and report are the same with and without it; a build that used an entry leaves it unchanged
#   (sha256, read-only) and works on a copy;
# - ccache as the wrapper runs in its depend mode, without the working directory in its hash;
# - a changed HP_KCFLAGS, another compiler file (same --version) and another compile database
#   command miss; a leftover temporary (an interrupted writer's) is never used and goes once
#   unused for 8 days, as do old entries;
# - two builds racing on an empty cache compile the original once (the second waits for the
#   first's claim) and publish one entry;
# - with -j 1 a patched side that does not compile stops the build before the original is
#   compiled, and says "(patched) does not compile" (hotpatch-triage's class); such a failure
#   is recorded and replayed the next time (the same error lines, no compiler run), and the
#   cache off compiles it; the original is syntax-checked only when an error is off the
#   patch's lines, and that once; a failure the machine caused (the compiler killed) is not
#   recorded.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

t_plan 16
t_setup_kernel
work=$(t_tmpdir)
cache=$work/objects
# the kept scratch directories go with the test's
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR" "$cache"
tu=fs/proc/cmdline.o
fixa=$T_TOP/tests/kernel/diff-cases/string-cmdline/fix.patch
[[ -f $fixa ]] || t_bail "missing $fixa"
[[ -f $HP_SRC/${tu%.o}.c ]] || t_bail "no ${tu%.o}.c in $HP_SRC"
# another fix of the same function, and one that does not compile
sed 's/ hotpatch=cmdline/ hotpatch=again/' "$fixa" >"$work/fixb.patch"
sed 's/seq_puts(m, " hotpatch=cmdline\\n");/seq_puts(m, hp_no_such_identifier);/' "$fixa" >"$work/broken.patch"
if ! grep -q hotpatch=again "$work/fixb.patch" || ! grep -q hp_no_such_identifier "$work/broken.patch"; then
	t_bail "cannot derive the test patches from $fixa"
fi

# The counting wrapper: one line per real compiler run, the directory it ran in (the release's
# tree for the original side, a shadow tree for the patched one), " syntax" after it for a
# run that only checks (-fsyntax-only: no object).
wrap=$work/cc-count
cat >"$wrap" <<EOF
#!/bin/sh
s=
case " \$* " in *" -fsyntax-only "*) s=" syntax" ;; esac
printf '%s%s\n' "\$PWD" "\$s" >>"$work/cc.log"
exec "\$@"
EOF
chmod +x "$wrap"

# hb RUN PATCH [-j N] [VAR=VALUE...] - hotpatch-build PATCH as module "oc" into $work/RUN,
# scratch kept, through the wrapper with the test's object cache. Sets rc, orig and patched
# (compiler runs of each side), syntax (syntax-only checks), kept (the scratch directory).
hb() {
	local run=$1 patch=$2 jobs=2
	shift 2
	if [[ ${1:-} == -j ]]; then
		jobs=$2
		shift 2
	fi
	: >"$work/cc.log"
	rc=0
	env OBJECTS_CACHE="$cache" HOTPATCH_CC_WRAPPER="$wrap" "$@" \
		"$T_TOP/hotpatch-build.sh" -k "$HP_RELEASE" -j "$jobs" --keep-work -o "$work/$run" -n oc "$patch" \
		>"$work/$run.log" 2>&1 || rc=$?
	patched=$(grep -c '/shadow$' "$work/cc.log" || true)
	orig=$(grep -vc -e '/shadow$' -e ' syntax$' "$work/cc.log" || true)
	syntax=$(grep -c ' syntax$' "$work/cc.log" || true)
	kept=$(sed -n 's/.*scratch directory kept: //p' "$work/$run.log" | tail -n 1)
}
entries() { find "$cache" -maxdepth 1 -type f -name '*.o' | sort; }
age() { touch -d "@$(($(date +%s) - $2 * 86400))" "$1"; }
why() { printf 'exit %s, compiler runs orig %s (and %s syntax checks) patched %s; %s' "$rc" "$orig" "${syntax:-0}" "$patched" "$(grep -E 'error|stage compile' "$work/$1.log" | tail -n 3 | tr '\n' ' ')"; }

# --- The first build fills the cache; the second build of another fix reuses it. ---
hb a "$fixa"
mapfile -t e1 < <(entries)
if ((rc == 0 && orig == 1 && patched == 1 && ${#e1[@]} == 1)) &&
	[[ $(stat -c %a "${e1[0]}") == 444 ]] && grep -q "stage compile .*(0 original from the object cache)" "$work/a.log"; then
	t_pass "first build on an empty cache: one compile per side, one read-only entry published (${e1[0]##*/})"
else
	t_fail "the first build publishes the original object" "$(why a), entries: ${e1[*]:-none}"
fi
entry=${e1[0]:-$cache/none}
sum0=$(sha256sum <"$entry" 2>/dev/null || true)
hb b "$work/fixb.patch"
kb=$kept
if ((rc == 0 && orig == 0 && patched == 1)) && [[ -f $work/b/oc.ko ]] &&
	grep -q "stage compile .*(1 original from the object cache)" "$work/b.log"; then
	t_pass "a second fix of the same TU: the compiler runs for the patched side only, the module is built"
else
	t_fail "a second fix of the same TU does not compile the original" "$(why b)"
fi

# --- The entry is never changed; the build works on a copy. ---
sum1=$(sha256sum <"$entry" 2>/dev/null || true)
if [[ -n $sum0 && $sum0 == "$sum1" && $(stat -c %a "$entry") == 444 && -f $kb/orig/$tu ]] &&
	[[ $(stat -c %i "$kb/orig/$tu") != "$(stat -c %i "$entry")" && $(stat -c %h "$entry") == 1 ]] &&
	cmp -s "$entry" "$kb/orig/$tu"; then
	t_pass "the entry is unchanged after the build that used it (sha256, mode 444, one link), the build's object a copy"
else
	t_fail "the build leaves its entry unchanged" "sha256 '$sum0' -> '$sum1', mode $(stat -c %a "$entry" 2>&1), links $(stat -c %h "$entry" 2>&1), work copy $(ls -i "$kb/orig/$tu" 2>&1)"
fi

# --- Cache off: the same object compiled afresh, the same module. ---
hb h "$fixa"
kh=$kept
hb off "$fixa" HOTPATCH_OBJECT_CACHE=0
koff=$kept
mapfile -t e2 < <(entries)
if ((rc == 0 && orig == 1 && patched == 1 && ${#e2[@]} == 1)) && [[ -f $koff/orig/$tu ]] &&
	cmp -s "$koff/orig/$tu" "$entry" && [[ $(sha256sum <"$entry") == "$sum0" ]]; then
	t_pass "HOTPATCH_OBJECT_CACHE=0 compiles the original (the cache neither read nor written), byte-identical to the entry"
else
	t_fail "with the cache off the original is compiled and equals the entry" "$(why off), entries ${#e2[@]}, $(cmp "$koff/orig/$tu" "$entry" 2>&1)"
fi
same=''
for f in oc.ko oc.ko.debug; do
	cmp -s "$work/h/$f" "$work/off/$f" || same+=" $f differs;"
done
for f in "$kh"/diff/*.o "$kh"/diff/*.json; do
	cmp -s "$f" "$koff/diff/${f##*/}" || same+=" diff/${f##*/} differs;"
done
[[ $(jq -c .objects "$work/h/oc.json") == "$(jq -c .objects "$work/off/oc.json")" ]] || same+=" report objects differ;"
if [[ -z $same && -f $work/h/oc.ko ]] && ls "$kh"/diff/*.json >/dev/null 2>&1 &&
	grep -q "stage compile .*(1 original from the object cache)" "$work/h.log"; then
	t_pass "the same fix with the original from the cache and with the cache off: differ outputs, module, debug module and report objects identical"
else
	t_fail "the outcome does not depend on the cache" "${same:-no outputs}"
fi

# --- ccache as the wrapper: its depend mode (a miss never runs the preprocessor first) and no
# working directory in its hash (the patched side hits in the next run's new shadow). ---
command -v ccache >/dev/null || t_bail "ccache is not installed (make deps)"
ccrun() {
	rc=0
	env OBJECTS_CACHE="$work/objects-cc" CCACHE_DIR="$work/ccache" CCACHE_LOGFILE="$work/$1.ccache" \
		HOTPATCH_CC_WRAPPER=ccache "$T_TOP/hotpatch-build.sh" -k "$HP_RELEASE" -j 2 -o "$work/$1" -n oc "$fixa" \
		>"$work/$1.log" 2>&1 || rc=$?
}
ccrun cc1
cc1=$rc
ccrun cc2
pre=$(cat "$work/cc1.ccache" "$work/cc2.ccache" 2>/dev/null | grep -c 'Running preprocessor' || true)
miss1=$(grep -c 'Result: cache_miss' "$work/cc1.ccache" 2>/dev/null || true)
hit2=$(grep -c 'Result: direct_cache_hit' "$work/cc2.ccache" 2>/dev/null || true)
if ((cc1 == 0 && rc == 0 && pre == 0 && miss1 == 2 && hit2 == 1)) &&
	grep -q 'depend_mode = true' "$work/cc1.ccache" && grep -q 'hash_dir = false' "$work/cc1.ccache" &&
	cmp -s "$work/cc1/oc.ko" "$work/off/oc.ko" && cmp -s "$work/cc2/oc.ko" "$work/off/oc.ko"; then
	t_pass "ccache as the wrapper: depend mode, no working directory hashed; the first build misses twice without running the preprocessor, the second hits the patched side (the original from the object cache); the modules are those built without ccache"
else
	t_fail "ccache in its depend mode, hitting across shadows" "exits $cc1 $rc, preprocessor runs $pre, misses $miss1, hits $hit2, $(grep -E 'depend_mode|hash_dir' "$work/cc1.ccache" | sed 's/^\[[^]]*\] //' | tr '\n' ' ')$(cmp "$work/cc2/oc.ko" "$work/off/oc.ko" 2>&1)"
fi

# --- Another HP_KCFLAGS is another key. ---
hb k "$fixa" HP_KCFLAGS="-ffunction-sections -fdata-sections -DHP_OBJECT_CACHE_TEST"
mapfile -t e3 < <(entries)
if ((rc == 0 && orig == 1 && ${#e3[@]} == 2)) && grep -q "stage compile .*(0 original from the object cache)" "$work/k.log"; then
	t_pass "a changed HP_KCFLAGS misses: the original is compiled and published under a second key"
else
	t_fail "a changed HP_KCFLAGS misses" "$(why k), entries ${#e3[@]}"
fi

# --- Another compiler file (same --version) and another database command are other keys. ---
mkdir -p "$work/fakecc"
printf '#!/bin/sh\nexec %s "$@"\n' "$(command -v "$HP_CC")" >"$work/fakecc/$HP_CC"
chmod +x "$work/fakecc/$HP_CC"
hb othercc "$fixa" PATH="$work/fakecc:$PATH"
mapfile -t e5 < <(entries)
if ((rc == 0 && orig == 1 && ${#e5[@]} == 3)) && grep -q "stage compile .*(0 original from the object cache)" "$work/othercc.log"; then
	t_pass "$HP_CC behind PATH as another file reporting the same --version misses: compiled, a third key"
else
	t_fail "another compiler file misses" "$(why othercc), entries ${#e5[@]}"
fi
# objects_compile itself on a hand-made WORK: the database line as it is (a hit), then with one
# more flag in its command (a miss)
direct() {
	local w=$work/direct-$1 line
	mkdir -p "$w/patched-src/${tu%/*}"
	cp "$HP_SRC/${tu%.o}.c" "$w/patched-src/${tu%.o}.c"
	line=$(awk -F'\t' -v o="$tu" '$2 == o' "$HP_CACHE/compiledb")
	[[ -n $line ]] || t_bail "$tu is not in $HP_CACHE/compiledb"
	[[ $1 == same ]] || line=${line/$'\t'"$HP_CC "/$'\t'"$HP_CC -DHP_OBJECT_CACHE_TEST "}
	printf '%s\n' "$line" >"$w/tus"
	: >"$work/cc.log"
	OBJECTS_CACHE=$cache HOTPATCH_CC_WRAPPER=$wrap HP_JOBS=2 bash "$work/direct.sh" "$w" >"$w.out" 2>"$w.log"
}
# the stage as hotpatch-build runs it, with the environment of --print-env
cat >"$work/direct.sh" <<EOF
set -euo pipefail
$(declare -p HP_RELEASE HP_CACHE HP_CC HP_BUILDROOT)
HP_CACHE_ROOT=\$(dirname "\$HP_CACHE")
. "$T_TOP/build/common.sh"
. "$T_TOP/build/buildroot.sh"
. "$T_TOP/build/tree.sh"
. "$T_TOP/build/compiledb.sh"
. "$T_TOP/build/objects.sh"
HP_STAGE=compile
objects_compile "\$1"
printf '%s\\n' "\$OBJECTS_CACHED"
EOF
rc=0
direct same || rc=$?
hit=$(cat "$work/direct-same.out" 2>/dev/null || true) orig1=$(grep -vc '/shadow$' "$work/cc.log" || true)
direct flag || rc=$?
miss=$(cat "$work/direct-flag.out" 2>/dev/null || true) orig2=$(grep -vc '/shadow$' "$work/cc.log" || true)
mapfile -t e6 < <(entries)
if ((rc == 0)) && [[ $hit == 1 && $orig1 == 0 && $miss == 0 && $orig2 == 1 && ${#e6[@]} == $((${#e5[@]} + 1)) ]] &&
	grep -q -- '-DHP_OBJECT_CACHE_TEST' "$work/direct-flag/orig/$tu.cmd"; then
	t_pass "objects_compile: the unchanged database line hits, the same line with one more flag misses and is published"
else
	t_fail "a changed compile database command misses" "exit $rc, cached $hit then $miss, original compiles $orig1 then $orig2, entries ${#e5[@]} -> ${#e6[@]}: $(tail -n 3 "$work"/direct-*.log | tr '\n' ' ')"
fi

# --- Leftovers: an interrupted writer's temporary is never used; old ones and old entries go. ---
name=${entry##*/}
rm -f "$cache"/*.o
old_tmp=$cache/.tmp.$name.oldtmp new_tmp=$cache/.tmp.$name.newtmp
head -c 4096 "$koff/orig/$tu" >"$old_tmp" && age "$old_tmp" 9
printf 'not an object\n' >"$new_tmp"
old_entry=$cache/00000000000000000000000000000000-$name recent=$cache/11111111111111111111111111111111-$name
cp "$koff/orig/$tu" "$old_entry" && age "$old_entry" 9
cp "$koff/orig/$tu" "$recent" && age "$recent" 3
hb t "$fixa"
if ((rc == 0 && orig == 1)) && cmp -s "$entry" "$koff/orig/$tu" && cmp -s "$work/t/oc.ko" "$work/off/oc.ko" &&
	[[ ! -e $old_tmp && -e $new_tmp && ! -e $old_entry && -e $recent ]]; then
	t_pass "leftover temporaries (truncated, garbage) are not used; the republishing build prunes the temporary and entry unused for 9 days, keeps those of 3 days and now"
else
	t_fail "leftovers are never used and old ones are pruned" "$(why t); old tmp $([[ -e $old_tmp ]] && echo kept || echo gone), new tmp $([[ -e $new_tmp ]] && echo kept || echo gone), old entry $([[ -e $old_entry ]] && echo kept || echo gone), recent $([[ -e $recent ]] && echo kept || echo gone), $(cmp "$entry" "$koff/orig/$tu" 2>&1)"
fi
rm -f "$new_tmp" "$recent"

# --- Two builds racing on an empty cache: the original compiled once (objects_claim). ---
rm -f "$cache"/*.o
: >"$work/cc.log"
for i in 1 2; do
	env OBJECTS_CACHE="$cache" HOTPATCH_CC_WRAPPER="$wrap" "$T_TOP/hotpatch-build.sh" -k "$HP_RELEASE" -j 2 \
		-o "$work/r$i" -n oc "$fixa" >"$work/r$i.log" 2>&1 &
done
rc1=0 rc2=0
wait %1 || rc1=$?
wait %2 || rc2=$?
mapfile -t e4 < <(entries)
left=$(find "$cache" -mindepth 1 -name '.tmp.*' | wc -l)
orig=$(grep -vc -e '/shadow$' -e ' syntax$' "$work/cc.log" || true)
if ((rc1 == 0 && rc2 == 0 && ${#e4[@]} == 1 && left == 0 && orig == 1)) && cmp -s "${e4[0]}" "$koff/orig/$tu" &&
	cmp -s "$work/r1/oc.ko" "$work/off/oc.ko" && cmp -s "$work/r2/oc.ko" "$work/off/oc.ko"; then
	t_pass "two builds racing on an empty cache: both succeed with the same module, the original compiled once, one entry, no temporary left"
else
	t_fail "racing builds compile the original once and publish one entry" "exits $rc1 $rc2, original compiles $orig, entries ${e4[*]:-none}, temporaries $left"
fi

# --- -j 1: a patched side that does not compile never compiles the original. ---
rm -f "$cache"/*.o
hb x "$work/broken.patch" -j 1
fails=$(find "$cache" -maxdepth 1 -name '*.o.fail' | wc -l)
if ((rc == 1 && orig == 0 && syntax == 0 && patched == 1 && fails == 1)) && [[ -z $(entries) ]] &&
	grep -q "^hotpatch: objects: error: ${tu%.o}.c (patched) does not compile:" "$work/x.log" &&
	grep -q hp_no_such_identifier "$work/x.log" && ! grep -q '(orig) does not compile' "$work/x.log"; then
	t_pass "-j 1, a patched side that does not compile: exit 1, \"(patched) does not compile\" naming the error, the original never compiled (nor checked: the error is on the patch's line); the failure recorded"
else
	t_fail "-j 1 skips the original after the patched side failed" "$(why x), failure records $fails"
fi

# --- ... and when the errors are on lines the patch left alone, the original is checked once. ---
mkdir -p "$work/bu/a/${tu%/*}" "$work/bu/b/${tu%/*}"
cp "$HP_SRC/${tu%.o}.c" "$work/bu/a/${tu%.o}.c"
sed 's/cmdline_proc_show(struct seq_file \*m, void/cmdline_proc_show(struct seq_file *hp_m, void/' \
	"$HP_SRC/${tu%.o}.c" >"$work/bu/b/${tu%.o}.c"
(cd "$work/bu" && diff -u "a/${tu%.o}.c" "b/${tu%.o}.c") >"$work/broken-use.patch" || true
grep -q '^+.*hp_m' "$work/broken-use.patch" || t_bail "cannot make a parameter-renaming patch of ${tu%.o}.c"
hb u1 "$work/broken-use.patch" -j 1
u1=$rc s1=$syntax p1=$patched oks=$(find "$cache" -maxdepth 1 -name '*.o.ok' | wc -l)
hb u2 "$work/broken-use.patch" -j 1
if ((u1 == 1 && s1 == 1 && p1 == 1 && oks == 1 && rc == 1 && syntax == 0 && patched == 0)) &&
	! grep -q '(orig) does not compile' "$work/u1.log" "$work/u2.log"; then
	t_pass "errors on lines the patch left alone: the original checked (-fsyntax-only) and the check recorded; the next run neither compiles nor checks"
else
	t_fail "errors off the patch's lines: the original checked once" "first: exit $u1, syntax checks $s1, patched $p1, check records $oks; then $(why u2)"
fi

# --- A failure recorded is replayed: the same messages, no compiler run; the cache off runs it. ---
errs() { grep -e '^  .*error' -e 'does not compile:$' "$1" | grep -v 'compiling failed'; }
hb x2 "$work/broken.patch" -j 1
if ((rc == 1 && orig == 0 && syntax == 0 && patched == 0)) && [[ -n $(errs "$work/x.log") ]] &&
	[[ $(errs "$work/x.log") == "$(errs "$work/x2.log")" ]] &&
	grep -q '^  (as the object cache recorded it: the same compile failed before' "$work/x2.log"; then
	hb x3 "$work/broken.patch" -j 1 HOTPATCH_OBJECT_CACHE=0
	if ((rc == 1 && patched == 1 && syntax == 0)) && [[ $(errs "$work/x.log") == "$(errs "$work/x3.log")" ]] &&
		! grep -q 'as the object cache recorded it' "$work/x3.log"; then
		t_pass "the same broken fix again: its recorded failure is replayed (the same error lines, no compiler run); HOTPATCH_OBJECT_CACHE=0 compiles it, with the same errors"
	else
		t_fail "HOTPATCH_OBJECT_CACHE=0 compiles a fix whose failure is recorded" "$(why x3)"
	fi
else
	t_fail "a recorded failure is replayed without a compile" "$(why x2); errors before: $(errs "$work/x.log" | tr '\n' ' '); now: $(errs "$work/x2.log" | tr '\n' ' ')"
fi

# --- ... and with the original in the cache, not even the syntax check runs. ---
rm -f "$cache"/*.fail "$cache"/*.ok
hb y "$fixa"
hb x "$work/broken.patch" -j 1
if ((rc == 1 && orig == 0 && syntax == 0 && patched == 1)) &&
	grep -q "^hotpatch: objects: error: ${tu%.o}.c (patched) does not compile:" "$work/x.log" &&
	! grep -q '(orig) does not compile' "$work/x.log"; then
	t_pass "-j 1, a patched side that does not compile, its original cached: no compile and no syntax check of the original"
else
	t_fail "-j 1, broken patched side, original cached: no syntax check" "$(why x)"
fi

# --- A failure the machine caused (the compiler killed) is never recorded. ---
rm -f "$cache"/*.fail
killer=$work/cc-killed
cat >"$killer" <<EOF
#!/bin/sh
case "\$PWD" in
*/shadow) printf '%s:1:1: error: expected something\n' "${tu%.o}.c" >&2
	printf 'gcc-12: fatal error: Killed signal terminated program cc1\n' >&2
	exit 1 ;;
esac
exec "\$@"
EOF
chmod +x "$killer"
hb k1 "$fixa" -j 1 HOTPATCH_CC_WRAPPER="$killer"
k1=$rc kfails=$(find "$cache" -maxdepth 1 -name '*.o.fail' | wc -l)
hb k2 "$fixa" -j 1
if ((k1 == 1 && kfails == 0 && rc == 0 && patched == 1)) && [[ -f $work/k2/oc.ko ]]; then
	t_pass "a patched compile killed under it (\"Killed signal terminated program\"): not recorded, the next build compiles and builds the module"
else
	t_fail "a failure of the machine is not recorded" "killed run exit $k1, failure records $kfails; $(why k2)"
fi
t_done
