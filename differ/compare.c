// SPDX-License-Identifier: GPL-2.0
/*
 * compare: a verdict for every function and data symbol of PATCHED.
 *
 *   new        no twin in ORIG
 *   changed    size, bytes outside relocated fields, relocation targets
 *              (normalized: strings by content, section symbols resolved),
 *              or the function's special-section entries differ
 *   unchanged  otherwise -- including code whose only differences are
 *              __LINE__ values (immediates passed to might_sleep/WARN/printk
 *              helpers, the line field of __bug_table entries)
 *
 * Data is compared first, ignoring what its pointers' targets contain;
 * then functions, where a reference to a changed constant (a const table,
 * a switch table) makes the reader changed.  Special statics are carried
 * as fresh copies and their changes ignored, but for those whose contents
 * the code reads as values: gcc's switch conversion tables (CSWTCH.N: a
 * switch whose case values change compiles to the same code reading a
 * different table), compound literals and ratelimit states.  Those are
 * compared before any other data, so a reader -- code or data -- of a
 * changed one is changed too.  A function into which a
 * changed callee was inlined differs in its own bytes, so it is changed
 * like any other (its reason is the byte or relocation difference).
 * A ".cold" part is compared with its parent and never on its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "differ.h"
#include "log.h"

static const char *const special_statics[] = {
	"__key", "__warned", "__already_done", "__func__", "__FUNCTION__",
	"__PRETTY_FUNCTION__", "CSWTCH", "__print_once", "_rs", "descriptor",
	"__UNIQUE_ID_ddebug", "__msg", "___done", "_entry", "_entry_ptr",
	"__tpstrtab", "__bpf_trace_tp_map", "__compound_literal",
};

/* Special statics whose contents are values the code reads. */
static const char *const value_statics[] = { "CSWTCH", "__compound_literal", "_rs" };

static bool is_value_static(const struct symbol *sym)
{
	size_t i;

	for (i = 0; i < sizeof(value_statics) / sizeof(value_statics[0]); i++)
		if (!strcmp(sym->bare, value_statics[i]))
			return true;
	return false;
}

static bool is_special_static(const struct symbol *sym)
{
	const char *bare = sym->bare;
	size_t i;

	if (sym->bind != STB_LOCAL || !sym_is_data(sym))
		return false;
	for (i = 0; i < sizeof(special_statics) / sizeof(special_statics[0]); i++)
		if (!strcmp(bare, special_statics[i]))
			return true;
	return !strncmp(bare, "__UNIQUE_ID_ddebug", 18) || !strncmp(bare, "__key", 5);
}

static int set_verdict(struct symbol *p, enum verdict v, const char *reason)
{
	p->status = v;
	if (p->twin)
		p->twin->status = v;
	return reason ? set_reason(p, "%s", reason) : 0;
}

static int compare_data(struct differ *d, struct symbol *p)
{
	struct symbol *o = p->twin;
	const char *why;
	int ret;

	if (!o)
		return set_verdict(p, V_NEW, "new");
	if (o->size != p->size)
		return set_verdict(p, V_CHANGED, "size");
	ret = compare_range(d, o->sec, o->offset, p->sec, p->offset, p->size, &why);
	if (ret < 0) {
		if (ret != -ENOMEM)	/* main reports that */
			pr_err("%s: %s: %s: cannot compare: %s", d->display, p->sec->name, p->name,
			       strerror(-ret));
		return ret;
	}
	if (ret)
		return set_verdict(p, V_CHANGED,
				   why && !strcmp(why, "code bytes") ? "initializer" : why);
	return set_verdict(p, V_SAME, NULL);
}

static int compare_code(struct differ *d, struct symbol *o, struct symbol *p, const char **why)
{
	int ret;

	*why = NULL;
	if (o->size != p->size) {
		*why = "code size";
		return 1;
	}
	ret = compare_range(d, o->sec, o->offset, p->sec, p->offset, p->size, why);
	if (ret == 1 && *why && !strcmp(*why, "code bytes")) {
		int lines = line_only_diff(d, o, p);

		if (lines < 0)
			return lines;
		switch (lines) {
		case LINES_CERTAIN:
			D(p)->line_only = true;
			*why = NULL;
			ret = 0;
			break;
		case LINES_MAYBE:
			/* settled by resolve_maybe_lines() once all certain moves are known */
			D(p)->line_only = true;
			*why = NULL;
			ret = 0;
			break;
		case LINES_NO:
			break;
		}
	}
	return ret;
}

