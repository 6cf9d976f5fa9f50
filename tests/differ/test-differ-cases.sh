#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-differ-cases.sh - hotpatch-diff on small C fixture pairs, one per rule.
#
# Each tests/differ/cases/<name>/ holds orig.c, patched.c and `expect`; both sides are compiled
# here with gcc-12 and kernel-like flags (-O2 -ffunction-sections -fdata-sections -pg -mfentry
# -mrecord-mcount -mcmodel=kernel ...), a fixture symbol index is written for them, and the
# differ's exit code, JSON facts and output object are checked.  `expect` lines:
#   exit N              the differ's exit code (0 written, 1 error, 2 refused, 3 no change)
#   changed F...        exactly these functions to patch (JSON "functions"; may be empty)
#   new F...            exactly these new functions
#   data D...           exactly these data entries
#   refusal TEXT        some refusal's reason contains TEXT
#   message TEXT        the differ's output (stderr) contains TEXT (an error's message)
#   klp SYM             the JSON klp_symbols holds SYM (and the output an undefined SYM)
#   noklp NAME          no klp symbol for NAME
#   outsym SYM          the output defines SYM
#   kpatch              also run the --kpatch-compat front end: its output's function symbols
#                       must be exactly the changed and new functions
#   args ARG...         extra differ arguments      cflags FLAG...   extra compiler flags
#   env VAR=VAL         environment for the differ
# An optional `index` file adds fixture index lines (object name sympos type bind exported cu,
# or "layout NAME OFFSET SIZE"); names it mentions are not generated from orig.o or taken from
# tests/differ/layouts (Debian 6.1's special-section entry layouts).
# Runs every case with out/bin/hotpatch-diff and, when built, out-asan/bin/hotpatch-diff.
set -uo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

# shellcheck source=tests/differ/fixture.sh
. "$(dirname "$0")/fixture.sh"
tmp=$(t_tmpdir)

