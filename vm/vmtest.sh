#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm/vmtest.sh — boot the target kernel under qemu and run the livepatch check
# protocol on a set of patch modules.
#
# Runnable alone (see vmtest_usage) or sourced by hotpatch-build.sh, which then calls
# `vmtest_run ARGS...` (same arguments; returns instead of exiting; runs in a subshell,
# so it leaves no variables, traps or shell options behind).
#
# The guest side is vm/init.sh (the initramfs /init); the line protocol between
# the two is described there.  Exit status / return value:
#   0  every protocol step matched its expectation
#   1  a step did not match, or the guest crashed / timed out / never reported
#   2  usage or setup error (missing file, unknown module, no busybox, ...)

set -euo pipefail

VMTEST_DIR=${BASH_SOURCE[0]%/*}
[[ $VMTEST_DIR != "${BASH_SOURCE[0]}" ]] || VMTEST_DIR=.
VMTEST_DIR=$(cd "$VMTEST_DIR" && pwd)

vmtest_usage() {
	cat <<'EOF'
usage: vmtest.sh --vmlinuz FILE --moddir DIR [--release REL] --check SCRIPT
                 [--module X.ko ...] [--extra-module NAME ...]
                 [--load-target-before NAME ...] [--load-target-after NAME ...]
                 [--no-unload | --expect-load-fail] [--append "ARGS"] [--log DIR] [--no-boot]
                 [--accel auto|kvm|tcg] [--boot bzimage|pvh] [--timeout SECONDS]
                 [--transition-timeout SECONDS]

Boots FILE (the target's vmlinuz) under qemu with a busybox initramfs holding the patch
modules, the target modules they need (from DIR = lib/modules/<rel>: each one's
modules.dep closure and soft dependencies, modules.softdep through modules.alias, loaded
in modprobe's order) and SCRIPT, then checks, in the guest:
  SCRIPT fails  ->  insmod patch modules, transition completes  ->  SCRIPT passes
  ->  disable, transition completes, rmmod  ->  SCRIPT fails;  dmesg has no
  "Call Trace", "BUG:", "WARNING:", "Oops", "general protection", RCU stall or
  "livepatch: failed", and no taint flag but K, O, E was set during the run.
SCRIPT runs under busybox sh in the guest (#!/bin/sh). "Fails" means SCRIPT's own
failure, exit 1-123; exit 124 and up (time limit, not executable, killed) never
matches.

  --module X.ko              patch (or helper) module to insmod, in order; repeatable
  --extra-module NAME        also ship target module NAME (+ what it needs) in the initramfs
  --load-target-before NAME  modprobe target module NAME before the first check
  --load-target-after NAME   modprobe target module NAME after the patch is enabled
  --no-unload                stop after the "patched" check (no disable/unload)
  --expect-load-fail         every insmod must be refused (e.g. with --append
                             module.sig_enforce=1); the check must still fail after
  --append "ARGS"            extra kernel command line
  --no-boot                  build initrd.gz and qemu.cmd, print the step plan, stop
  --log DIR                  keep console.log, initrd.gz and qemu.cmd here
                             (default: a new directory under $TMPDIR or /tmp)
  --accel auto|kvm|tcg       default auto (HPVM_ACCEL): KVM when it boots, else TCG
  --boot bzimage|pvh         default bzimage (HPVM_BOOT): boot FILE as is, KASLR on;
                             pvh boots the same kernel uncompressed via its PVH entry
                             (no KASLR; ~2x faster under TCG: no in-guest xz)
  --timeout SECONDS          qemu wall-clock limit (default HPVM_TIMEOUT, else 120 TCG, 60 KVM)
  --transition-timeout SECS  guest wait for a livepatch transition (default 30)
Exit: 0 all steps matched, 1 a step failed or the guest died, 2 usage/setup error.
EOF
}

vmtest_err() {
	echo "vmtest: error: $*" >&2
}

vmtest_say() {
	echo "vmtest: $*"
}

# Module name as the kernel and modprobe see it: basename, no .ko*, '-' -> '_'.
vmtest_modname() {
	local n=${1##*/}
	n=${n%%.ko*}
	echo "${n//-/_}"
}

