#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A patch module built by build/module.sh from REAL differ output, loaded on the target kernel
# under qemu (vm/vmtest.sh).  One module, three objects, two targets
# (tests/kernel/test-kernel-module.sh has the patches):
#   vmlinux      cmdline_proc_show   /proc/cmdline ends with " hotpatched"
#   vmlinux      s_show, sympos N    /proc/kallsyms marks cmdline_proc_show (kernel/kallsyms.c,
#                                    not one of the other s_show; N from System.map)
#   binfmt_misc  bm_status_read      its status file says "enabled hotpatched"; reads the
#                                    module's static `enabled` through a .klp.sym symbol
# The check also wants /sys/kernel/livepatch/<name>/vmlinux/{cmdline_proc_show,1, s_show,N}
# and .../binfmt_misc/bm_status_read,1, and the callbacks of a hooks file (kmod-skel/hotpatch.h:
# HOTPATCH_{PRE,POST}_{PATCH,UNPATCH} for vmlinux and binfmt_misc, a HOTPATCH_SHADOW variable
# attached in post-patch and freed in post-unpatch) to have run.  Boots:
#   1. binfmt_misc loaded before the patch
#   2. binfmt_misc loaded after the patch (livepatch applies the module's klp relocations and
#      patches it when it loads)
#   3. module.sig_enforce=1: the same module unsigned is refused, the check keeps failing
# Each boot: the check fails, load + transition, passes, disable + unload, fails again, clean
# dmesg (the kpatch convention, vm/init.sh).
set -euo pipefail

# shellcheck source=tests/kernel/test-kernel-module.sh
. "$(dirname "$0")/../kernel/test-kernel-module.sh"

NAME=hp_vm_module

write_hooks() {
	cat >"$1" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/printk.h>
#include "hotpatch.h"

struct hp_state {
	int magic;
};
HOTPATCH_SHADOW(hp_state, struct hp_state, 0x68700001UL)

static int anchor;	/* the shadow variable hangs off this address */

static int vm_pre_patch(struct klp_object *obj)
{
	pr_info("hp-hooks: pre_patch vmlinux\n");
	return 0;
}

static void vm_post_patch(struct klp_object *obj)
{
	const struct hp_state init = { .magic = 42 };
	struct hp_state *s = hp_state_get_or_alloc_init(&anchor, GFP_KERNEL, &init);

	pr_info("hp-hooks: post_patch vmlinux shadow=%d\n", s ? s->magic : -1);
}

static void vm_pre_unpatch(struct klp_object *obj)
{
	struct hp_state *s = hp_state_get(&anchor);

	pr_info("hp-hooks: pre_unpatch vmlinux shadow=%d\n", s ? s->magic : -1);
}

static void vm_post_unpatch(struct klp_object *obj)
{
	hp_state_free_all();
	pr_info("hp-hooks: post_unpatch vmlinux shadow=%s\n", hp_state_get(&anchor) ? "left" : "freed");
}

static void mod_post_patch(struct klp_object *obj)
{
	pr_info("hp-hooks: post_patch %s\n", obj->name);
}

static void mod_post_unpatch(struct klp_object *obj)
{
	pr_info("hp-hooks: post_unpatch %s\n", obj->name);
}

HOTPATCH_PRE_PATCH(vmlinux, vm_pre_patch)
HOTPATCH_POST_PATCH(vmlinux, vm_post_patch)
HOTPATCH_PRE_UNPATCH(vmlinux, vm_pre_unpatch)
HOTPATCH_POST_UNPATCH(vmlinux, vm_post_unpatch)
HOTPATCH_POST_PATCH(binfmt_misc, mod_post_patch)
HOTPATCH_POST_UNPATCH(binfmt_misc, mod_post_unpatch)
EOF
}

write_check() {
	cat >"$1" <<EOF
#!/bin/sh
# Passes only when all three functions are patched by $NAME.
p=/sys/kernel/livepatch/$NAME
fail=0
grep -q 'hotpatched' /proc/cmdline || { echo "check: /proc/cmdline is not patched"; fail=1; }
grep -q ' cmdline_proc_show hotpatched\$' /proc/kallsyms ||
	{ echo "check: /proc/kallsyms (s_show of kernel/kallsyms.c) is not patched"; fail=1; }
if grep -q binfmt_misc /proc/filesystems; then
	mkdir -p /tmp/bm
	grep -q ' /tmp/bm ' /proc/mounts || mount -t binfmt_misc none /tmp/bm
	grep -q '^enabled hotpatched\$' /tmp/bm/status ||
		{ echo "check: binfmt_misc status is '\$(cat /tmp/bm/status)'"; fail=1; }
else
	echo "check: binfmt_misc is not loaded"
	fail=1
fi
for f in vmlinux/cmdline_proc_show,1 vmlinux/s_show,$SHOW_POS binfmt_misc/bm_status_read,1; do
	[ -d "\$p/\$f" ] || { echo "check: no \$p/\$f"; fail=1; }
done
# callbacks: one more post-patch than post-unpatch per object while patched
n() { dmesg | grep -c "hp-hooks: \$1"; }
[ "\$(n 'post_patch vmlinux shadow=42')" -gt "\$(n 'post_unpatch vmlinux shadow=freed')" ] ||
	{ echo "check: vmlinux post-patch callback (with shadow variable) has not run"; fail=1; }
[ "\$(n 'post_patch binfmt_misc')" -gt "\$(n 'post_unpatch binfmt_misc')" ] ||
	{ echo "check: binfmt_misc post-patch callback has not run"; fail=1; }
exit \$fail
EOF
	chmod +x "$1"
}

