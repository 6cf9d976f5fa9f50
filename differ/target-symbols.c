// SPDX-License-Identifier: GPL-2.0
/*
 * target-symbols: the target's symbols, from one of two sources.
 *
 *  index   the per-release symbol index (symindex.h): object, sympos,
 *          exported, compilation unit of every symbol;
 *  symtab  kpatch's inputs: the `readelf -s --wide` text of the parent
 *          object (vmlinux or the module) and a Module.symvers (may be
 *          /dev/null).  Locals belong to the STT_FILE symbol before them;
 *          sympos counts same-named symbols in table order.
 *
 * A local whose name is not unique is settled by this object's source
 * file: the index's CU (exact, or by file name when only the STT_FILE
 * basename is known), the symtab's FILE block.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "differ.h"
#include "log.h"
#include "symindex.h"
#include "symvers.h"

struct tsym {
	char *name;
	const char *file;		/* STT_FILE block (symtab) */
	unsigned char type, bind;
	bool defined;
	unsigned int sympos;
	size_t seq;			/* position in the table */
	uint64_t addr, size;		/* Value and Size columns */
};

struct lookup {
	const char *objname;
	char *cu, *file_sym;
	struct symidx *idx;
	/* symtab backend */
	struct tsym *syms;
	size_t nr_syms, alloc_syms;
	char **files;
	size_t nr_files, alloc_files;
	struct ksymvers *exports;
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

struct lookup *lookup_index_open(const char *path, const char *objname, const char *cu,
				 const char *file_sym)
{
	struct lookup *l = mem_calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->idx = symidx_open(path);
	if (!l->idx) {
		int err = errno;

		free(l);
		errno = err;
		return NULL;
	}
	if (!symidx_has_object(l->idx, objname))
		pr_warn("%s: the index has no object %s", path, objname);
	l->objname = objname;
	l->cu = cu ? mem_strdup(cu) : NULL;
	l->file_sym = file_sym ? mem_strdup(file_sym) : NULL;
	if ((cu && !l->cu) || (file_sym && !l->file_sym)) {
		lookup_close(l);
		errno = ENOMEM;
		return NULL;
	}
	return l;
}

int lookup_layout(struct lookup *l, const char *type, const char *member, uint64_t *off,
		  uint64_t *size)
{
	if (!l || !l->idx)
		return -ENODATA;
	return symidx_layout(l->idx, type, member, off, size);
}

void lookup_close(struct lookup *l)
{
	size_t i;

	if (!l)
		return;
	if (l->idx)
		symidx_close(l->idx);
	for (i = 0; i < l->nr_syms; i++)
		free(l->syms[i].name);
	for (i = 0; i < l->nr_files; i++)
		free(l->files[i]);
	free(l->syms);
	free(l->files);
	ksymvers_free(l->exports);
	free(l->cu);
	free(l->file_sym);
	free(l);
}

/* ---- index backend ---- */

static void index_result(const struct symidx_entry *e, struct lookup_result *res)
{
	res->object = e->object;
	res->cu = e->cu;
	res->sympos = e->sympos;
	res->exported = e->exported;
	res->type = e->type;
}

static int index_local(struct lookup *l, const char *name, struct lookup_result *res)
{
	const struct symidx_entry *e, *one = NULL;
	size_t n, i, hits = 0;

	n = symidx_lookup(l->idx, l->objname, name, &e);
	if (!n)
		return -ENOENT;
	if (n == 1) {
		one = e;
	} else if (l->cu && l->cu[0]) {
		one = symidx_find_in_cu(l->idx, l->objname, name, l->cu);
		if (!one)
			return errno == ENOTUNIQ ? -ENOTUNIQ : -ENOENT;
	} else if (l->file_sym) {
		/* only the basename is known: it must single out one CU */
		for (i = 0; i < n; i++) {
			if (e[i].cu[0] && !strcmp(base_name(e[i].cu), base_name(l->file_sym))) {
				one = &e[i];
				hits++;
			}
		}
		if (hits != 1)
			return -ENOTUNIQ;
	} else {
		return -ENOTUNIQ;
	}
	index_result(one, res);
	return 0;
}

static int index_global(struct lookup *l, const char *name, struct lookup_result *res)
{
	const struct symidx_entry *e;
	const char *objs[] = { l->objname, "vmlinux" };
	size_t n, i, k;

	for (k = 0; k < 2; k++) {
		n = symidx_lookup(l->idx, objs[k], name, &e);
		for (i = 0; i < n; i++) {
			if (e[i].bind == STB_LOCAL)
				continue;
			index_result(&e[i], res);
			return 0;
		}
	}
	n = symidx_lookup(l->idx, NULL, name, &e);
	{
		const struct symidx_entry *one = NULL;

		for (i = 0; i < n; i++) {
			if (e[i].bind == STB_LOCAL)
				continue;
			if (one && strcmp(one->object, e[i].object))
				return -ENOTUNIQ;
			one = &e[i];
		}
		if (!one)
			return -ENOENT;
		index_result(one, res);
	}
	return 0;
}

/* ---- symtab backend ---- */

static int cmp_tsym(const void *a, const void *b)
{
	const struct tsym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *type_of(const char *s, unsigned char *type)
{
	static const struct { const char *n; unsigned char t; } types[] = {
		{ "NOTYPE", STT_NOTYPE }, { "OBJECT", STT_OBJECT }, { "FUNC", STT_FUNC },
		{ "SECTION", STT_SECTION }, { "FILE", STT_FILE }, { "TLS", STT_TLS },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(s, types[i].n)) {
			*type = types[i].t;
			return s;
		}
	*type = STT_NOTYPE;
	return s;
}

static int parse_symtab(struct lookup *l, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	const char *file = "";
	size_t i;

	if (!f) {
		pr_err("%s: cannot read the parent's symbol table: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char num[32], value[32], size[32], type[32], bind[32], vis[32], ndx[32];
		char name[2048];
		struct tsym *t;
		int n;

		name[0] = 0;
		n = sscanf(line, " %31s %31s %31s %31s %31s %31s %31s %2047s", num, value, size,
			   type, bind, vis, ndx, name);
		if (n < 7 || num[strlen(num) - 1] != ':' || !strcmp(num, "Num:"))
			continue;
		if (!strcmp(type, "FILE")) {
			if (ARRAY_GROW(l->files, l->alloc_files, l->nr_files + 1))
				goto nomem;
			l->files[l->nr_files] = mem_strdup(n == 8 ? name : "");
			if (!l->files[l->nr_files])
				goto nomem;
			file = l->files[l->nr_files++];
			continue;
		}
		if (n < 8 || !strcmp(type, "SECTION"))
			continue;
		if (ARRAY_GROW(l->syms, l->alloc_syms, l->nr_syms + 1))
			goto nomem;
		t = &l->syms[l->nr_syms++];
		memset(t, 0, sizeof(*t));
		t->name = mem_strdup(name);
		if (!t->name)
			goto nomem;
		t->seq = l->nr_syms;
		type_of(type, &t->type);
		t->bind = !strcmp(bind, "LOCAL") ? STB_LOCAL :
			  !strcmp(bind, "WEAK") ? STB_WEAK : STB_GLOBAL;
		t->defined = strcmp(ndx, "UND") != 0;
		t->addr = strtoull(value, NULL, 16);
		t->size = strtoull(size, NULL, 0);
		t->file = t->bind == STB_LOCAL ? file : "";
	}
	fclose(f);
	/* sympos: position among the same name in table order */
	if (l->nr_syms)
		qsort(l->syms, l->nr_syms, sizeof(*l->syms), cmp_tsym);
	for (i = 0; i < l->nr_syms;) {
		size_t j = i, k;

		while (j < l->nr_syms && !strcmp(l->syms[j].name, l->syms[i].name))
			j++;
		for (k = i; k < j; k++)
			l->syms[k].sympos = j - i > 1 ? (unsigned int)(k - i + 1) : 0;
		i = j;
	}
	return 0;
nomem:
	fclose(f);
	return -ENOMEM;
}

struct lookup *lookup_symtab_open(const char *symtab, const char *symvers,
				  const char *objname, const char *file_sym)
{
	struct lookup *l = mem_calloc(1, sizeof(*l));
	int ret = -ENOMEM;

	if (!l)
		return NULL;
	l->objname = objname;
	l->file_sym = file_sym ? mem_strdup(file_sym) : NULL;
	if (!file_sym || l->file_sym)
		ret = parse_symtab(l, symtab);
	if (!ret) {
		l->exports = ksymvers_load(symvers);
		if (!l->exports)
			ret = -errno;
	}
	if (ret) {
		lookup_close(l);
		errno = -ret;
		return NULL;
	}
	return l;
}

static int cmp_tsym_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tsym *)elem)->name);
}

