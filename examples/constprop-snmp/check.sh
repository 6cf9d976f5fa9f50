#!/bin/sh
# Passes while the patch is enabled: the Ip header line of /proc/net/snmp is changed.
grep -q '^Ip: Forwarding(hotpatched) DefaultTTL' /proc/net/snmp
