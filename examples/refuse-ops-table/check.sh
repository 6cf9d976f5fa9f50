#!/bin/sh
# Never used: hotpatch-build refuses this patch (a changed ops table cannot be live patched).
exit 1
