#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VM soak of live patches: in ONE boot of the target kernel, each patch module is loaded
# (which enables it), its transition awaited, the patch checked, disabled, its transition
# awaited, the module removed and the patch checked gone -- SOAK_CYCLES times per module --
# while SOAK_WORKERS background processes keep calling the patched function
# (cmdline_proc_show, through `cat /proc/cmdline`) and check every answer is either the
# original or a patched one.  Passes only if every step of every cycle completes, no worker
# saw a wrong answer or an error, and the kernel shows no trouble (vm/guest.sh's
# kernel_trouble: no oops, BUG, WARNING, general protection fault, RCU stall, failed livepatch
# operation or unexplained taint).
#
# Modules: the kernel's samples/livepatch/livepatch-sample.c built against the target
# headers; plus, when the differ and the module builder work (set SOAK_DIFFER=0 to skip),
# a module built from real hotpatch-diff output of a fs/proc/cmdline.c patch
# (tests/kernel/test-kernel-module.sh's tm_differ + build/module.sh's module_build).
#
# Needs the kernel cache and qemu.  SOAK_CYCLES (default 10; `make soak` runs 50),
# SOAK_WORKERS (default 4), SOAK_TRANSITION_TIMEOUT (seconds, default 60), SOAK_LOG=DIR keeps
# the console log and initramfs.  The guest is driven directly (vm/vmtest.sh runs a fixed
# one-shot protocol); the kernel image and accelerator come from vmtest.sh's helpers.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=vm/vmtest.sh
. "$T_TOP/vm/vmtest.sh"

CYCLES=${SOAK_CYCLES:-10}
WORKERS=${SOAK_WORKERS:-4}
TTIMEOUT=${SOAK_TRANSITION_TIMEOUT:-60}
if ! [[ $CYCLES =~ ^[1-9][0-9]*$ && $WORKERS =~ ^[1-9][0-9]*$ && $TTIMEOUT =~ ^[1-9][0-9]*$ ]]; then
	t_bail "soak parameters: expected positive SOAK_CYCLES, SOAK_WORKERS, SOAK_TRANSITION_TIMEOUT, saw '$CYCLES' '$WORKERS' '$TTIMEOUT'"
fi
# builds, the boot, cycles per module, workers, dmesg: the sample module always, the differ's
# module unless SOAK_DIFFER=0
if [[ ${SOAK_DIFFER:-1} == 1 ]]; then
	t_plan 7
else
	t_plan 5
	t_left_out "the patch module from hotpatch-diff output (SOAK_DIFFER=${SOAK_DIFFER})"
fi

t_setup_kernel
sw=$(t_tmpdir)
if [[ -n ${SOAK_LOG:-} ]]; then
	mkdir -p "$SOAK_LOG"
	logdir=$(cd "$SOAK_LOG" && pwd)
else
	logdir=$sw/log
	mkdir -p "$logdir"
fi

# --- Modules: name, file, the text /proc/cmdline shows while patched. ---
mods=()
mkdir -p "$sw/mod"
cp "$HP_SRC/samples/livepatch/livepatch-sample.c" "$sw/mod/"
echo 'obj-m := livepatch-sample.o' >"$sw/mod/Kbuild"
if make -C "$HP_KDIR" M="$sw/mod" CC=gcc-12 modules >"$sw/mod/build.log" 2>&1; then
	t_pass "build livepatch-sample.ko against the $HP_RELEASE headers"
	mods+=("livepatch_sample $sw/mod/livepatch-sample.ko this has been live patched")
else
	t_fail "build livepatch-sample.ko against the $HP_RELEASE headers" \
		"expected kbuild to succeed, saw: $(tail -n 3 "$sw/mod/build.log" | tr '\n' ' ')"
fi

# A module from real differ output: the pipeline is expected to work, so its failure fails.
if [[ ${SOAK_DIFFER:-1} == 1 ]]; then
	if [[ -x $T_TOP/out/bin/hotpatch-diff && -x $T_TOP/out/bin/hotpatch-mkmod && -n ${HP_INDEX:-} ]] &&
		(
			# shellcheck source=tests/kernel/test-kernel-module.sh
			. "$T_TOP/tests/kernel/test-kernel-module.sh"
			tm_write_patches "$sw" &&
				tm_differ "$sw/cmdline.patch" fs/proc/cmdline.o vmlinux "$sw/cmdline" &&
				module_build --name hp_soak_cmdline --out "$sw/kmod" \
					"$sw/cmdline/out.o" "$sw/cmdline/facts.json"
		) >"$sw/differ-module.log" 2>&1 && [[ -s $sw/kmod/hp_soak_cmdline.ko ]]; then
		t_pass "build a patch module from hotpatch-diff output (fs/proc/cmdline.c)"
		mods+=("hp_soak_cmdline $sw/kmod/hp_soak_cmdline.ko hotpatched")
	else
		t_fail "build a patch module from hotpatch-diff output (fs/proc/cmdline.c)" \
			"expected a module, saw: $(tail -n 2 "$sw/differ-module.log" 2>/dev/null | tr '\n' ' ')"
	fi
