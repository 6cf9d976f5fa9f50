// SPDX-License-Identifier: GPL-2.0
/*
 * The klp records of a patch module as data: hp-klp.o, an ET_REL object
 * written through elf/, laid out as klp-records.h says.  The one fixed
 * init file (templates/livepatch.c) reads them at load; no C is generated.
 *
 * Pointers are zero in the section contents and filled by R_X86_64_64
 * relocations: to the strings and records of this object (against their
 * section symbols), to the differ's global aliases of the new functions,
 * and to the weak callback symbols that a hooks file may define.
 *
 * .modinfo holds what names this module: its description (where
 * MODULE_DESCRIPTION() would have put it; the init code does not say it,
 * so that it compiles to the same object for every module and is built
 * once per target, build/module.sh) and the namespaces the differ objects
 * import (where MODULE_IMPORT_NS() would have put them).
 */
#include <errno.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "klp-records.h"
#include "log.h"
#include "object.h"
#include "mkmod.h"

/* A section's contents while they are laid out. */
struct bytes {
	unsigned char *p;
	size_t len, cap;
};

struct writer {
	struct object *obj;
	struct section *rec, *str;
	struct symbol *rec_sym, *str_sym;
	unsigned char *recs;		/* the contents of rec */
	struct bytes strs;
	int err;
};

static size_t add_bytes(struct writer *w, struct bytes *b, const void *data, size_t len)
{
	size_t off = b->len;

	if (w->err)
		return 0;
	if (ARRAY_GROW(b->p, b->cap, b->len + len)) {
		w->err = -ENOMEM;
		return 0;
	}
	memcpy(b->p + off, data, len);
	b->len += len;
	return off;
}

static size_t add_string(struct writer *w, const char *s)
{
	return add_bytes(w, &w->strs, s, strlen(s) + 1);
}

static void put_ulong(struct writer *w, size_t off, unsigned long v)
{
	uint64_t le = htole64(v);

	if (!w->err)
		memcpy(w->recs + off, &le, sizeof(le));
}

static void add_pointer(struct writer *w, size_t off, struct symbol *sym, int64_t addend)
{
	if (!w->err && !obj_add_reloc(w->obj, w->rec, off, sym, R_X86_64_64, addend))
		w->err = -ENOMEM;
}

/* A symbol of another object of the module: the link resolves it. */
static struct symbol *extern_symbol(struct writer *w, const char *name, unsigned char bind)
{
	struct symbol *sym;

	if (w->err)
		return NULL;
	sym = obj_find_symbol_by_name(w->obj, name);
	if (!sym)
		sym = obj_create_symbol(w->obj, name, STT_NOTYPE, bind, NULL, 0, 0);
	if (!sym)
		w->err = -ENOMEM;
	return sym;
}

static void add_callback(struct writer *w, size_t off, const char *kind, const char *target)
{
	char *name;

	if (w->err)
		return;
	if (asprintf(&name, HOTPATCH_CB_PREFIX "%s__%s", kind, target) < 0) {
		w->err = -ENOMEM;
		return;
	}
	add_pointer(w, off, extern_symbol(w, name, STB_WEAK), 0);
	free(name);
}

static int cmp_func(const void *pa, const void *pb)
{
	const struct func *a = *(struct func *const *)pa, *b = *(struct func *const *)pb;
	int r = cmp_target(a->in->target, b->in->target);

	if (r)
		return r;
	r = strcmp(a->name, b->name);
	if (r)
		return r;
	return a->sympos < b->sympos ? -1 : a->sympos > b->sympos;
}

/* Every function of every input, in record order. */
static struct func **sorted_funcs(const struct mkmod *m, size_t *nr)
{
	struct func **all;
	size_t i, j, k = 0;

	*nr = 0;
	for (i = 0; i < m->nr_in; i++)
		*nr += m->in[i].nr_funcs;
	all = calloc(*nr ? *nr : 1, sizeof(*all));
	if (!all)
		return NULL;
	for (i = 0; i < m->nr_in; i++) {
		for (j = 0; j < m->in[i].nr_funcs; j++)
			all[k++] = &m->in[i].funcs[j];
	}
	qsort(all, *nr, sizeof(*all), cmp_func);
	return all;
}

