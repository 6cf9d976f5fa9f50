// SPDX-License-Identifier: GPL-2.0
/*
 * lines: whether two functions differ only in __LINE__ values.
 *
 * The decoder (arch.h) walks both codes side by side and reports every
 * instruction pair that differs only in an immediate.  Such an immediate
 * is a line number when, close around it, the code calls a helper known
 * to take one (line-helpers.c), or passes __func__ to a call: the kernel's
 * (__func__, __LINE__) argument pairs.  Those are certain line moves; a
 * mov of a line-like value with no such call nearby is only a candidate,
 * kept in D(b)->maybe_lines for compare to check against the certain
 * moves around it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "array.h"
#include "differ.h"
#include "log.h"

/* 1: a line-taking helper is called right after @from, 0 not, -ENOMEM. */
static int line_helper_follows(struct symbol *sym, uint64_t from)
{
	uint64_t lo = from > sym->offset + 32 ? from - 32 : sym->offset;
	uint64_t hi = from + 64 < sym->offset + sym->size ? from + 64 : sym->offset + sym->size;
	bool func_arg = false, call_after = false;
	struct reloc **rs;
	size_t nr, i;

	if (sec_relocs_by_offset(sym->sec, &rs, &nr))
		return -ENOMEM;
	for (i = reloc_lower_bound(rs, nr, lo); i < nr && rs[i]->offset < hi; i++) {
		struct target t;

		if (reloc_target(rs[i], &t) || !t.sym)
			continue;
		if (rs[i]->offset > from && arch_reloc_call(rs[i]->type, sym_is_func(t.sym))) {
			if (is_line_helper(t.sym->name))
				return 1;
			if (!call_after && func_arg)
				return 1;
			call_after = true;
		}
		if (sym_is_data(t.sym) && !strcmp(t.sym->bare, "__func__")) {
			if (!call_after)
				func_arg = true;
		}
	}
	return 0;
}

static int add_maybe(struct symbol *b, uint32_t va, uint32_t vb)
{
	struct dsym *ds = D(b);

	if (ARRAY_GROW(ds->maybe_lines, ds->max_maybe_lines, ds->nr_maybe_lines + 1))
		return -ENOMEM;
	ds->maybe_lines[ds->nr_maybe_lines].a = va;
	ds->maybe_lines[ds->nr_maybe_lines++].b = vb;
	return 0;
}

struct line_walk {
	struct differ *d;
	struct symbol *b;
	bool any, maybe;
	int err;		/* -ENOMEM: the walk stopped for it */
};

static int line_imm(void *arg, uint64_t at, uint32_t va, uint32_t vb, bool mov)
{
	struct line_walk *w = arg;
	int helper;

	if (!va || !vb || va > 1000000 || vb > 1000000)
		return 1;	/* not a line number */
	w->any = true;
	helper = line_helper_follows(w->b, at);
	if (helper > 0) {
		w->err = line_pair_add(w->d, va, vb);
	} else if (!helper && mov) {
		w->err = add_maybe(w->b, va, vb);
		w->maybe = true;
	} else {
		w->err = helper;
		return 1;
	}
	return w->err ? 1 : 0;
}

int line_only_diff(struct differ *d, struct symbol *a, struct symbol *b)
{
	struct line_walk w = { .d = d, .b = b };
	const uint8_t *ca, *cb;
	int ret;

	if (a->size != b->size)
		return LINES_NO;
	ca = sec_data(a->sec);
	cb = sec_data(b->sec);
	if (!ca || !cb)
		return LINES_NO;
	D(b)->nr_maybe_lines = 0;
	ret = arch_imm_diffs(ca + a->offset, cb + b->offset, a->size, b->offset, line_imm, &w);
	if (ret < 0 || w.err)
		return ret < 0 ? ret : w.err;
	if (ret || !w.any)
		return LINES_NO;
	return w.maybe ? LINES_MAYBE : LINES_CERTAIN;
}
