#!/bin/sh
# Passes while the patch is enabled: /proc/meminfo has a "Hotpatch: yes" line.
grep -q '^Hotpatch: *yes$' /proc/meminfo
