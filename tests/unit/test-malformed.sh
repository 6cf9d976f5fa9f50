#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed inputs: hotpatch-elfdump, hotpatch-diff and hotpatch-index query must answer every
# one with a clear error (a message naming the file) and a non-zero exit -- never a crash, a
# sanitizer report, or an output file left behind.  Inputs are made here from a small fixture
# compiled with kernel-like flags, by rewriting header fields in place (poke):
#   truncated files; wrong class, data encoding, machine; ET_EXEC/ET_DYN (real and poked) where
#   ET_REL is needed; section contents and the section header table past the end; section,
#   symbol and section-name-table string indexes out of range; bad sh_link/e_shstrndx;
#   relocations naming missing symbols or patching past their section; an SHT_NULL section with
#   bogus contents and an addend that overflows (fuzz findings); symbol indexes truncated,
#   corrupted, or built for another release (hotpatch-diff --release).
# Every case runs with out/bin and, when built, out-asan/bin (ASan + UBSan).
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP"

CC=${CC:-gcc-12}
command -v "$CC" >/dev/null || CC=gcc
tmp=$(t_tmpdir)
bindirs=(out/bin)
[[ -x out-asan/bin/hotpatch-diff ]] && bindirs+=(out-asan/bin)
for t in hotpatch-elfdump hotpatch-diff hotpatch-index; do
	if [[ ! -x out/bin/$t ]]; then
		t_bail "expected out/bin/$t, saw it missing (run make)"
	fi
done

# --- helpers: little-endian fields of a file ---
# poke FILE OFFSET BYTES VALUE
poke() {
	local f=$1 off=$2 n=$3 v=$4 i s=
	for ((i = 0; i < n; i++)); do
		s+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255)))
	done
	printf '%b' "$s" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}
# peek FILE OFFSET BYTES (4 or 8)
peek() {
	od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}
shoff() { peek "$1" 40 8; }
# secidx FILE NAME: index of the first section NAME
secidx() {
	readelf -SW "$1" | sed -n 's/^ *\[ *\([0-9]*\)\] \([^ ]*\) .*/\1 \2/p' |
		awk -v n="$2" '$2 == n { print $1; exit }'
}
# shdr FILE NAME FIELD-OFFSET: file offset of that field of section NAME's header
shdr() {
	local i
	i=$(secidx "$1" "$2")
	[[ -n $i ]] || { echo "no section $2 in $1" >&2; return 1; }
	echo $(($(shoff "$1") + i * 64 + $3))
}
# secdata FILE NAME: file offset of section NAME's contents
secdata() { peek "$1" "$(shdr "$1" "$2" 24)" 8; }
# symidx FILE NAME: symbol table index of NAME
symnum() {
	readelf -sW "$1" | awk -v n="$2" '$1 ~ /:$/ && $8 == n { sub(":", "", $1); print $1; exit }'
}

# --- fixtures ---
mkdir -p "$tmp/src/orig" "$tmp/src/patched"
cat >"$tmp/src/orig/mal.c" <<'C'
extern int ext_counter;
extern void ext_fn(const char *);
static int hits;
int show(int x)
{
	hits++;
	ext_fn("show: called");
	return x + hits + ext_counter;
}
static int __attribute__((noinline)) helper(int x) { return x * 3 + hits; }
int other(int y) { return helper(y) + 1; }
C
sed 's/show: called/show: CALLED/' "$tmp/src/orig/mal.c" >"$tmp/src/patched/mal.c"
CFLAGS_FIX="-O2 -g0 -ffunction-sections -fdata-sections -pg -mfentry -mrecord-mcount -fno-pie \
-mcmodel=kernel -mno-red-zone -fno-asynchronous-unwind-tables -fno-stack-protector -nostdinc -w"
for side in orig patched; do
	# shellcheck disable=SC2086
	if ! (cd "$tmp/src/$side" && $CC $CFLAGS_FIX -c mal.c -o "$tmp/$side.o") 2>"$tmp/cc.log"; then
		t_bail "expected $CC to compile the fixture, saw: $(head -3 "$tmp/cc.log" | tr '\n' ' ')"
	fi