# Per-user scratch cache for derived files (extracted vmlinux, KVM probe result).
vmtest_scratch() {
	local d=${TMPDIR:-/tmp}/hotpatch-vm-$EUID
	mkdir -p "$d" && echo "$d"
}

# vmtest_release_at_least RELEASE MAJOR MINOR: whether RELEASE (6.12.95+deb12-amd64) is at
# least MAJOR.MINOR.
vmtest_release_at_least() {
	local maj min
	IFS=. read -r maj min _ <<<"$1"
	min=${min%%[!0-9]*}
	[[ $maj =~ ^[0-9]+$ && $min =~ ^[0-9]+$ ]] || return 1
	((maj > $2 || (maj == $2 && min >= $3)))
}

# vmtest_accel_args KERNEL RELEASE: print "<kvm|tcg> <qemu acceleration arguments>"
# for booting KERNEL, whose release is RELEASE.  KVM
# is used only if the kernel boots to its "no root" panic under KVM within 10 s:
# on these hosts (nested KVM) the guest hangs early or fails with "failed to set
# MSR 0x10a".  The probe result is remembered per host boot.
vmtest_accel_args() {
	local want=${VMT_ACCEL:-auto} release=$2 out memo boot_id
	if [[ $want == auto ]]; then
		want=tcg
		boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
		memo=$(vmtest_scratch)/accel
		if [[ -r $memo ]] && read -r out want <"$memo" && [[ $out == "$boot_id" ]]; then
			:
		elif [[ -r /dev/kvm && -w /dev/kvm ]]; then
			want=tcg
			out=$(timeout -k 2 10 qemu-system-x86_64 -accel kvm -cpu host -m 256 \
				-nographic -no-reboot -nic none -kernel "$1" \
				-append "console=ttyS0 panic=-1 loglevel=4" </dev/null 2>&1) || true
			grep -q 'Kernel panic' <<<"$out" && want=kvm
			echo "$boot_id $want" >"$memo.$$" && mv "$memo.$$" "$memo"
		else
			want=tcg
		fi
	fi
	case $want in
	kvm) echo "kvm -accel kvm -cpu host" ;;
	tcg)
		# From 6.4 a livepatch transition rewrites every cond_resched() call site of the
		# kernel (static_call_update to klp_cond_resched and back, through int3 text
		# poking). Under multi-threaded TCG the other vCPU can still execute an int3 the
		# poker has already removed: "Oops: int3" at a cond_resched site (seen with
		# 6.12.95+deb12 in 2 of ~40 boots, on vmlinux code the patch does not touch).
		# Real CPUs serialize on the poker's IPIs; one TCG thread for all vCPUs does too.
		if vmtest_release_at_least "$release" 6 4; then
			echo "tcg -accel tcg,thread=single -cpu max"
		else
			echo "tcg -accel tcg -cpu max"
		fi
		;;
	*) vmtest_err "--accel: expected auto, kvm or tcg, got '$want'"; return 2 ;;
	esac
}

