#!/bin/sh
# Passes while the patch is enabled: a running task's state reads "R (running, patched)".
grep -q '^State:.*R (running, patched)' /proc/self/status
