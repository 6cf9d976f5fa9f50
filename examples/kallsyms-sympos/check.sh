#!/bin/sh
# Passes while the patch is enabled: vmlinux lines of /proc/kallsyms end in "[vmlinux]".
grep -q '	\[vmlinux\]$' /proc/kallsyms