# vmtest_kernel_image VMLINUZ BOOT: print the file qemu should boot.  BOOT=bzimage
# boots VMLINUZ as is (KASLR active, as on a real machine).  BOOT=pvh boots the
# same kernel's uncompressed ELF through its PVH entry point: under TCG the xz
# decompressor alone takes ~9 s, so this halves a boot, but the kernel runs at its
# link address (no KASLR).  The ELF is extracted once and kept in the scratch cache.
vmtest_kernel_image() {
	local vmlinuz=$1 boot=$2 sum dir out off
	case $boot in
	bzimage) echo "$vmlinuz"; return 0 ;;
	pvh) ;;
	*) vmtest_err "--boot: expected bzimage or pvh, got '$boot'"; return 2 ;;
	esac
	sum=$(sha256sum "$vmlinuz") || return 2
	dir=$(vmtest_scratch) || return 2
	out=$dir/vmlinux-${sum:0:16}
	if [[ ! -s $out ]]; then
		off=$(LC_ALL=C grep -m1 -abo $'\xfd7zXZ' "$vmlinuz" | head -n 1 | cut -d: -f1)
		if [[ -z $off ]]; then
			vmtest_err "$vmlinuz: no xz payload found; use --boot bzimage"
			return 2
		fi
		# xz stops at the end of its stream and complains about the trailer: ignore.
		tail -c +"$((off + 1))" "$vmlinuz" | xz -dc >"$out.$$" 2>/dev/null || true
		if ! readelf -n "$out.$$" 2>/dev/null | grep >/dev/null 'note type: (0x00000012)'; then
			rm -f "$out.$$"
			vmtest_err "$vmlinuz: extracted kernel has no PVH entry note; use --boot bzimage"
			return 2
		fi
		mv "$out.$$" "$out"
	fi
	echo "$out"
}

