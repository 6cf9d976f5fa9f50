#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every bundled example, end to end, as a user runs it: hotpatch-build --test boots the target
# kernel in qemu, and the example's check must fail before the module is loaded, pass while it
# is enabled and fail again after it is unloaded. refuse-* examples must be refused (exit 2)
# with no module written. Needs the kernel cache and qemu.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
examples=()
for dir in "$T_TOP"/examples/*/; do
	[[ -f $dir/fix.patch ]] && examples+=("$dir")
done
t_plan ${#examples[@]}
t_setup_kernel

hb=$T_TOP/hotpatch-build.sh
tmp=$(t_tmpdir)
logs=${HP_TEST_LOGDIR:-$T_TOP/out/test-logs}/e2e-examples
mkdir -p "$logs"

for dir in "${examples[@]}"; do
	ex=$(basename "$dir")
	name=ex_${ex//-/_}
	out=$tmp/$ex
	rc=0
	if [[ $ex == refuse-* ]]; then
		"$hb" -o "$out" -n "$name" "$dir/fix.patch" >"$logs/$ex.log" 2>&1 || rc=$?
		if ((rc == 2)) && ! compgen -G "$out/*.ko" >/dev/null && grep -q 'refused' "$logs/$ex.log"; then
			t_pass "$ex: refused (exit 2), no module: $(grep -m1 -E 'error|refused' "$logs/$ex.log" | cut -c1-150)"
		else
			t_fail "$ex" "expected a refusal (exit 2, no module), saw exit $rc; log $logs/$ex.log"
		fi
		continue
	fi
	t0=$SECONDS
	"$hb" -o "$out" -n "$name" --test "$dir/check.sh" "$dir/fix.patch" >"$logs/$ex.log" 2>&1 || rc=$?
	if ((rc == 0)) && [[ -s $out/$name.ko ]] &&
		jq -e '.test.result == "passed" and (.objects | length > 0)' "$out/$name.json" >/dev/null; then
		t_pass "$ex: built, loaded, checked and unloaded in the VM ($((SECONDS - t0)) s): $(jq -r '[.objects[].functions[].name] | join(" ")' "$out/$name.json")"
	else
		t_fail "$ex" "expected exit 0 with a passing VM test, saw exit $rc: $(grep -E 'error|FAIL|refused' "$logs/$ex.log" | head -n 3 | tr '\n' ' ') (log $logs/$ex.log)"
		cp -r "$out" "$logs/$ex.out" 2>/dev/null || true
	fi
done
t_done
