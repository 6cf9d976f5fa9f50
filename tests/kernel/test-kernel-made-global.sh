#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A fix that makes a static global for another file to call, built for 6.1.0-54-amd64
# (6.1.190-1's tree): Debian's 6.1.190-1 -> 6.1.192-1 update drops the static of
# qla_target.c's qlt_unmap_sg, declares it in qla_target.h and calls it from qla_os.c.
# made-global-fixes/qla2xxx-unmap-sg.diff is the update's three diffs of those files, verbatim
# (as hotpatch-triage carries them for the qla_os.c candidate). qlt_unmap_sg itself is
# unchanged, so the module does not carry it: qla_os.c's patched code must reach the running
# qla2xxx's local qlt_unmap_sg through a klp symbol. It was a plain undefined symbol (taken
# for a new global of the patch), and hotpatch-klpfix refused the module: "unresolved symbol
# qlt_unmap_sg" (a tool error in the triage of that update).
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

t_plan 3
rel=6.1.0-54-amd64
work=$(t_tmpdir)
rc=0
"$T_TOP/hotpatch-build.sh" -k "$rel" -o "$work/out" "$T_TOP/tests/kernel/made-global-fixes/qla2xxx-unmap-sg.diff" \
	>"$work/build.log" 2>&1 || rc=$?
ko=$work/out/qla2xxx_unmap_sg.ko
if ((rc == 0)) && [[ -f $ko ]]; then
	t_pass "qla_os.c + qla_target.h + qla_target.c: built"
else
	t_fail "built" "exit $rc: $(grep -E 'error|refus' "$work/build.log" | tail -n 3 | tr '\n' ' ')"
fi
# every symbol of the module naming it: binding and name (readelf writes "OS [0xff20]" for the
# livepatch section index, so the name is the last field)
syms=$(readelf -sW "$ko" 2>/dev/null | awk '$NF ~ /qlt_unmap_sg/ { print $5, $NF }' || true)
if [[ $syms == "GLOBAL .klp.sym.qla2xxx.qlt_unmap_sg,0" ]]; then
	t_pass "qlt_unmap_sg reached as the running qla2xxx's local (.klp.sym.qla2xxx.qlt_unmap_sg,0)"
else
	t_fail "klp symbol" "expected only .klp.sym.qla2xxx.qlt_unmap_sg,0, saw: ${syms:-nothing}"
fi
if grep -q 'drivers/scsi/qla2xxx/qla_target.o (qla2xxx): changed qlt_abort_cmd$' "$work/build.log" &&
	! grep -q 'qlt_unmap_sg' <(grep -E 'changed|new ' "$work/build.log"); then
	t_pass "qlt_unmap_sg is neither patched nor carried new"
else
	t_fail "qlt_unmap_sg carried" "saw: $(grep -E 'changed|new ' "$work/build.log" | tr '\n' ' ')"
fi
