#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hotpatch-index build on small fixtures compiled here: a static ET_EXEC
# "vmlinux" with DWARF and two same-named statics, and a fake module linked
# with ld -r whose symbols exercise module kallsyms' is_core_symbol() rules.
set -euo pipefail
# shellcheck source=tests/lib.sh
source "$(dirname "$0")/../lib.sh"

t_plan 33
INDEX=${HOTPATCH_INDEX:-$T_TOP/out/bin/hotpatch-index}
if [[ ! -x $INDEX ]]; then
	t_bail "expected hotpatch-index at $INDEX, saw none (run make)"
fi
d=$(t_tmpdir)
mkdir -p "$d/src" "$d/mods/kernel/drivers/foo"

# --- vmlinux fixture: s_show twice, in src/v1.c and src/v2.c
cat >"$d/src/v1.c" <<'C'
#define KEEP __attribute__((noinline, used))
static int counter = 1;
KEEP static int s_show(void) { return counter++; }
KEEP int unique_fn(void) { return s_show(); }
void _start(void) { for (;;) unique_fn(); }
C
cat >"$d/src/v2.c" <<'C'
#define KEEP __attribute__((noinline, used))
static int counter = 2;
KEEP static int s_show(void) { return counter--; }
KEEP int exported_fn(void) { return s_show(); }
C
(cd "$d" && gcc -g -O2 -nostdlib -static -no-pie -fno-pic -o vmlinux "$d/src/v1.c" "$d/src/v2.c")
nm -n "$d/vmlinux" | grep -v -e ' [aNUw] ' -e ' \.L' >"$d/System.map"

# --- module fixture: fake-mod.ko from a.c and b.c
cat >"$d/src/a.c" <<'C'
#define KEEP __attribute__((noinline, used))
static int counter;
KEEP static int helper(void) { return counter++; }
KEEP __attribute__((section(".init.text"))) static int initdup(void) { return 1; }
KEEP __attribute__((section(".init.text"))) static int only_init(void) { return 2; }
KEEP __attribute__((section(".exit.text"))) static int exitfn(void) { return 3; }
static const char modinfo_license[] __attribute__((section(".modinfo"), used)) = "license=GPL";
int mod_api(void) { return helper() + initdup() + only_init() + exitfn(); }
C
cat >"$d/src/b.c" <<'C'
#define KEEP __attribute__((noinline, used))
static int counter;
KEEP static int helper(void) { return counter--; }
KEEP static int initdup(void) { return 4; }
int mod_other(void) { return helper() + initdup(); }
C
(cd "$d/src" && gcc -O2 -c a.c b.c && ld -r -o "$d/mods/kernel/drivers/foo/fake-mod.ko" a.o b.o)

printf '0x00000001\texported_fn\tvmlinux\tEXPORT_SYMBOL\t\n0x00000002\tmod_api\tdrivers/foo/fake-mod\tEXPORT_SYMBOL_GPL\t\n' >"$d/Module.symvers"
printf 'CONFIG_KALLSYMS_ALL=y\nCONFIG_MODULE_UNLOAD=y\n' >"$d/config-all"
printf '# CONFIG_KALLSYMS_ALL is not set\n# CONFIG_MODULE_UNLOAD is not set\n' >"$d/config-min"

build() { # CONFIG OUT
	"$INDEX" build --vmlinux "$d/vmlinux" --system-map "$d/System.map" \
		--symvers "$d/Module.symvers" --modules "$d/mods" --release 6.1.0-0-test \
		--config "$1" -o "$2"
}
t_check "build the fixture index" build "$d/config-all" "$d/idx"

# query_in INDEX ARGS...: the entries query prints (object name sympos type bind addr size
# exported cu), or, when the query fails, one line saying how: a crash never looks like an
# answer. Its stderr stays in the log, where tests/run.sh sees any sanitizer report.
query_in() {
	local idx=$1 out rc=0
	shift
	out=$("$INDEX" query "$idx" "$@" 2>"$d/query.err") || rc=$?
	cat "$d/query.err" >&2
	if ((rc != 0)); then
		echo "query $* exited $rc: $(head -c 200 "$d/query.err" | tr '\n' ' ')"
		return 0
	fi
	grep -v '^#' <<<"$out" || true
}
q() { query_in "$d/idx" "$@"; }
qm() { query_in "$d/idx-min" "$@"; }
# expect_absent NAME INDEX OBJECT SYMBOL: the query answers "no symbol" -- exit 1, nothing on
# stdout and that message -- rather than crashing or printing something else
expect_absent() {
	local name=$1 idx=$2 obj=$3 sym=$4 out rc=0
	out=$("$INDEX" query "$idx" --object "$obj" "$sym" 2>"$d/query.err") || rc=$?
	cat "$d/query.err" >&2
	if ((rc == 1)) && [[ -z $out ]] && grep -qF "no symbol '$sym' in $obj" "$d/query.err"; then
		t_pass "$name"
	else
		t_fail "$name" "expected exit 1, no output and \"no symbol '$sym' in $obj\", saw exit $rc, output '$out', stderr '$(head -c 200 "$d/query.err" | tr '\n' ' ')'"
	fi
}
expect() { # NAME EXPECTED ACTUAL
	if [[ $2 == "$3" ]]; then t_pass "$1"; else t_fail "$1" "expected '$2', saw '$3'"; fi
}

