#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hotpatch-triage's candidates stage (build/triage-candidates.sh), against what the per-file
# implementation it replaced wrote (one bash loop with an awk per header and a process per id,
# ~5 s CPU on the full update; the digests below were recorded from it):
# - the full update 6.1.190-1 -> 6.1.192-1 on 6.1.0-54-amd64: candidates.tsv and skipped.tsv
#   byte for byte (1,214 candidates, 695 files skipped), and the 46 the per-file implementation
#   skipped as "not built" because the compile database spells them with ".."
#   (drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_crat.c, arch/x86/kvm/../../../virt/kvm/kvm_main.c)
#   are candidates;
# - a small update made here that reaches every rule: ids longer than 55 characters (cksum)
#   and one starting with a digit, a .c built twice (its first line counts), layout headers
#   (several structs in one, an anonymous one, nested bodies, a function body that is not a
#   layout, an empty "before" file), visibility (include/, next to a built .c, another
#   architecture's), and every skip reason;
# - --shard: each shard keeps the input order, and the shards are the cksum hash of each id,
#   computed here one id at a time;
# - the plan kept with the update (UPDATE/plan-KEY.*): a second run takes it from there, and
#   marks it used; what other versions kept there (plan-KEY.*, api-KEY.*) and what killed
#   writers left (.tmp.api.*, plan-KEY.*.tsv.PID), unused for 8 days (touch -d), is removed by
#   the next run that writes a plan, but the plan in use and a running writer's temporary.
# The full update is planned in a directory of this test's (links to the update's files), so
# that its plan is computed here, not taken from one an earlier run kept.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_plan 12
rel=6.1.0-54-amd64
env=$("$T_TOP/hotpatch-build.sh" --setup --print-env -k "$rel" 2>/dev/null) ||
	t_bail "kernel cache setup of $rel: expected hotpatch-build.sh --setup -k $rel --print-env to succeed"
eval "$env"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/target.sh
. "$T_TOP/build/target.sh"
# shellcheck source=build/compiledb.sh
. "$T_TOP/build/compiledb.sh"
# shellcheck source=build/triage-input.sh
. "$T_TOP/build/triage-input.sh"
# shellcheck source=build/triage-candidates.sh
. "$T_TOP/build/triage-candidates.sh"
HP_STAGE='test'
HP_CACHE_ROOT=${HOTPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotpatch}
tmp=$(t_tmpdir)

# digest FILE - its sha256
digest() {
	sha256sum <"$1" | cut -d' ' -f1
}

real=$(triage_fetch_update 6.1.190-1 6.1.192-1) || t_bail "the update 6.1.190-1 -> 6.1.192-1 could not be fetched"
upd=$tmp/update
mkdir -p "$upd" "$tmp/full"
for f in files from to diffs; do
	ln -s "$real/$f" "$upd/$f"
done
triage_candidates "$upd" "$tmp/full"
t_check "full update: candidates.tsv as recorded (1,214 lines)" \
	test "$(digest "$tmp/full/candidates.tsv")" = 21ec973c5eb706541936d69fe402891c9fdcc99d484b9a4321afac60d0ffa5ba
t_check "full update: skipped.tsv as recorded (695 lines)" \
	test "$(digest "$tmp/full/skipped.tsv")" = 075e4f912d9803c83b69e1851719fb319f7ef0e8d64b02ca72fa3753fc33ba1b
kept=$(find "$upd" -maxdepth 1 -name 'plan-*.candidates.tsv')
mkdir -p "$tmp/again"
[[ -n $kept ]] && printf 'marker\tc\tkept/plan.c\tkept/plan.o\tvmlinux\t-\n' >>"$kept"
triage_candidates "$upd" "$tmp/again"
t_check "the plan is kept with the update: a second run takes it from there" \
	test "$(tail -n 1 "$tmp/again/candidates.tsv")" = $'marker\tc\tkept/plan.c\tkept/plan.o\tvmlinux\t-'
t_check "and its skipped.tsv" cmp -s "$tmp/full/skipped.tsv" "$tmp/again/skipped.tsv"

# aged files in the update: a reader refreshes its own plan and prunes nothing; a writer prunes
skept=${kept%.candidates.tsv}.skipped.tsv
stale=(plan-0123456789abcdef.candidates.tsv plan-0123456789abcdef.skipped.tsv api-0123456789abcdef.decls
	api-0123456789abcdef.uses .tmp.api.Dead01 "${kept##*/}.4242")
for f in "${stale[@]}"; do
	: >"$upd/$f"
done
touch -d '10 days ago' "${stale[@]/#/$upd/}" "$kept" "$skept"
: >"$upd/.tmp.api.Live01"
# present - the old files still in the update
present() {
	local f
	for f in "${stale[@]}"; do
		[[ ! -e $upd/$f ]] || printf '%s ' "$f"
	done
}
mkdir -p "$tmp/again2" "$tmp/other"
triage_candidates "$upd" "$tmp/again2"
fresh=$(find "$kept" "$skept" -mmin -1440 | wc -l)
left=$(present | wc -w)
t_check "a run that takes the plan marks it used (2 files refreshed: $fresh) and removes nothing (${#stale[@]} old files: $left)" \
	test "$fresh" = 2 -a "$left" = "${#stale[@]}"
# another plan of the same update (the key hashes the release's name too): written, it prunes
HP_RELEASE=$rel-other triage_candidates "$upd" "$tmp/other"
left=$(present)
t_check "a run that writes a plan removes what nobody used for 8 days (left: ${left:-none})" test -z "$left"
plans=$(find "$upd" -maxdepth 1 -name 'plan-*.tsv' | wc -l)
t_check "and keeps the plan in use, the new one ($plans plan files), a running writer's temporary and the update" \
	test -f "$kept" -a -f "$skept" -a "$plans" = 4 -a -f "$upd/.tmp.api.Live01" -a -e "$upd/files" -a -e "$upd/diffs"