# vmtest_read_moddep MODDIR: fill VMT_DEP_PATH[name] and VMT_DEP_LIST[name] from
# MODDIR/modules.dep, VMT_BUILTIN[name] from modules.builtin, VMT_SOFT_PRE[name] and
# VMT_SOFT_POST[name] from modules.softdep.
vmtest_read_moddep() {
	local moddir=$1 path deps name word key
	if [[ ! -r $moddir/modules.dep ]]; then
		vmtest_err "$moddir/modules.dep missing: run 'depmod -b <root> <release>' on the target modules"
		return 2
	fi
	# Same normalization as vmtest_modname, inline: this loop sees ~4,000 modules.
	while IFS=: read -r path deps; do
		[[ -n $path ]] || continue
		name=${path##*/} name=${name%%.ko*} name=${name//-/_}
		VMT_DEP_PATH[$name]=$path
		VMT_DEP_LIST[$name]=${deps# }
	done <"$moddir/modules.dep"
	if [[ -r $moddir/modules.builtin ]]; then
		while read -r path; do
			name=${path##*/} name=${name%%.ko*} name=${name//-/_}
			VMT_BUILTIN[$name]=1
		done <"$moddir/modules.builtin"
	fi
	# "softdep MODULE pre: A B post: C" (depmod's output; a list without pre:/post: is pre).
	if [[ -r $moddir/modules.softdep ]]; then
		while read -r word name deps; do
			[[ $word == softdep && -n $name ]] || continue
			name=${name//-/_} key=pre
			for word in $deps; do
				case $word in
				pre: | post:) key=${word%:} ;;
				*) if [[ $key == pre ]]; then
					VMT_SOFT_PRE[$name]+=" $word"
				else
					VMT_SOFT_POST[$name]+=" $word"
				fi ;;
				esac
			done
		done <"$moddir/modules.softdep"
	fi
}

# vmtest_resolve NAME: the modules NAME stands for, as modprobe resolves a soft dependency or a
# request_module() argument: a module name, else every module with that alias (crc32c ->
# crc32c_generic and crc32c_intel). Prints nothing for a built-in or unknown name.
vmtest_resolve() {
	local name=${1//-/_}
	if [[ -n ${VMT_DEP_PATH[$name]+x} ]]; then
		echo "$name"
	elif [[ -z ${VMT_BUILTIN[$name]+x} && -r $VMT_MODDIR/modules.alias ]]; then
		awk -v a="$1" '$1 == "alias" && $2 == a { print $3 }' "$VMT_MODDIR/modules.alias"
	fi
}

# vmtest_order NAME [?]: append NAME's load sequence to VMT_SEQ and ship every module in it:
# its modules.dep dependencies (loaded deepest first, as modprobe does), the modules its soft
# "pre:" dependencies name, NAME itself, then its "post:" ones. Soft dependencies (and what
# they need) are marked optional with a leading "?": of an alias's several modules one may
# legitimately fail (crc32c_intel without SSE4.2); the module needing it then fails by itself.
vmtest_order() {
	local name=$1 opt=${2:-} dep m s i
	local -a deps
	[[ -z ${VMT_SEEN[$name]+x} ]] || return 0
	VMT_SEEN[$name]=1
	VMT_SHIP[${VMT_DEP_PATH[$name]}]=1
	read -ra deps <<<"${VMT_DEP_LIST[$name]}"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		dep=${deps[i]##*/} dep=${dep%%.ko*} dep=${dep//-/_}
		# modules.dep names only modules it lists itself; a hand-edited one may not
		if [[ -n ${VMT_DEP_PATH[$dep]+x} ]]; then
			vmtest_order "$dep" "$opt"
		fi
	done
	for s in ${VMT_SOFT_PRE[$name]:-}; do
		for m in $(vmtest_resolve "$s"); do
			if [[ -n ${VMT_DEP_PATH[$m]+x} ]]; then
				vmtest_order "$m" '?'
			fi
		done
	done
	VMT_SEQ+=("$opt$name")
	for s in ${VMT_SOFT_POST[$name]:-}; do
		for m in $(vmtest_resolve "$s"); do
			if [[ -n ${VMT_DEP_PATH[$m]+x} ]]; then
				vmtest_order "$m" '?'
			fi
		done
	done
}

# vmtest_want_target NAME WHY: ship target module NAME with everything it needs (see
# vmtest_order) and record its load sequence in VMT_LOAD[name].
vmtest_want_target() {
	local name
	name=$(vmtest_modname "$1")
	if [[ -z ${VMT_DEP_PATH[$name]+x} ]]; then
		if [[ -n ${VMT_BUILTIN[$name]+x} ]]; then
			vmtest_err "$2: module '$name' is built into the kernel; nothing to load"
		else
			vmtest_err "$2: module '$name' is not in $VMT_MODDIR/modules.dep"
		fi
		return 2
	fi
	local -A VMT_SEEN=()
	local -a VMT_SEQ=()
	vmtest_order "$name"
	VMT_LOAD[$name]=${VMT_SEQ[*]}
}

# vmtest_initramfs WORKDIR OUT: assemble the guest root in WORKDIR/root and write
# the gzip'd newc cpio to OUT.
vmtest_initramfs() {
	local work=$1 out=$2 root=$1/root busybox=${HPVM_BUSYBOX:-/bin/busybox}
	local rel=$VMT_RELEASE i mod name klp deps d path dep
	if [[ ! -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
		vmtest_err "$busybox is not a static busybox (install busybox-static or set HPVM_BUSYBOX)"
		return 2
	fi
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,hpvm/modules,"lib/modules/$rel"}
	cp "$busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$VMTEST_DIR/init.sh" "$root/init"
	chmod 0755 "$root/init"
	cp "$VMTEST_DIR/guest.sh" "$root/hpvm/guest.sh"

	# Patch modules, with the target modules named in their "depends:".  A
	# dependency on an earlier --module is met by loading that one first.
	: >"$root/hpvm/modules.list"
	local -A given=()
	for i in "${!VMT_MODULES[@]}"; do
		mod=${VMT_MODULES[$i]}
		name=$(modinfo -F name "$mod" 2>/dev/null) || name=
		[[ -n $name ]] || name=$(vmtest_modname "$mod")
		klp=0
		[[ $(modinfo -F livepatch "$mod" 2>/dev/null) == Y ]] && klp=1
		deps=
		for d in $(modinfo -F depends "$mod" 2>/dev/null | tr ',' ' '); do
			d=$(vmtest_modname "$d")
			[[ -n ${given[$d]+x} ]] && continue
			vmtest_want_target "$d" "dependency of $mod" || return
			deps+=" $d"
		done
		cp "$mod" "$root/hpvm/modules/$i-${mod##*/}"
		echo "$i-${mod##*/} $name $klp$deps" >>"$root/hpvm/modules.list"
		VMT_NAMES+=("$name:$klp")
		given[$name]=1
	done
	for d in "${VMT_EXTRA[@]}" "${VMT_BEFORE[@]}" "${VMT_AFTER[@]}"; do
		vmtest_want_target "$d" "target module" || return
	done
	for path in "${!VMT_SHIP[@]}"; do
		mkdir -p "$root/lib/modules/$rel/${path%/*}"
		cp "$VMT_MODDIR/$path" "$root/lib/modules/$rel/$path"
		dep=$(grep -m1 "^$path:" "$VMT_MODDIR/modules.dep")
		echo "$dep" >>"$root/lib/modules/$rel/modules.dep"
	done
	touch "$root/lib/modules/$rel/modules.dep"
	[[ -r $VMT_MODDIR/modules.builtin ]] && cp "$VMT_MODDIR/modules.builtin" "$root/lib/modules/$rel/"
	# The aliases of the shipped modules, and modprobe where the kernel looks for it: a module's
	# request_module("crypto-crc32c") at load time then finds what was shipped.
	if [[ -r $VMT_MODDIR/modules.alias ]]; then
		awk 'NR == FNR { sub(/^.*\//, "", $1); sub(/\.ko.*$/, "", $1); gsub(/-/, "_", $1); ship[$1] = 1; next }
			$1 == "alias" && ($3 in ship)' <(printf '%s\n' "${!VMT_SHIP[@]}" /dev/null) \
			"$VMT_MODDIR/modules.alias" >"$root/lib/modules/$rel/modules.alias"
	fi
	ln -s ../bin/busybox "$root/sbin/modprobe"
	: >"$root/hpvm/load.list"
	for name in "${!VMT_LOAD[@]}"; do
		echo "$name ${VMT_LOAD[$name]}" >>"$root/hpvm/load.list"
	done

	if [[ -n $VMT_CHECK ]]; then
		cp "$VMT_CHECK" "$root/hpvm/check"
		chmod 0755 "$root/hpvm/check"
	fi
	{
		echo "HPVM_MODE=$VMT_MODE"
		[[ -n $VMT_CHECK ]] && echo "HPVM_CHECK=/hpvm/check"
		echo "HPVM_TRANSITION_TIMEOUT=$VMT_TRANSITION_TIMEOUT"
	} >"$root/hpvm/conf"
	# The guest runs the steps the host will judge it by: one definition of the protocol.
	vmtest_plan_expect >"$root/hpvm/plan"

	if ! (cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet | gzip -1 >"$out"); then
		vmtest_err "cannot write initramfs $out"
		return 2
	fi
}

# vmtest_plan_expect: the steps the guest must report, in order, one per line, each with
# the outcome the host expects of it ("STEP EXPECT").  The one definition of the protocol's
# steps: the guest's /init runs them from this list (/hpvm/plan) and the host judges what it
# reports against it.  The loads of a patch module's dependencies (dep:NAME) are the guest's
# own, before the module's load step.
vmtest_plan_expect() {
	local n name klp load=ok
	echo "boot ok"
	for n in "${VMT_BEFORE[@]}"; do echo "target-before:$(vmtest_modname "$n") ok"; done
	[[ -n $VMT_CHECK ]] && echo "before fail"
	[[ $VMT_MODE == expect-load-fail ]] && load=fail
	for n in "${VMT_NAMES[@]}"; do
		name=${n%:*} klp=${n##*:}
		echo "load:$name $load"
		[[ $klp == 1 && $load == ok ]] && echo "enable:$name ok"
	done
	if [[ $VMT_MODE == expect-load-fail ]]; then
		[[ -n $VMT_CHECK ]] && echo "after fail"
	else
		for n in "${VMT_AFTER[@]}"; do echo "target-after:$(vmtest_modname "$n") ok"; done
		[[ -n $VMT_CHECK ]] && echo "patched pass"
		if [[ $VMT_MODE == normal ]]; then
			for ((n = ${#VMT_NAMES[@]} - 1; n >= 0; n--)); do
				name=${VMT_NAMES[$n]%:*} klp=${VMT_NAMES[$n]##*:}
				[[ $klp == 1 ]] && echo "disable:$name ok"
				echo "unload:$name ok"
			done
			[[ -n $VMT_CHECK ]] && echo "after fail"
		fi
	fi
	echo "dmesg clean"
}

# vmtest_plan: the steps the guest must report, in order, one per line.
vmtest_plan() {
	vmtest_plan_expect | cut -d' ' -f1
}

# vmtest_report LOG: print every step with its outcome, in the guest's order, then
# the planned steps the guest never reported; 0 when all matched.  The host judges each
# step itself against its own plan (vmtest_plan_expect), not by the guest's verdict: a step
# matches only when the guest expected what the host planned and got exactly that.  Steps
# the host did not plan fail, except the loads of a patch module's dependencies (dep:NAME),
# which must succeed.
vmtest_report() {
	local log=$1 lines step line expect got verdict detail bad=0 total=0 want
	local -A seen=() plan=()
	while read -r step want; do
		plan[$step]=$want
	done < <(vmtest_plan_expect)
	lines=$(tr -d '\r' <"$log" | grep -o 'HPVM: step=.*' || true)
	while IFS= read -r line; do
		[[ -n $line ]] || continue
		step=${line#HPVM: step=}; step=${step%% *}
		[[ -z ${seen[$step]+x} ]] || continue
		seen[$step]=1
		total=$((total + 1))
		expect=${line#* expect=}; expect=${expect%% *}
		got=${line#* got=}; got=${got%% *}
		verdict=${line#* verdict=}; verdict=${verdict%% *}
		detail=
		[[ $line == *' detail='* ]] && detail=": ${line#* detail=}"
		want=${plan[$step]:-}
		[[ -z $want && $step == dep:* ]] && want=ok
		if [[ -z $want ]]; then
			printf 'vmtest:   %-5s %-28s got %s, but the host planned no such step%s\n' FAIL "$step" "$got" "$detail"
			bad=$((bad + 1))
		elif [[ $expect != "$want" ]]; then
			printf 'vmtest:   %-5s %-28s the guest expected %s, the host planned %s%s\n' FAIL "$step" "$expect" "$want" "$detail"
			bad=$((bad + 1))
		elif [[ $verdict == skip ]]; then
			printf 'vmtest:   %-5s %-28s not run%s\n' SKIP "$step" "$detail"
			bad=$((bad + 1))
		elif [[ $got == "$want" && $verdict == ok ]]; then
			printf 'vmtest:   %-5s %-28s got %s (expected %s)\n' ok "$step" "$got" "$want"
		else
			printf 'vmtest:   %-5s %-28s got %s, expected %s%s\n' FAIL "$step" "$got" "$want" "$detail"
			bad=$((bad + 1))
		fi
	done <<<"$lines"
	while IFS= read -r step; do
		[[ -z ${seen[$step]+x} ]] || continue
		total=$((total + 1))
		printf 'vmtest:   %-5s %-28s %s\n' MISS "$step" "not reported by the guest"
		bad=$((bad + 1))
	done < <(vmtest_plan)
	tr -d '\r' <"$log" | grep -o 'HPVM: info function=[^ ]*' |
		sed 's|^HPVM: info function=\(.*\)/$|vmtest:   info  patched function \1|' || true
	if ! tr -d '\r' <"$log" | grep >/dev/null 'HPVM: done'; then
		# a crash is read from its first line (what failed, where, the call trace), not from
		# the panic's tail, which names only registers
		vmtest_say "guest did not finish the protocol (crash, hang or timeout); console lines:"
		tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | awk '
			!on && /BUG:|Oops:|general protection|kernel BUG|Kernel panic|RIP: / { on = 1 }
			on && n < 60 { print "vmtest:   | " $0; n++ }
			{ tail[NR % 15] = $0 }
			END { if (!on) for (i = NR - 14; i <= NR; i++) if (i > 0) print "vmtest:   | " tail[i % 15] }'
		bad=$((bad + 1))
	fi
	VMT_TOTAL=$total
	return $((bad > 0))
}

# vmtest_run ARGS...: the whole job; see vmtest_usage.
vmtest_run() (
	set -euo pipefail
	VMT_VMLINUZ='' VMT_MODDIR='' VMT_RELEASE='' VMT_CHECK='' VMT_APPEND='' VMT_LOG=''
	VMT_MODE=normal VMT_TIMEOUT=${HPVM_TIMEOUT:-} VMT_TRANSITION_TIMEOUT=30 VMT_ACCEL=${HPVM_ACCEL:-auto}
	VMT_BOOT=${HPVM_BOOT:-bzimage} VMT_NOBOOT=
	VMT_MODULES=() VMT_EXTRA=() VMT_BEFORE=() VMT_AFTER=() VMT_NAMES=()
	declare -A VMT_DEP_PATH=() VMT_DEP_LIST=() VMT_BUILTIN=() VMT_SHIP=() VMT_SOFT_PRE=()
	declare -A VMT_SOFT_POST=() VMT_LOAD=()
	local accel work t0 t1 t2 rc=0 qemu_rc kernel
	local -a qemu

	while (($#)); do
		case $1 in
		--vmlinuz | --moddir | --release | --module | --extra-module | --check | --append | --log | \
			--load-target-before | --load-target-after | --accel | --boot | --timeout | \
			--transition-timeout)
			if (($# < 2)); then
				vmtest_err "$1 needs an argument"
				return 2
			fi ;;&
		--vmlinuz) VMT_VMLINUZ=$2; shift 2 ;;
		--moddir) VMT_MODDIR=${2%/}; shift 2 ;;
		--release) VMT_RELEASE=$2; shift 2 ;;
		--module) VMT_MODULES+=("$2"); shift 2 ;;
		--extra-module) VMT_EXTRA+=("$2"); shift 2 ;;
		--check) VMT_CHECK=$2; shift 2 ;;
		--append) VMT_APPEND=$2; shift 2 ;;
		--log) VMT_LOG=$2; shift 2 ;;
		--load-target-before) VMT_BEFORE+=("$2"); shift 2 ;;
		--load-target-after) VMT_AFTER+=("$2"); shift 2 ;;
		--accel) VMT_ACCEL=$2; shift 2 ;;
		--boot) VMT_BOOT=$2; shift 2 ;;
		--timeout) VMT_TIMEOUT=$2; shift 2 ;;
		--transition-timeout) VMT_TRANSITION_TIMEOUT=$2; shift 2 ;;
		--no-unload) VMT_MODE=no-unload; shift ;;
		--no-boot) VMT_NOBOOT=1; shift ;;
		--expect-load-fail) VMT_MODE='expect-load-fail'; shift ;;
		-h | --help) vmtest_usage; return 0 ;;
		*) vmtest_err "unknown argument '$1'"; vmtest_usage >&2; return 2 ;;
		esac
	done
	if [[ -z $VMT_VMLINUZ || -z $VMT_MODDIR ]]; then
		vmtest_err "--vmlinuz and --moddir are required"
		return 2
	fi
	if [[ -z $VMT_CHECK && $VMT_MODE != expect-load-fail ]]; then
		vmtest_err "--check is required (except with --expect-load-fail)"
		return 2
	fi
	if [[ $VMT_MODE == expect-load-fail && ${#VMT_MODULES[@]} -eq 0 ]]; then
		vmtest_err "--expect-load-fail needs at least one --module"
		return 2
	fi
	[[ -n $VMT_RELEASE ]] || VMT_RELEASE=${VMT_MODDIR##*/}
	local f
	for f in "$VMT_VMLINUZ" "${VMT_MODULES[@]}" ${VMT_CHECK:+"$VMT_CHECK"}; do
		if [[ ! -r $f ]]; then
			vmtest_err "cannot read $f"
			return 2
		fi
	done
	VMT_VMLINUZ=$(readlink -f "$VMT_VMLINUZ")
	if ! command -v qemu-system-x86_64 >/dev/null; then
		vmtest_err "qemu-system-x86_64 not found (install qemu-system-x86)"
		return 2
	fi

	if [[ -z $VMT_LOG ]]; then
		VMT_LOG=$(mktemp -d "${TMPDIR:-/tmp}/hpvm-log.XXXXXX")
	elif ! mkdir -p "$VMT_LOG"; then
		vmtest_err "cannot create log directory $VMT_LOG"
		return 2
	fi
	VMT_LOG=$(cd "$VMT_LOG" && pwd)
	work=$(mktemp -d "${TMPDIR:-/tmp}/hpvm.XXXXXX")
	# shellcheck disable=SC2064 # expand now: $work is local to this subshell
	trap "rm -rf '$work'" EXIT

	t0=$(date +%s.%N)
	vmtest_read_moddep "$VMT_MODDIR" || return 2
	vmtest_initramfs "$work" "$VMT_LOG/initrd.gz" || return 2
	kernel=$(vmtest_kernel_image "$VMT_VMLINUZ" "$VMT_BOOT") || return 2
	# Without a boot there is nothing to probe: write a TCG command line.
	[[ -z $VMT_NOBOOT || $VMT_ACCEL != auto ]] || VMT_ACCEL=tcg
	accel=$(vmtest_accel_args "$kernel" "$VMT_RELEASE") || return 2
	[[ -n $VMT_TIMEOUT ]] || { [[ $accel == kvm* ]] && VMT_TIMEOUT=60 || VMT_TIMEOUT=120; }
	t1=$(date +%s.%N)

	# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can time out
	# and panic at boot ("IO-APIC + timer doesn't work!", seen with 6.12.95+deb12 at load 20);
	# the check proves nothing about the module under test.
	# shellcheck disable=SC2206 # accel args are fixed words
	qemu=(qemu-system-x86_64 ${accel#* } -m 512 -smp 2 -nographic -no-reboot -nic none
		-kernel "$kernel" -initrd "$VMT_LOG/initrd.gz"
		-append "console=ttyS0 quiet panic=-1 no_timer_check${VMT_APPEND:+ $VMT_APPEND}")
	printf '%q ' "${qemu[@]}" >"$VMT_LOG/qemu.cmd"
	echo >>"$VMT_LOG/qemu.cmd"
	if [[ -n $VMT_NOBOOT ]]; then
		vmtest_say "initramfs $VMT_LOG/initrd.gz, command $VMT_LOG/qemu.cmd"
		vmtest_say "plan: $(vmtest_plan | tr '\n' ' ')"
		return 0
	fi
	vmtest_say "kernel $VMT_RELEASE (${accel%% *}, $VMT_BOOT boot), ${#VMT_MODULES[@]} module(s), mode $VMT_MODE, log $VMT_LOG/console.log"
	qemu_rc=0
	timeout -k 5 "$VMT_TIMEOUT" "${qemu[@]}" </dev/null >"$VMT_LOG/console.log" 2>&1 || qemu_rc=$?
	t2=$(date +%s.%N)
	if ((qemu_rc == 124 || qemu_rc == 137)); then
		vmtest_say "qemu killed after ${VMT_TIMEOUT}s"
	elif ((qemu_rc != 0)); then
		vmtest_say "qemu exited with status $qemu_rc"
	fi

	VMT_TOTAL=0
	vmtest_report "$VMT_LOG/console.log" || rc=1
	local prep boot
	prep=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	boot=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }')
	if ((rc == 0)); then
		vmtest_say "PASS: $VMT_TOTAL steps; prepare ${prep}s, boot to poweroff ${boot}s; log $VMT_LOG/console.log"
	else
		vmtest_say "FAIL: prepare ${prep}s, boot to poweroff ${boot}s; log $VMT_LOG/console.log"
	fi
	return "$rc"
)

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	vmtest_run "$@"
fi