done
# fuzz-diff finding: an undefined FUNC foo.cold was taken for foo's cold part and included
mkdir -p "$tmp/src/cold"
{
	echo 'void show_cold_ref(void) __asm__("show.cold");'
	echo 'asm(".type show.cold, @function");'
	sed 's/hits++;/hits++; if (x == 12345) show_cold_ref();/' "$tmp/src/patched/mal.c"
} >"$tmp/src/cold/mal.c"
# shellcheck disable=SC2086
(cd "$tmp/src/cold" && $CC $CFLAGS_FIX -c mal.c -o "$tmp/undef-cold.o")
printf 'void _start(void) { for (;;) ; }\n' >"$tmp/src/exec.c"
gcc -O2 -nostdlib -static -no-pie -o "$tmp/exec.elf" "$tmp/src/exec.c"
gcc -O2 -nostdlib -shared -fPIC -o "$tmp/dyn.so" "$tmp/src/exec.c"
orig=$tmp/orig.o
good=$tmp/patched.o

# --- malformed objects: NAME -> $tmp/bad/NAME.o ---
mkdir -p "$tmp/bad"
declare -A why=()
mk() { # NAME WHAT: copy the good object to NAME.o and describe it; prints its path
	cp "$good" "$tmp/bad/$1.o"
	why[$1]=$2
}
size=$(stat -c %s "$good")
for n in 0 10 63 64 $((size / 2)) $((size - 1)); do
	head -c "$n" "$good" >"$tmp/bad/truncated-$n.o"
	why[truncated-$n]="truncated to $n of $size bytes"
done
mk class32 "ELFCLASS32"; poke "$tmp/bad/class32.o" 4 1 1
mk bigendian "big-endian data encoding"; poke "$tmp/bad/bigendian.o" 5 1 2
mk badmagic "no ELF magic"; poke "$tmp/bad/badmagic.o" 1 1 0x58
mk aarch64 "e_machine EM_AARCH64"; poke "$tmp/bad/aarch64.o" 18 2 183
mk i386 "e_machine EM_386"; poke "$tmp/bad/i386.o" 18 2 3
mk et-exec "e_type ET_EXEC (poked)"; poke "$tmp/bad/et-exec.o" 16 2 2
mk et-dyn "e_type ET_DYN (poked)"; poke "$tmp/bad/et-dyn.o" 16 2 3
cp "$tmp/exec.elf" "$tmp/bad/real-exec.o"; why[real-exec]="a linked static executable (ET_EXEC)"
cp "$tmp/dyn.so" "$tmp/bad/real-dyn.o"; why[real-dyn]="a shared object (ET_DYN)"
mk shoff-past-end "e_shoff past the end"; poke "$tmp/bad/shoff-past-end.o" 40 8 $((size + 4096))
mk shnum-huge "e_shnum larger than the file"; poke "$tmp/bad/shnum-huge.o" 60 2 60000
mk shstrndx-range "e_shstrndx out of range"; poke "$tmp/bad/shstrndx-range.o" 62 2 999
mk text-offset "section contents past the end (sh_offset)"
poke "$tmp/bad/text-offset.o" "$(shdr "$good" .text.show 24)" 8 $((size + 100))
mk text-size "section contents past the end (sh_size)"
poke "$tmp/bad/text-size.o" "$(shdr "$good" .text.show 32)" 8 $((1 << 40))
mk symtab-offset "symbol table past the end"
poke "$tmp/bad/symtab-offset.o" "$(shdr "$good" .symtab 24)" 8 $((1 << 33))
mk shname-range "section name index out of range"
poke "$tmp/bad/shname-range.o" "$(shdr "$good" .text.show 0)" 4 0x7fffff00
mk stname-range "symbol name index out of range"
poke "$tmp/bad/stname-range.o" $(($(secdata "$good" .symtab) + 24 * $(symnum "$good" show))) 4 0x7fffff00
mk symtab-link "symbol table sh_link out of range"
poke "$tmp/bad/symtab-link.o" "$(shdr "$good" .symtab 40)" 4 4000
mk symtab-strtab "symbol table sh_link not a string table"
poke "$tmp/bad/symtab-strtab.o" "$(shdr "$good" .symtab 40)" 4 "$(secidx "$good" .text.show)"
mk st-shndx "symbol section index out of range"
poke "$tmp/bad/st-shndx.o" $(($(secdata "$good" .symtab) + 24 * $(symnum "$good" show) + 6)) 2 0xfe00
mk strtab-unterminated "string table without a final NUL"
st_off=$(secdata "$good" .strtab)
st_size=$(peek "$good" "$(shdr "$good" .strtab 32)" 8)
poke "$tmp/bad/strtab-unterminated.o" $((st_off + st_size - 1)) 1 0x41
rela=$(secdata "$good" .rela.text.show)
mk reloc-sym "relocation naming a missing symbol (index 9999)"
info=$(peek "$good" $((rela + 8)) 8)
poke "$tmp/bad/reloc-sym.o" $((rela + 8)) 8 $(((9999 << 32) | (info & 0xffffffff)))
mk reloc-offset "relocation patching past the end of its section"
poke "$tmp/bad/reloc-offset.o" "$rela" 8 0x10000
mk reloc-info "relocation section naming no section (sh_info out of range)"
poke "$tmp/bad/reloc-info.o" "$(shdr "$good" .rela.text.show 44)" 4 4000
mk reloc-entsize "relocation section with a wrong entry size"
poke "$tmp/bad/reloc-entsize.o" "$(shdr "$good" .rela.text.show 56)" 8 16
# fuzz-diff finding: a relocation of __mcount_loc past its end (special-section owner table)
mk mcount-reloc "__mcount_loc relocation past its end (fuzz-diff crash)"
poke "$tmp/bad/mcount-reloc.o" "$(secdata "$good" .rela__mcount_loc)" 8 0x2760

