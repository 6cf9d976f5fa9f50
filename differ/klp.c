// SPDX-License-Identifier: GPL-2.0
/*
 * klp: what an external reference of the output becomes.
 *
 * A reference the module loader can resolve by export stays an ordinary
 * undefined global.  Every other one -- a local of this object, an
 * unexported global, a symbol of another module, a symbol the target
 * module exports itself (it may load after the patch) -- becomes an
 * undefined ".klp.sym.<object>.<name>,<sympos>", with <name> the ORIGINAL
 * object's spelling (the running kernel's static locals carry the orig
 * numbering) and <sympos> from the target's symbol table, the compilation
 * unit settling names that occur more than once.  What cannot be settled
 * is refused.  The same lookup gives each patched function its sympos.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"
#include "log.h"

static struct symbol *make_undef(struct differ *d, const char *name, unsigned char type)
{
	struct symbol *s = obj_find_symbol_by_name(d->out, name);

	if (s && !s->sec)
		return s;
	s = obj_create_symbol(d->out, name, type == STT_SECTION ? STT_NOTYPE : type,
			      STB_GLOBAL, NULL, 0, 0);
	if (!s)
		pr_err("%s: cannot create symbol %s in the output", d->display, name);
	return s;
}

static struct symbol *make_klp(struct differ *d, struct symbol *psym, const char *name,
			       const struct lookup_result *res)
{
	const char *object = res->object;
	unsigned int sympos = res->sympos;
	char *kname = xasprintf(".klp.sym.%s.%s,%u", object, name, sympos);
	struct symbol *s = obj_find_symbol_by_name(d->out, kname);

	if (!s) {
		struct fact *f = fact_new(name);

		f->object = xstrdup(object);
		f->sympos = (int)sympos;
		f->symbol = xstrdup(kname);
		f->addr = res->addr;
		f->bind = psym->bind;
		f->type = psym->type == STT_SECTION ? STT_NOTYPE : psym->type;
		fact_add(&d->klp_symbols, f);
		s = make_undef(d, kname, psym->type);
		f->out = s;
	}
	free(kname);
	return s;
}

static struct symbol *unresolved(struct differ *d, struct symbol *psym, const char *name,
				 const char *why, const char *hint)
{
	char *msg = xasprintf("reference to %s: %s", name, why);

	refuse(d, psym->sec, psym, msg, hint);
	free(msg);
	return make_undef(d, name, psym->type);
}

static struct symbol *external_global(struct differ *d, struct symbol *psym, const char *name)
{
	struct lookup_result res;
	const char *exporter;
	int ret;

	if (!d->lookup)
		return make_undef(d, name, psym->type);
	exporter = lookup_exporter(d->lookup, name);
	/* exported by vmlinux, or by a module other than the one patched */
	if (exporter && (!strcmp(exporter, "vmlinux") || strcmp(exporter, d->objname)))
		return make_undef(d, name, psym->type);
	ret = lookup_global(d->lookup, name, &res);
	if (ret == -ENOTUNIQ)
		return unresolved(d, psym, name, "defined in several objects of the target",
				  "export it, or refer to it from code in a single object");
	if (ret && d->kpatch && !psym->sec)
		return make_undef(d, name, psym->type);	/* kpatch: another object's, by export */
	if (ret)
		return unresolved(d, psym, name, "not found in the target's symbol table",
				  "check that the index matches the target release, or export it");
	return make_klp(d, psym, name, &res);
}

static struct symbol *external_local(struct differ *d, struct symbol *psym, const char *name)
{
	struct lookup_result res;
	int ret;

	if (!d->lookup) {
		pr_warn("%s: %s: no symbol index: assuming it is unique in %s", d->display, name,
			d->objname);
		memset(&res, 0, sizeof(res));
		res.object = d->objname;
		return make_klp(d, psym, name, &res);
	}
	ret = lookup_local(d->lookup, name, &res);
	if (ret == -ENOTUNIQ)
		return unresolved(d, psym, name,
				  "several local symbols of this name exist in the target and the "
				  "compilation unit does not settle which",
				  "pass --cu <tree-relative source file>, or rebuild the index with DWARF");
	if (ret)
		return unresolved(d, psym, name, "not in the target's symbol table (inlined or "
				  "dropped in the distribution build?)",
				  "include the code that uses it in the patch, or check the target "
				  "release");
	return make_klp(d, psym, name, &res);
}

/*
 * The running function a changed @p replaces: its sympos (and CU) in the
 * target, under the ORIG name.  What cannot be settled is refused.
 */
int klp_func_sympos(struct differ *d, struct symbol *p, struct fact *f)
{
	struct symbol *o = p->twin ? p->twin : p;
	struct lookup_result res;
	int ret;

	if (!d->lookup)
		return 0;
	if (o->bind == STB_LOCAL)
		ret = lookup_local(d->lookup, o->name, &res);
	else
		ret = lookup_global(d->lookup, o->name, &res);
	if (ret == -ENOTUNIQ) {
		refuse(d, p->sec, p, "several functions of this name exist in the target and "
		       "none is known to come from this source file",
		       "pass --cu with the object's source file (tree-relative) or rebuild the index");
		return 0;
	}
	if (ret) {
		refuse(d, p->sec, p, "the function to patch is not in the target's symbol table "
		       "(inlined or renamed in the distribution build?)",
		       "patch the functions it was inlined into, or check that the tree matches "
		       "the target release");
		return 0;
	}
	f->sympos = (int)res.sympos;
	f->addr = res.addr;
	f->size = res.size;
	if (res.cu && res.cu[0]) {
		free(f->cu);
		f->cu = xstrdup(res.cu);
	}
	return 0;
}

struct symbol *klp_external(struct differ *d, struct symbol *psym)
{
	struct symbol *osym = psym->twin;
	struct symbol *out;

	if (D(psym)->out)
		return D(psym)->out;
	if (!psym->sec) {
		out = external_global(d, psym, psym->name);
	} else if (!osym) {
		/* defined here, not included, not in the running kernel */
		out = unresolved(d, psym, psym->name, "new symbol that is not part of the output",
				 "report this as a hotpatch-diff bug");
	} else if (osym->bind == STB_LOCAL) {
		out = external_local(d, psym, osym->name);
	} else {
		out = external_global(d, psym, osym->name);
	}
	D(psym)->out = out;
	return out;
}
