// SPDX-License-Identifier: GPL-2.0
/*
 * arch-x86: the x86-64 instruction decoder behind arch.h, through
 * capstone.
 *
 *   - instruction starts of a code section, so a pc-relative relocation's
 *     target is known exactly (addend + end of instruction - place), also
 *     for instructions with an immediate after the displacement;
 *   - two code ranges side by side: which instructions differ only in an
 *     immediate operand, and the two values (the passes decide whether
 *     those are __LINE__ numbers: lines.c);
 *   - call relocations, and whether a function starts with its ftrace call.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "array.h"
#include "log.h"

static csh cs_dec_plain, cs_dec_detail;
static bool cs_ready;

int arch_init(void)
{
	if (cs_ready)
		return 0;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs_dec_plain) != CS_ERR_OK ||
	    cs_open(CS_ARCH_X86, CS_MODE_64, &cs_dec_detail) != CS_ERR_OK) {
		pr_err("cannot initialize the capstone x86-64 decoder");
		return -ENOSYS;
	}
	cs_option(cs_dec_detail, CS_OPT_DETAIL, CS_OPT_ON);
	cs_ready = true;
	return 0;
}

void arch_exit(void)
{
	if (!cs_ready)
		return;
	cs_close(&cs_dec_plain);
	cs_close(&cs_dec_detail);
	cs_ready = false;
}

/*
 * Two relocation types that give the same value: the kernel has no PLT, so
 * R_X86_64_PLT32 is resolved as R_X86_64_PC32 (S + A - P) by the linker and
 * by the module loader alike; gcc picks PLT32 for a call to a global
 * function and PC32 for one to a section symbol (a static function).
 */
bool arch_relocs_equivalent(uint32_t a, uint32_t b)
{
	if (a == b)
		return true;
	return (a == R_X86_64_PC32 || a == R_X86_64_PLT32) &&
	       (b == R_X86_64_PC32 || b == R_X86_64_PLT32);
}

bool arch_reloc_pcrel(uint32_t type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32 || type == R_X86_64_GOTPCREL ||
	       type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX ||
	       type == R_X86_64_PC64;
}

bool arch_reloc_call(uint32_t type, bool to_func)
{
	return type == R_X86_64_PLT32 || (type == R_X86_64_PC32 && to_func);
}

void arch_insns_free(struct arch_insns *insns)
{
	free(insns->off);
	memset(insns, 0, sizeof(*insns));
}

/* Instruction starts of a code section, by a linear sweep (gcc pads with nops). */
static int decode(const uint8_t *code, size_t size, struct arch_insns *insns)
{
	uint64_t addr = 0;
	size_t max = 0;
	cs_insn *insn;

	if (insns->decoded)
		return 0;
	insns->decoded = true;
	insn = cs_malloc(cs_dec_plain);
	if (!insn)
		return -ENOMEM;
	while (size) {
		const uint8_t *c = code;

		if (ARRAY_GROW(insns->off, max, insns->nr + 1)) {
			cs_free(insn, 1);
			return -ENOMEM;
		}
		insns->off[insns->nr++] = (uint32_t)addr;
		if (!cs_disasm_iter(cs_dec_plain, &c, &size, &addr, insn)) {
			/* undecodable byte: step over it */
			code++;
			size--;
			addr++;
			continue;
		}
		code = c;
	}
	cs_free(insn, 1);
	return 0;
}

/* uint64_t place against uint32_t instruction start */
static int cmp_place(const void *key, const void *elem)
{
	uint64_t place = *(const uint64_t *)key, start = *(const uint32_t *)elem;

	return place < start ? -1 : place > start;
}

/* The index of the first instruction that starts after @place (insns->nr: none). */
static size_t insn_after(const struct arch_insns *insns, uint64_t place)
{
	return sorted_upper_bound(&place, insns->off, insns->nr, sizeof(*insns->off), cmp_place);
}

int arch_pcrel_adjust(const uint8_t *code, size_t size, struct arch_insns *insns,
		      uint64_t place, int64_t *adjust)
{
	uint64_t end;
	size_t lo;
	int ret;

	*adjust = 4;		/* displacement at the end of the instruction */
	if (!code)
		return -EIO;
	ret = decode(code, size, insns);
	if (ret)
		return ret;
	lo = insn_after(insns, place);
	if (!lo)
		return 0;
	end = lo < insns->nr ? insns->off[lo] : size;
	if (end > place && end - place <= 15)
		*adjust = (int64_t)(end - place);
	return 0;
}

/* Index of the instruction holding @place, or -1. */
static long insn_at(const struct arch_insns *insns, size_t size, uint64_t place)
{
	size_t lo = insn_after(insns, place);

	if (!lo || place >= size)
		return -1;
	return (long)lo - 1;
}

