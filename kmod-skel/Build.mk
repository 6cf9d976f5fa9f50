# SPDX-License-Identifier: GPL-2.0
# kmod-skel/ + templates/: the patch module -- hotpatch-mkmod (module source
# from the differ's outputs), hotpatch-klpfix (livepatch post-link), and
# their unit test.

KMOD_LIB_OBJS := $(patsubst %.c,$(O)/obj/%.o,kmod-skel/template.c kmod-skel/klpfix.c \
	kmod-skel/facts.c kmod-skel/ibtcheck.c)
MKMOD_OBJS := $(patsubst %.c,$(O)/obj/%.o,kmod-skel/mkmod.c kmod-skel/prelink.c \
	kmod-skel/records.c)
KMOD_DEPLIBS := $(O)/lib/libsymindex.a $(O)/lib/libhpelf.a $(O)/lib/libhp.a

$(O)/lib/libkmod-skel.a: $(KMOD_LIB_OBJS) kmod-skel/Build.mk
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)
LIBS += $(O)/lib/libkmod-skel.a

$(O)/bin/hotpatch-mkmod: $(MKMOD_OBJS) $(O)/lib/libkmod-skel.a $(KMOD_DEPLIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -ljson-c -lelf
PROGS += $(O)/bin/hotpatch-mkmod

$(O)/bin/hotpatch-klpfix: $(O)/obj/kmod-skel/klpfix-main.o $(O)/lib/libkmod-skel.a $(KMOD_DEPLIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -ljson-c -llzma -lelf
PROGS += $(O)/bin/hotpatch-klpfix

$(O)/obj/tests/unit/test-klpfix.o: ALL_CFLAGS += -DHP_ROOT='"$(CURDIR)"' \
	-DHP_BINDIR='"$(abspath $(O))/bin"' -Ikmod-skel
# runs hotpatch-mkmod too
$(O)/tests/test-klpfix: $(O)/obj/tests/unit/test-klpfix.o $(O)/obj/tests/unit/testutil.o \
		$(O)/lib/libkmod-skel.a $(KMOD_DEPLIBS) \
		| $(O)/bin/hotpatch-mkmod
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lelf -lcmocka
UNIT_TESTS += $(O)/tests/test-klpfix
