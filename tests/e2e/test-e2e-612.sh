#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The 6.12 targets end to end: the newest Debian 13 (trixie, 6.12.N+deb13-amd64, gcc-14 in an
# mmdebstrap build root) and bookworm-backports (6.12.N+deb12-amd64, gcc-12 in a bookworm build
# root) kernels, each resolved at run time. Per target: the cache is set up (compile database,
# symbol index with its .ko.xz modules, build root whose compiler is the config's); every
# bundled example whose patch applies to that source is built and tested in qemu booting that
# kernel (refuse-* ones must be refused); one that does not apply must be reported as such with
# no module. TCG shows the guest no IBT, so the modules are also checked statically
# (hotpatch-klpfix --ibt-check runs in the build), and that check is shown to catch a module
# whose ENDBR or .return_sites entries are missing (tests/kernel/test-kernel-ibtcheck.sh breaks
# each property it checks). Needs the network on a cold cache and qemu.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/suite.sh
. "$T_TOP/build/suite.sh"
# shellcheck source=build/buildroot.sh
. "$T_TOP/build/buildroot.sh"

# HP_612_SUITES="trixie" (or "bookworm-backports") runs one family; the other is left out
suites=()
for s in trixie bookworm-backports; do
	if [[ " ${HP_612_SUITES:-trixie bookworm-backports} " == *" $s "* ]]; then
		suites+=("$s")
	else
		t_left_out "the $s target (HP_612_SUITES)"
	fi
done
examples=()
for dir in "$T_TOP"/examples/*/; do
	[[ -f $dir/fix.patch ]] && examples+=("$dir")
done
# per suite: setup, the examples, two static checks that must catch a broken module
t_plan $((${#suites[@]} * (${#examples[@]} + 3)))
[[ -n ${suites[*]} ]] || t_bail "HP_612_SUITES names no known suite (trixie, bookworm-backports)"

hb=$T_TOP/hotpatch-build.sh
tmp=$(t_tmpdir)
logs=${HP_TEST_LOGDIR:-$T_TOP/out/test-logs}/e2e-612
mkdir -p "$logs"
HP_CACHE_ROOT=$(realpath -m "${HOTPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotpatch}")

# 6.12 under TCG on a loaded 2-core machine: kallsyms-sympos's guest needed 71-120 s to boot, run
# its checks over /proc/kallsyms (167k lines through the patched s_show) and power off; the
# default 120 s limit killed one healthy run. A hang still fails, only later.
export HPVM_TIMEOUT=${HPVM_TIMEOUT:-300}

# ibt_check KO FACTS - the IBT check of the module stage (build/module.sh) on KO.
ibt_check() {
	"$T_TOP/out/bin/hotpatch-klpfix" --index "$HP_INDEX" --symvers "$HP_SYMVERS" \
		--release "$HP_RELEASE" --ibt-check "$2" --vmlinux "$HP_CACHE/dbg/vmlinux" \
		--moddir "$HP_CACHE/root/lib/modules/$HP_RELEASE" "$1" -o "$tmp/ibt-checked.ko"
}

# static_negative REL KO FACTS - the IBT check must refuse KO once the ENDBR of a patched function
# that has one is gone, and once its .return_sites are gone.
static_negative() {
	local rel=$1 ko=$2 factsf=$3 alias name ndx off value bad out rc found=''
	while IFS=$'\t' read -r name alias; do
		# the function's value and its section's file offset, in bash arithmetic
		read -r ndx value < <(readelf -sW "$ko" | awk -v a="$alias" '$4 == "FUNC" && $8 == a { print $7, $2; exit }')
		off=$(readelf -SW "$ko" | sed -n "s/^ *\[ *$ndx\] [^ ]* *[A-Z_]* *[0-9a-f]* \([0-9a-f]*\) .*/\1/p")
		off=$((0x$off)) value=$((0x$value))
		if [[ $(od -An -tx1 -j $((off + value)) -N4 "$ko" | tr -d ' \n') == f30f1efa ]]; then
			found=$name
			break
		fi
	done < <(jq -r '.functions[] | [.name, .alias] | @tsv' "$factsf")
	if [[ -z $found ]]; then
		t_fail "$rel: IBT check catches a missing ENDBR" "no patched function of $ko starts with endbr64 to break"
	else
		bad=$tmp/noendbr.ko
		cp "$ko" "$bad"
		printf '\x0f\x1f\x40\x00' | dd of="$bad" bs=1 seek=$((off + value)) conv=notrunc status=none
		rc=0
		out=$(ibt_check "$bad" "$factsf" 2>&1) || rc=$?
		if ((rc == 1)) && [[ $out == *endbr64* && $out == *"$found"* && $out == *"no module written"* ]]; then
			t_pass "$rel: the IBT check refuses the module once $found lost its ENDBR: ${out:0:160}"
		else
			t_fail "$rel: IBT check catches a missing ENDBR" "expected a failure naming endbr64 and $found, saw exit $rc: $out"
		fi
	fi
	bad=$tmp/noreturnsites.ko
	objcopy --remove-section .return_sites --remove-section .rela.return_sites "$ko" "$bad"
	rc=0
	out=$(ibt_check "$bad" "$factsf" 2>&1) || rc=$?
	if ((rc == 1)) && [[ $out == *".return_sites"* && $out == *"no module written"* ]]; then
		t_pass "$rel: the IBT check refuses a module without .return_sites"
	else
		t_fail "$rel: IBT check catches missing .return_sites" "expected a failure naming .return_sites, saw exit $rc: $out"
	fi
}

