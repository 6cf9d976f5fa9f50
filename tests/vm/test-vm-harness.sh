#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm/vmtest.sh, the qemu check harness, on the real target kernel.
#
# Needs the kernel cache (hotpatch-build.sh --setup) and qemu.  Five boots:
#   1. the kernel's samples/livepatch/livepatch-sample.c, check "/proc/cmdline is
#      patched": every step must pass (exact bzImage boot, KASLR on)
#   2. a check that already passes before loading, plus a module that WARN()s:
#      the harness must fail on the check steps and on dmesg; a module needing
#      jbd2.ko, sctp (whose libcrc32c has a soft dependency on crc32c) and a target
#      module loaded after the patch (--load-target-after) must still load
#   3. a module with an unknown symbol: insmod fails, the harness must fail; its check
#      cannot run (exit 127): an error, never the expected failure
#   4. module.sig_enforce=1 and the unsigned sample: --expect-load-fail passes
#      (the Debian-signed target module loaded first must still load)
#   5. a 3-second qemu limit: the unfinished guest must fail the run
# Boots 2-5 use --boot pvh (same kernel, no in-guest decompression: half the time).
# Plus checks without a boot: usage errors, the initramfs contents and module deps.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

vmtest=$T_TOP/vm/vmtest.sh
t_plan 60
t_setup_kernel

work=$(t_tmpdir)
t_boots=()

# run_vmtest NAME ARGS...: run the harness; its output in $work/NAME.out, status in $rc
run_vmtest() {
	local name=$1 t0 t1
	shift
	rc=0
	t0=$(date +%s.%N)
	"$vmtest" --vmlinuz "$HP_VMLINUZ" --moddir "$HP_MODDIR" --release "$HP_RELEASE" \
		--log "$work/log-$name" "$@" >"$work/$name.out" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	t_boots+=("$name $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s")
	sed 's/^/# /' "$work/$name.out"
}

# expect_line NAME FILE REGEX: pass when FILE has a line matching REGEX
expect_line() {
	if grep -qE -- "$3" "$2"; then
		t_pass "$1"
	else
		t_fail "$1" "expected a line matching '$3' in $2, saw: $(tail -n 4 "$2" | tr '\n' '|')"
	fi
}

# expect_rc NAME WANT: compare the last run's status with WANT
expect_rc() {
	if [[ $rc == "$2" ]]; then
		t_pass "$1"
	else
		t_fail "$1" "expected exit status $2, saw $rc"
	fi
}

# --- Fixtures: the kernel's livepatch sample and a module that cannot load. ---
mkdir -p "$work/mod"
cp "$HP_SRC/samples/livepatch/livepatch-sample.c" "$T_TOP/tests/vm/fixtures/unknown-symbol.c" \
	"$T_TOP/tests/vm/fixtures/warn-on-load.c" "$T_TOP/tests/vm/fixtures/needs-jbd2.c" "$work/mod/"
echo 'obj-m := livepatch-sample.o unknown-symbol.o warn-on-load.o needs-jbd2.o' >"$work/mod/Kbuild"
t_check "build livepatch-sample and the fixture modules against $HP_RELEASE headers" \
	make -C "$HP_KDIR" M="$work/mod" CC=gcc-12 KBUILD_MODPOST_WARN=1 modules
sample=$work/mod/livepatch-sample.ko
bad=$work/mod/unknown-symbol.ko
warn=$work/mod/warn-on-load.ko
needs=$work/mod/needs-jbd2.ko

cat >"$work/check-cmdline" <<'EOF'
#!/bin/sh
# Passes while livepatch-sample is enabled: it replaces cmdline_proc_show().
grep -q 'this has been live patched' /proc/cmdline
EOF
cat >"$work/check-always" <<'EOF'
#!/bin/sh
# Passes with or without the patch: a check that cannot tell.
test -r /proc/cmdline
EOF
cat >"$work/check-cannot-run" <<'EOF'
#!/bin/sh
# Fails the way a check that could not do its job does: a command the guest does not have
# (exit 127), which must not pass for "the check fails".
no-such-command-in-the-guest /proc/cmdline
EOF
cat >"$work/check-crash" <<'EOF'
#!/bin/sh
# Crashes the guest the way a broken patch can: a kernel panic in the middle of the protocol.
echo 1 >/proc/sys/kernel/sysrq
echo c >/proc/sysrq-trigger
EOF

# --- Without a boot. ---
run_vmtest usage --module "$sample"
expect_rc "missing --check is a usage error" 2