# --- fixtures for the rest ---
# odd but harmless inputs: any verdict, but no crash or report
# fuzz-diff UBSan finding: an addend near INT64_MAX overflowed the target offset
cp "$good" "$tmp/addend.o"
poke "$tmp/addend.o" $((rela + 16)) 8 0x7ffffffffffffffc
# fuzz-elf finding: an SHT_NULL section (no contents, whatever its header says) whose
# offset and size lie far past the end was mapped and read
cp "$good" "$tmp/null-section.o"
poke "$tmp/null-section.o" "$(shdr "$good" .comment 4)" 4 0
poke "$tmp/null-section.o" "$(shdr "$good" .comment 24)" 8 $((1 << 36))
poke "$tmp/null-section.o" "$(shdr "$good" .comment 32)" 8 $((1 << 38))
# fuzz-elf UBSan finding: a pointer was formed from an SHT_NOBITS section's unchecked offset
cp "$good" "$tmp/nobits-offset.o"
poke "$tmp/nobits-offset.o" "$(shdr "$good" .bss 24)" 8 0x7fffffffffff0000
# symbol indexes
if ! gcc -Wall -Wextra -Werror -Ilib -Isymindex -o "$tmp/mkindex" tests/differ/mkindex.c \
	out/lib/libsymindex.a out/lib/libhp.a 2>"$tmp/mkindex.log"; then
	t_bail "expected tests/differ/mkindex.c to build, saw: $(head -3 "$tmp/mkindex.log" | tr '\n' ' ')"
