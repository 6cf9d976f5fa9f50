# SPDX-License-Identifier: GPL-2.0
# ppcmp/: hotpatch-ppcmp, which compares the two preprocessed forms of a translation unit that
# only includes a changed header (build/objects.sh drops the unit when its object cannot change).

$(O)/bin/hotpatch-ppcmp: $(O)/obj/ppcmp/main.o $(O)/obj/ppcmp/ppcmp.o $(O)/lib/libhp.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^
PROGS += $(O)/bin/hotpatch-ppcmp
