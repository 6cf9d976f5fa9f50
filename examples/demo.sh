#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: the main job on a bundled example. Sets up the kernel cache on first use (about
# 1 GB of Debian packages), builds a signed livepatch module from examples/proc-cmdline, and
# proves it in qemu on the exact target kernel: /proc/cmdline changes while the patch is
# enabled and changes back after it is unloaded.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ex=$top/examples/proc-cmdline
out=${DEMO_OUT:-$top/out/demo}

echo "demo: $(head -n 1 "$ex/README")"
"$top/hotpatch-build.sh" -o "$out" -n proc_cmdline --test "$ex/check.sh" "$ex/fix.patch"
echo
echo "demo: module  $out/proc_cmdline.ko"
echo "demo: report  $out/proc_cmdline.json"
echo "demo: log     $out/proc_cmdline.log"
jq -r '"demo: patched " + ([.objects[] | .object + ": " + ([.functions[].name] | join(", "))] | join("; ")) + " for " + .release + "; VM test " + .test.result' \
	"$out/proc_cmdline.json"