fi
{
	echo "vmlinux show 0 FUNC GLOBAL 0 mal.c"
	echo "vmlinux other 0 FUNC GLOBAL 0 mal.c"
	echo "vmlinux helper 0 FUNC LOCAL 0 mal.c"
	echo "vmlinux hits 0 OBJECT LOCAL 0 mal.c"
	echo "vmlinux ext_fn 0 FUNC GLOBAL 1 -"
	echo "vmlinux ext_counter 0 OBJECT GLOBAL 1 -"
	echo "vmlinux __fentry__ 0 FUNC GLOBAL 1 -"
} | "$tmp/mkindex" "$tmp/index"
# the release mkindex writes into every index it makes (tests/differ/mkindex.c)
rel=fixture
# malformed index files for hotpatch-index query and hotpatch-diff --index
isize=$(stat -c %s "$tmp/index")
mkdir -p "$tmp/badidx"
declare -A iwhy=()
mki() { cp "$tmp/index" "$tmp/badidx/$1"; iwhy[$1]=$2; }
: >"$tmp/badidx/empty"; iwhy[empty]="an empty file"
head -c $((isize / 2)) "$tmp/index" >"$tmp/badidx/truncated"; iwhy[truncated]="a truncated index"
head -c 40 "$tmp/index" >"$tmp/badidx/header-only"; iwhy[header-only]="a cut header"
cp "$good" "$tmp/badidx/object"; iwhy[object]="an object file"
mki version "an unknown format version"; poke "$tmp/badidx/version" 8 4 99
mki release-str "release string offset out of range"; poke "$tmp/badidx/release-str" 24 4 0x7ffffff0
mki nr-entries "entry count past the end"; poke "$tmp/badidx/nr-entries" 32 4 0x10000000
mki entries-off "entry table past the end"; poke "$tmp/badidx/entries-off" 48 8 $((1 << 40))
mki strings-off "string table past the end"; poke "$tmp/badidx/strings-off" 64 8 $((isize + 8))
mki entry-name "entry name offset out of range"
poke "$tmp/badidx/entry-name" "$(peek "$tmp/index" 48 8)" 4 0x7ffffff0
mki object-run "object entry run out of range"
poke "$tmp/badidx/object-run" $(($(peek "$tmp/index" 40 8) + 8)) 4 0x7fffffff
mki strings-nul "string table without a final NUL"
poke "$tmp/badidx/strings-nul" $(($(peek "$tmp/index" 64 8) + $(peek "$tmp/index" 72 8) - 1)) 1 0x41

