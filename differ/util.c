// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the differ's passes: pass data attached to the ELF
 * model, per-section symbol maps, section classification, facts.
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

static int cmp_sym_off(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol *const *)a;
	const struct symbol *y = *(struct symbol *const *)b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	/* Prefer sized symbols (objects, functions) over labels at one offset. */
	if ((x->size != 0) != (y->size != 0))
		return x->size ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Give every section and symbol its pass data and every section a
 * sorted array of its symbols: one pass over the symbols, one sort per
 * section, so the whole thing is O(n log n) in the symbol count.
 */
int differ_attach(struct object *obj)
{
	struct section *sec;
	struct symbol *sym;

	for_each_section(obj, sec)
		sec->priv = xcalloc(1, sizeof(struct dsec));
	for_each_symbol(obj, sym) {
		struct dsym *ds = xcalloc(1, sizeof(*ds));

		sym->priv = ds;
		ds->bare = bare_name(sym->name, &ds->numbered);
		if (sym->sec && sym->type != STT_SECTION && sym->type != STT_FILE)
			DS(sym->sec)->nr_syms++;
	}
	for_each_section(obj, sec) {
		struct dsec *dsec = DS(sec);

		if (dsec->nr_syms)
			dsec->syms = xcalloc(dsec->nr_syms, sizeof(*dsec->syms));
		dsec->nr_syms = 0;
	}
	for_each_symbol(obj, sym) {
		if (sym->sec && sym->type != STT_SECTION && sym->type != STT_FILE)
			DS(sym->sec)->syms[DS(sym->sec)->nr_syms++] = sym;
	}
	for_each_section(obj, sec) {
		struct dsec *dsec = DS(sec);

		if (dsec->nr_syms > 1)
			qsort(dsec->syms, dsec->nr_syms, sizeof(*dsec->syms), cmp_sym_off);
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
		free(ds->bare);
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
		free(dsec->syms);
		arch_insns_free(&dsec->insns);
		free(dsec);
		sec->priv = NULL;
	}
}

/*
 * The symbol of @sec at @off: with @covering, the sized symbol whose
 * [offset, offset+size) holds @off (or a zero-sized label exactly at it);
 * without, only one starting exactly at @off.
 */
struct symbol *sec_symbol_at(struct section *sec, uint64_t off, bool covering)
{
	struct dsec *dsec = DS(sec);
	unsigned int lo = 0, hi, i;
	struct symbol *best = NULL;

	if (!dsec || !dsec->nr_syms)
		return NULL;
	hi = dsec->nr_syms;
	while (lo < hi) {		/* first symbol with offset > off */
		unsigned int mid = (lo + hi) / 2;

		if (dsec->syms[mid]->offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo symbols start at or before @off; exact starts first */
	for (i = lo; i-- > 0 && dsec->syms[i]->offset == off;) {
		struct symbol *s = dsec->syms[i];

		if (!best || (s->size && !best->size))
			best = s;
	}
	if (best || !covering)
		return best;
	for (i = lo; i-- > 0;) {
		struct symbol *s = dsec->syms[i];

		if (!s->size)
			continue;
		return off < s->offset + s->size ? s : NULL;
	}
	return NULL;
}

/* A .cold part counts as its parent function. */
struct symbol *func_parent(struct symbol *sym)
{
	if (sym && sym->priv && D(sym)->parent)
		return D(sym)->parent;
	return sym;
}

bool sym_is_data(const struct symbol *sym)
{
	return sym->type == STT_OBJECT || sym->type == STT_TLS;
}

bool sec_is_string(const struct section *sec)
{
	return (sec->sh.sh_flags & SHF_STRINGS) != 0;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

bool sec_is_init(const struct section *sec)
{
	return has_prefix(sec->name, ".init.") || has_prefix(sec->name, ".exit.") ||
	       has_prefix(sec->name, ".meminit.");
}

bool sec_is_readonly(const struct section *sec)
{
	if (sec->sh.sh_flags & SHF_EXECINSTR)
		return false;
	if (!(sec->sh.sh_flags & SHF_WRITE))
		return true;
	/* written only by the loader's relocations */
	return has_prefix(sec->name, ".data.rel.ro") || has_prefix(sec->name, ".data..ro_after_init");
}

/*
 * A coarse kind of a section; a symbol must not move between kinds
 * (code, init code, constant data, data, per-cpu, bss-like ...).
 */
const char *sec_kind(const struct section *sec)
{
	if (sec_is_init(sec))
		return sec_is_text(sec) ? "init code" : "init data";
	if (sec_is_text(sec))
		return "code";
	if (has_prefix(sec->name, ".data..percpu"))
		return "per-cpu data";
	if (has_prefix(sec->name, ".data..ro_after_init"))
		return "ro-after-init data";
	if (has_prefix(sec->name, ".data..read_mostly") || has_prefix(sec->name, ".data..cacheline"))
		return "data";
	if (has_prefix(sec->name, ".data.once") || has_prefix(sec->name, ".data..once"))
		return "data";
	if (sec_is_readonly(sec))
		return "constant data";
	return "data";
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
	struct fact *f = xcalloc(1, sizeof(*f));

	/* FACTS.json: { "section", "symbol", "reason", "hint" } */
	f->symbol = xstrdup(sym ? sym->name : "");
	f->section = xstrdup(sec ? sec->name : "");
	f->reason = xstrdup(reason);
	f->hint = xstrdup(hint);
	fact_add(&d->refusals, f);
	pr_err("%s: %s: %s: %s; %s", d->display, sec ? sec->name : "-",
	       sym ? sym->name : "-", reason, hint);
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
