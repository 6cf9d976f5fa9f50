// SPDX-License-Identifier: GPL-2.0
/*
 * arch-x86: what the passes need to know about x86-64 code, through
 * capstone.
 *
 *   - where a pc-relative relocation's instruction ends, so its target is
 *     known exactly (addend + end of instruction - place), also for
 *     instructions with an immediate after the displacement;
 *   - whether two functions differ only in __LINE__ immediates: the same
 *     instructions, the only differing bytes inside an immediate operand,
 *     and a call to a helper taking a line number (might_sleep, WARN,
 *     printk, lockdep ...) shortly after;
 *   - whether a function has its ftrace entry (call __fentry__).
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"
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

bool arch_reloc_pcrel(uint32_t type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32 || type == R_X86_64_GOTPCREL ||
	       type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX ||
	       type == R_X86_64_PC64;
}

/* Instruction starts of a code section, by a linear sweep (gcc pads with nops). */
static int decode_section(struct section *text)
{
	struct dsec *ds = DS(text);
	const uint8_t *code;
	uint64_t addr = 0;
	size_t size, max = 0;
	cs_insn *insn;

	if (ds->insns_decoded)
		return 0;
	ds->insns_decoded = true;
	code = sec_data(text);
	if (!code)
		return -EIO;
	size = text->size;
	insn = cs_malloc(cs_dec_plain);
	if (!insn)
		return -ENOMEM;
	while (size) {
		const uint8_t *c = code;

		if (ds->nr_insns == max) {
			max = max ? 2 * max : 256;
			ds->insn_off = realloc(ds->insn_off, max * sizeof(*ds->insn_off));
			if (!ds->insn_off)
				abort();
		}
		ds->insn_off[ds->nr_insns++] = (uint32_t)addr;
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

int arch_pcrel_adjust(struct section *text, struct reloc *r, int64_t *adjust)
{
	struct dsec *ds = DS(text);
	unsigned int lo = 0, hi;
	uint64_t end;
	int ret;

	*adjust = 4;		/* displacement at the end of the instruction */
	ret = decode_section(text);
	if (ret)
		return ret;
	hi = ds->nr_insns;
	while (lo < hi) {	/* first instruction starting after the place */
		unsigned int mid = (lo + hi) / 2;

		if (ds->insn_off[mid] <= r->offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return 0;
	end = lo < ds->nr_insns ? ds->insn_off[lo] : text->size;
	if (end > r->offset && end - r->offset <= 15)
		*adjust = (int64_t)(end - r->offset);
	return 0;
}

bool arch_has_fentry(struct symbol *func)
{
	struct reloc **rs;
	size_t nr, i;

	rs = sec_relocs_sorted(func->sec, &nr);
	for (i = reloc_lower_bound(rs, nr, func->offset);
	     i < nr && rs[i]->offset < func->offset + 16; i++) {
		const char *n = rs[i]->sym->name;

		if (!strcmp(n, "__fentry__") || !strcmp(n, "mcount") || !strcmp(n, "__mcount"))
			return true;
	}
	return false;
}

/* Kernel functions with a line-number parameter (passed __LINE__ by their wrapper macros). */
static const char *const line_helpers[] = {
	"__might_sleep", "__might_resched", "__might_fault", "__cant_sleep", "__cant_migrate",
	"__warn_printk", "warn_slowpath_fmt", "__warn", "lockdep_rcu_suspicious", "_printk",
	"printk", "__dynamic_pr_debug", "__might_sleep_precision", "___might_sleep",
	"__ext4_journal_start_sb", "__ext4_journal_stop", "__ext4_journal_get_write_access",
	"__ext4_journal_get_create_access", "__ext4_handle_dirty_metadata", "__ext4_forget",
	"__ext4_error", "__ext4_error_inode", "__ext4_error_file", "__ext4_std_error",
	"__ext4_warning", "__ext4_warning_inode", "__ext4_grp_locked_error", "__ext4_new_inode",
	"__ext4_ext_dirty", "__ext4_mark_inode_dirty", "__ext4_journal_ensure_credits",
	"ext4_journal_abort_handle", "__ext4_journal_start_reserved",
	"__btrfs_handle_fs_error", "__btrfs_abort_transaction", "btrfs_assertfail",
	"xfs_error_report", "xfs_corruption_error", "assfail", "xfs_buf_corruption_error",
	"__jbd2_debug", "__nfs_debug", "__xfs_printk", "__ocfs2_error", "__ocfs2_abort",
	"__f2fs_bug_on", "f2fs_printk", "usercopy_abort", "__ubsan_handle_out_of_bounds",
};

static bool is_line_helper(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(line_helpers) / sizeof(line_helpers[0]); i++)
		if (!strcmp(name, line_helpers[i]))
			return true;
	return false;
}

/*
 * Is the immediate at @from a line number?  Yes when, close around it, the
 * code calls a helper known to take one, or passes __func__ to a call: the
 * kernel's (__func__, __LINE__) argument pairs (ext4_error, jbd2 and
 * journal helpers, WARN variants ...).
 */
static bool line_helper_follows(struct symbol *sym, uint64_t from)
{
	uint64_t lo = from > sym->offset + 32 ? from - 32 : sym->offset;
	uint64_t hi = from + 64 < sym->offset + sym->size ? from + 64 : sym->offset + sym->size;
	bool func_arg = false, call_after = false;
	struct reloc **rs;
	size_t nr, i;

	rs = sec_relocs_sorted(sym->sec, &nr);
	for (i = reloc_lower_bound(rs, nr, lo); i < nr && rs[i]->offset < hi; i++) {
		struct target t;

		if (reloc_target(rs[i], &t) || !t.sym)
			continue;
		if (rs[i]->offset > from && (rs[i]->type == R_X86_64_PLT32 ||
					     (rs[i]->type == R_X86_64_PC32 && sym_is_func(t.sym)))) {
			if (is_line_helper(t.sym->name))
				return true;
			if (!call_after && func_arg)
				return true;
			call_after = true;
		}
		if (sym_is_data(t.sym) && D(t.sym) && !strcmp(D(t.sym)->bare, "__func__")) {
			if (!call_after)
				func_arg = true;
		}
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

static void add_maybe(struct symbol *b, uint32_t va, uint32_t vb)
{
	struct dsym *ds = D(b);
	struct line_pair *n = realloc(ds->maybe_lines, (ds->nr_maybe_lines + 1) * sizeof(*n));

	if (!n)
		abort();
	ds->maybe_lines = n;
	n[ds->nr_maybe_lines].a = va;
	n[ds->nr_maybe_lines++].b = vb;
}

enum line_result arch_line_only_diff(struct differ *d, struct symbol *a, struct symbol *b)
{
	const uint8_t *ca, *cb;
	uint64_t aa = a->offset, ab = b->offset;
	size_t sa = a->size, sb = b->size;
	cs_insn *ia, *ib;
	bool ok = true, any = false, maybe = false;

	if (a->size != b->size)
		return LINES_NO;
	ca = sec_data(a->sec);
	cb = sec_data(b->sec);
	if (!ca || !cb)
		return LINES_NO;
	ca += a->offset;
	cb += b->offset;
	D(b)->nr_maybe_lines = 0;
	ia = cs_malloc(cs_dec_detail);
	ib = cs_malloc(cs_dec_detail);
	if (!ia || !ib) {
		ok = false;
		goto out;
	}
	while (sa && sb && ok) {
		uint64_t at = ab;
		const uint8_t *pa = ca, *pb = cb;
		const cs_x86_encoding *ea, *eb;
		uint32_t va, vb;
		unsigned int k;

		if (!cs_disasm_iter(cs_dec_detail, &ca, &sa, &aa, ia) ||
		    !cs_disasm_iter(cs_dec_detail, &cb, &sb, &ab, ib) ||
		    ia->size != ib->size || ia->id != ib->id) {
			ok = false;
			break;
		}
		if (!memcmp(pa, pb, ia->size))
			continue;
		ea = &ia->detail->x86.encoding;
		eb = &ib->detail->x86.encoding;
		if (!ea->imm_offset || ea->imm_offset != eb->imm_offset ||
		    ea->imm_size != eb->imm_size || ea->imm_size > 4) {
			ok = false;
			break;
		}
		for (k = 0; k < ia->size; k++)
			if (pa[k] != pb[k] &&
			    (k < ea->imm_offset || k >= (unsigned int)ea->imm_offset + ea->imm_size))
				ok = false;
		if (!ok)
			break;
		va = imm_value(pa + ea->imm_offset, ea->imm_size);
		vb = imm_value(pb + eb->imm_offset, eb->imm_size);
		if (!va || !vb || va > 1000000 || vb > 1000000) {
			ok = false;	/* not a line number */
			break;
		}
		any = true;
		if (line_helper_follows(b, at)) {
			line_pair_add(d, va, vb);
		} else if (ia->id == X86_INS_MOV) {
			add_maybe(b, va, vb);
			maybe = true;
		} else {
			ok = false;
		}
	}
	if (sa || sb)
		ok = false;
out:
	if (ia)
		cs_free(ia, 1);
	if (ib)
		cs_free(ib, 1);
	if (!ok || !any)
		return LINES_NO;
	return maybe ? LINES_MAYBE : LINES_CERTAIN;
}