# release_of SUITE - the newest kernel of SUITE. For bookworm-backports the newest one in that
# suite itself (version ~bpo): bookworm-security also carries 6.12.N+deb12 builds (6.12.117 on
# 2026-11-30), which suite_newest would pick.
release_of() {
	if [[ $1 != bookworm-backports ]]; then
		suite_newest "$1"
		return
	fi
	suite_apt_use "$1"
	apt-cache "${HP_APT_OPTS[@]}" pkgnames linux-image-6. 2>/dev/null |
		sed -n 's/^linux-image-\(6\.[0-9]*\.[0-9]*+deb12-amd64\)$/\1/p' | sort -V -r |
		while read -r r; do
			if apt-cache "${HP_APT_OPTS[@]}" madison "linux-image-$r" | grep -q '~bpo'; then
				printf '%s\n' "$r"
				break
			fi
		done
}

for suite in "${suites[@]}"; do
	rel=$(release_of "$suite")
	env=''
	rc=0
	t0=$SECONDS
	env=$("$hb" -k "$rel" --setup --print-env 2>"$logs/setup-$rel.log") || rc=$?
	if ((rc != 0)) || [[ $env != *"HP_RELEASE=$rel"* ]]; then
		t_fail "$rel: cache and build root set up" "expected --setup to succeed, saw exit $rc: $(tail -n 3 "$logs/setup-$rel.log" | tr '\n' ' ')"
		for dir in "${examples[@]}"; do
			t_fail "$rel: $(basename "$dir")" "no cache for $rel"
		done
		t_fail "$rel: IBT check catches a missing ENDBR" "no cache for $rel"
		t_fail "$rel: IBT check catches missing .return_sites" "no cache for $rel"
		continue
	fi
	eval "$env"
	want_cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$HP_KDIR/.config")
	have=$(HP_BUILDROOT=$HP_BUILDROOT buildroot_exec "$HP_CC" --version 2>&1 | head -n1)
	mods=$(find "$HP_MODDIR" -name '*.ko.xz' | wc -l)
	idxmods=$("$T_TOP/out/bin/hotpatch-index" dump "$HP_INDEX" | awk '$1 != "vmlinux" && $1 !~ /^</ { print $1 }' | sort -u | wc -l)
	if [[ -n $HP_BUILDROOT && $have == "$want_cc" ]] && ((mods > 1000 && idxmods == mods)); then
		t_pass "$rel: set up ($((SECONDS - t0)) s): build root compiler '$have' = CONFIG_CC_VERSION_TEXT, index holds all $mods .ko.xz modules"
	else
		t_fail "$rel: cache and build root set up" "expected the root's compiler '$want_cc' and $mods indexed modules, saw '$have' and $idxmods"
	fi
	static_done=0
	for dir in "${examples[@]}"; do
		ex=$(basename "$dir")
		name=ex_${ex//-/_}
		out=$tmp/$rel/$ex
		log=$logs/$rel-$ex.log
		rc=0
		if ! patch -p1 --dry-run -s -d "$HP_SRC" <"$dir/fix.patch" >/dev/null 2>&1; then
			"$hb" -k "$rel" -o "$out" -n "$name" "$dir/fix.patch" >"$log" 2>&1 || rc=$?
			if ((rc != 0)) && ! compgen -G "$out/*.ko" >/dev/null && grep -q 'does not apply' "$log"; then
				t_pass "$rel: $ex does not apply to this source; the tool says so and writes nothing: $(grep -m1 'does not apply' "$log" | cut -c1-120)"
			else
				t_fail "$rel: $ex" "expected a failure saying the patch does not apply, saw exit $rc (log $log)"
			fi
			continue
		fi
		if [[ $ex == refuse-* ]]; then
			"$hb" -k "$rel" -o "$out" -n "$name" "$dir/fix.patch" >"$log" 2>&1 || rc=$?
			if ((rc == 2)) && ! compgen -G "$out/*.ko" >/dev/null; then
				t_pass "$rel: $ex refused (exit 2), no module: $(grep -m1 -E 'error|refused' "$log" | cut -c1-120)"
			else
				t_fail "$rel: $ex" "expected a refusal (exit 2, no module), saw exit $rc (log $log)"
			fi
			continue
		fi
		t0=$SECONDS
		"$hb" -k "$rel" -o "$out" -n "$name" --test "$dir/check.sh" "$dir/fix.patch" >"$log" 2>&1 || rc=$?
		if ((rc == 0)) && [[ -s $out/$name.ko ]] &&
			jq -e '.test.result == "passed" and (.objects | length > 0)' "$out/$name.json" >/dev/null; then
			t_pass "$rel: $ex built, IBT-checked, loaded, checked and unloaded in the VM ($((SECONDS - t0)) s): $(jq -r '[.objects[].functions[].name] | join(" ")' "$out/$name.json")"
			if ((!static_done)) && jq -e '.objects[0].functions | length > 0' "$out/$name.json" >/dev/null; then
				jq '.objects[0]' "$out/$name.json" >"$out/facts.json"
				static_negative "$rel" "$out/$name.ko" "$out/facts.json"
				static_done=1
			fi
		else
			# the guest's console (a crash's oops and call trace) outlives the test's scratch
			cp "$out/$name.console.log" "${log%.log}.console.log" 2>/dev/null || true
			t_fail "$rel: $ex" "expected exit 0 with a passing VM test, saw exit $rc: $(grep -E 'error|FAIL|refused' "$log" | head -n 3 | tr '\n' ' ') (log $log, guest console ${log%.log}.console.log)"
		fi
	done
	if ((!static_done)); then
		t_fail "$rel: IBT check catches a missing ENDBR" "no example built a module to break"
		t_fail "$rel: IBT check catches missing .return_sites" "no example built a module to break"
	fi
done
t_done