static int compare_func(struct differ *d, struct symbol *p)
{
	struct symbol *o = p->twin, *pc = p->cold, *oc;
	const char *why = NULL;
	int ret;

	if (!o)
		return set_verdict(p, V_NEW, "new");
	ret = compare_code(d, o, p, &why);
	if (ret < 0)
		goto err;
	if (!ret) {
		oc = o->cold;
		if (!pc != !oc || (pc && pc->twin != oc)) {
			ret = 1;
			why = "cold part";
		} else if (pc) {
			ret = compare_code(d, oc, pc, &why);
			if (ret < 0)
				goto err;
			if (ret)
				why = "cold part";
		}
	}
	if (!ret) {
		ret = special_compare_func(d, o, p, &why);
		if (!ret && pc)
			ret = special_compare_func(d, o->cold, pc, &why);
		if (ret < 0)
			goto err;
	}
	if (ret)
		return set_verdict(p, V_CHANGED, why ? why : "code bytes");
	return set_verdict(p, V_SAME, NULL);
err:
	if (ret != -ENOMEM)	/* main reports that */
		pr_err("%s: %s: %s: cannot compare with the original: %s", d->display,
		       p->sec->name, p->name, strerror(-ret));
	return ret;
}

static int cmp_line(const void *x, const void *y)
{
	const struct line_pair *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

/*
 * A line move is piecewise constant: every line between two certain moves
 * by delta moved by delta.  An uncertain immediate (a -> b) is a line when
 * the certain moves just at or below a and just at or above a both moved
 * by b - a.
 */
static int cmp_line_a(const void *key, const void *elem)
{
	uint32_t a = *(const uint32_t *)key, b = ((const struct line_pair *)elem)->a;

	return a < b ? -1 : a > b;
}

static bool line_move_known(struct differ *d, const struct line_pair *m)
{
	int64_t delta = (int64_t)m->b - m->a;
	/* the first certain move with .a > m->a */
	size_t lo = sorted_upper_bound(&m->a, d->lines, d->nr_lines, sizeof(*d->lines),
				       cmp_line_a);
	if (lo == 0)
		return false;
	if ((int64_t)d->lines[lo - 1].b - d->lines[lo - 1].a != delta)
		return false;
	if (d->lines[lo - 1].a == m->a)
		return true;
	return lo < d->nr_lines && (int64_t)d->lines[lo].b - d->lines[lo].a == delta;
}

static int resolve_maybe_lines(struct differ *d)
{
	struct symbol *p;

	if (d->nr_lines)
		qsort(d->lines, d->nr_lines, sizeof(*d->lines), cmp_line);
	for_each_symbol(d->patched, p) {
		struct dsym *ds = D(p);
		unsigned int i;

		if (!ds->nr_maybe_lines || p->status != V_SAME)
			continue;
		for (i = 0; i < ds->nr_maybe_lines; i++) {
			if (!line_move_known(d, &ds->maybe_lines[i])) {
				set_verdict(p, V_CHANGED, NULL);
				if (set_reason(p, "code bytes (immediate %u -> %u)",
					       ds->maybe_lines[i].a, ds->maybe_lines[i].b))
					return -ENOMEM;
				break;
			}
		}
	}
	return 0;
}

/*
 * Value statics first, so that every other reader sees their verdict; one
 * may point into another (a compound literal holding one), so again until
 * no verdict changes.
 */
static int compare_value_statics(struct differ *d)
{
	bool again = true;
	struct symbol *p;
	int ret;

	while (again) {
		again = false;
		for_each_symbol(d->patched, p) {
			if (!D(p)->value_static || !p->sec || p->status == V_CHANGED ||
			    p->status == V_NEW)
				continue;
			ret = compare_data(d, p);
			if (ret)
				return ret;
			again = again || p->status == V_CHANGED;
		}
	}
	return 0;
}

int compare(struct differ *d)
{
	struct symbol *p;
	int ret;

	for_each_symbol(d->patched, p) {
		D(p)->special_static = is_special_static(p);
		D(p)->value_static = D(p)->special_static && is_value_static(p);
	}
	for_each_symbol(d->orig, p) {
		D(p)->special_static = is_special_static(p);
		D(p)->value_static = D(p)->special_static && is_value_static(p);
	}

	d->strict_data = false;
	ret = compare_value_statics(d);
	if (ret)
		return ret;
	for_each_symbol(d->patched, p) {
		if (!sym_is_data(p) || !p->sec || D(p)->value_static)
			continue;
		ret = compare_data(d, p);
		if (ret)
			return ret;
	}
	d->strict_data = true;
	for_each_symbol(d->patched, p) {
		if (!sym_is_func(p) || !p->sec || p->parent)
			continue;
		ret = compare_func(d, p);
		if (ret)
			return ret;
	}
	ret = resolve_maybe_lines(d);
	if (ret)
		return ret;
	/* cold parts follow their parents */
	for_each_symbol(d->patched, p) {
		if (sym_is_func(p) && p->parent)
			p->status = p->parent->status;
	}
	return 0;
}