run_vmtest unknown-target --module "$sample" --check "$work/check-cmdline" \
	--load-target-before no_such_module_hp
expect_rc "unknown target module is a setup error" 2
expect_line "unknown target module is named" "$work/unknown-target.out" \
	"no_such_module_hp.*not in .*modules.dep"

# Sourced (as hotpatch-build.sh does), vmtest_run returns its status.
out=$(bash -c '. "$1"; rc=0; vmtest_run --no-such-option 2>"$2" || rc=$?; echo "returned $rc"' _ "$vmtest" "$work/sourced.err")
if [[ $out == "returned 2" ]] && grep -qF "unknown argument '--no-such-option'" "$work/sourced.err"; then
	t_pass "sourced vmtest_run returns 2 on a usage error, naming the argument"
else
	t_fail "sourced vmtest_run returns 2 on a usage error" "expected 'returned 2' and \"unknown argument '--no-such-option'\", saw '$out': $(head -c 200 "$work/sourced.err")"
fi

# The host judges the guest's report against its own plan, whatever verdict the guest claims:
# a console log written here stands for a guest that expects the wrong thing, reports a step
# nobody planned, calls a check that could not run ok and never reports the rest.
cat >"$work/fake-console.log" <<'EOF'
HPVM: step=boot expect=ok got=ok verdict=ok
HPVM: step=before expect=pass got=pass verdict=ok
HPVM: step=dep:jbd2 expect=ok got=ok verdict=ok
HPVM: step=load:livepatch_sample expect=ok got=ok verdict=ok
HPVM: step=enable:livepatch_sample expect=ok got=ok verdict=ok
HPVM: step=bogus expect=ok got=ok verdict=ok
HPVM: step=patched expect=pass got=error verdict=ok detail=exit status 127
HPVM: done failed=0
EOF
rc=0
bash -c '. "$1"; VMT_BEFORE=() VMT_AFTER=() VMT_CHECK=/check VMT_MODE=normal
	VMT_NAMES=(livepatch_sample:1); vmtest_report "$2"' _ "$vmtest" "$work/fake-console.log" \
	>"$work/fake.out" 2>&1 || rc=$?
expect_rc "host judging: a report with wrong steps fails" 1
expect_line "host judging: the guest's expectation is checked against the plan" "$work/fake.out" \
	"^vmtest:   FAIL +before +the guest expected pass, the host planned fail"
expect_line "host judging: a step the host did not plan fails" "$work/fake.out" \
	"^vmtest:   FAIL +bogus +got ok, but the host planned no such step"
expect_line "host judging: a check that could not run is not a pass, whatever the verdict" "$work/fake.out" \
	"^vmtest:   FAIL +patched +got error, expected pass"
expect_line "host judging: planned steps never reported are missing" "$work/fake.out" \
	"^vmtest:   MISS +unload:livepatch_sample "

# A target module with dependencies (a filesystem: no hardware needed; ext4 in
# 6.1.0-N): it and its dependencies ship with their modules.dep lines.
target=$(awk -F': ' '$1 ~ /^kernel\/fs\// && NF == 2 && split($2, d, " ") >= 2 { print $1; exit }' \
	"$HP_MODDIR/modules.dep")
