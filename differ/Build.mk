# SPDX-License-Identifier: GPL-2.0
# differ/: hotpatch-diff, one pass per file (see differ/differ.h).

DIFFER_SRCS := main.c run.c state.c correlate.c normalize.c compare.c select.c account.c layouts.c special.c \
	resolve.c klp.c target-symbols.c emit.c kpatch.c lines.c line-helpers.c arch-x86.c
DIFFER_OBJS := $(addprefix $(O)/obj/differ/,$(DIFFER_SRCS:.c=.o))

$(O)/bin/hotpatch-diff: $(DIFFER_OBJS) $(O)/lib/libhpelf.a $(O)/lib/libsymindex.a $(O)/lib/libhp.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $(DIFFER_OBJS) $(O)/lib/libhpelf.a $(O)/lib/libsymindex.a \
		$(O)/lib/libhp.a -lelf -lcapstone

PROGS += $(O)/bin/hotpatch-diff