bins=(out/bin/hotpatch-diff)
[[ -x out-asan/bin/hotpatch-diff ]] && bins+=(out-asan/bin/hotpatch-diff)
cases=()
for cdir in tests/differ/cases/*/; do
	[[ -f $cdir/expect ]] && cases+=("${cdir%/}")
done
t_plan $((${#bins[@]} * ${#cases[@]}))

if ! command -v "$CC" >/dev/null || ! command -v jq >/dev/null; then
	t_bail "expected $CC and jq to be installed, saw them missing (make deps)"
fi
if [[ ! -x out/bin/hotpatch-diff || ! -f out/lib/libsymindex.a ]]; then
	t_bail "expected out/bin/hotpatch-diff and out/lib/libsymindex.a, saw them missing (run make)"
fi
if ! gcc -Wall -Wextra -Werror -Ilib -Isymindex -o "$tmp/mkindex" tests/differ/mkindex.c \
	out/lib/libsymindex.a out/lib/libhp.a 2>"$tmp/mkindex.log"; then
	t_bail "expected tests/differ/mkindex.c to build, saw: $(head -3 "$tmp/mkindex.log" | tr '\n' ' ')"
fi

# sorted, space-separated words
words() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'; }

json_names() { jq -r ".$2[]?.name" "$1" | words; }

run_case() {
	local bin=$1 cdir=$2 name tag w expect_exit=0 args=() cflags="" envs=() rc out
	local want_changed="" want_new="" want_data="" check_changed=0 check_new=0 check_data=0
	local refusals=() messages=() klps=() noklps=() outsyms=() kpatch=0 object=vmlinux line key rest
	name=$(basename "$cdir")
	tag=$name
	[[ $bin == out-asan/* ]] && tag="asan: $name"
	w=$tmp/$(basename "$(dirname "$(dirname "$bin")")")-$name
	mkdir -p "$w"
	while IFS= read -r line || [[ -n $line ]]; do
		[[ -z $line || $line == \#* ]] && continue
		key=${line%% *}
		rest=""
		[[ $line == *" "* ]] && rest=${line#* }
		case $key in
		exit) expect_exit=$rest ;;
		changed) want_changed=$(words <<<"$rest"); check_changed=1 ;;
		new) want_new=$(words <<<"$rest"); check_new=1 ;;
		data) want_data=$(words <<<"$rest"); check_data=1 ;;
		refusal) refusals+=("$rest") ;;
		message) messages+=("$rest") ;;
		klp) klps+=("$rest") ;;
		noklp) noklps+=("$rest") ;;
		outsym) outsyms+=("$rest") ;;
		kpatch) kpatch=1 ;;
		args) read -r -a a <<<"$rest"; args+=("${a[@]}") ;;
		cflags) cflags+=" $rest" ;;
		env) envs+=("$rest") ;;
		object) object=$rest ;;
		*) t_fail "$tag" "expected known keys in $cdir/expect, saw '$key'"; return ;;
		esac
	done <"$cdir/expect"

	if ! fixture_compile "$cdir" "$w" "$cflags" 2>"$w/cc.log"; then
		t_fail "$tag" "expected the fixture to compile, saw: $(head -5 "$w/cc.log" | tr '\n' ' ')"
		return
	fi
	if ! fixture_index "$tmp/mkindex" "$cdir" "$w" "$object" "tests/differ/cases/$name.c" \
		2>"$w/idx.log"; then
		t_fail "$tag" "expected the fixture index to build, saw: $(head -3 "$w/idx.log" | tr '\n' ' ')"
		return
	fi
	rm -f "$w/out.o" "$w/facts.json"
	rc=0
	env "${envs[@]}" "$bin" --index "$w/index" --object "$object" \
		--cu "tests/differ/cases/$name.c" --name "$name.o" --json "$w/facts.json" \
		"${args[@]}" "$w/orig.o" "$w/patched.o" -o "$w/out.o" >"$w/diff.log" 2>&1 || rc=$?
	out=$(tail -n 4 "$w/diff.log" | tr '\n' ' ')
	if [[ $rc != "$expect_exit" ]]; then
		t_fail "$tag" "expected exit $expect_exit, saw exit $rc: $out"
		return
	fi
	if grep -q 'runtime error\|AddressSanitizer\|LeakSanitizer' "$w/diff.log"; then
		t_fail "$tag" "expected no sanitizer report, saw: $(grep -m1 'runtime error\|Sanitizer' "$w/diff.log")"
		return
	fi
	if [[ $rc != 0 && -e $w/out.o ]]; then
		t_fail "$tag" "expected no output object after exit $rc, saw $w/out.o"
		return
	fi
	if [[ $rc == 0 ]] && ! readelf -hsrW "$w/out.o" >"$w/out.txt" 2>"$w/readelf.log"; then
		t_fail "$tag" "expected a readable output object, saw: $(head -2 "$w/readelf.log")"
		return
	fi
	if [[ $rc != 1 ]] && ! jq -e . "$w/facts.json" >/dev/null 2>&1; then
		t_fail "$tag" "expected valid JSON facts, saw: $(head -c 200 "$w/facts.json" 2>/dev/null)"
		return
	fi
	local saw
	if ((check_changed)); then
		saw=$(json_names "$w/facts.json" functions)
		[[ $saw == "$want_changed" ]] ||
			{ t_fail "$tag" "expected changed functions '$want_changed', saw '$saw' ($out)"; return; }
	fi
	if ((check_new)); then
		saw=$(json_names "$w/facts.json" new_functions)
		[[ $saw == "$want_new" ]] ||
			{ t_fail "$tag" "expected new functions '$want_new', saw '$saw'"; return; }
	fi
	if ((check_data)); then
		saw=$(json_names "$w/facts.json" data)
		[[ $saw == "$want_data" ]] ||
			{ t_fail "$tag" "expected data '$want_data', saw '$saw'"; return; }
	fi
	local r
	if [[ $rc == 2 ]]; then
		r=$(jq -c '[.refusals[]? | select((.symbol // "") == "" or (.section // "") == "")]' "$w/facts.json")
		[[ $r == "[]" ]] ||
			{ t_fail "$tag" "expected every refusal to name its symbol and section, saw $r"; return; }
	fi
	for r in "${refusals[@]}"; do
		jq -r '.refusals[]?.reason' "$w/facts.json" | grep >/dev/null -F -- "$r" ||
			{ t_fail "$tag" "expected a refusal '$r', saw '$(jq -c '[.refusals[]?.reason]' "$w/facts.json")'"; return; }
	done
	for r in "${messages[@]}"; do
		grep >/dev/null -F -- "$r" "$w/diff.log" ||
			{ t_fail "$tag" "expected the message '$r', saw: $out"; return; }
	done
	for r in "${klps[@]}"; do
		jq -r '.klp_symbols[]?.symbol' "$w/facts.json" | grep >/dev/null -xF -- "$r" ||
			{ t_fail "$tag" "expected klp symbol '$r', saw '$(jq -c '[.klp_symbols[]?.symbol]' "$w/facts.json")'"; return; }
		grep -qF -- " UND $r" "$w/out.txt" ||
			{ t_fail "$tag" "expected an undefined $r in the output, saw none"; return; }
	done
	for r in "${noklps[@]}"; do
		if jq -r '.klp_symbols[]?.name' "$w/facts.json" | grep >/dev/null -xF -- "$r"; then
			t_fail "$tag" "expected no klp symbol for '$r', saw one"
			return
		fi
	done
	for r in "${outsyms[@]}"; do
		awk '$1 ~ /:$/ && $7 != "UND" { print $8 }' "$w/out.txt" | grep >/dev/null -xF -- "$r" ||
			{ t_fail "$tag" "expected the output to define '$r', saw none"; return; }
	done
	if ((kpatch)); then
		readelf -s --wide "$w/orig.o" >"$w/symtab.txt"
		rc=0
		env "${envs[@]}" "$bin" --kpatch-compat "$w/orig.o" "$w/patched.o" vmlinux \
			"$w/symtab.txt" /dev/null "$name" "$w/kp.o" >"$w/kp.log" 2>&1 || rc=$?
		if [[ $rc != "$expect_exit" ]]; then
			t_fail "$tag" "expected --kpatch-compat exit $expect_exit, saw $rc: $(tail -n 3 "$w/kp.log" | tr '\n' ' ')"
			return
		fi
		if [[ $rc == 0 ]]; then
			saw=$(readelf -sW "$w/kp.o" | awk '$1 ~ /:$/ && $4 == "FUNC" && $7 != "UND" { print $8 }' |
				grep -v '\.cold$' | words)
			local want
			want=$(words <<<"$want_changed $want_new")
			[[ $saw == "$want" ]] ||
				{ t_fail "$tag" "expected --kpatch-compat function symbols '$want', saw '$saw'"; return; }
			# kpatch's intermediate sections: one 56-byte .kpatch.funcs entry per changed
			# function, as many 40-byte .kpatch.relocations as .kpatch.symbols, no .klp.sym
			local secs nf nr ns
			secs=$(readelf -SW "$w/kp.o" | sed -nE 's/^ *\[ *[0-9]+\] *//p')
			nf=$(awk '$1 == ".kpatch.funcs" { print $5 }' <<<"$secs")
			nr=$(awk '$1 == ".kpatch.relocations" { print $5 }' <<<"$secs")
			ns=$(awk '$1 == ".kpatch.symbols" { print $5 }' <<<"$secs")
			want=$(wc -w <<<"$want_changed")
			if [[ -z $nf || -z $nr || -z $ns ]] || ! grep -q '^\.kpatch\.strings ' <<<"$secs" ||
				((16#$nf != 56 * want || 16#$nr != 16#$ns || 16#$nr % 40)) ||
				readelf -sW "$w/kp.o" | grep >/dev/null '\.klp\.sym\.'; then
				t_fail "$tag" "expected .kpatch.strings, .kpatch.funcs of $((56 * want)) bytes, equal .kpatch.relocations and .kpatch.symbols and no .klp.sym symbol, saw funcs '$nf' relocations '$nr' symbols '$ns', $(readelf -sW "$w/kp.o" | grep -c '\.klp\.sym\.') klp symbols"
				return
			fi
		fi
	fi
	t_pass "$tag"
}

for bin in "${bins[@]}"; do
	for cdir in "${cases[@]}"; do
		run_case "$bin" "$cdir"
	done
done
t_done