# run_vm NAME ARGS... - one boot; its output in $work/NAME.out, status in $rc.
run_vm() {
	local name=$1
	shift
	rc=0
	"$T_TOP/vm/vmtest.sh" --vmlinuz "$HP_VMLINUZ" --moddir "$HP_MODDIR" --release "$HP_RELEASE" \
		--log "$work/log-$name" --check "$work/check.sh" "$@" >"$work/$name.out" 2>&1 || rc=$?
	sed 's/^/# /' "$work/$name.out"
}

expect_vm() {
	local test=$1 name=$2 line
	for line in 'pre_patch vmlinux' 'pre_unpatch vmlinux shadow=42' \
		'post_unpatch vmlinux shadow=freed' 'post_unpatch binfmt_misc'; do
		if ! grep -q "hp-hooks: $line" "$work/log-$name/console.log"; then
			t_fail "$test" "expected 'hp-hooks: $line' in the guest's dmesg, saw none"
			return
		fi
	done
	if ((rc == 0)) && grep -q '^vmtest: PASS' "$work/$name.out"; then
		t_pass "$test"
	else
		t_fail "$test" "expected every protocol step to match, saw exit $rc: $(grep -E 'not ok|bad|FAIL|error' "$work/$name.out" | head -n 4 | tr '\n' '|')"
	fi
}

t_plan 7
t_setup_kernel
# kernel/kallsyms.c's s_show among the kernel's s_show functions (2 in 6.1.0-N)
SHOW_POS=$(t_kernel_dups s_show | awk '$2 == "kernel/kallsyms.c" { print $1 }')
work=$(t_tmpdir)
tm_prepare "$work"
if ((${#TM_PAIRS[@]} != 6)); then
	t_done
	exit 1
fi
write_hooks "$work/hooks.c"
tm_build "$work/m" "$NAME" --hooks "$work/hooks.c" -- "${TM_PAIRS[@]}"
ko=$work/m/$NAME.ko
if ((rc != 0)); then
	t_fail "module_build $NAME" "exit $rc: $(tail -n 5 "$work/m/build.log" | tr '\n' ' ')"
	t_done
	exit 1
fi
t_pass "module_build $NAME from 3 differ outputs"
write_check "$work/check.sh"

run_vm target-before --load-target-before binfmt_misc --module "$ko"
expect_vm "loads, patches vmlinux (cmdline_proc_show, s_show,$SHOW_POS) and loaded binfmt_misc, unloads" target-before

run_vm target-after --load-target-after binfmt_misc --module "$ko"
expect_vm "binfmt_misc loaded after the patch is patched when it loads; unloads cleanly" target-after

mkdir -p "$work/unsigned"
sign_split "$ko" "$work/sig.der" "$work/unsigned/$NAME.ko"
run_vm sig-enforce --boot pvh --append module.sig_enforce=1 --expect-load-fail --load-target-before binfmt_misc \
	--module "$work/unsigned/$NAME.ko"
if sign_has_signature "$work/unsigned/$NAME.ko"; then
	t_fail "module.sig_enforce=1 refuses the unsigned module; the check keeps failing" \
		"expected the copy without its signature to carry none, saw one"
elif ((rc == 0)) && grep -qE 'load:'"$NAME"'.*got fail' "$work/sig-enforce.out" &&
	grep -q 'Loading of unsigned module is rejected' "$work/log-sig-enforce/console.log"; then
	t_pass "module.sig_enforce=1 refuses the unsigned module; the check keeps failing"
else
	t_fail "module.sig_enforce=1 refuses the unsigned module; the check keeps failing" \
		"exit $rc: $(grep -E "load:|after|FAIL" "$work/sig-enforce.out" | head -n 3 | tr '\n' '|') $(grep -m1 'Loading of' "$work/log-sig-enforce/console.log")"
fi
t_done
