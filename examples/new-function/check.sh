#!/bin/sh
# Passes while the patch is enabled: /proc/uptime has a second line written by the new
# function hp_uptime_note().
grep -q '^hotpatch: up [0-9][0-9]* min, idle [0-9][0-9]* min$' /proc/uptime
