#!/bin/sh
# Passes while the patch is enabled: /proc/net/sctp/snmp ends with "SctpHotpatched 1".
# sctp is loaded by the harness (the patch's target module) with what it needs: libcrc32c,
# whose soft dependency crc32c (crc32c_generic) must be loaded first.
[ -r /proc/net/sctp/snmp ] || exit 1
grep -q '^SctpHotpatched[[:space:]]*1$' /proc/net/sctp/snmp