expect "vmlinux: s_show twice, sympos 1,2 in address order with their CUs" \
	"1 src/v1.c|2 src/v2.c" \
	"$(q --object vmlinux s_show | awk '{print $3, $9}' | paste -sd'|')"
addrs=$(q --object vmlinux s_show | awk '{print $6}' | paste -sd' ')
map_addrs=$(awk '$3 == "s_show" {print "0x" $1}' "$d/System.map" | sed 's/0x0*/0x/' | paste -sd' ')
expect "vmlinux: s_show positions follow System.map order" "$map_addrs" "$addrs"
expect "vmlinux: static data gets its CU from DWARF" "1 src/v1.c|2 src/v2.c" \
	"$(q --object vmlinux counter | awk '{print $3, $9}' | paste -sd'|')"
expect "vmlinux: unique global has sympos 0" "0 FUNC GLOBAL - src/v1.c" \
	"$(q --object vmlinux unique_fn | awk '{print $3, $4, $5, $8, $9}')"
expect "vmlinux: exported symbol" "vmlinux exported" \
	"$(q exported_fn | awk '{print $1, $8}')"
expect "vmlinux: find by CU" "2" "$(q --object vmlinux --cu src/v2.c s_show | awk '{print $3}')"

expect "module: object name from the file name, '-' -> '_'" "fake_mod" \
	"$(q --object fake_mod mod_api | awk '{print $1}')"
expect "module: exported by the module per Module.symvers" "exported" \
	"$(q --object fake_mod mod_api | awk '{print $8}')"
expect "module: same-named statics ranked in symtab order with FILE CUs" "1 a.c|2 b.c" \
	"$(q --object fake_mod helper | awk '{print $3, $9}' | paste -sd'|')"
expect "module: init symbols are not kept, the other initdup is unique" "0 b.c" \
	"$(q --object fake_mod initdup | awk '{print $3, $9}' | paste -sd'|')"
expect_absent "module: .init.text-only symbol is not in kallsyms" "$d/idx" fake_mod only_init
expect_absent "module: .modinfo symbols are dropped by the loader" "$d/idx" fake_mod modinfo_license
expect "module: .exit.text kept with MODULE_UNLOAD" "0" "$(q --object fake_mod exitfn | awk '{print $3}')"
expect "module: static data kept with KALLSYMS_ALL" "1|2" \
	"$(q --object fake_mod counter | awk '{print $3}' | paste -sd'|')"
expect "module: find by CU matches a path with that base name" "2" \
	"$(q --object fake_mod --cu drivers/foo/b.c helper | awk '{print $3}')"

t_check "build without KALLSYMS_ALL and MODULE_UNLOAD" build "$d/config-min" "$d/idx-min"
expect_absent "module without KALLSYMS_ALL: data not in kallsyms" "$d/idx-min" fake_mod counter
expect_absent "module without MODULE_UNLOAD: .exit.text is init" "$d/idx-min" fake_mod exitfn
expect "module without KALLSYMS_ALL: functions still ranked" "1|2" \
	"$(qm --object fake_mod helper | awk '{print $3}' | paste -sd'|')"

info=$("$INDEX" info "$d/idx")
expect "info: release" "release 6.1.0-0-test" "$(grep '^release' <<<"$info")"
expect "info: objects" "objects 2" "$(grep '^objects' <<<"$info")"

# --- the writer is atomic, the reader refuses damage with a clear message
cp "$d/idx" "$d/before"
rc=0
build "$d/config-all" "$d/nodir/idx" 2>"$d/err" || rc=$?
cat "$d/err" >&2
if ((rc == 1)) && grep -qF "$d/nodir/idx" "$d/err" && [[ ! -e $d/nodir ]]; then
	t_pass "build into a missing directory fails, naming the output"
else
	t_fail "build into a missing directory fails, naming the output" \
		"expected exit 1 and an error naming $d/nodir/idx, saw exit $rc: $(head -c 300 "$d/err")"
fi
rc=0
"$INDEX" build --vmlinux "$d/nope" --system-map "$d/System.map" --symvers "$d/Module.symvers" \
	--modules "$d/mods" --release r -o "$d/idx" 2>"$d/err" || rc=$?
if ((rc == 1)) && cmp -s "$d/idx" "$d/before" && grep -q "$d/nope" "$d/err"; then
	t_pass "failed build names the input and leaves the old index intact"
else
	t_fail "failed build names the input and leaves the old index intact" \
		"expected exit 1, unchanged index and an error naming $d/nope; saw exit $rc: $(head -c 300 "$d/err")"
