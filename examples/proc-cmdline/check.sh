#!/bin/sh
# Passes while the patch is enabled: /proc/cmdline ends with " hotpatch=cmdline".
grep -q ' hotpatch=cmdline$' /proc/cmdline