fi
if ((${#mods[@]} == 0)); then
	t_bail "soak: expected at least one patch module, saw none built"
fi

# --- The guest: busybox initramfs whose /init runs the soak and powers off. ---
root=$sw/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,soak,hpvm}
cp "$VMTEST_DIR/guest.sh" "$root/hpvm/guest.sh"
busybox=${HPVM_BUSYBOX:-/bin/busybox}
if [[ ! -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
	t_bail "soak: expected a static busybox at $busybox (install busybox-static), saw none"
fi
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
: >"$root/soak/list"
for m in "${mods[@]}"; do
	read -r name file marker <<<"$m"
	cp "$file" "$root/soak/$name.ko"
	printf '%s %s\n' "$name" "$marker" >>"$root/soak/list"
done
printf 'CYCLES=%d\nWORKERS=%d\nTTIMEOUT=%d\n' "$CYCLES" "$WORKERS" "$TTIMEOUT" >"$root/soak/conf"
cat >"$root/init" <<'INIT'
#!/bin/sh
# Soak /init (busybox sh, PID 1).  Console lines for the host:
#   SOAK: cycle patch=P n=N result=ok|bad [step=S detail=D] ms=T
#   SOAK: workers reads=R bad=B     SOAK: dmesg clean|dirty [lines]     SOAK: done
PATH=/bin
export PATH
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s /bin
exec </dev/console >/dev/console 2>&1
. /soak/conf

now_ms() { read -r up _ </proc/uptime; echo $(( ${up%.*} * 1000 + 1${up#*.}0 - 1000 )); }

# livepatch_wait, livepatch_state, kernel_trouble: vm/guest.sh, shared with
# vm/init.sh
. /hpvm/guest.sh
taint0=$(cat /proc/sys/kernel/tainted)

orig=$(cat /proc/cmdline)
markers=$(cut -d' ' -f2- /soak/list)

# worker N: call cmdline_proc_show until /tmp/stop; every answer must be the original
# command line or carry one of the patches' markers
worker() {
	n=0 bad=0
	while [ ! -e /tmp/stop ]; do
		if out=$(cat /proc/cmdline); then
			ok=0
			[ "$out" = "$orig" ] && ok=1
			echo "$markers" | while read -r mk; do
				case $out in *"$mk"*) exit 1 ;; esac
			done || ok=1
			[ "$ok" = 1 ] || { bad=$((bad + 1)); echo "SOAK: worker $1 saw '$out'"; }
		else
			bad=$((bad + 1))
		fi
		n=$((n + 1))
	done
	echo "$n $bad" >/tmp/worker.$1
}

echo "SOAK: guest $(uname -r) up, $CYCLES cycles, $WORKERS workers"
i=0
while [ "$i" -lt "$WORKERS" ]; do
	worker "$i" &
	i=$((i + 1))
done

while read -r name marker; do
	n=1
	while [ "$n" -le "$CYCLES" ]; do
		t0=$(now_ms)
		step= detail=
		if ! out=$(insmod "/soak/$name.ko" 2>&1); then
			step=load detail=$out
		elif ! livepatch_wait "$name" enabled "$TTIMEOUT"; then
			step=enable detail="after ${TTIMEOUT}s: $(livepatch_state "$name")"
		elif ! grep -qF "$marker" /proc/cmdline; then
			step=patched detail="/proc/cmdline: $(cat /proc/cmdline)"
		elif ! echo 0 >"/sys/kernel/livepatch/$name/enabled"; then
			step=disable detail="cannot write enabled: $(livepatch_state "$name")"
		elif ! livepatch_wait "$name" gone "$TTIMEOUT"; then
			step=disable detail="after ${TTIMEOUT}s: $(livepatch_state "$name")"
		else
			tries=$((TTIMEOUT * 10))
			until out=$(rmmod "$name" 2>&1); do
				tries=$((tries - 1))
				[ "$tries" -gt 0 ] || break
				usleep 100000
			done
			if [ "$tries" -le 0 ]; then
				step=unload detail=$out
			elif grep -qF "$marker" /proc/cmdline; then
				step=unpatched detail="/proc/cmdline: $(cat /proc/cmdline)"
			fi
		fi
		t1=$(now_ms)
		if [ -z "$step" ]; then
			echo "SOAK: cycle patch=$name n=$n result=ok ms=$((t1 - t0))"
		else
			echo "SOAK: cycle patch=$name n=$n result=bad step=$step ms=$((t1 - t0)) detail=$(echo "$detail" | tr '\n' ' ')"
			break
		fi
		n=$((n + 1))
	done
done </soak/list

touch /tmp/stop
wait
reads=0 bad=0
for f in /tmp/worker.*; do
	read -r r b <"$f"
	reads=$((reads + r))
	bad=$((bad + b))
done
echo "SOAK: workers reads=$reads bad=$bad"
dmesg >/tmp/dmesg
trouble=$(kernel_trouble /tmp/dmesg "$taint0")
if [ -n "$trouble" ]; then
	echo "SOAK: dmesg dirty"
	echo "$trouble" | sed 's/^/SOAK: trouble /'
	cat /tmp/dmesg
else
	echo "SOAK: dmesg clean"
fi
echo "SOAK: done"
sync
poweroff -f
INIT
chmod 0755 "$root/init"
if ! (cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet | gzip -1 >"$logdir/initrd.gz"); then
	t_bail "soak initramfs: expected cpio to write $logdir/initrd.gz, saw it fail"
fi

# --- Boot once. ---
kernel=$(vmtest_kernel_image "$HP_VMLINUZ" "${HPVM_BOOT:-pvh}") || kernel=$HP_VMLINUZ
accel=$(VMT_ACCEL=${HPVM_ACCEL:-auto} vmtest_accel_args "$kernel" "$HP_RELEASE")
limit=$((90 + CYCLES * ${#mods[@]} * 15))
# shellcheck disable=SC2206 # accel args are fixed words
qemu=(qemu-system-x86_64 ${accel#* } -m 512 -smp 2 -nographic -no-reboot -nic none
	-kernel "$kernel" -initrd "$logdir/initrd.gz" -append "console=ttyS0 quiet panic=-1 loglevel=4")
printf '%q ' "${qemu[@]}" >"$logdir/qemu.cmd"
start=$SECONDS
qrc=0
timeout -k 5 "$limit" "${qemu[@]}" </dev/null >"$logdir/console.raw" 2>&1 || qrc=$?
elapsed=$((SECONDS - start))
tr -d '\r' <"$logdir/console.raw" >"$logdir/console.log"
log=$logdir/console.log
echo "# one boot (${accel%% *}): ${elapsed}s, qemu exit $qrc, console $log"

if grep -q 'SOAK: done' "$log"; then
	t_pass "guest finished the soak and powered off (${elapsed}s)"
else
	t_fail "guest finished the soak" "expected 'SOAK: done' within ${limit}s, saw qemu exit $qrc; last lines: $(tail -n 8 "$log" | tr '\n' '|')"
fi
for m in "${mods[@]}"; do
	read -r name _ <<<"$m"
	okc=$(grep -c "SOAK: cycle patch=$name n=[0-9]* result=ok" "$log" || true)
	badl=$(grep -m1 "SOAK: cycle patch=$name .*result=bad" "$log" || true)
	ms=$(grep "SOAK: cycle patch=$name " "$log" | sed -n 's/.* ms=\([0-9]*\).*/\1/p' |
		awk '{ s += $1; if ($1 > m) m = $1 } END { if (NR) printf "avg %d ms, max %d ms", s / NR, m }')
	if ((okc == CYCLES)) && [[ -z $badl ]]; then
		t_pass "$name: $okc/$CYCLES load-enable-disable-unload cycles under load ($ms)"
	else
		t_fail "$name: $CYCLES load-enable-disable-unload cycles" \
			"expected $CYCLES completed cycles, saw $okc${badl:+; first failure: ${badl#SOAK: cycle }}"
	fi
done
wl=$(grep -m1 'SOAK: workers ' "$log" || true)
if [[ $wl =~ reads=([0-9]+)\ bad=([0-9]+) ]] && ((BASH_REMATCH[2] == 0 && BASH_REMATCH[1] > 0)); then
	t_pass "$WORKERS workers called cmdline_proc_show ${BASH_REMATCH[1]} times, every answer original or patched"
else
	t_fail "workers" "expected reads>0 bad=0, saw '${wl:-no worker report}': $(grep -m2 'SOAK: worker ' "$log" | tr '\n' '|')"
fi
if grep -q 'SOAK: dmesg clean' "$log"; then
	t_pass "dmesg clean: no oops, BUG, WARNING, stall, failed livepatch operation or unexplained taint"
else
	t_fail "dmesg" "expected SOAK: dmesg clean, saw: $(grep -m3 -E 'SOAK: (dmesg|trouble)' "$log" | tr '\n' '|')"
fi
echo "# soak: ${#mods[@]} module(s) x $CYCLES cycles, $WORKERS workers, ${elapsed}s in one boot"
t_done
