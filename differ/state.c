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

#include "array.h"
#include "differ.h"
#include "log.h"

/* Give every section and symbol its pass data. */
int differ_attach(struct object *obj)
{
	struct section *sec;
	struct symbol *sym;

	/* what is attached before a failure is freed by differ_detach() */
	for_each_section(obj, sec) {
		sec->priv = mem_calloc(1, sizeof(struct dsec));
		if (!sec->priv)
			return -ENOMEM;
	}
	for_each_symbol(obj, sym) {
		sym->priv = mem_calloc(1, sizeof(struct dsym));
		if (!sym->priv)
			return -ENOMEM;
	}
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

int set_reason(struct symbol *sym, const char *fmt, ...)
{
	struct dsym *ds = D(sym);
	va_list ap;
	char *p;
	int n;

	if (alloc_fails())
		return -ENOMEM;
	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	free(ds->reason_buf);
	ds->reason_buf = p;
	ds->reason = p;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names, one a line, sorted into *@names: 0 or -errno (-ENOMEM: main reports it). */
int read_names(const char *path, const char *what, char ***names, size_t *nr)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t max = 0;
	char *copy;

	if (!f) {
		int err = -errno;

		pr_err("%s: cannot read %s: %s", path, what, strerror(-err));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\r\n")] = 0;
		if (!line[0])
			continue;
		copy = mem_strdup(line);
		if (!copy || ARRAY_GROW(*names, max, *nr + 1)) {
			free(copy);
			fclose(f);
			return -ENOMEM;
		}
		(*names)[(*nr)++] = copy;
	}
	fclose(f);
	if (*nr)
		qsort(*names, *nr, sizeof(**names), cmp_name);
	return 0;
}

void free_names(char ***names, size_t *nr)
{
	size_t i;

	for (i = 0; i < *nr; i++)
		free((*names)[i]);
	free(*names);
	*names = NULL;
	*nr = 0;
}

bool names_has(char *const *names, size_t nr, const char *name)
{
	return sorted_find(&name, names, nr, sizeof(*names), cmp_name, NULL);
}

struct fact *fact_new(const char *name)
{
	struct fact *f = mem_calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->name = mem_strdup(name);
	if (!f->name) {
		free(f);
		return NULL;
	}
	return f;
}

void fact_add(struct fact_list *list, struct fact *f)
{
	if (!list->tail)
		list->tail = &list->head;
	*list->tail = f;
	list->tail = &f->next;
}

void fact_free(struct fact *f)
{
	if (!f)
		return;
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

static void fact_list_free(struct fact_list *list)
{
	struct fact *f, *n;

	for (f = list->head; f; f = n) {
		n = f->next;
		fact_free(f);
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
	fact_list_free(&d->unused_new);
}

/* Record a refusal: the run ends with exit 2 and no output object.  0 or -ENOMEM. */
int refuse(struct differ *d, const struct section *sec, const struct symbol *sym,
	   const char *reason, const char *hint)
{
	int err = refuse_named(d, sec ? sec->name : "", sym ? sym->name : "", reason, hint);

	if (!err && sym && sym->priv)
		((struct dsym *)sym->priv)->refused = true;
	return err;
}

int refusef(struct differ *d, const struct section *sec, const struct symbol *sym,
	    const char *hint, const char *fmt, ...)
{
	va_list ap;
	char *reason;
	int n, err;

	if (alloc_fails())
		return -ENOMEM;
	va_start(ap, fmt);
	n = vasprintf(&reason, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	err = refuse(d, sec, sym, reason, hint);
	free(reason);
	return err;
}

int refuse_named(struct differ *d, const char *section, const char *symbol,
		 const char *reason, const char *hint)
{
	struct fact *f = mem_calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	/* FACTS.json: { "section", "symbol", "reason", "hint" } */
	f->symbol = mem_strdup(symbol);
	f->section = mem_strdup(section);
	f->reason = mem_strdup(reason);
	f->hint = mem_strdup(hint);
	if (!f->symbol || !f->section || !f->reason || !f->hint) {
		fact_free(f);
		return -ENOMEM;
	}
	fact_add(&d->refusals, f);
	pr_err("%s: %s: %s: %s; %s", d->display, *section ? section : "-",
	       *symbol ? symbol : "-", reason, hint);
	return 0;
}

int line_pair_add(struct differ *d, uint32_t a, uint32_t b)
{
	if (ARRAY_GROW(d->lines, d->max_lines, d->nr_lines + 1))
		return -ENOMEM;
	d->lines[d->nr_lines].a = a;
	d->lines[d->nr_lines++].b = b;
	return 0;
}
