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
 * These are decisions (D(psym)->ext, klp facts); emit only writes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "differ.h"
#include "klp.h"
#include "log.h"

/* The output refers to @psym as the undefined @name (taken over). */
static void set_ext(struct symbol *psym, char *name)
{
	free(D(psym)->ext);
	D(psym)->ext = name;
}

/* The output refers to @psym as the undefined @name (copied). */
static int set_ext_copy(struct symbol *psym, const char *name)
{
	char *copy = mem_strdup(name);

	if (!copy)
		return -ENOMEM;
	set_ext(psym, copy);
	return 0;
}

static int make_klp(struct differ *d, struct symbol *psym, const char *name,
		    const struct lookup_result *res)
{
	const char *object = res->object;
	unsigned int sympos = res->sympos;
	char *kname = klp_make_symname(object, name, sympos);
	struct fact *f;

	if (!kname)
		return -ENOMEM;
	for (f = d->klp_symbols.head; f; f = f->next) {
		if (!strcmp(f->symbol, kname)) {
			set_ext(psym, kname);
			return 0;
		}
	}
	f = fact_new(name);
	if (f) {
		f->object = mem_strdup(object);
		f->symbol = mem_strdup(kname);
	}
	if (!f || !f->object || !f->symbol) {
		fact_free(f);
		free(kname);
		return -ENOMEM;
	}
	f->sympos = (int)sympos;
	f->addr = res->addr;
	f->bind = psym->bind;
	f->type = psym->type == STT_SECTION ? STT_NOTYPE : psym->type;
	fact_add(&d->klp_symbols, f);
	set_ext(psym, kname);
	return 0;
}

static int unresolved(struct differ *d, struct symbol *psym, const char *name,
		      const char *why, const char *hint)
{
	int err = refusef(d, psym->sec, psym, hint, "reference to %s: %s", name, why);

	return err ?: set_ext_copy(psym, name);
}

int klp_read_patch_globals(struct differ *d, const char *path)
{
	return read_names(path, "the new globals of the patch", &d->patch_globals,
			  &d->nr_patch_globals);
}

void klp_free_patch_globals(struct differ *d)
{
	free_names(&d->patch_globals, &d->nr_patch_globals);
}

/* Defined new by another object of the same patch: the patch module resolves it itself. */
static bool patch_defines(struct differ *d, const char *name)
{
	return names_has(d->patch_globals, d->nr_patch_globals, name);
}

static int external_global(struct differ *d, struct symbol *psym, const char *name)
{
	struct lookup_result res;
	const char *exporter;
	int ret;

	if (!d->lookup || (!psym->sec && patch_defines(d, name)))
		return set_ext_copy(psym, name);
	exporter = lookup_exporter(d->lookup, name);
	if (klp_resolved_by_export(exporter, d->objname))
		return set_ext_copy(psym, name);
	ret = lookup_global(d->lookup, name, &res);
	if (ret == -ENOTUNIQ)
		return unresolved(d, psym, name, "defined in several objects of the target",
				  "export it, or refer to it from code in a single object");
	if (ret && d->kpatch && !psym->sec)
		return set_ext_copy(psym, name);	/* kpatch: another object's, by export */
	if (ret == -ENOENT && !psym->sec &&
	    names_has(d->made_global, d->nr_made_global, name)) {
		/*
		 * Another object of the patch makes a static of the target
		 * global (qla_target.c's qlt_unmap_sg, which qla_os.c now
		 * calls): the running code is that local.  Only one local of
		 * the name in the target object settles which; this object's
		 * CU does not (the static is another file's).
		 */
		ret = lookup_local_only(d->lookup, name, &res);
		if (ret == -ENOTUNIQ)
			return unresolved(d, psym, name, "made global by another object of the "
					  "patch, and several locals of this name exist in the target",
					  "rename the static in the fix, or build the patch without "
					  "the change that calls it");
	}
	if (ret)
		return unresolved(d, psym, name, "not found in the target's symbol table",
				  "check that the index matches the target release, or export it");
	return make_klp(d, psym, name, &res);
}

static int external_local(struct differ *d, struct symbol *psym, const char *name)
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
	if (ret == -ENOTUNIQ)
		return refuse(d, p->sec, p, "several functions of this name exist in the target "
			      "and none is known to come from this source file",
			      "pass --cu with the object's source file (tree-relative) or rebuild "
			      "the index");
	if (ret)
		return refuse(d, p->sec, p, "the function to patch is not in the target's symbol "
			      "table (inlined or renamed in the distribution build?)",
			      "patch the functions it was inlined into, or check that the tree "
			      "matches the target release");
	f->sympos = (int)res.sympos;
	f->addr = res.addr;
	f->size = res.size;
	if (res.cu && res.cu[0]) {
		char *cu = mem_strdup(res.cu);

		if (!cu)
			return -ENOMEM;
		free(f->cu);
		f->cu = cu;
	}
	return 0;
}

bool klp_in_module(struct differ *d, struct symbol *psym)
{
	struct symbol *o = psym->twin ? psym->twin : psym;
	struct lookup_result res;
	const char *exporter;

	if (psym->sec || !d->lookup)
		return strcmp(d->objname, "vmlinux") != 0;
	exporter = lookup_exporter(d->lookup, o->name);
	if (exporter)
		return strcmp(exporter, "vmlinux") != 0;
	if (lookup_global(d->lookup, o->name, &res))
		return strcmp(d->objname, "vmlinux") != 0;
	return strcmp(res.object, "vmlinux") != 0;
}

int klp_resolve(struct differ *d, struct symbol *psym)
{
	struct symbol *osym = psym->twin;

	if (D(psym)->ext)
		return 0;
	if (!psym->sec)
		return external_global(d, psym, psym->name);
	if (!osym) {
		/*
		 * Defined here, not carried, not in the running kernel: select
		 * should have carried it.  An inconsistency of our own passes is
		 * an error (exit 1), never a refusal that would pass for a
		 * property of the fix (hotpatch-triage counts it as a tool error).
		 */
		pr_err("%s: %s: %s: reference to a new symbol that is not part of the output: "
		       "this is a hotpatch-diff bug, please report it with both objects",
		       d->display, psym->sec ? psym->sec->name : "-", psym->name);
		return -EINVAL;
	}
	if (osym->bind == STB_LOCAL)
		return external_local(d, psym, osym->name);
	return external_global(d, psym, osym->name);
}