int arch_reloc_accesses_memory(const uint8_t *code, size_t size, struct arch_insns *insns,
			       uint64_t place, bool *access)
{
	const uint8_t *c;
	size_t left;
	uint64_t addr;
	cs_insn *insn;
	long i;
	int ret, k;

	*access = false;
	if (!code)
		return -EIO;
	ret = decode(code, size, insns);
	if (ret)
		return ret;
	i = insn_at(insns, size, place);
	if (i < 0)
		return 0;
	addr = insns->off[i];
	c = code + addr;
	left = size - addr;
	insn = cs_malloc(cs_dec_detail);
	if (!insn)
		return -ENOMEM;
	if (cs_disasm_iter(cs_dec_detail, &c, &left, &addr, insn) && insn->id != X86_INS_LEA &&
	    insn->detail->x86.encoding.disp_offset &&
	    insns->off[i] + insn->detail->x86.encoding.disp_offset == place) {
		for (k = 0; k < insn->detail->x86.op_count; k++)
			if (insn->detail->x86.operands[k].type == X86_OP_MEM)
				*access = true;
	}
	cs_free(insn, 1);
	return 0;
}

int arch_is_fill(const uint8_t *code, size_t size, bool *fill)
{
	uint64_t addr = 0;
	cs_insn *insn = cs_malloc(cs_dec_plain);

	if (!insn)
		return -ENOMEM;
	*fill = true;
	while (size && *fill) {
		const uint8_t *at = code;

		*fill = cs_disasm_iter(cs_dec_plain, &code, &size, &addr, insn) &&
			(insn->id == X86_INS_NOP || insn->id == X86_INS_INT3 ||
			 (code - at == 2 && at[0] == 0x66 && at[1] == 0x90));	/* xchg %ax,%ax */
	}
	cs_free(insn, 1);
	return 0;
}

bool arch_has_fentry(struct symbol *func)
{
	struct reloc **rs;
	size_t nr, i;

	if (sec_relocs_by_offset(func->sec, &rs, &nr))
		return false;
	for (i = reloc_lower_bound(rs, nr, func->offset);
	     i < nr && rs[i]->offset < func->offset + 16; i++) {
		const char *n = rs[i]->sym->name;

		if (!strcmp(n, "__fentry__") || !strcmp(n, "mcount") || !strcmp(n, "__mcount"))
			return true;
	}
	return false;
}

static uint32_t imm_value(const uint8_t *p, unsigned int size)
{
	uint32_t v = 0;
	unsigned int i;

	for (i = 0; i < size && i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

int arch_imm_diffs(const uint8_t *ca, const uint8_t *cb, size_t size, uint64_t base,
		   arch_imm_fn imm, void *arg)
{
	uint64_t aa = base, ab = base;
	size_t sa = size, sb = size;
	cs_insn *ia, *ib;
	int ret = 0;

	ia = cs_malloc(cs_dec_detail);
	ib = cs_malloc(cs_dec_detail);
	if (!ia || !ib) {
		ret = -ENOMEM;
		goto out;
	}
	while (sa && sb && !ret) {
		uint64_t at = ab;
		const uint8_t *pa = ca, *pb = cb;
		const cs_x86_encoding *ea, *eb;
		unsigned int k;

		if (!cs_disasm_iter(cs_dec_detail, &ca, &sa, &aa, ia) ||
		    !cs_disasm_iter(cs_dec_detail, &cb, &sb, &ab, ib) ||
		    ia->size != ib->size || ia->id != ib->id) {
			ret = 1;
			break;
		}
		if (!memcmp(pa, pb, ia->size))
			continue;
		ea = &ia->detail->x86.encoding;
		eb = &ib->detail->x86.encoding;
		if (!ea->imm_offset || ea->imm_offset != eb->imm_offset ||
		    ea->imm_size != eb->imm_size || ea->imm_size > 4) {
			ret = 1;
			break;
		}
		for (k = 0; k < ia->size; k++)
			if (pa[k] != pb[k] &&
			    (k < ea->imm_offset || k >= (unsigned int)ea->imm_offset + ea->imm_size))
				ret = 1;
		if (ret)
			break;
		if (imm(arg, at, imm_value(pa + ea->imm_offset, ea->imm_size),
			imm_value(pb + eb->imm_offset, eb->imm_size), ia->id == X86_INS_MOV))
			ret = 1;
	}
	if (!ret && (sa || sb))
		ret = 1;
out:
	if (ia)
		cs_free(ia, 1);
	if (ib)
		cs_free(ib, 1);
	return ret;
}
