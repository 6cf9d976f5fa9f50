#!/bin/sh
# Would pass if the new default were live.  Never used: hotpatch-build refuses this patch.
[ "$(cat /proc/sys/vm/overcommit_ratio)" = 60 ]