nbad=$(find "$tmp/bad" -name '*.o' | wc -l)
nbadidx=$(find "$tmp/badidx" -type f | wc -l)
nodd=4
# per build: two tools on each bad object, two on each odd one, two release checks, and the
# index reader and the differ on each bad index; plus the baseline
t_plan $((1 + ${#bindirs[@]} * (2 * nbad + 2 * nodd + 2 + 2 * nbadidx)))

# the good pair works, so every refusal below is the malformation's doing
rc=0
out/bin/hotpatch-diff --json "$tmp/good.json" "$orig" "$good" -o "$tmp/good-out.o" >"$tmp/good.log" 2>&1 || rc=$?
if ((rc == 0)) && [[ -s $tmp/good-out.o ]]; then
	t_pass "baseline: hotpatch-diff on the fixture pair writes an object"
else
	t_fail "baseline" "expected hotpatch-diff exit 0 with an output, saw exit $rc: $(tail -n 2 "$tmp/good.log" | tr '\n' ' ')"
fi

sanitizer() { grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error|Segmentation|core dumped' "$1"; }

# expect_error TAG WANT-MESSAGE-REGEX CMD...: exit != 0 (not a signal), a message, no report
expect_error() {
	local tag=$1 re=$2 rc=0 s
	shift 2
	"$@" >"$tmp/cmd.out" 2>"$tmp/cmd.err" || rc=$?
	if s=$(sanitizer "$tmp/cmd.err"); then
		t_fail "$tag" "expected a clean error, saw a sanitizer report: $s"
	elif ((rc == 0)); then
		t_fail "$tag" "expected a non-zero exit, saw 0"
	elif ((rc > 125)); then
		t_fail "$tag" "expected an error exit, saw $rc (killed by a signal)"
	elif ! grep -qE -- "$re" "$tmp/cmd.err"; then
		t_fail "$tag" "expected a message matching '$re', saw: $(head -c 300 "$tmp/cmd.err" | tr '\n' ' ')"
	else
		return 0
	fi
	return 1
}

# files in DIR other than the inputs and the JSON facts
leftovers() {
	find "$1" -mindepth 1 -maxdepth 1 ! -name 'in-*' ! -name facts.json -printf '%f ' 2>/dev/null
}

for bd in "${bindirs[@]}"; do
	pfx=""
	[[ $bd == out-asan/* ]] && pfx="asan: "
	for f in "$tmp"/bad/*.o; do
		name=$(basename "$f" .o)
		w=$tmp/run
		rm -rf "$w"
		mkdir -p "$w"
		cp "$f" "$w/in-bad.o"
		cp "$orig" "$w/in-orig.o"
		# the differ needs ET_REL on both sides; the bad one as PATCHED (as ORIG for truncation)
		bad_ok=1
		if expect_error "${pfx}hotpatch-diff: $name" "$w/in-bad.o" \
			"$bd/hotpatch-diff" --json "$w/facts.json" "$w/in-orig.o" "$w/in-bad.o" -o "$w/out.o"; then
			:
		else
			bad_ok=0
		fi
		if ((bad_ok)) && [[ $name == truncated-* ]]; then
			expect_error "${pfx}hotpatch-diff: $name" "$w/in-bad.o" \
				"$bd/hotpatch-diff" --json "$w/facts.json" "$w/in-bad.o" "$w/in-orig.o" -o "$w/out.o" || bad_ok=0
		fi
		if ((bad_ok)) && [[ -n $(leftovers "$w") ]]; then
			t_fail "${pfx}hotpatch-diff: $name" "expected no output object, saw $(leftovers "$w")"
			bad_ok=0
		fi
		if ((bad_ok)) && [[ -e $w/facts.json ]] && ! jq -e '.verdict == "error"' "$w/facts.json" >/dev/null 2>&1; then
			t_fail "${pfx}hotpatch-diff: $name" "expected facts with verdict error, saw: $(head -c 200 "$w/facts.json")"
			bad_ok=0
		fi
		((bad_ok)) && t_pass "${pfx}hotpatch-diff refuses ${why[$name]}"

		# elfdump reads executables too, but -w (write back) needs ET_REL
		case $name in
		real-exec | real-dyn | et-exec | et-dyn)
			if expect_error "${pfx}hotpatch-elfdump -w: $name" "ET_REL|relocatable" \
				"$bd/hotpatch-elfdump" -w "$w/out.o" "$w/in-bad.o"; then
				if [[ -n $(leftovers "$w") ]]; then
					t_fail "${pfx}hotpatch-elfdump -w: $name" "expected no output, saw $(leftovers "$w")"
				else
					t_pass "${pfx}hotpatch-elfdump -w refuses ${why[$name]}"
				fi
			fi
			continue
			;;
		esac
		if expect_error "${pfx}hotpatch-elfdump: $name" "$w/in-bad.o" \
			"$bd/hotpatch-elfdump" -w "$w/out.o" "$w/in-bad.o"; then
			if [[ -s $tmp/cmd.out ]]; then
				t_fail "${pfx}hotpatch-elfdump: $name" "expected no dump, saw $(wc -l <"$tmp/cmd.out") lines"
			elif [[ -n $(leftovers "$w") ]]; then
				t_fail "${pfx}hotpatch-elfdump: $name" "expected no output, saw $(leftovers "$w")"
			else
				t_pass "${pfx}hotpatch-elfdump refuses ${why[$name]}"
			fi
		fi
	done
done

# --- odd but harmless: any verdict, but no crash or report ---
for bd in "${bindirs[@]}"; do
	for c in "addend:relocation addend near INT64_MAX" "null-section:SHT_NULL section past the end" \
		"nobits-offset:SHT_NOBITS section offset near the top of the address space" \
		"undef-cold:an undefined FUNC show.cold"; do
		f=$tmp/${c%%:*}.o
		rc=0
		rm -f "$tmp/odd-out.o"
		"$bd/hotpatch-diff" --json "$tmp/odd.json" "$orig" "$f" -o "$tmp/odd-out.o" \
			>"$tmp/odd.log" 2>&1 || rc=$?
		if s=$(sanitizer "$tmp/odd.log"); then
			t_fail "$bd/hotpatch-diff: ${c#*:}" "expected no sanitizer report, saw: $s"
		elif ((rc > 3)); then
			t_fail "$bd/hotpatch-diff: ${c#*:}" "expected exit 0-3, saw $rc"
		else
			t_pass "$bd/hotpatch-diff: ${c#*:}: exit $rc, no crash or report"
		fi
		rc=0
		"$bd/hotpatch-elfdump" -w "$tmp/odd-out.o" "$f" >"$tmp/odd.log" 2>&1 || rc=$?
		if s=$(sanitizer "$tmp/odd.log"); then
			t_fail "$bd/hotpatch-elfdump -w: ${c#*:}" "expected no sanitizer report, saw: $s"
		elif ((rc > 1)); then
			t_fail "$bd/hotpatch-elfdump -w: ${c#*:}" "expected exit 0 or 1, saw $rc"
		else
			t_pass "$bd/hotpatch-elfdump -w: ${c#*:}: exit $rc, no crash or report"
		fi
	done
done


# --- symbol indexes ---
for bd in "${bindirs[@]}"; do
	pfx=""
	[[ $bd == out-asan/* ]] && pfx="asan: "
	w=$tmp/run
	rm -rf "$w"
	mkdir -p "$w"
	rc=0
	"$bd/hotpatch-diff" --index "$tmp/index" --release "$rel" --json "$w/facts.json" "$orig" "$good" \
		-o "$w/out.o" >"$w/log" 2>&1 || rc=$?
	if ((rc == 0)); then
		t_pass "${pfx}hotpatch-diff accepts an index of the release it is told ($rel)"
	else
		t_fail "${pfx}hotpatch-diff --release $rel" "expected exit 0, saw $rc: $(tail -n 2 "$w/log" | tr '\n' ' ')"
	fi
	rm -f "$w/out.o" "$w/facts.json"
	if expect_error "${pfx}hotpatch-diff: index of another release" "for release $rel, not 6\.1\.0-999-amd64" \
		"$bd/hotpatch-diff" --index "$tmp/index" --release 6.1.0-999-amd64 --json "$w/facts.json" \
		"$orig" "$good" -o "$w/out.o"; then
		if [[ -e $w/out.o ]]; then
			t_fail "${pfx}hotpatch-diff: index of another release" "expected no output object, saw one"
		else
			t_pass "${pfx}hotpatch-diff refuses an index of another release"
		fi
	fi
done


# malformed index files for hotpatch-index query and hotpatch-diff --index
for bd in "${bindirs[@]}"; do
	pfx=""
	[[ $bd == out-asan/* ]] && pfx="asan: "
	for f in "$tmp"/badidx/*; do
		name=$(basename "$f")
		expect_error "${pfx}hotpatch-index query: $name" "$f" "$bd/hotpatch-index" query "$f" show &&
			t_pass "${pfx}hotpatch-index query refuses ${iwhy[$name]}"
		w=$tmp/run
		rm -rf "$w"
		mkdir -p "$w"
		if expect_error "${pfx}hotpatch-diff --index: $name" "$f" "$bd/hotpatch-diff" --index "$f" \
			--json "$w/facts.json" "$orig" "$good" -o "$w/out.o"; then
			if [[ -e $w/out.o ]]; then
				t_fail "${pfx}hotpatch-diff --index: $name" "expected no output object, saw one"
			else
				t_pass "${pfx}hotpatch-diff refuses ${iwhy[$name]} as its index"
			fi
		fi
	done
done
t_done
