/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The instruction decoder the differ's passes ask (x86-64: arch-x86.c).
 * It answers questions about code bytes and relocation types -- where
 * instructions start and end, which immediates two instructions differ
 * in, which relocations are calls -- and knows nothing of the differ's
 * state or policy: the passes keep its results and decide.
 */
#ifndef HOTPATCH_DIFFER_ARCH_H
#define HOTPATCH_DIFFER_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"

int arch_init(void);
void arch_exit(void);

/* Instruction start offsets of a code section, decoded once (the caller keeps them). */
struct arch_insns {
	uint32_t *off;
	unsigned int nr;
	bool decoded;
};
void arch_insns_free(struct arch_insns *insns);

bool arch_reloc_pcrel(uint32_t type);
/* @a and @b compute the same value (PC32 and PLT32 on x86-64) */
bool arch_relocs_equivalent(uint32_t a, uint32_t b);
/* A relocation of a call instruction (@to_func: its target is a function symbol). */
bool arch_reloc_call(uint32_t type, bool to_func);
/*
 * A pc-relative relocation at @place of @code (@size bytes, instruction
 * starts in @insns, decoded on first use): the distance from the place to
 * the end of its instruction, which the addend's target is relative to.
 */
int arch_pcrel_adjust(const uint8_t *code, size_t size, struct arch_insns *insns,
		      uint64_t place, int64_t *adjust);
/*
 * Whether the relocated field at @place of @code is the displacement of a
 * memory operand the instruction reads or writes (mov sym(%rip), %rax;
 * cmp $1, sym+8; mov sym(,%rax,8), %rdx): the instruction uses the data
 * there.  False when it materializes the address instead (lea sym(%rip),
 * mov $sym, push $sym, a call or jump), or cannot be decoded.  -errno.
 */
int arch_reloc_accesses_memory(const uint8_t *code, size_t size, struct arch_insns *insns,
			       uint64_t place, bool *access);
/*
 * Whether @code (@size bytes) is only what the assembler pads code with to
 * align what follows: nops of any length, int3.  -ENOMEM.
 */
int arch_is_fill(const uint8_t *code, size_t size, bool *fill);
/* Whether @func starts with its ftrace call (call __fentry__ / mcount). */
bool arch_has_fentry(struct symbol *func);

/*
 * Decode @a and @b (@size bytes each) side by side.  Every instruction pair
 * must have the same length and opcode and may differ only inside one
 * immediate of at most 4 bytes: @imm is called for each such pair with the
 * offset @base + its start and both values (@mov: a mov instruction).
 * 0 when every difference was such an immediate and @imm returned 0 for
 * each; 1 when not (or @imm returned non-zero); -ENOMEM.
 */
typedef int (*arch_imm_fn)(void *arg, uint64_t at, uint32_t va, uint32_t vb, bool mov);
int arch_imm_diffs(const uint8_t *a, const uint8_t *b, size_t size, uint64_t base,
		   arch_imm_fn imm, void *arg);

#endif
