#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A real module fix with soft dependencies on the older ABI it was made for (tests/e2e/sctp-prstatus,
# see its README): the SCTP_PR_STREAM_STATUS fix of Debian's 6.1.190-1 -> 6.1.192-1 update, on the
# release built from 6.1.190-1 (resolved at run time; skipped when the archive no longer has it).
#   1. check.sh is exactly what gen-check.sh builds from prstatus.c (the blob is auditable)
#   2. in qemu, without a patch: the probe sees the bug on that kernel, and sctp, libcrc32c and
#      crc32c come in through request_module alone (--extra-module sctp: shipped, never modprobed)
#   3. hotpatch-build --test: the module (the fixed code carries a pr_debug: its __func__ and
#      __dyndbg descriptor travel with it) builds, loads and makes the probe pass
# Cost: the older ABI's cache (shared with test-e2e-oldabi), one TCG boot (~40 s), net/sctp/socket.c
# compiled twice (~20 s).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_setup_kernel

# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/target.sh
. "$T_TOP/build/target.sh"
fx=$T_TOP/tests/e2e/sctp-prstatus
hb=$T_TOP/hotpatch-build.sh
tmp=$(t_tmpdir)
logs=${HP_TEST_LOGDIR:-$T_TOP/out/test-logs}/e2e-sctp-realfix
mkdir -p "$logs"
HP_CACHE_ROOT=$(dirname "$HP_CACHE")

ver=$(<"$fx/version")
rel=$(target_release_of "$ver" || true)
# the check's source; then, when the archive still has the release, the probe on it unpatched,
# sctp's load on demand and the fix's outcome
if [[ -z $rel ]]; then
	t_plan 2
else
	t_plan 4
fi

if "$fx/gen-check.sh" "$HP_SRC/tools/include/nolibc" >"$tmp/check.sh" 2>"$logs/gen.log" &&
	cmp -s "$tmp/check.sh" "$fx/check.sh"; then
	t_pass "check.sh is what gen-check.sh builds from prstatus.c"
else
	t_fail "check.sh from prstatus.c" "expected gen-check.sh to reproduce $fx/check.sh byte for byte, saw: $(cat "$logs/gen.log") $(cmp "$tmp/check.sh" "$fx/check.sh" 2>&1)"
fi

if [[ -z $rel ]]; then
	t_skip "real sctp fix on the release it was made for" "the archive has no linux-image-6.1.0-N-amd64 of version $ver any more"
	t_done
	exit
fi
# the older release's cache (made by the build below when cold)
"$hb" -k "$rel" --setup >"$logs/setup.log" 2>&1 || true
env=$("$hb" -k "$rel" --print-env 2>/dev/null) || env=
if [[ $env != *HP_MODDIR=* ]]; then
	t_fail "cache of $rel" "expected hotpatch-build -k $rel --setup to succeed, saw: $(tail -n 3 "$logs/setup.log" | tr '\n' ' ')"
	t_done
	exit 1
fi
old_vmlinuz=$(sed -n 's/^HP_VMLINUZ=//p' <<<"$env")
old_moddir=$(sed -n 's/^HP_MODDIR=//p' <<<"$env")

rc=0
"$T_TOP/vm/vmtest.sh" --vmlinuz "$old_vmlinuz" --moddir "$old_moddir" --release "$rel" \
	--check "$fx/check.sh" --extra-module sctp --no-unload --log "$logs/vm-unpatched" \
	>"$logs/vm-unpatched.out" 2>&1 || rc=$?
console=$logs/vm-unpatched/console.log
# the console read whole first: a grep -q reading tr's pipe stops at its match, and tr, still
# writing, dies of SIGPIPE, which pipefail would count as the check failing
text=$(tr -d '\r' <"$console" 2>/dev/null) || text=''
if grep -qE '^vmtest:   ok +before +got fail' "$logs/vm-unpatched.out" &&
	grep -q '^prstatus: stream 0 statistics not written: .*(unfixed)' <<<"$text"; then
	t_pass "$rel unpatched: the probe sees the bug (the statistics are not written back)"
else
	t_fail "$rel unpatched: the probe" "expected the check to fail with '(unfixed)', saw: $(tr -d '\r' <"$console" | grep -m2 -E '^prstatus|HPVM: step=before' | tr '\n' ' ') (log $console)"
fi
if grep -q 'sctp: Hash tables configured' <<<"$text" &&
	! grep -q 'prstatus: socket(IPPROTO_SCTP)' <<<"$text"; then
	t_pass "$rel: socket(IPPROTO_SCTP) loaded sctp with libcrc32c and crc32c through request_module"
else
	t_fail "$rel: sctp through request_module" "expected sctp loaded on demand, saw: $(tr -d '\r' <"$console" | grep -m2 -E 'prstatus|sctp' | tr '\n' ' ') (vmtest exit $rc)"
fi

name=hp_sctp_prstatus
out=$tmp/out
rc=0
"$hb" -k "$rel" -o "$out" -n "$name" --test "$fx/check.sh" "$fx/fix.patch" >"$logs/build.log" 2>&1 || rc=$?
if ((rc == 0)) && jq -e '.test.result == "passed"' "$out/$name.json" >/dev/null 2>&1 &&
	jq -e '[.objects[].functions[].name] | index("sctp_getsockopt")' "$out/$name.json" >/dev/null 2>&1; then
	# gcc inlines the fixed sctp_getsockopt_pr_streamstatus into its one caller
	t_pass "$rel: the real fix built, patched sctp_getsockopt (the fixed code is inlined there), loaded and made the probe pass in qemu"
else
	t_fail "$rel: the real sctp fix" "expected a module patching sctp_getsockopt (where the fixed code is inlined) that passes --test; saw exit $rc: $(grep -E 'error|FAIL|refused' "$logs/build.log" | head -n 3 | tr '\n' ' ') (log $logs/build.log)"
fi
t_done
