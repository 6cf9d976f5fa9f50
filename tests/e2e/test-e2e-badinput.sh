#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hotpatch-build on bad input: each case gets a clear message and a non-zero exit, and none
# leaves a module in the output directory or a broken cache behind. Needs the kernel cache.
# And hotpatch-triage's --max-sources: 0 or a word is refused with exit 1 before any work (no
# output directory made), and --merge refuses shards triaged with different limits.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_sigint_default "$@"
t_plan 21
t_setup_kernel

hb=$T_TOP/hotpatch-build.sh
tmp=$(t_tmpdir)
src=$HP_SRC

# run NAME WANT_RC PATTERNS ARGS... - expect exit WANT_RC, every one of PATTERNS (extended
# regexes separated by " && ") in the output, and no .ko in the output directory.
run() {
	local name=$1 want=$2 pats=$3 out rc=0 pat missing=()
	shift 3
	rm -rf "$tmp/out"
	out=$("$hb" -o "$tmp/out" "$@" 2>&1) || rc=$?
	while [[ -n $pats ]]; do
		pat=${pats%% && *}
		[[ $pats == *" && "* ]] && pats=${pats#* && } || pats=
		grep -qE -- "$pat" <<<"$out" || missing+=("$pat")
	done
	if [[ $rc != "$want" ]]; then
		t_fail "$name" "expected exit $want, saw $rc: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
	elif ((${#missing[@]})); then
		t_fail "$name" "expected a message matching '${missing[*]}', saw: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
	elif compgen -G "$tmp/out/*.ko" >/dev/null; then
		t_fail "$name" "a module was left in $tmp/out"
	else
		t_pass "$name"
	fi
}

# a correct one-line change, the base of the variants below
mkpatch() { # FILE OLD NEW -> unified diff on stdout
	local f=$1 d
	d=$(mktemp -d "$tmp/p.XXXXXX")
	mkdir -p "$d/a/$(dirname "$f")" "$d/b/$(dirname "$f")"
	cp "$src/$f" "$d/a/$f"
	sed "s|$2|$3|" "$src/$f" >"$d/b/$f"
	(cd "$d" && diff -u "a/$f" "b/$f") || true
}
mkpatch fs/proc/cmdline.c 'seq_puts(m, saved_command_line);' \
	'seq_printf(m, "%s badinput", saved_command_line);' >"$tmp/good.patch"

run "missing patch file" 1 "cannot read the patch file" "$tmp/nonexistent.patch"

# a hunk whose context is not in the tree
sed 's/seq_putc(m, .\\n.);/seq_putc(m, 0x42);/' "$tmp/good.patch" >"$tmp/noapply.patch"
run "patch does not apply: names file and hunk" 1 "fs/proc/cmdline.c && Hunk #1 FAILED" "$tmp/noapply.patch"

# a patch for another tree: a file this kernel does not have
sed 's|fs/proc/cmdline.c|fs/proc/no_such_file.c|g' "$tmp/good.patch" >"$tmp/othertree.patch"
run "patch for another tree" 1 "fs/proc/no_such_file.c && does not apply" "$tmp/othertree.patch"

run "not a diff at all" 1 "touches no C source" /etc/hostname

printf -- '--- a/arch/x86/entry/entry_64.S\n+++ b/arch/x86/entry/entry_64.S\n@@ -1 +1 @@\n-x\n+y\n' >"$tmp/asm.patch"
run "assembly change refused, file named" 2 "arch/x86/entry/entry_64.S" "$tmp/asm.patch"

before=$(ls "$(dirname "$HP_CACHE")")
run "unknown release" 1 "6.1.0-0-amd64" -k 6.1.0-0-amd64 "$tmp/good.patch"
after=$(ls "$(dirname "$HP_CACHE")")
if [[ $before == "$after" ]]; then t_pass "unknown release leaves no cache directory"
else t_fail "unknown release leaves no cache directory" "cache root changed: $before -> $after"; fi

# a gcc-12 that reports another version
mkdir -p "$tmp/fakecc"
cat >"$tmp/fakecc/gcc-12" <<'EOS'
#!/bin/sh
if [ "$1" = "--version" ]; then echo "gcc-12 (Debian 12.9.9-1) 12.9.9"; exit 0; fi
exec /usr/bin/gcc-12 "$@"
EOS
chmod +x "$tmp/fakecc/gcc-12"
PATH="$tmp/fakecc:$PATH" run "compiler mismatch" 1 "compiler mismatch" "$tmp/good.patch"

# an unsafe change: a changed initializer of existing data
mkpatch fs/proc/cmdline.c 'proc_create_single("cmdline", 0, NULL, cmdline_proc_show);' \
	'proc_create_single("cmdline", 0444, NULL, cmdline_proc_show);' >"$tmp/init.patch"
run "unsafe change (__init code) refused, symbol named" 2 "proc_cmdline_init: changed __init code" "$tmp/init.patch"

# the first TU that does not compile stops the compile stage: with one job at a time, the
# patched fs/proc/cmdline.c (first in path order, patched side first) fails, and neither its
# original nor fs/proc/version.c is ever compiled
mkpatch fs/proc/cmdline.c 'seq_puts(m, saved_command_line);' \
	'seq_puts(m, hp_no_such_variable);' >"$tmp/broken.patch"
mkpatch fs/proc/version.c 'proc_create_single("version", 0, NULL' \
	'proc_create_single("version", 0444, NULL' >>"$tmp/broken.patch"
run "a change that does not compile: file named" 1 \
	"fs/proc/cmdline.c \(patched\) does not compile && hp_no_such_variable" -j 1 "$tmp/broken.patch"
rc=0
# (the object cache off: an original it holds needs no check)
HOTPATCH_OBJECT_CACHE=0 "$hb" -o "$tmp/out" -j 1 --keep-work "$tmp/broken.patch" >"$tmp/broken.log" 2>&1 || rc=$?
kept=$(sed -n 's/^hotpatch: scratch directory kept: //p' "$tmp/broken.log")
if ((rc != 1)) || [[ -z $kept || ! -d $kept/patched/fs/proc ]]; then
	t_fail "compiling stops at the first TU that fails" "expected exit 1 and a kept scratch directory, saw exit $rc: $(tail -n 2 "$tmp/broken.log" | tr '\n' ' ')"
elif compgen -G "$kept/*/fs/proc/version.o*" >/dev/null || compgen -G "$kept/orig/fs/proc/cmdline.o*" >/dev/null; then
	t_fail "compiling stops at the first TU that fails" "expected no fs/proc/version.o and no original fs/proc/cmdline.o in $kept, saw $(find "$kept" -path "*/fs/proc/version.o*" -o -path "*/orig/fs/proc/cmdline.o*" | tr '\n' ' ')"
else
	t_pass "compiling stops at the first TU that fails (neither the original fs/proc/cmdline.c nor fs/proc/version.c compiled)"
fi
# ... and its original is not checked: every error is on a line the patch changed, which the
# original does not have (objects_fail_in_patch)
if [[ -n $kept && ! -e $kept/orig-check ]] && ! grep -q '(orig) does not compile' "$tmp/broken.log"; then
	t_pass "the errors all on the patch's lines: the original of the failed TU not checked"
else
	t_fail "the errors all on the patch's lines: the original not checked" "expected no $kept/orig-check; saw $(find "$kept" -maxdepth 1 -printf '%f ' 2>/dev/null): $(grep 'does not compile' "$tmp/broken.log" | tr '\n' ' ')"
fi
[[ -z $kept ]] || rm -rf "$kept"
# a change whose errors are on lines it left alone (a parameter renamed, its uses not): the
# original is checked (-fsyntax-only, no object), so that a fix that does not compile is told
# apart from a tree or toolchain that does not
mkpatch fs/proc/cmdline.c 'cmdline_proc_show(struct seq_file \*m, void' \
	'cmdline_proc_show(struct seq_file *hp_m, void' >"$tmp/broken-use.patch"
grep -q 'hp_m' "$tmp/broken-use.patch" || t_bail "cannot make the parameter-renaming patch of fs/proc/cmdline.c"
rc=0
HOTPATCH_OBJECT_CACHE=0 "$hb" -o "$tmp/out" -j 1 --keep-work "$tmp/broken-use.patch" >"$tmp/broken-use.log" 2>&1 || rc=$?
kept=$(sed -n 's/^hotpatch: scratch directory kept: //p' "$tmp/broken-use.log")
if ((rc == 1)) && [[ -n $kept && -f $kept/orig-check/fs/proc/cmdline.o.log ]] &&
	grep -q 'fs/proc/cmdline.c (patched) does not compile' "$tmp/broken-use.log" &&
	! grep -q '(orig) does not compile' "$tmp/broken-use.log"; then
	t_pass "errors on lines the patch left alone: the original of the failed TU checked with -fsyntax-only, and it compiles"
else
	t_fail "errors off the patch's lines: the original checked with -fsyntax-only, and it compiles" "exit $rc, expected $kept/orig-check/fs/proc/cmdline.o.log and no '(orig) does not compile'; saw $(find "$kept" -maxdepth 1 -printf '%f ' 2>/dev/null): $(grep 'does not compile' "$tmp/broken-use.log" | tr '\n' ' ')"
fi
[[ -z $kept ]] || rm -rf "$kept"

# a compiler (here its wrapper: a distcc that is not set up) that fails on every file: the
# original does not compile either, which is the tool's error, never the fix's
HOTPATCH_OBJECT_CACHE=0 HOTPATCH_CC_WRAPPER=false run "a compiler that fails everything: the original named" 1 \
	"fs/proc/cmdline.c \(patched\) does not compile && fs/proc/cmdline.c \(orig\) does not compile" -j 1 "$tmp/good.patch"

# Ctrl-C in the middle of a run: no module, and the next run works. Job control gives the run
# its own process group with SIGINT not ignored, as a terminal's foreground job has.
rm -rf "$tmp/out"
set -m
"$hb" -o "$tmp/out" "$tmp/good.patch" >"$tmp/int.log" 2>&1 &
pid=$!
set +m
reached=0
for _ in $(seq 1 600); do
	grep -q "translation unit" "$tmp/int.log" 2>/dev/null && { reached=1; break; }
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -INT -- "-$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
if ((!reached)); then
	t_fail "Ctrl-C stops the run without a module" "expected the run to reach its compile stage within 60 s, saw exit $rc: $(tail -n 3 "$tmp/int.log" | tr '\n' ' ')"
elif ((rc == 130)) && ! compgen -G "$tmp/out/*.ko" >/dev/null && grep -q 'interrupted; nothing was written' "$tmp/int.log"; then
	t_pass "Ctrl-C stops the run: exit 130, 'interrupted; nothing was written', no module"
else
	t_fail "Ctrl-C stops the run without a module" "expected exit 130, 'interrupted; nothing was written' and no module, saw exit $rc, modules: $(find "$tmp/out" -name "*.ko" 2>&1 | tr "\n" " "), log: $(tail -n 2 "$tmp/int.log" | tr '\n' ' ')"
fi
if compgen -G "$HP_CACHE/.tmp.*" >/dev/null; then
	t_fail "Ctrl-C leaves no temporary in the cache" "$(ls -d "$HP_CACHE"/.tmp.*)"
else
	t_pass "Ctrl-C leaves no temporary in the cache"
fi

# two runs at once sharing one cache: both succeed
"$hb" -o "$tmp/c1" -n conc_one "$tmp/good.patch" >"$tmp/c1.log" 2>&1 &
p1=$!
"$hb" -o "$tmp/c2" -n conc_two "$tmp/good.patch" >"$tmp/c2.log" 2>&1 &
p2=$!
r1=0 r2=0
wait "$p1" || r1=$?
wait "$p2" || r2=$?
if ((r1 == 0 && r2 == 0)) && [[ -s $tmp/c1/conc_one.ko && -s $tmp/c2/conc_two.ko ]]; then
	t_pass "two concurrent runs on one cache both succeed"
else
	t_fail "two concurrent runs on one cache both succeed" "exits $r1/$r2: $(tail -n 2 "$tmp/c1.log" "$tmp/c2.log" | tr '\n' ' ')"
fi

# after all that, a normal run still works and its report is complete
rm -rf "$tmp/out"
if "$hb" -o "$tmp/out" -n after_all "$tmp/good.patch" >"$tmp/final.log" 2>&1 &&
	jq -e '.release and .patch.sha256 and .module.sha256 and (.objects[0].functions[0].name == "cmdline_proc_show") and .timings.compile' \
		"$tmp/out/after_all.json" >/dev/null; then
	t_pass "the next run works and writes a complete report"
else
	t_fail "the next run works and writes a complete report" "$(tail -n 3 "$tmp/final.log" | tr '\n' ' ')"
fi

# hotpatch-triage --max-sources N: a positive number, checked with the options
for n in 0 x; do
	rc=0
	out=$("$T_TOP/hotpatch-triage.sh" --max-sources "$n" -o "$tmp/triage-$n" --from 6.1.190-1 --to 6.1.192-1 2>&1) || rc=$?
	if ((rc == 1)) && [[ $out == "hotpatch: options: error: --max-sources needs a positive number of .c files (1 to 9999), not '$n'" ]] &&
		[[ ! -e $tmp/triage-$n ]]; then
		t_pass "hotpatch-triage --max-sources $n: refused before any work"
	else
		t_fail "hotpatch-triage --max-sources $n: refused before any work" \
			"expected exit 1, one line naming --max-sources and '$n', no $tmp/triage-$n; saw exit $rc: $out"
	fi
done
for n in 8 1; do
	mkdir -p "$tmp/shard-$n"
	jq -n --argjson n "$n" '{ tool: "hotpatch-triage", release: "6.1.0-54-amd64", candidates: [], options: { max_sources: $n } }' \
		>"$tmp/shard-$n/triage.json"
done
rc=0
out=$("$T_TOP/hotpatch-triage.sh" --merge -o "$tmp/merged" "$tmp/shard-8" "$tmp/shard-1" 2>&1) || rc=$?
if ((rc == 1)) && [[ $out == *"different --max-sources: 1, 8"* && -z $(find "$tmp/merged" -mindepth 1 2>/dev/null) ]]; then
	t_pass "hotpatch-triage --merge of shards with different --max-sources: refused"
else
	t_fail "hotpatch-triage --merge of shards with different --max-sources: refused" \
		"expected exit 1 naming 1 and 8, nothing in $tmp/merged; saw exit $rc: $out"
fi
t_done
