#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-kernel-diff-cases.sh - hotpatch-diff on real patches against the Debian 6.1 source (needs
# the kernel cache).  Each directory of tests/kernel/diff-cases/ holds
#   fix.patch  a unified -p1 diff against the pristine tree
#   objects    "TU TARGET": the object to compile (fs/proc/meminfo.o) and the object it is
#              linked into (vmlinux or a module name); '#' starts a comment
#   expect     the exact verdict:
#                changed FN        FN is in .functions[] (the set of changed FNs is exact)
#                new FN            FN is in .new_functions[] (the set is exact)
#                data NAME         new data NAME (".N" suffixes ignored) is in .data[]
#                sympos FN N       the changed FN has sympos N
#                refused RE SYM    a refusal names SYM (as .symbol, ".N" suffixes and
#                                  a .klp.sym.<obj>.SYM,<pos> form accepted, or in its reason)
#                                  and its reason or section
#                                  matches the extended regex RE (case-insensitive)
#                noklp SECTION     no relocation of SECTION in the output names a .klp.sym symbol
#                newglobal NAME    another object of the same patch defines NAME new (passed as
#                                  --new-globals): no klp symbol names it, the output refers to
#                                  it as a plain undefined NAME
#                tracepoint NAME   NAME is in .tracepoints_off (left off in the patched functions)
#                                  and a warning names it
#                exit N            hotpatch-diff's exit code (0 written, 2 refused, 3 no change)
# The pair of objects is built by tests/kernel/compile-pair.sh and kept in
# out/kernel-cases/<case>/ until anything that shapes it changes: the patch, the case, the
# compile scripts (compile-pair.sh and every build/*.sh), the compiler (gcc-12 -v), the
# release's compile database, the prepared tree (its .done/tree stamp) or the release.  The first test builds one pair
# from scratch and proves that it leaves the cached source tree byte-for-byte unchanged.
#
# Environment: CASES="name ..." runs only those cases; HP_KEEP_PAIRS=0 rebuilds every pair.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

casedir=tests/kernel/diff-cases
compile_pair=tests/kernel/compile-pair.sh
bin=out/bin/hotpatch-diff
work=out/kernel-cases

# objects_of CASE - print "TU TARGET" of the case
objects_of() {
	grep -v '^[[:space:]]*#' "$casedir/$1/objects" | awk 'NF >= 2 { print $1, $2; exit }'
}

# case_plan CASE - how many tests the case runs: its exit code (and output object), the changed
# and new function sets (unless a refusal names none), one per data, sympos, refused, noklp and
# tracepoint line, and the refusals' consistency. A new expect key that adds tests adds them here.
case_plan() {
	awk '$1 == "exit" { rc = $2 } $1 == "changed" { ch++ } $1 == "new" { nw++ }
		$1 == "data" || $1 == "sympos" || $1 == "refused" || $1 == "noklp" ||
		$1 == "tracepoint" || $1 == "newglobal" { n++ }
		END { print 2 + (rc != 2 || ch > 0) + (rc != 2 || nw > 0) + n }' "$casedir/$1/expect"
}

