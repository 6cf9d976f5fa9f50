# SPDX-License-Identifier: GPL-2.0
# symindex/: the symbol index reader/writer (libsymindex.a) and hotpatch-index.

SYMIDX_LIB_OBJS := $(patsubst %.c,$(O)/obj/%.o,symindex/read.c symindex/write.c symindex/xz.c)
SYMIDX_TOOL_OBJS := $(patsubst %.c,$(O)/obj/%.o,symindex/main.c symindex/dwarf.c \
	 symindex/vmlinux.c symindex/modules.c)

$(O)/obj/symindex/dwarf.o: ALL_CFLAGS += -I/usr/include/libdwarf

$(O)/lib/libsymindex.a: $(SYMIDX_LIB_OBJS) symindex/Build.mk
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)
LIBS += $(O)/lib/libsymindex.a

$(O)/bin/hotpatch-index: $(SYMIDX_TOOL_OBJS) $(O)/lib/libsymindex.a $(O)/lib/libhpelf.a $(O)/lib/libhp.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -ldwarf -lelf -lz -llzma
PROGS += $(O)/bin/hotpatch-index

$(O)/tests/test-symindex: $(O)/obj/tests/unit/test-symindex.o $(O)/obj/tests/unit/testutil.o \
		$(O)/lib/libsymindex.a $(O)/lib/libhp.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka
UNIT_TESTS += $(O)/tests/test-symindex