target_name=${target##*/} target_name=${target_name%%.ko*}
run_vmtest initramfs --module "$sample" --module "$needs" --check "$work/check-cmdline" --no-boot \
	--load-target-after "$target_name"
expect_rc "--no-boot builds the initramfs" 0
mkdir -p "$work/initrd"
(cd "$work/initrd" && gzip -dc "$work/log-initramfs/initrd.gz" | cpio -id --quiet)
want=$(grep -m1 "^$target:" "$HP_MODDIR/modules.dep")
missing=
for f in $target ${want#*:}; do
	[[ -f $work/initrd/lib/modules/$HP_RELEASE/$f ]] || missing+=" $f"
done
if [[ -z $missing ]]; then
	t_pass "initramfs carries $target_name and its $(wc -w <<<"${want#*:}") dependencies"
else
	t_fail "initramfs carries $target_name and its dependencies" "expected them under lib/modules/$HP_RELEASE, missing:$missing"
fi
expect_line "initramfs modules.dep has the target's line" \
	"$work/initrd/lib/modules/$HP_RELEASE/modules.dep" "^$target: "
expect_line "initramfs has the patch module and the check" "$work/initrd/hpvm/modules.list" \
	"livepatch-sample.ko livepatch_sample 1"
expect_line "initramfs lists the patch module's dependency" "$work/initrd/hpvm/modules.list" \
	"needs-jbd2.ko needs_jbd2 0 jbd2$"
expect_line "initramfs carries that dependency" "$work/initrd/lib/modules/$HP_RELEASE/modules.dep" \
	"^kernel/fs/jbd2/jbd2.ko:"
expect_line "plan loads the target after enabling the patch" "$work/initramfs.out" \
	"plan: boot before load:livepatch_sample enable:livepatch_sample load:needs_jbd2 target-after:${target_name//-/_} patched "

# Soft dependencies: sctp needs libcrc32c (modules.dep), whose init asks the crypto API for
# "crc32c", which modules.softdep names ("softdep libcrc32c pre: crc32c") and modules.alias
# resolves to crc32c_generic (and crc32c_intel). The closure ships them, loads them first and
# gives the guest a modprobe for the kernel's request_module() with the aliases it needs.
run_vmtest softdep --check "$work/check-cmdline" --no-boot --load-target-before sctp
expect_rc "--no-boot with sctp builds the initramfs" 0
rm -rf "$work/initrd-sd" && mkdir -p "$work/initrd-sd"
(cd "$work/initrd-sd" && gzip -dc "$work/log-softdep/initrd.gz" | cpio -id --quiet)
expect_line "sctp: initramfs carries crc32c_generic (libcrc32c's soft dependency, by alias)" \
	"$work/initrd-sd/lib/modules/$HP_RELEASE/modules.dep" "^kernel/crypto/crc32c_generic.ko:"
expect_line "sctp: load order has crc32c (optional) before libcrc32c before sctp" \
	"$work/initrd-sd/hpvm/load.list" "^sctp (.* )?\\?crc32c_generic( .*)? libcrc32c( .*)? sctp$"
expect_line "sctp: initramfs modules.alias resolves crc32c" \
	"$work/initrd-sd/lib/modules/$HP_RELEASE/modules.alias" "^alias crc32c crc32c_generic$"
if [[ -L $work/initrd-sd/sbin/modprobe ]]; then
	t_pass "sctp: /sbin/modprobe (the kernel's modprobe_path) is in the initramfs"
else
	t_fail "sctp: /sbin/modprobe in the initramfs" "expected a symlink to busybox, saw: $(find "$work/initrd-sd/sbin" -printf "%p -> %l " 2>&1)"
fi
# A "post:" soft dependency is loaded after its module (the first such line of this release).
read -r post_mod post_dep < <(awk '$1 == "softdep" && $3 == "post:" { print $2, $4; exit }' \
	"$HP_MODDIR/modules.softdep")
run_vmtest softdep-post --check "$work/check-cmdline" --no-boot --extra-module "$post_mod"
rm -rf "$work/initrd-sp" && mkdir -p "$work/initrd-sp"
(cd "$work/initrd-sp" && gzip -dc "$work/log-softdep-post/initrd.gz" | cpio -id --quiet)
expect_line "$post_mod: its post: soft dependency $post_dep is loaded after it" \
	"$work/initrd-sp/hpvm/load.list" "^${post_mod//-/_} (.* )?${post_mod//-/_} \\?${post_dep//-/_}( |$)"

run_vmtest plan-no-unload --module "$sample" --check "$work/check-cmdline" --no-boot --no-unload
expect_line "--no-unload stops after the patched check" "$work/plan-no-unload.out" \
	"plan: boot before load:livepatch_sample enable:livepatch_sample patched dmesg $"

# --- Boot 1: the sample passes the whole protocol. ---
run_vmtest sample --module "$sample" --check "$work/check-cmdline" --boot bzimage
expect_rc "livepatch-sample passes the protocol" 0
for step in before load:livepatch_sample enable:livepatch_sample patched \
	disable:livepatch_sample unload:livepatch_sample after dmesg; do
	expect_line "sample: step $step ok" "$work/sample.out" "^vmtest:   ok +$step "
done
expect_line "sample: report names the guest log" "$work/sample.out" \
	"PASS: .* log $work/log-sample/console.log"
expect_line "sample: guest log holds the kernel's own account" "$work/log-sample/console.log" \
	"livepatch: 'livepatch_sample': unpatching complete"

# --- Boot 2: a check that passes before loading, and a WARNING, must fail the run. ---
run_vmtest passes-early --module "$sample" --module "$warn" --module "$needs" \
	--check "$work/check-always" --boot pvh --load-target-before sctp \
	--load-target-after "$target_name"
expect_rc "check passing before load fails the run" 1
expect_line "passes-early: step before reported" "$work/passes-early.out" \
	"^vmtest:   FAIL +before +got pass, expected fail"
expect_line "passes-early: step after reported" "$work/passes-early.out" \
	"^vmtest:   FAIL +after +got pass, expected fail"
expect_line "passes-early: the other steps still ran" "$work/passes-early.out" \
	"^vmtest:   ok +unload:warn_on_load "
expect_line "passes-early: dependency of a module loaded by modprobe" "$work/passes-early.out" \
	"^vmtest:   ok +dep:jbd2 "
expect_line "passes-early: module with a dependency loaded" "$work/passes-early.out" \
	"^vmtest:   ok +load:needs_jbd2 "
expect_line "passes-early: target module $target_name loaded by modprobe" "$work/passes-early.out" \
	"^vmtest:   ok +target-after:${target_name//-/_} "
expect_line "passes-early: sctp loads with its soft dependencies (libcrc32c needs crc32c)" \
	"$work/passes-early.out" "^vmtest:   ok +target-before:sctp "
expect_line "passes-early: WARNING in dmesg reported" "$work/passes-early.out" \
	"^vmtest:   FAIL +dmesg +got dirty, expected clean: .*WARNING: .*warn_on_load"
expect_line "passes-early: the taint the WARNING set (W, 512) reported" "$work/passes-early.out" \
	"^vmtest:   FAIL +dmesg .*taint [0-9]+ -> [0-9]+: flags 512 set"

# --- Boot 3: a module that does not load must fail the run. ---
run_vmtest no-load --module "$bad" --check "$work/check-cannot-run" --boot pvh
expect_rc "module that does not load fails the run" 1
expect_line "no-load: insmod failure reported" "$work/no-load.out" \
	"^vmtest:   FAIL +load:unknown_symbol +got fail, expected ok"
expect_line "no-load: later steps not run" "$work/no-load.out" "^vmtest:   SKIP +patched "
expect_line "no-load: a check that cannot run (exit 127) is an error, not the expected failure" \
	"$work/no-load.out" "^vmtest:   FAIL +before +got error, expected fail: exit status 127"
expect_line "no-load: kernel names the symbol" "$work/log-no-load/console.log" \
	"Unknown symbol hotpatch_test_no_such_symbol"

# --- Boot 3b: a guest that crashes: the report shows the crash from its first line. ---
run_vmtest crash --module "$sample" --check "$work/check-crash" --boot pvh
expect_rc "a guest kernel panic fails the run" 1
expect_line "crash: the report starts at the panic's first line (not the register tail)" \
	"$work/crash.out" "^vmtest:   \| .*Kernel panic - not syncing: sysrq triggered crash"
expect_line "crash: the report carries the call trace" "$work/crash.out" \
	"^vmtest:   \| .*sysrq_handle_crash"

# --- Boot 4: module.sig_enforce=1 rejects the unsigned module. ---
run_vmtest sig-enforce --module "$sample" --check "$work/check-cmdline" --boot pvh \
	--append module.sig_enforce=1 --expect-load-fail --load-target-before "$target_name"
expect_rc "sig_enforce: unsigned module refused (--expect-load-fail)" 0
expect_line "sig_enforce: load step failed as expected" "$work/sig-enforce.out" \
	"^vmtest:   ok +load:livepatch_sample +got fail \(expected fail\)"
expect_line "sig_enforce: signed target module $target_name still loads" "$work/sig-enforce.out" \
	"^vmtest:   ok +target-before:${target_name//-/_} "
expect_line "sig_enforce: kernel says why" "$work/log-sig-enforce/console.log" \
	"Loading of unsigned module is rejected"

# --- Boot 5: a guest that does not finish in time fails the run. ---
run_vmtest timeout --module "$sample" --check "$work/check-cmdline" --boot pvh --timeout 3
expect_rc "qemu time limit fails the run" 1
expect_line "timeout: reported" "$work/timeout.out" "qemu killed after 3s"
expect_line "timeout: unfinished protocol reported" "$work/timeout.out" \
	"guest did not finish the protocol"

echo "# harness wall time per run: ${t_boots[*]}"
if ((T_FAILED > 0)); then
	# $work goes away on exit: keep the guest logs of a failing run.
	keep=${HP_TEST_LOGDIR:-$T_TOP/out/test-logs}/vm-harness
	rm -rf "$keep" && mkdir -p "$keep"
	for d in "$work"/log-*; do
		[[ -f $d/console.log ]] && cp "$d/console.log" "$keep/${d##*/log-}.console.log"
	done
	echo "# guest console logs kept in $keep"
fi
t_done