t_check "full update: amdkfd's kfd_crat.c, built as amdgpu/../amdkfd/kfd_crat.o, is a candidate" \
	grep -qxF "drivers_gpu_drm_amd_amdkfd_kfd_crat_c	c	drivers/gpu/drm/amd/amdkfd/kfd_crat.c	drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_crat.o	amdgpu	-" "$tmp/full/candidates.tsv"

# a small update of every kind of file, and a compile database of its own
u=$tmp/u
c=$tmp/c
mkdir -p "$u/from" "$u/to" "$u/diffs" "$c"
long=drivers/a_very_long_directory_name_for_testing/and_another_level_of_nesting/file_with_long_name.c
long2=9p/another_extremely_long_directory_name_that_goes/on_and_on_and_on_until/x.c
printf '%s\t%s\t%s\t%s\n' \
	"$long" "$long.o" vmlinux "gcc -c" \
	"$long2" "${long2%.c}.o" 9pnet "gcc -c" \
	net/core/dev.c net/core/dev.o vmlinux "gcc -c" \
	net/core/dev.c net/core/dev2.o other "gcc -c" \
	fs/ext4/inode.c fs/ext4/inode.o ext4 "gcc -c" \
	drivers/net/wireless/foo/main.c drivers/net/wireless/foo/main.o foo "gcc -c" >"$c/compiledb"
printf '%s\tmodified\tfix a\n%s\tmodified\tfix b | fix c\n' "$long" "$long2" >"$u/files"
printf '%s\n' net/core/dev.c$'\t'modified$'\t'- fs/ext4/inode.c$'\t'added$'\t'- fs/ext4/gone.c$'\t'removed$'\t'- \
	fs/xfs/xfs.c include/linux/two.h include/linux/comment.h include/linux/empty.h fs/ext4/ext4.h \
	drivers/net/wireless/foo/sub/regs.h drivers/net/wireless/bar/bar.h arch/arm/include/asm/x.h \
	arch/arm/mach/y.h arch/x86/kernel/z.h arch/x86/lib/copy.S Documentation/foo.rst MAINTAINERS \
	README fs/Kconfig net/Makefile arch/x86/configs/x86_64_defconfig scripts/foo.py fs/ext4/notes.txt |
	sed '/\t/!s/$/\tmodified\t-/' >>"$u/files"
for d in include/linux fs/ext4 drivers/net/wireless/foo/sub; do
	mkdir -p "$u/from/$d" "$u/to/$d" "$u/diffs/$d"
done
cat >"$u/from/include/linux/two.h" <<'H'
struct zeta {
	int a;
};
/* a comment { } */
typedef struct {
	long x;
} alpha_t;
union beta { int i; };
struct mid
{
	int m;
	struct {
		int in;
	} nested;
};
static inline int f(void) { return 0; }
H
sed -e 's/int a;/int a;\n\tint b;/' -e 's/long x;/long x, y;/' -e 's/int in;/int in, out;/' -e 's/return 0/return 1/' \
	"$u/from/include/linux/two.h" >"$u/to/include/linux/two.h"
cp "$u/from/include/linux/two.h" "$u/from/fs/ext4/ext4.h"
sed -e 's/return 0/return 1/' "$u/from/fs/ext4/ext4.h" >"$u/to/fs/ext4/ext4.h"
printf 'struct c {\n\tint a; /* old */\n};\n' >"$u/from/include/linux/comment.h"
printf 'struct c {\n\tint a; /* new */\n\t/* more */\n};\n' >"$u/to/include/linux/comment.h"
: >"$u/from/include/linux/empty.h"
printf 'struct e {\n\tint a;\n};\n' >"$u/to/include/linux/empty.h"
printf 'struct r {\n\tint a;\n};\n' >"$u/from/drivers/net/wireless/foo/sub/regs.h"
printf 'struct r {\n\tint a;\n\tint b;\n};\n' >"$u/to/drivers/net/wireless/foo/sub/regs.h"
for h in include/linux/two.h include/linux/comment.h include/linux/empty.h fs/ext4/ext4.h drivers/net/wireless/foo/sub/regs.h; do
	(cd "$u" && diff -u "from/$h" "to/$h" >"diffs/$h.diff") || true
done
mkdir -p "$tmp/small"
HP_CACHE=$c triage_candidates "$u" "$tmp/small"
t_check "small update: candidates.tsv as before (long ids, layouts)" \
	test "$(digest "$tmp/small/candidates.tsv")" = e9860fdd9b7a0c563b91fc297e57edb9f42fed5df5168ee0fe4cad28b4a5e718
t_check "small update: skipped.tsv as before (every reason)" \
	test "$(digest "$tmp/small/skipped.tsv")" = 6fdda67a821aae792739586f53e9bae3b8c7592ee9bb958fa24ed853462b84b1

# shard K of 3, one cksum per id
declare -A want=()
while IFS= read -r line; do
	h=$(printf '%s' "${line%%$'\t'*}" | cksum | cut -d' ' -f1)
	want[$((h % 3 + 1))]+=$line$'\n'
done <"$tmp/full/candidates.tsv"
bad=''
for k in 1 2 3; do
	[[ $(triage_shard "$k" 3 <"$tmp/full/candidates.tsv")$'\n' == "${want[$k]}" ]] || bad+=" $k/3"
done
t_check "--shard K/3 of the full update: the ids hashing to K-1, in order${bad:+ (wrong:$bad)}" test -z "$bad"
t_check "--shard of no candidates: none" test -z "$(triage_shard 1 2 </dev/null)"
t_done