cases=()
plan=4
for d in "$casedir"/*/; do
	c=$(basename "$d")
	if [[ -n ${CASES:-} && " $CASES " != *" $c "* ]]; then
		t_left_out "case $c (CASES=\"$CASES\")"
		continue
	fi
	cases+=("$c")
	plan=$((plan + $(case_plan "$c")))
done
t_plan "$plan"

t_setup_kernel
tmp=$(t_tmpdir)
mkdir -p "$work"

# tree_state SRC FILES... - what must not change in the tree: for every file and directory below
# SRC its path, size, mtime, ctime, inode and link count (any write, replacement, new or removed
# entry or new hard link shows), plus the sha256 of the files named (the ones a build reads most
# closely).  Only the timestamps of SRC itself are left out: compile-pair runs no make, but
# another program's `make -n` (the compile database at --setup) evaluates kbuild's cc-option
# probes, which create and remove a .tmp_<pid> directory in the tree's root (also left out).
tree_state() {
	local src=$1
	shift
	(cd "$src" && find . -mindepth 1 -printf '%p %s %T@ %C@ %i %n %l\n' |
		grep -Ev '^\./\.tmp_[0-9]+[/ ]' | LC_ALL=C sort | sha256sum)
	(cd "$src" && sha256sum -- "$@" 2>&1)
}

# The check itself must see what a careless build does: rewrite a file in place with the same
# bytes (compiler/objtool through a hard-linked inode) or add a hard link to it.
mkdir -p "$tmp/ts/d"
echo same >"$tmp/ts/d/f"
s0=$(tree_state "$tmp/ts" d/f)
sleep 0.01
echo same >"$tmp/ts/d/f"
s1=$(tree_state "$tmp/ts" d/f)
ln "$tmp/ts/d/f" "$tmp/ts-link"
s2=$(tree_state "$tmp/ts" d/f)
if [[ $s0 != "$s1" && $s1 != "$s2" ]]; then
	t_pass "tree_state notices an in-place rewrite with the same bytes and a new hard link"
else
	t_fail "tree_state" "expected three different states, saw identical ones"
fi

# --- 1. the cached tree stays byte-for-byte unchanged --------------------------------------
proof_case=string-meminfo
read -r proof_tu _ < <(objects_of "$proof_case")
involved=(.config Makefile "${proof_tu%.o}.c" fs/proc/internal.h include/generated/autoconf.h
	tools/objtool/objtool)
for f in "$HP_SRC/${proof_tu%/*}"/*; do
	[[ -f $f ]] && involved+=("${f#"$HP_SRC"/}")
done
before=$(tree_state "$HP_SRC" "${involved[@]}")
t0=$(date +%s.%N)
if bash "$compile_pair" "$HP_SRC" "$casedir/$proof_case/fix.patch" "$proof_tu" "$tmp/proof" \
	>"$tmp/proof.log" 2>&1; then
	t1=$(date +%s.%N)
	t_pass "compile-pair builds $proof_tu twice ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
else
	t_fail "compile-pair builds $proof_tu twice" "expected exit 0, saw: $(tail -n 3 "$tmp/proof.log" | tr '\n' ' ')"
fi
after=$(tree_state "$HP_SRC" "${involved[@]}")
if [[ $before == "$after" ]]; then
	t_pass "compile-pair leaves $HP_SRC byte-for-byte unchanged (metadata of every file, sha256 of ${#involved[@]})"
else
	t_fail "compile-pair leaves $HP_SRC unchanged" "expected identical tree state, saw: $(diff <(echo "$before") <(echo "$after") | head -n 6 | tr '\n' ' ')"
fi
if [[ -f $tmp/proof/orig/$proof_tu && -f $tmp/proof/patched/$proof_tu ]] &&
	! cmp -s "$tmp/proof/orig/$proof_tu" "$tmp/proof/patched/$proof_tu" &&
	readelf -SW "$tmp/proof/orig/$proof_tu" | grep >/dev/null ' \.text\.meminfo_proc_show ' &&
	readelf -SW "$tmp/proof/orig/$proof_tu" | grep >/dev/null ' \.orc_unwind '; then
	t_pass "compile-pair objects differ, have per-function sections and objtool's .orc_unwind"
else
	t_fail "compile-pair objects" "expected two different objects with .text.meminfo_proc_show and .orc_unwind in $tmp/proof"
fi

# --- 2. the cases ---------------------------------------------------------------------------
if [[ ! -x $bin ]]; then
	have_bin=0
else
	have_bin=1
fi
# what shapes every pair, computed once: the build scripts, the compiler, the compile database
# and the prepared tree of the release
pair_inputs=$( {
	cat "$compile_pair" build/*.sh
	gcc-12 -v 2>&1 | tail -n 1
	sha256sum "$HP_CACHE/compiledb"
	stat -c '%Y %i' "$HP_CACHE/.done/tree"
	printf '%s %s %s\n' "$HP_RELEASE" "$HP_PKGVER" "$HP_SRC"
} | sha256sum | cut -d' ' -f1)
stamp_of() {
	local c=$1
	cat "$casedir/$c/fix.patch" "$casedir/$c/objects"
	echo "$pair_inputs"
}

# words TEXT - the lines of TEXT as one space-separated line
words() {
	tr '\n' ' ' <<<"$1" | sed 's/ *$//'
}

# strip_n - drop compiler-added ".N" suffixes of static names (hp_reads.0 -> hp_reads)
strip_n() {
	sed -E 's/(\.[0-9]+)+$//'
}

for c in "${cases[@]}"; do
	expect=$casedir/$c/expect
	read -r tu target < <(objects_of "$c")
	w=$work/$c
	stamp=$(stamp_of "$c" | sha256sum | cut -d' ' -f1)
	if [[ ${HP_KEEP_PAIRS:-1} == 1 && -f $w/stamp && $(cat "$w/stamp") == "$stamp" &&
		-f $w/pair/orig/$tu && -f $w/pair/patched/$tu ]]; then
		:
	else
		rm -rf "$w"
		mkdir -p "$w"
		if ! bash "$compile_pair" "$HP_SRC" "$casedir/$c/fix.patch" "$tu" "$w/pair" \
			>"$w/compile.log" 2>&1; then
			t_fail "$c: compile $tu" "expected compile-pair to succeed, saw: $(tail -n 3 "$w/compile.log" | tr '\n' ' ')"
			continue
		fi
		echo "$stamp" >"$w/stamp"
	fi

	if ((!have_bin)); then
		t_fail "$c: hotpatch-diff $tu" "expected $bin to exist (run make), saw none"
		continue
	fi

	rm -f "$w/facts.json" "$w/out.o"
	# names another object of the same patch defines new (hotpatch-build computes them)
	awk '$1 == "newglobal" { print $2 }' "$expect" >"$w/new-globals"
	# the structure layouts of both objects, as hotpatch-build's diff stage gives them
	pahole -a "$w/pair/orig/$tu" >"$w/layouts.orig" 2>"$w/pahole.log" || true
	pahole -a "$w/pair/patched/$tu" >"$w/layouts.patched" 2>>"$w/pahole.log" || true
	rc=0
	"$bin" --index "$HP_INDEX" --object "$target" --cu "${tu%.o}.c" --name "$tu" \
		--new-globals "$w/new-globals" \
		--orig-layouts "$w/layouts.orig" --patched-layouts "$w/layouts.patched" \
		--json "$w/facts.json" "$w/pair/orig/$tu" "$w/pair/patched/$tu" -o "$w/out.o" \
		>"$w/diff.log" 2>&1 || rc=$?

	want_rc=$(awk '$1 == "exit" { print $2 }' "$expect")
	want_changed=$(awk '$1 == "changed" { print $2 }' "$expect" | LC_ALL=C sort)
	want_new=$(awk '$1 == "new" { print $2 }' "$expect" | LC_ALL=C sort)
	log_tail=$(tail -n 2 "$w/diff.log" | tr '\n' ' ')

	if [[ $rc != "$want_rc" ]]; then
		t_fail "$c: hotpatch-diff exit code" "expected $want_rc, saw $rc ($log_tail)"
	elif [[ $rc == 0 && ! -s $w/out.o ]]; then
		t_fail "$c: output object" "expected $w/out.o after exit 0, saw none"
	elif [[ $rc != 0 && -e $w/out.o ]]; then
		t_fail "$c: output object" "expected no $w/out.o after exit $rc, saw one"
	else
		t_pass "$c: hotpatch-diff exits $rc, $( ((rc == 0)) && echo "an output object" || echo "no output object")"
	fi
	if ! jq -e . "$w/facts.json" >/dev/null 2>&1; then
		t_fail "$c: facts" "expected valid JSON in $w/facts.json, saw none or invalid ($log_tail)"
		continue
	fi

	saw_changed=$(jq -r '.functions[]?.name' "$w/facts.json" | LC_ALL=C sort)
	saw_new=$(jq -r '.new_functions[]?.name' "$w/facts.json" | LC_ALL=C sort)
	if [[ $want_rc != 2 || -n $want_changed ]]; then
		if [[ $saw_changed == "$want_changed" ]]; then
			t_pass "$c: changed functions {$(words "$want_changed")}"
		else
			t_fail "$c: changed functions" "expected {$(words "$want_changed")}, saw {$(words "$saw_changed")}"
		fi
	fi
	if [[ $want_rc != 2 || -n $want_new ]]; then
		if [[ $saw_new == "$want_new" ]]; then
			t_pass "$c: new functions {$(words "$want_new")}"
		else
			t_fail "$c: new functions" "expected {$(words "$want_new")}, saw {$(words "$saw_new")}"
		fi
	fi

	while read -r _ name; do
		saw=$(jq -r '.data[]? | select(.verdict == "new") | .name' "$w/facts.json" | strip_n)
		if grep -qxF -- "$name" <<<"$saw"; then
			t_pass "$c: new data $name"
		else
			t_fail "$c: new data $name" "expected $name among new data, saw {$(words "$saw")}"
		fi
	done < <(awk '$1 == "data" { print $1, $2 }' "$expect")

	while read -r _ name; do
		klp=$(jq -r --arg n "$name" '.klp_symbols[]? | select(.name == $n) | .symbol' "$w/facts.json")
		und=$(readelf -sW "$w/out.o" 2>/dev/null | awk -v n="$name" '$7 == "UND" && $8 == n')
		if [[ -z $klp && -n $und ]]; then
			t_pass "$c: $name (new in another object of the patch) stays a plain undefined symbol"
		else
			t_fail "$c: new global $name" "expected no klp symbol and an undefined $name in the output, saw klp '${klp}', undefined '${und}'"
		fi
	done < <(awk '$1 == "newglobal" { print $1, $2 }' "$expect")

	while read -r _ sec; do
		if [[ ! -s $w/out.o ]]; then
			t_fail "$c: no klp relocation in $sec" "expected an output object, saw none"
			continue
		fi
		klp=$(readelf -rW "$w/out.o" | awk -v s=".rela$sec" '
			/^Relocation section/ { on = ($3 == "'"'"'" s "'"'"'") } on && / \.klp\.sym\./' | head -n 2)
		secs=$(readelf -SW "$w/out.o")
		if grep -qF " $sec " <<<"$secs" && [[ -z $klp ]]; then
			t_pass "$c: $sec carried without klp relocations"
		else
			t_fail "$c: no klp relocation in $sec" "expected $sec in the output with no .klp.sym relocation, saw: ${klp:-no $sec section}"
		fi
	done < <(awk '$1 == "noklp" { print $1, $2 }' "$expect")

	while read -r _ name; do
		saw=$(jq -r '.tracepoints_off[]?.name' "$w/facts.json")
		if grep -qxF -- "$name" <<<"$saw" && grep -q "warning: .*tracepoint $name stays off" "$w/diff.log"; then
			t_pass "$c: tracepoint $name left off, with a warning"
		else
			t_fail "$c: tracepoint $name" "expected $name in tracepoints_off and a warning naming it, saw {$(words "$saw")}: $(grep -m1 warning "$w/diff.log")"
		fi
	done < <(awk '$1 == "tracepoint" { print $1, $2 }' "$expect")

	while read -r _ fn pos; do
		saw=$(jq -r --arg f "$fn" '.functions[]? | select(.name == $f) | .sympos' "$w/facts.json")
		if [[ $saw == "$pos" ]]; then
			t_pass "$c: $fn has sympos $pos"
		else
			t_fail "$c: sympos of $fn" "expected $pos, saw '${saw}'"
		fi
	done < <(awk '$1 == "sympos" { print $1, $2, $3 }' "$expect")

	while read -r _ re sym; do
		hit=$(jq -r '.refusals[]? | [(.symbol // ""), ((.reason // "") + " " + (.section // ""))] | @tsv' \
			"$w/facts.json" | while IFS=$'\t' read -r s why; do
			s=$(sed -E 's/^\.klp\.sym\.[^.]+\.//; s/,[0-9]+$//' <<<"$s" | strip_n)
			if [[ $s == "$sym" || " $why " == *[\ :]"$sym"[.\ :,]* ]] &&
				grep -qiE -- "$re" <<<"$why"; then
				echo yes
			fi
		done)
		if [[ -n $hit ]]; then
			t_pass "$c: refused $sym ($re)"
		else
			t_fail "$c: refusal of $sym" "expected a refusal naming $sym with a reason matching /$re/, saw $(jq -c '[.refusals[]? | {symbol, name, section, reason}]' "$w/facts.json")"
		fi
	done < <(awk '$1 == "refused" { print $1, $2, $3 }' "$expect")
	nref=$(jq '.refusals // [] | length' "$w/facts.json")
	unnamed=$(jq -c '[.refusals[]? | select((.symbol // "") == "" or (.section // "") == "")]' "$w/facts.json")
	if [[ $want_rc == 2 ]] && ((nref == 0)); then
		t_fail "$c: refusals" "expected at least one refusal in facts.json, saw none"
	elif [[ $want_rc != 2 ]] && ((nref != 0)); then
		t_fail "$c: refusals" "expected none, saw $(jq -c '[.refusals[] | {symbol, reason}]' "$w/facts.json")"
	elif [[ $unnamed != "[]" ]]; then
		t_fail "$c: refusals name their symbol and section" "expected .symbol and .section in every refusal, saw $unnamed"
	else
		t_pass "$c: $nref refusals$( ((nref == 0)) || echo ", each naming its symbol and section")"
	fi
done

t_done
