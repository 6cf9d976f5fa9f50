#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hotpatch-ppcmp on small C inputs, one per rule: a header changes between two gcc -E runs of
# the same .c, and the tool must say "cannot change" (exit 0) or "may change" (exit 2) as the
# rule says. Every "cannot change" case is also compiled with gcc -O2 on both sides: the two
# objects must be the same once debug info is stripped, or the rule would be unsound. A few
# cases feed text directly (tokenizer: maximal munch, literals).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

tool=$T_TOP/out/bin/hotpatch-ppcmp
[[ -x $tool ]] || t_bail "expected $tool (run make)"
tmp=$(t_tmpdir)

# NAME|EXIT|VERDICT-PREFIX|ORIGINAL HEADER|PATCHED HEADER|C FILE (\n: newline)
cases=(
	"identical but for line markers|0|identical|int f(int);|/* a new comment */\n\nint f(int);|#include \"h.h\"\nint g(void) { return 1; }"
	"unused prototype changed|0|unused: f|int f(int);|long f(int, int) __attribute__((__warn_unused_result__));|#include \"h.h\"\nint g(void) { return 1; }"
	"prototype removed, unused|0|unused: f|int f(int);\nint k(void);|int k(void);|#include \"h.h\"\nint g(void) { return k(); }"
	"unused static inline changed|0|unused: s|static inline __attribute__((__unused__)) int s(int a) { static int once __attribute__((__section__(\".data.once\"))); once = 1; return a + 1; }|static inline __attribute__((__unused__)) int s(int a) { static int once __attribute__((__section__(\".data.once\"))); once = 2; return a + 2; }|#include \"h.h\"\nint g(void) { return 1; }"
	"new macro nobody uses|0|identical|int f(int);|#define M 3\nint f(int);|#include \"h.h\"\nint g(void) { return 1; }"
	"changed prototype is used|2|differs|int f(int);|long f(int);|#include \"h.h\"\nint g(void) { return f(1); }"
	"changed static inline is called|2|differs|static inline int s(int a) { return a + 1; }|static inline int s(int a) { return a + 2; }|#include \"h.h\"\nint g(void) { return s(1); }"
	"static inline used only by name (function pointer)|2|differs|static inline int s(int a) { return a + 1; }|static inline int s(int a) { return a + 2; }|#include \"h.h\"\nint (*p)(int) = s;"
	"variable declaration changed|2|differs|extern int v;|extern long v;|#include \"h.h\"\nint g(void) { return 1; }"
	"enum changed|2|differs|enum e { A, B };|enum e { A, C, B };|#include \"h.h\"\nint g(void) { return 1; }"
	"typedef changed|2|differs|typedef int t;|typedef long t;|#include \"h.h\"\nint g(void) { return 1; }"
	"alias attribute on a new declaration|2|differs|int f(int);|int f(int);\nint a(int) __attribute__((alias(\"g\")));|#include \"h.h\"\nint g(int x) { return x; }"
	"weak attribute on a changed declaration|2|differs|int f(int);|int f(int) __attribute__((weak));|#include \"h.h\"\nint g(void) { return 1; }"
	"a changed declaration's name in a string (asm)|2|differs|int f(int);|long f(int);|#include \"h.h\"\nasm(\".globl x; .set x, f\");"
	"non-static definition changed|2|differs|static inline int s(void) { return 1; }|inline int s(void) { return 2; }|#include \"h.h\"\nint g(void) { return 1; }"
	"pragma changed|2|differs|int f(int);|#pragma GCC optimize(\"O3\")\nint f(int);|#include \"h.h\"\nint g(void) { return 1; }"
	"units reordered|2|differs|int a;\nint b;|int b;\nint a;|#include \"h.h\"\nint g(void) { return 1; }"
	"a builtin's declaration changed|2|differs|void *memset(void *, int, unsigned long);|void *memset(void *, int, unsigned long) __attribute__((__malloc__));|#include \"h.h\"\nstruct s { char b[64]; };\nvoid g(struct s *p) { *p = (struct s){ 0 }; }"
)
# direct text: NAME|EXIT|ORIGINAL|PATCHED
texts=(
	"maximal munch: a-- -b is not a- --b|2|int g(int a, int b) { return a-- -b; }|int g(int a, int b) { return a- --b; }"
	"shift-assign is one token|2|void g(int a) { a >>= 1; }|void g(int a) { a > >= 1; }"
	"whitespace inside a string literal counts|2|const char *s = \"a b\";|const char *s = \"a  b\";"
	"a pp-number is one token|2|int x = 1e+2;|int x = 1e + 2;"
	"whitespace and line markers between tokens do not count|0|# 1 \"a.h\"\nint  x =\n 1 ;|# 7 \"b.h\" 2\nint x = 1;"
)
t_plan $((${#cases[@]} + ${#texts[@]}))

for c in "${cases[@]}"; do
	IFS='|' read -r name want verdict orig patched csrc <<<"$c"
	d=$tmp/${name//[^a-z]/_}
	mkdir -p "$d/o" "$d/p"
	printf '%b\n' "$orig" >"$d/o/h.h"
	printf '%b\n' "$patched" >"$d/p/h.h"
	printf '%b\n' "$csrc" >"$d/o/t.c"
	cp "$d/o/t.c" "$d/p/t.c"
	for s in o p; do
		(cd "$d/$s" && gcc -O2 -g -E -o t.i t.c && gcc -O2 -g -c -o t.o t.c && objcopy --strip-debug t.o t.s.o) ||
			t_bail "$name: gcc failed on the $s side"
	done
	rc=0
	out=$("$tool" "$d/o/t.i" "$d/p/t.i") || rc=$?
	if ((rc != want)) || [[ $out != "$verdict"* ]]; then
		t_fail "$name" "expected exit $want, '$verdict...', saw exit $rc, '$out'"
	elif ((want == 0)) && ! cmp -s "$d/o/t.s.o" "$d/p/t.s.o"; then
		t_fail "$name" "expected the same code on both sides (the verdict is '$out'), saw the objects differ"
	else
		t_pass "$name: exit $rc, $out"
	fi
done

for c in "${texts[@]}"; do
	IFS='|' read -r name want orig patched <<<"$c"
	printf '%b\n' "$orig" >"$tmp/a.i"
	printf '%b\n' "$patched" >"$tmp/b.i"
	rc=0
	out=$("$tool" "$tmp/a.i" "$tmp/b.i") || rc=$?
	if ((rc == want)); then
		t_pass "$name: exit $rc, $out"
	else
		t_fail "$name" "expected exit $want, saw exit $rc, '$out'"
	fi
done
t_done