/* The run of symbols named @name: [*first, returned end). */
static size_t tsym_find(struct lookup *l, const char *name, size_t *first)
{
	return sorted_equal_range(name, l->syms, l->nr_syms, sizeof(*l->syms), cmp_tsym_name, first);
}

static int symtab_lookup(struct lookup *l, const char *name, bool local,
			 struct lookup_result *res)
{
	size_t first, end, i;
	struct tsym *one = NULL;
	unsigned int hits = 0;

	end = tsym_find(l, name, &first);
	for (i = first; i < end; i++) {
		struct tsym *t = &l->syms[i];

		if (!t->defined || (t->bind == STB_LOCAL) != local)
			continue;
		if (local && end - first > 1 && l->file_sym &&
		    strcmp(base_name(t->file), base_name(l->file_sym)))
			continue;
		one = t;
		hits++;
	}
	if (!hits)
		return -ENOENT;
	if (hits > 1)
		return -ENOTUNIQ;
	res->object = l->objname;
	res->cu = local ? one->file : "";
	res->sympos = one->sympos;
	res->exported = false;
	res->type = one->type;
	res->addr = one->addr;
	res->size = one->size;
	return 0;
}

/* ---- the interface ---- */

int lookup_local(struct lookup *l, const char *name, struct lookup_result *res)
{
	memset(res, 0, sizeof(*res));
	if (l->idx)
		return index_local(l, name, res);
	return symtab_lookup(l, name, true, res);
}

int lookup_local_only(struct lookup *l, const char *name, struct lookup_result *res)
{
	const struct symidx_entry *e;
	size_t n;

	memset(res, 0, sizeof(*res));
	if (!l->idx)
		return symtab_lookup(l, name, true, res);
	n = symidx_lookup(l->idx, l->objname, name, &e);
	if (!n)
		return -ENOENT;
	if (n > 1 || e->bind != STB_LOCAL)
		return -ENOTUNIQ;
	index_result(e, res);
	return 0;
}

int lookup_global(struct lookup *l, const char *name, struct lookup_result *res)
{
	memset(res, 0, sizeof(*res));
	if (l->idx)
		return index_global(l, name, res);
	return symtab_lookup(l, name, false, res);
}

const char *lookup_exporter(struct lookup *l, const char *name)
{
	if (l->idx)
		return symidx_exporter(l->idx, name);
	return ksymvers_exporter(l->exports, name);
}
