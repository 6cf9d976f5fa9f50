#!/bin/sh
# Passes while the patch is enabled: /proc/version has a "hotpatch: version read N times"
# line whose counter (a new static local of version_proc_show) grows from read to read.
count() {
	sed -n 's/^hotpatch: version read \([0-9][0-9]*\) times$/\1/p' /proc/version
}
a=$(count)
b=$(count)
[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]