fi
head -c 100 "$d/idx" >"$d/trunc"
rc=0
"$INDEX" info "$d/trunc" 2>"$d/err" >/dev/null || rc=$?
if ((rc == 1)) && grep -q "truncated" "$d/err"; then
	t_pass "truncated index refused"
else
	t_fail "truncated index refused" "expected exit 1 and 'truncated', saw exit $rc: $(cat "$d/err")"
fi
printf 'not an index at all, just text padding to be long enough for a header.......' >"$d/junk"
rc=0
"$INDEX" info "$d/junk" 2>"$d/err" >/dev/null || rc=$?
if ((rc == 1)) && grep -q "bad magic" "$d/err"; then
	t_pass "foreign file refused"
else
	t_fail "foreign file refused" "expected exit 1 and 'bad magic', saw exit $rc: $(cat "$d/err")"
fi
# --- compressed modules (Debian 6.12 ships .ko.xz): read like .ko; a compression the index
# cannot read stops it instead of leaving the module out
mkdir -p "$d/xzmods/kernel/drivers/foo"
xz -c "$d/mods/kernel/drivers/foo/fake-mod.ko" >"$d/xzmods/kernel/drivers/foo/fake-mod.ko.xz"
build_mods() { # MODS OUT
	"$INDEX" build --vmlinux "$d/vmlinux" --system-map "$d/System.map" \
		--symvers "$d/Module.symvers" --modules "$1" --release 6.1.0-0-test \
		--config "$d/config-all" -o "$2"
}
t_check "build from a .ko.xz module" build_mods "$d/xzmods" "$d/idx-xz"
expect "module .ko.xz: the same entries as the .ko" \
	"$(q --object fake_mod helper | paste -sd'|')" \
	"$(query_in "$d/idx-xz" --object fake_mod helper | paste -sd'|')"
head -c 100 "$d/xzmods/kernel/drivers/foo/fake-mod.ko.xz" >"$d/xzmods/kernel/drivers/foo/broken.ko.xz"
rc=0
out=$(build_mods "$d/xzmods" "$d/idx-bad" 2>&1) || rc=$?
if ((rc == 1)) && [[ $out == *broken.ko.xz* && ! -e $d/idx-bad ]]; then
	t_pass "a truncated .ko.xz is an error naming it, no index written"
else
	t_fail "a truncated .ko.xz is an error naming it, no index written" "expected exit 1 naming broken.ko.xz, saw exit $rc: $out"
fi
rm -f "$d/xzmods/kernel/drivers/foo/broken.ko.xz"
gzip -c "$d/mods/kernel/drivers/foo/fake-mod.ko" >"$d/xzmods/kernel/drivers/foo/other.ko.gz"
rc=0
out=$(build_mods "$d/xzmods" "$d/idx-gz" 2>&1) || rc=$?
if ((rc == 1)) && [[ $out == *other.ko.gz* && ! -e $d/idx-gz ]]; then
	t_pass "a .ko.gz is refused by name, not skipped"
else
	t_fail "a .ko.gz is refused by name, not skipped" "expected exit 1 naming other.ko.gz, saw exit $rc: $out"
fi

# --- the index format: the tool says which it writes, info and the header agree, and the setup
# stage rebuilds a cached index of another format (a cache shared by two hotpatch versions)
fmt=$("$INDEX" format)
expect "format: info names the tool's format" "format $fmt" "$("$INDEX" info "$d/idx" | grep '^format')"
expect "format: the header carries it" "$fmt" "$(od -An -tu4 -j8 -N4 "$d/idx" | tr -d ' ')"
# symindex_stale's verdicts, "same-format other-format", in a bash of its own (the stage files
# are sourced there, not into this script)
stale_verdicts() { # SCRATCH INDEX FORMAT
	T_TOP=$T_TOP INDEX=$INDEX bash -euo pipefail -c '
		source "$T_TOP/build/common.sh"
		source "$T_TOP/build/symindex.sh"
		HP_TOP=$1/top HP_CACHE=$1/rel
		mkdir -p "$HP_TOP/out/bin" "$HP_CACHE/.done"
		ln -sf "$INDEX" "$HP_TOP/out/bin/hotpatch-index"
		cp "$2" "$HP_CACHE/symindex"
		# a tool built after the index (as after every make) keeps an index of its format
		touch -d "-1 hour" "$HP_CACHE/.done/symindex"
		if symindex_stale; then printf "stale "; else printf "fresh "; fi
		printf "%b" "\\x$(printf "%02x" $(($3 + 1)))" |
			dd of="$HP_CACHE/symindex" bs=1 seek=8 conv=notrunc status=none
		if symindex_stale; then printf "stale"; else printf "fresh"; fi' _ "$@"
}
expect "setup: an index of the tool's format is kept, one of another format is rebuilt" \
	"fresh stale" "$(stale_verdicts "$d/stale" "$d/idx" "$fmt")"

t_done
