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
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "differ.h"
#include "log.h"

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
		if (rs[i]->offset > from && arch_reloc_call(rs[i]->type, sym_is_func(t.sym))) {
			if (is_line_helper(t.sym->name))
				return true;
			if (!call_after && func_arg)
				return true;
			call_after = true;
		}
		if (sym_is_data(t.sym) && !strcmp(t.sym->bare, "__func__")) {
			if (!call_after)
				func_arg = true;
		}
	}
	return false;
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

struct line_walk {
	struct differ *d;
	struct symbol *b;
	bool any, maybe;
};

static int line_imm(void *arg, uint64_t at, uint32_t va, uint32_t vb, bool mov)
{
	struct line_walk *w = arg;

	if (!va || !vb || va > 1000000 || vb > 1000000)
		return 1;	/* not a line number */
	w->any = true;
	if (line_helper_follows(w->b, at)) {
		line_pair_add(w->d, va, vb);
	} else if (mov) {
		add_maybe(w->b, va, vb);
		w->maybe = true;
	} else {
		return 1;
	}
	return 0;
}

enum line_result line_only_diff(struct differ *d, struct symbol *a, struct symbol *b)
{
	struct line_walk w = { .d = d, .b = b };
	const uint8_t *ca, *cb;

	if (a->size != b->size)
		return LINES_NO;
	ca = sec_data(a->sec);
	cb = sec_data(b->sec);
	if (!ca || !cb)
		return LINES_NO;
	D(b)->nr_maybe_lines = 0;
	if (arch_imm_diffs(ca + a->offset, cb + b->offset, a->size, b->offset, line_imm, &w) ||
	    !w.any)
		return LINES_NO;
	return w.maybe ? LINES_MAYBE : LINES_CERTAIN;
}