static void lay_out(struct writer *w, const struct mkmod *m, struct func **all, size_t nr)
{
	const size_t objs = HP_PATCH_REC_SIZE;
	const size_t funcs = objs + m->nr_targets * HP_OBJ_REC_SIZE;
	size_t i, k = 0;

	if (m->nr_targets)
		add_pointer(w, HP_PATCH_REC_OBJS, w->rec_sym, objs);
	put_ulong(w, HP_PATCH_REC_NR_OBJS, m->nr_targets);
	put_ulong(w, HP_PATCH_REC_REPLACE, m->replace);

	for (i = 0; i < m->nr_targets; i++) {
		const char *t = m->targets[i];
		size_t o = objs + i * HP_OBJ_REC_SIZE, first = k;

		if (strcmp(t, "vmlinux"))	/* vmlinux: NULL */
			add_pointer(w, o + HP_OBJ_REC_NAME, w->str_sym, add_string(w, t));
		for (; k < nr && !strcmp(all[k]->in->target, t); k++) {
			size_t f = funcs + k * HP_FUNC_REC_SIZE;

			add_pointer(w, f + HP_FUNC_REC_OLD_NAME, w->str_sym,
				    add_string(w, all[k]->name));
			add_pointer(w, f + HP_FUNC_REC_NEW_FUNC,
				    extern_symbol(w, all[k]->alias, STB_GLOBAL), 0);
			put_ulong(w, f + HP_FUNC_REC_OLD_SYMPOS, all[k]->sympos);
		}
		if (k > first)
			add_pointer(w, o + HP_OBJ_REC_FUNCS, w->rec_sym,
				    funcs + first * HP_FUNC_REC_SIZE);
		put_ulong(w, o + HP_OBJ_REC_NR_FUNCS, k - first);
		add_callback(w, o + HP_OBJ_REC_PRE_PATCH, "pre_patch", t);
		add_callback(w, o + HP_OBJ_REC_POST_PATCH, "post_patch", t);
		add_callback(w, o + HP_OBJ_REC_PRE_UNPATCH, "pre_unpatch", t);
		add_callback(w, o + HP_OBJ_REC_POST_UNPATCH, "post_unpatch", t);
	}
}

/* "description=..." and "import_ns=<ns>" strings, as the MODULE_*() macros write them. */
static int add_modinfo(struct writer *w, const struct mkmod *m)
{
	static const char desc[] = "description=hotpatch livepatch module ";
	struct bytes info = { 0 };
	size_t i;

	add_bytes(w, &info, desc, strlen(desc));
	add_bytes(w, &info, m->name, strlen(m->name) + 1);
	for (i = 0; i < m->nr_imports && !w->err; i++) {
		add_bytes(w, &info, "import_ns=", 10);
		add_bytes(w, &info, m->imports[i], strlen(m->imports[i]) + 1);
	}
	if (!w->err && !obj_create_section(w->obj, ".modinfo", SHT_PROGBITS, SHF_ALLOC, 0, 1,
					   info.p, info.len))
		w->err = -ENOMEM;
	free(info.p);
	return w->err;
}

static size_t records_size(const struct mkmod *m, size_t nr_funcs)
{
	return HP_PATCH_REC_SIZE + m->nr_targets * HP_OBJ_REC_SIZE + nr_funcs * HP_FUNC_REC_SIZE;
}

int records_write(const struct mkmod *m, const char *path)
{
	struct writer w = { 0 };
	struct func **all;
	size_t nr;

	all = sorted_funcs(m, &nr);
	w.obj = all ? obj_new(path) : NULL;
	if (!w.obj) {
		free(all);
		return -ENOMEM;
	}
	w.rec = obj_create_section(w.obj, HOTPATCH_KLP_SECTION, SHT_PROGBITS, SHF_ALLOC, 0, 8,
				   NULL, records_size(m, nr));
	w.str = obj_create_section(w.obj, HOTPATCH_KLP_STR_SECTION, SHT_PROGBITS, SHF_ALLOC, 0,
				   1, NULL, 0);
	/* an object without it makes the linker assume an executable stack */
	if (!w.rec || !w.str ||
	    !obj_create_section(w.obj, ".note.GNU-stack", SHT_PROGBITS, 0, 0, 1, NULL, 0) ||
	    !(w.recs = sec_data(w.rec)) ||
	    !(w.rec_sym = obj_get_section_symbol(w.obj, w.rec)) ||
	    !(w.str_sym = obj_get_section_symbol(w.obj, w.str)))
		w.err = -ENOMEM;
	lay_out(&w, m, all, nr);
	if (!w.err && !obj_create_symbol(w.obj, HOTPATCH_KLP_PATCH_SYMBOL, STT_OBJECT, STB_GLOBAL,
					 w.rec, 0, HP_PATCH_REC_SIZE))
		w.err = -ENOMEM;
	add_modinfo(&w, m);
	if (!w.err) {
		sec_set_data(w.str, w.strs.p, w.strs.len);
		w.strs.p = NULL;
	}
	if (!w.err)
		w.err = obj_write(w.obj, path);
	obj_close(w.obj);
	free(w.strs.p);
	free(all);
	return w.err;
}
