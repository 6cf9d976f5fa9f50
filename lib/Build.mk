# SPDX-License-Identifier: GPL-2.0
# lib/: the shared layer of every tool (libhp.a) -- the one error path
# (log), arrays (growth, sorted search), whole-file reads and atomic
# writes, strings, Module.symvers and the livepatch names -- and its unit test
# (tests/unit/test-lib.c).

HPLIB_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(wildcard lib/*.c))

$(O)/lib/libhp.a: $(HPLIB_OBJS) lib/Build.mk lib
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)
LIBS += $(O)/lib/libhp.a

$(O)/tests/test-lib: $(O)/obj/tests/unit/test-lib.o $(O)/obj/tests/unit/testutil.o $(O)/lib/libhp.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka
UNIT_TESTS += $(O)/tests/test-lib
