# SPDX-License-Identifier: GPL-2.0
# elf/: the one ELF model (libhpelf.a), hotpatch-elfdump, and its unit test.

HPELF_OBJS := $(patsubst %.c,$(O)/obj/%.o,elf/read.c elf/lookup.c elf/classify.c elf/create.c \
	elf/write.c)
HPELF_LDLIBS := -lelf

$(O)/lib/libhpelf.a: $(HPELF_OBJS) elf/Build.mk
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)
LIBS += $(O)/lib/libhpelf.a

$(O)/bin/hotpatch-elfdump: $(O)/obj/elf/elfdump.o $(O)/lib/libhpelf.a $(O)/lib/libhp.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HPELF_LDLIBS)
PROGS += $(O)/bin/hotpatch-elfdump

ifneq ($(wildcard tests/unit/test-elf.c),)
$(O)/obj/tests/unit/test-elf.o: ALL_CFLAGS += -DHP_ROOT='"$(CURDIR)"'
$(O)/tests/test-elf: $(O)/obj/tests/unit/test-elf.o $(O)/obj/tests/unit/testutil.o \
		$(O)/lib/libhpelf.a $(O)/lib/libhp.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HPELF_LDLIBS) -lcmocka
UNIT_TESTS += $(O)/tests/test-elf
endif
