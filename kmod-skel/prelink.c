// SPDX-License-Identifier: GPL-2.0
/*
 * hotpatch-mkmod's pre-link step: each differ object is checked against
 * its facts and copied into the module directory, rewritten when the
 * module link needs it.
 *
 * The differ already decided which references need livepatch resolution
 * (differ/klp.c); this step applies the same rule, klp_resolved_by_export()
 * of lib/klp.h, to what the object still leaves to exports, because only
 * here are Module.symvers and the target known for every object of the
 * patch: an undefined symbol exported by the target module itself becomes
 * .klp.sym.<module>.<name>,0, and the namespaces of the exports it uses
 * are imported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "klp.h"
#include "log.h"
#include "object.h"
#include "strbuf.h"
#include "symindex.h"
#include "symvers.h"
#include "mkmod.h"

static int add_import(struct mkmod *m, const char *ns)
{
	size_t i;

	for (i = 0; i < m->nr_imports; i++) {
		if (!strcmp(m->imports[i], ns))
			return 0;
	}
	return strv_add(&m->imports, &m->nr_imports, ns);
}

/* Every function's alias must be a defined global function of the object. */
static int check_aliases(struct object *obj, const struct input *in)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < in->nr_funcs; i++) {
		const struct func *fn = &in->funcs[i];
		struct symbol *sym = obj_find_symbol_by_name(obj, fn->alias);

		if (!sym || !sym->sec || sym->type != STT_FUNC ||
		    (sym->bind != STB_GLOBAL && sym->bind != STB_WEAK) || !sec_is_text(sym->sec)) {
			pr_err("%s: alias %s of %s (from %s) is not a defined global function of the "
			       "object", in->obj_path, fn->alias, fn->name, in->facts_path);
			ret = -EINVAL;
		}
	}
	return ret;
}

/* A reference of @in's object to @sym, exported as @e: rewritten when it must be. */
static int link_export(struct mkmod *m, struct input *in, struct symbol *sym,
		       const struct ksym_export *e, bool *changed)
{
	const struct symidx_entry *ent;
	char *klp;
	size_t n;

	if (klp_resolved_by_export(e->object, in->target) || !m->idx)
		return *e->ns ? add_import(m, e->ns) : 0;
	n = symidx_lookup(m->idx, in->target, sym->name, &ent);
	if (n != 1) {
		pr_err("%s: %s is exported by %s but the symbol index has %zu of it there",
		       in->obj_path, sym->name, in->target, n);
		return -EINVAL;
	}
	klp = klp_make_symname(in->target, sym->name, 0);
	if (!klp || sym_rename(sym, klp)) {
		free(klp);
		return -ENOMEM;
	}
	pr_debug("%s: %s: exported by the target module, now %s", in->obj_path, sym->name, klp);
	free(klp);
	*changed = true;
	return 0;
}

int prelink(struct mkmod *m, struct input *in, const char *dst)
{
	struct object *obj = obj_open(in->obj_path, 0);
	struct symbol *sym;
	bool changed = false;
	int ret;

	if (!obj)
		return -errno;
	ret = check_aliases(obj, in);
	for_each_symbol(obj, sym) {
		const struct ksym_export *e;
		int r;

		if (sym->sec || sym->sym.st_shndx != SHN_UNDEF || !*sym->name ||
		    klp_is_symname(sym->name))
			continue;
		e = m->sv ? ksymvers_find(m->sv, sym->name) : NULL;
		if (!e)
			continue;	/* hotpatch-klpfix refuses it after the link */
		r = link_export(m, in, sym, e, &changed);
		if (r == -ENOMEM) {
			ret = r;
			break;
		}
		ret = ret ? ret : r;
	}
	if (!ret)
		ret = changed ? obj_write(obj, dst) : copy_file(in->obj_path, dst);
	obj_close(obj);
	return ret;
}
