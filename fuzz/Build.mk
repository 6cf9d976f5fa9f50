# SPDX-License-Identifier: GPL-2.0
# fuzz/: libFuzzer harnesses of the ELF model (fuzz-elf) and of the differ's
# passes (fuzz-diff), built with clang into out/fuzz/ (never part of `all`).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="elf diff"] [FUZZ_JOBS=1]
#
# seeds real kernel objects (fs/proc/meminfo.o, fs/proc/cmdline.o, the
# binfmt_misc module's object, orig and patched) compiled in the prepared
# tree, plus the differ's fixture pairs, into out/fuzz/seeds/ (fuzz/mkseeds.sh),
# then runs each harness FUZZ_SECONDS and prints its executions and findings
# (fuzz/run.sh).  Crash inputs land in out/fuzz/findings/<harness>/.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= elf diff
FUZZ_OUT     := out/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -D_GNU_SOURCE -DHOTPATCH_VERSION='"$(VERSION)"' \
	-Wall -Wno-unused-function -I. -Ilib -Ielf -Isymindex -Idiffer -Ifuzz \
	$(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_HDRS    := $(wildcard lib/*.h elf/*.h differ/*.h symindex/*.h fuzz/*.h)

FUZZ_ELF_SRCS  := $(wildcard lib/*.c) elf/read.c elf/lookup.c elf/classify.c elf/create.c \
	elf/write.c
FUZZ_DIFF_SRCS := $(FUZZ_ELF_SRCS) symindex/read.c \
	$(filter-out differ/main.c,$(wildcard differ/*.c))

$(FUZZ_OUT)/obj/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_OUT)/fuzz-elf: $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,fuzz/fuzz-elf.c $(FUZZ_ELF_SRCS))
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ -lelf

$(FUZZ_OUT)/fuzz-diff: $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,fuzz/fuzz-diff.c $(FUZZ_DIFF_SRCS))
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ -lelf -lcapstone

fuzz-build: $(FUZZ_OUT)/fuzz-elf $(FUZZ_OUT)/fuzz-diff

fuzz: fuzz-build
	fuzz/mkseeds.sh $(FUZZ_OUT)/seeds
	fuzz/run.sh $(FUZZ_OUT) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

.PHONY: fuzz-build
