// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the differ's passes: pass data attached to the ELF
 * model, facts and refusals.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"
#include "log.h"

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		pr_err("out of memory");
		abort();
	}
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p) {
		pr_err("out of memory");
		abort();
	}
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0) {
		pr_err("out of memory");
		abort();
	}
	return p;
}

/* Give every section and symbol its pass data. */
int differ_attach(struct object *obj)
{
	struct section *sec;
	struct symbol *sym;

	for_each_section(obj, sec)
		sec->priv = xcalloc(1, sizeof(struct dsec));
	for_each_symbol(obj, sym)
		sym->priv = xcalloc(1, sizeof(struct dsym));
	return 0;
}

void differ_detach(struct object *obj)
{
	struct section *sec;
	struct symbol *sym;

	if (!obj)
		return;
	TAILQ_FOREACH(sym, &obj->symbols, list) {
		struct dsym *ds = sym->priv;

		if (!ds)
			continue;
		free(ds->reason_buf);
		free(ds->users);
		free(ds->maybe_lines);
		free(ds);
		sym->priv = NULL;
	}
	TAILQ_FOREACH(sec, &obj->sections, list) {
		struct dsec *dsec = sec->priv;

		if (!dsec)
			continue;
		arch_insns_free(&dsec->insns);
		free(dsec);
		sec->priv = NULL;
	}
}

/* A .cold part counts as its parent function. */
struct symbol *func_parent(struct symbol *sym)
{
	if (sym && sym->parent)
		return sym->parent;
	return sym;
}

void set_reason(struct symbol *sym, const char *fmt, ...)
{
	struct dsym *ds = D(sym);
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	va_end(ap);
	free(ds->reason_buf);
	ds->reason_buf = p;
	ds->reason = p ? p : "changed";
}

struct fact *fact_new(const char *name)
{
	struct fact *f = xcalloc(1, sizeof(*f));

	f->name = xstrdup(name);
	return f;
}

void fact_add(struct fact_list *list, struct fact *f)
{
	if (!list->tail)
		list->tail = &list->head;
	*list->tail = f;
	list->tail = &f->next;
}

static void fact_list_free(struct fact_list *list)
{
	struct fact *f, *n;

	for (f = list->head; f; f = n) {
		n = f->next;
		free(f->name);
		free(f->verdict);
		free(f->reason);
		free(f->section);
		free(f->hint);
		free(f->object);
		free(f->cu);
		free(f->alias);
		free(f->symbol);
		free(f);
	}
	list->head = NULL;
	list->tail = NULL;
}

void facts_free(struct differ *d)
{
	fact_list_free(&d->functions);
	fact_list_free(&d->new_functions);
	fact_list_free(&d->data);
	fact_list_free(&d->refusals);
	fact_list_free(&d->klp_symbols);
	fact_list_free(&d->tracepoints_off);
}

struct reloc **sec_relocs_sorted(struct section *sec, size_t *nr)
{
	struct reloc **arr;

	if (sec_relocs_by_offset(sec, &arr, nr))
		abort();	/* out of memory, as xcalloc() */
	return arr;
}

/* Record a refusal: the run ends with exit 2 and no output object. */
void refuse(struct differ *d, const struct section *sec, const struct symbol *sym,
	    const char *reason, const char *hint)
{
	refuse_named(d, sec ? sec->name : "", sym ? sym->name : "", reason, hint);
	if (sym && sym->priv)
		((struct dsym *)sym->priv)->refused = true;
}

void refuse_named(struct differ *d, const char *section, const char *symbol,
		  const char *reason, const char *hint)
{
	struct fact *f = xcalloc(1, sizeof(*f));

	/* FACTS.json: { "section", "symbol", "reason", "hint" } */
	f->symbol = xstrdup(symbol);
	f->section = xstrdup(section);
	f->reason = xstrdup(reason);
	f->hint = xstrdup(hint);
	fact_add(&d->refusals, f);
	pr_err("%s: %s: %s: %s; %s", d->display, *section ? section : "-",
	       *symbol ? symbol : "-", reason, hint);
}

void line_pair_add(struct differ *d, uint32_t a, uint32_t b)
{
	if (d->nr_lines == d->max_lines) {
		d->max_lines = d->max_lines ? 2 * d->max_lines : 256;
		d->lines = realloc(d->lines, d->max_lines * sizeof(*d->lines));
		if (!d->lines)
			abort();
	}
	d->lines[d->nr_lines].a = a;
	d->lines[d->nr_lines++].b = b;
}
