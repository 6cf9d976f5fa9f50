// SPDX-License-Identifier: GPL-2.0
/*
 * hotpatch-mkmod: the source directory of one livepatch module, from the
 * differ's outputs (OUT.o + FACTS.json per object) of one patch.
 *
 *   DIR/Kbuild             obj-m := NAME.o, NAME-y := hp-main.o hp-hooks-N.o hp-obj-N.o
 *   DIR/hp-main.c          klp_func / klp_object / klp_patch tables (templates/livepatch.c.in)
 *   DIR/hp-obj-N.o_shipped the differ objects, prelinked (see prelink())
 *   DIR/hp-hooks-N.c       the author's hooks files, DIR/hotpatch.h their header
 *
 * Everything written depends only on the inputs (never on paths, time or
 * argument order of the pairs), so the module built from it is reproducible.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "object.h"
#include "symindex.h"
#include "klp.h"
#include "fileio.h"
#include "strbuf.h"
#include "symvers.h"
#include "template.h"

#define CMD_FILE_TEXT \
	"# prebuilt by hotpatch-diff, copied from its _shipped file: no command, no exports\n"

struct func {
	char *name;
	char *alias;
	unsigned long sympos;
	struct input *in;
};

struct input {
	const char *obj_path;
	const char *facts_path;
	char *object;		/* "object" of the facts: the source object path */
	char *target;		/* "vmlinux" or a module name */
	struct func *funcs;
	size_t nr_funcs;
	unsigned int n;		/* hp-obj-<n>.o after sorting */
};

struct opts {
	const char *name;
	const char *outdir;
	const char *templates;
	const char *skel;
	const char *index;
	const char *symvers;
	bool replace;
	const char **hooks;
	size_t nr_hooks;
	const char **objects;
	size_t nr_objects;
};

struct ctx {
	struct opts *o;
	struct input *in;
	size_t nr_in;
	struct symidx *idx;
	struct ksymvers *sv;
	char **imports;		/* symbol namespaces to import */
	size_t nr_imports;
	char **targets;		/* sorted: vmlinux first */
	size_t nr_targets;
};

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int load_facts(struct input *in, const struct symidx *idx)
{
	json_object *root, *funcs, *f, *v;
	const char *s;
	size_t i, n;
	int ret = -EINVAL;

	root = json_object_from_file(in->facts_path);
	if (!root) {
		pr_err("%s: cannot read the differ's facts: %s", in->facts_path,
		       json_util_get_last_err() ? json_util_get_last_err() : "not JSON");
		return -EINVAL;
	}
	s = jstr(root, "verdict");
	if (!s || strcmp(s, "changed")) {
		pr_err("%s: verdict is \"%s\", not \"changed\": the differ made no module input "
		       "from this object", in->facts_path, s ? s : "(none)");
		goto out;
	}
	s = jstr(root, "target");
	if (!s || !klp_valid_objname(s)) {
		pr_err("%s: \"target\" must be vmlinux or a module name, saw \"%s\"",
		       in->facts_path, s ? s : "(none)");
		goto out;
	}
	in->target = strdup(s);
	s = jstr(root, "object");
	in->object = strdup(s ? s : in->obj_path);
	if (!in->target || !in->object) {
		ret = -ENOMEM;
		goto out;
	}
	if (idx && !symidx_has_object(idx, in->target)) {
		pr_err("%s: target \"%s\" is neither vmlinux nor a module of release %s",
		       in->facts_path, in->target, symidx_release(idx));
		goto out;
	}
	if (!json_object_object_get_ex(root, "functions", &funcs) ||
	    !json_object_is_type(funcs, json_type_array)) {
		pr_err("%s: no \"functions\" array", in->facts_path);
		goto out;
	}
	n = json_object_array_length(funcs);
	in->funcs = calloc(n ? n : 1, sizeof(*in->funcs));
	if (!in->funcs) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct func *fn = &in->funcs[i];
		const char *name, *alias;
		int64_t pos;

		f = json_object_array_get_idx(funcs, i);
		name = jstr(f, "name");
		alias = jstr(f, "alias");
		if (!name || !*name || strlen(name) > KLP_SYMNAME_MAX || !alias || !*alias ||
		    !json_object_object_get_ex(f, "sympos", &v) ||
		    !json_object_is_type(v, json_type_int) ||
		    (pos = json_object_get_int64(v)) < 0) {
			pr_err("%s: functions[%zu]: want \"name\", \"alias\" and \"sympos\" >= 0",
			       in->facts_path, i);
			goto out;
		}
		fn->name = strdup(name);
		fn->alias = strdup(alias);
		fn->sympos = (unsigned long)pos;
		fn->in = in;
		in->nr_funcs++;
		if (!fn->name || !fn->alias) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = 0;
out:
	json_object_put(root);
	return ret;
}

/* The function the kernel will look up as (target, name, sympos) must exist. */
static int check_func_in_index(const struct symidx *idx, const struct func *fn)
{
	const struct symidx_entry *e;
	size_t n = symidx_lookup(idx, fn->in->target, fn->name, &e);

	if (!n) {
		pr_err("%s: %s: function %s is not in %s (release %s): the facts do not match "
		       "the target kernel", fn->in->facts_path, fn->in->object, fn->name,
		       fn->in->target, symidx_release(idx));
		return -ENOENT;
	}
	if (fn->sympos == 0 && n > 1) {
		pr_err("%s: %s: function %s occurs %zu times in %s but sympos is 0: the kernel "
		       "would refuse the patch", fn->in->facts_path, fn->in->object, fn->name, n,
		       fn->in->target);
		return -EINVAL;
	}
	if (fn->sympos > n) {
		pr_err("%s: %s: function %s has sympos %lu but occurs only %zu time(s) in %s",
		       fn->in->facts_path, fn->in->object, fn->name, fn->sympos, n,
		       fn->in->target);
		return -EINVAL;
	}
	e += fn->sympos ? fn->sympos - 1 : 0;
	if (e->type != STT_FUNC) {
		pr_err("%s: %s: %s,%lu of %s is not a function in the symbol index",
		       fn->in->facts_path, fn->in->object, fn->name, fn->sympos, fn->in->target);
		return -EINVAL;
	}
	return 0;
}

static int add_import(struct ctx *c, const char *ns)
{
	size_t i;

	for (i = 0; i < c->nr_imports; i++) {
		if (!strcmp(c->imports[i], ns))
			return 0;
	}
	return strv_add(&c->imports, &c->nr_imports, ns);
}

/*
 * Check the object against its facts and rewrite what the module needs:
 * - every function's alias is a defined global function of the object;
 * - an undefined symbol exported by the target module itself becomes
 *   .klp.sym.<module>.<name>,<pos>: an ordinary relocation would make the
 *   patch depend on the module (modpost's depends=, __versions), so the
 *   patch could neither load before it nor patch it when it loads later;
 * - namespaced exports it uses are imported (MODULE_IMPORT_NS).
 */
static int prelink(struct ctx *c, struct input *in, const char *dst)
{
	struct object *obj = obj_open(in->obj_path, 0);
	struct symbol *sym;
	bool changed = false;
	size_t i;
	int ret = 0;

	if (!obj)
		return -errno;
	for (i = 0; i < in->nr_funcs; i++) {
		struct func *fn = &in->funcs[i];

		sym = obj_find_symbol_by_name(obj, fn->alias);
		if (!sym || !sym->sec || sym->type != STT_FUNC ||
		    (sym->bind != STB_GLOBAL && sym->bind != STB_WEAK) || !sec_is_text(sym->sec)) {
			pr_err("%s: alias %s of %s (from %s) is not a defined global function of the "
			       "object", in->obj_path, fn->alias, fn->name, in->facts_path);
			ret = -EINVAL;
		}
	}
	for_each_symbol(obj, sym) {
		const struct ksym_export *e;
		const struct symidx_entry *ent;
		size_t n;
		char *klp;

		if (sym->sec || sym->sym.st_shndx != SHN_UNDEF || !*sym->name ||
		    klp_is_symname(sym->name))
			continue;
		e = c->sv ? ksymvers_find(c->sv, sym->name) : NULL;
		if (!e)
			continue;	/* hotpatch-klpfix refuses it after the link */
		/* vmlinux is always there: its exports stay ordinary relocations */
		if (!strcmp(in->target, "vmlinux") || strcmp(e->object, in->target) || !c->idx) {
			if (*e->ns && (ret = add_import(c, e->ns)) < 0)
				break;
			continue;
		}
		n = symidx_lookup(c->idx, in->target, sym->name, &ent);
		if (n != 1) {
			pr_err("%s: %s is exported by %s but the symbol index has %zu of it there",
			       in->obj_path, sym->name, in->target, n);
			ret = -EINVAL;
			continue;
		}
		klp = klp_make_symname(in->target, sym->name, 0);
		if (!klp || sym_rename(sym, klp)) {
			free(klp);
			ret = -ENOMEM;
			break;
		}
		pr_debug("%s: %s: exported by the target module, now %s", in->obj_path,
			 sym->name, klp);
		free(klp);
		changed = true;
	}
	if (!ret)
		ret = changed ? obj_write(obj, dst) : copy_file(in->obj_path, dst);
	obj_close(obj);
	return ret;
}

static int cmp_target(const char *a, const char *b)
{
	bool va = !strcmp(a, "vmlinux"), vb = !strcmp(b, "vmlinux");

	if (va != vb)
		return va ? -1 : 1;
	return strcmp(a, b);
}

static int cmp_input(const void *pa, const void *pb)
{
	const struct input *a = pa, *b = pb;
	int r = cmp_target(a->target, b->target);

	if (r)
		return r;
	r = strcmp(a->object, b->object);
	return r ? r : strcmp(a->obj_path, b->obj_path);
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

static int cmp_str(const void *a, const void *b)
{
	return cmp_target(*(char *const *)a, *(char *const *)b);
}

static int gen_main(struct ctx *c, const char *tmpl_path, const char *dst)
{
	struct sbuf sources = { 0 }, decls = { 0 }, cbs = { 0 }, funcs = { 0 }, objs = { 0 };
	struct sbuf imports = { 0 };
	struct func **all = NULL;
	size_t i, nr = 0, k;
	int ret = -ENOMEM;

	for (i = 0; i < c->nr_in; i++)
		nr += c->in[i].nr_funcs;
	all = calloc(nr ? nr : 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0, k = 0; i < c->nr_in; i++) {
		struct input *in = &c->in[i];
		size_t j;

		sbuf_printf(&sources, " *   %s (%s) as hp-obj-%u.o\n", in->object, in->target, in->n);
		for (j = 0; j < in->nr_funcs; j++)
			all[k++] = &in->funcs[j];
	}
	qsort(all, nr, sizeof(*all), cmp_func);
	for (i = 1; i < nr; i++) {
		if (!cmp_func(&all[i - 1], &all[i])) {
			pr_err("%s,%lu of %s is patched by two objects: %s (%s) and %s (%s)",
			       all[i]->name, all[i]->sympos, all[i]->in->target,
			       all[i - 1]->in->object, all[i - 1]->in->facts_path,
			       all[i]->in->object, all[i]->in->facts_path);
			ret = -EINVAL;
			goto out;
		}
	}
	for (i = 0; i < nr; i++)
		sbuf_printf(&decls, "extern void %s(void);\n", all[i]->alias);

	for (i = 0, k = 0; i < c->nr_targets; i++) {
		const char *t = c->targets[i];
		bool vmlinux = !strcmp(t, "vmlinux");

		sbuf_printf(&cbs,
			    "int __weak __hotpatch_cb_pre_patch__%s(struct klp_object *obj);\n"
			    "int __weak __hotpatch_cb_pre_patch__%s(struct klp_object *obj) { return 0; }\n",
			    t, t);
		sbuf_printf(&cbs, "void __weak __hotpatch_cb_post_patch__%s(struct klp_object *obj);\n"
			    "void __weak __hotpatch_cb_post_patch__%s(struct klp_object *obj) { }\n",
			    t, t);
		sbuf_printf(&cbs, "void __weak __hotpatch_cb_pre_unpatch__%s(struct klp_object *obj);\n"
			    "void __weak __hotpatch_cb_pre_unpatch__%s(struct klp_object *obj) { }\n",
			    t, t);
		sbuf_printf(&cbs, "void __weak __hotpatch_cb_post_unpatch__%s(struct klp_object *obj);\n"
			    "void __weak __hotpatch_cb_post_unpatch__%s(struct klp_object *obj) { }\n",
			    t, t);

		sbuf_printf(&funcs, "static struct klp_func hotpatch_funcs_%s[] = {\n", t);
		for (; k < nr && !strcmp(all[k]->in->target, t); k++) {
			sbuf_printf(&funcs, "\t{\n\t\t.old_name = \"%s\",\n\t\t.new_func = %s,\n"
				    "\t\t.old_sympos = %lu,\n\t},\n",
				    all[k]->name, all[k]->alias, all[k]->sympos);
		}
		sbuf_printf(&funcs, "\t{ }\n};\n");

		sbuf_printf(&objs, "\t{\n");
		if (vmlinux)
			sbuf_printf(&objs, "\t\t.name = NULL,\t/* vmlinux */\n");
		else
			sbuf_printf(&objs, "\t\t.name = \"%s\",\n", t);
		sbuf_printf(&objs, "\t\t.funcs = hotpatch_funcs_%s,\n"
			    "\t\t.callbacks = {\n"
			    "\t\t\t.pre_patch = __hotpatch_cb_pre_patch__%s,\n"
			    "\t\t\t.post_patch = __hotpatch_cb_post_patch__%s,\n"
			    "\t\t\t.pre_unpatch = __hotpatch_cb_pre_unpatch__%s,\n"
			    "\t\t\t.post_unpatch = __hotpatch_cb_post_unpatch__%s,\n"
			    "\t\t},\n\t},\n", t, t, t, t, t);
	}
	if (c->nr_imports)
		qsort(c->imports, c->nr_imports, sizeof(*c->imports), cmp_str);
	for (i = 0; i < c->nr_imports; i++)
		sbuf_printf(&imports, "MODULE_IMPORT_NS(%s);\n", c->imports[i]);
	if (!c->nr_in)
		sbuf_printf(&sources, " *   (none: callbacks only)\n");

	{
		const struct subst subst[] = {
			{ "NAME", c->o->name },
			{ "SOURCES", sbuf_str(&sources) },
			{ "DECLS", sbuf_str(&decls) },
			{ "CALLBACKS", sbuf_str(&cbs) },
			{ "FUNCS", sbuf_str(&funcs) },
			{ "OBJECTS", sbuf_str(&objs) },
			{ "REPLACE", c->o->replace ? "true" : "false" },
			{ "IMPORTS", sbuf_str(&imports) },
			{ NULL, NULL },
		};

		if (sbuf_failed(&sources) || sbuf_failed(&decls) || sbuf_failed(&cbs) ||
		    sbuf_failed(&funcs) || sbuf_failed(&objs) || sbuf_failed(&imports))
			goto out;
		ret = expand_template(tmpl_path, subst, dst);
	}
out:
	free(all);
	sbuf_free(&sources);
	sbuf_free(&decls);
	sbuf_free(&cbs);
	sbuf_free(&funcs);
	sbuf_free(&objs);
	sbuf_free(&imports);
	return ret;
}

static int gen_kbuild(struct ctx *c, const char *tmpl_path, const char *dst)
{
	struct sbuf objs = { 0 };
	size_t i;
	int ret;

	sbuf_printf(&objs, "hp-main.o");
	for (i = 0; i < c->o->nr_hooks; i++)
		sbuf_printf(&objs, " hp-hooks-%zu.o", i + 1);
	for (i = 0; i < c->nr_in; i++)
		sbuf_printf(&objs, " hp-obj-%u.o", c->in[i].n);
	if (sbuf_failed(&objs)) {
		sbuf_free(&objs);
		return -ENOMEM;
	}
	{
		const struct subst subst[] = {
			{ "NAME", c->o->name },
			{ "OBJS", sbuf_str(&objs) },
			{ NULL, NULL },
		};

		ret = expand_template(tmpl_path, subst, dst);
	}
	sbuf_free(&objs);
	return ret;
}

static int collect_targets(struct ctx *c)
{
	size_t i, j;
	int ret;

	for (i = 0; i < c->nr_in + c->o->nr_objects; i++) {
		const char *t = i < c->nr_in ? c->in[i].target : c->o->objects[i - c->nr_in];
		bool seen = false;

		for (j = 0; j < c->nr_targets; j++)
			seen |= !strcmp(c->targets[j], t);
		if (!seen && (ret = strv_add(&c->targets, &c->nr_targets, t)))
			return ret;
	}
	if (c->nr_targets)
		qsort(c->targets, c->nr_targets, sizeof(*c->targets), cmp_str);
	return 0;
}

static int run(struct ctx *c)
{
	struct opts *o = c->o;
	char *path = NULL;
	size_t i, nr_funcs = 0;
	int ret = 0;

	if (o->index) {
		c->idx = symidx_open(o->index);
		if (!c->idx)
			return -errno;
	}
	if (o->symvers) {
		c->sv = ksymvers_load(o->symvers);
		if (!c->sv)
			return -errno;
	}
	if (c->idx && symidx_has_object(c->idx, o->name)) {
		pr_err("--name %s: release %s has a module of that name; the patch module could "
		       "not load next to it", o->name, symidx_release(c->idx));
		return -EEXIST;
	}
	for (i = 0; i < c->nr_in; i++) {
		ret = load_facts(&c->in[i], c->idx);
		if (ret)
			return ret;
		nr_funcs += c->in[i].nr_funcs;
	}
	for (i = 0; i < o->nr_objects; i++) {
		if (!klp_valid_objname(o->objects[i]) ||
		    (c->idx && !symidx_has_object(c->idx, o->objects[i]))) {
			pr_err("--object %s: not vmlinux or a module name of the target", o->objects[i]);
			return -EINVAL;
		}
	}
	if (!nr_funcs && !o->nr_objects) {
		pr_err("no function to patch in %zu object(s) and no --object: nothing to build",
		       c->nr_in);
		return -EINVAL;
	}
	if (c->idx) {
		for (i = 0; i < c->nr_in; i++) {
			size_t j;

			for (j = 0; j < c->in[i].nr_funcs; j++) {
				int r = check_func_in_index(c->idx, &c->in[i].funcs[j]);

				ret = ret ? ret : r;
			}
		}
		if (ret)
			return ret;
	}
	qsort(c->in, c->nr_in, sizeof(*c->in), cmp_input);
	/* the inputs moved: point their functions back at them */
	for (i = 0; i < c->nr_in; i++) {
		size_t j;

		for (j = 0; j < c->in[i].nr_funcs; j++)
			c->in[i].funcs[j].in = &c->in[i];
	}
	ret = collect_targets(c);
	if (ret)
		return ret;

	if (mkdir(o->outdir, 0755) && errno != EEXIST) {
		ret = -errno;
		pr_err("%s: cannot create: %s", o->outdir, strerror(errno));
		return ret;
	}
	for (i = 0; i < c->nr_in && !ret; i++) {
		c->in[i].n = (unsigned int)i + 1;
		ret = -ENOMEM;
		if (asprintf(&path, "%s/hp-obj-%u.o_shipped", o->outdir, c->in[i].n) < 0)
			break;
		ret = prelink(c, &c->in[i], path);
		free(path);
		if (ret)
			break;
		/*
		 * modpost reads the CRCs of a module's own exports from each
		 * member's .cmd file ("#SYMVER" lines); kbuild writes none for a
		 * _shipped copy, and a patch module exports nothing.
		 */
		ret = -ENOMEM;
		if (asprintf(&path, "%s/.hp-obj-%u.o.cmd", o->outdir, c->in[i].n) < 0)
			break;
		ret = write_file(path, CMD_FILE_TEXT, strlen(CMD_FILE_TEXT));
		free(path);
	}
	for (i = 0; i < o->nr_hooks && !ret; i++) {
		ret = -ENOMEM;
		if (asprintf(&path, "%s/hp-hooks-%zu.c", o->outdir, i + 1) < 0)
			break;
		ret = copy_file(o->hooks[i], path);
		free(path);
	}
	if (ret)
		return ret;
	if (asprintf(&path, "%s/hotpatch.h", o->skel) < 0)
		return -ENOMEM;
	{
		char *dst = NULL;

		ret = asprintf(&dst, "%s/hotpatch.h", o->outdir) < 0 ? -ENOMEM : copy_file(path, dst);
		free(dst);
	}
	free(path);
	if (ret)
		return ret;

	{
		char *tmpl = NULL, *dst = NULL;

		if (asprintf(&tmpl, "%s/livepatch.c.in", o->templates) < 0 ||
		    asprintf(&dst, "%s/hp-main.c", o->outdir) < 0)
			ret = -ENOMEM;
		else
			ret = gen_main(c, tmpl, dst);
		free(tmpl);
		free(dst);
		tmpl = dst = NULL;
		if (ret)
			return ret;
		if (asprintf(&tmpl, "%s/Kbuild.in", o->templates) < 0 ||
		    asprintf(&dst, "%s/Kbuild", o->outdir) < 0)
			ret = -ENOMEM;
		else
			ret = gen_kbuild(c, tmpl, dst);
		free(tmpl);
		free(dst);
	}
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: hotpatch-mkmod --name NAME -o DIR [OPTION]... [OUT.o FACTS.json]...\n"
"\n"
"Writes the source directory DIR of livepatch module NAME from the differ's\n"
"outputs: Kbuild, hp-main.c (klp tables), hp-obj-N.o_shipped, hp-hooks-N.c, hotpatch.h.\n"
"  --name NAME       module and patch name: [A-Za-z0-9_], at most 55 characters\n"
"  --replace         atomic replace: the patch supersedes all earlier livepatches\n"
"  --hooks FILE.c    author code compiled into the module (callbacks, shadow helpers)\n"
"  --object OBJ      also give OBJ a klp_object (for callbacks) without functions\n"
"  --index SYMINDEX  check every function against the target's symbol index\n"
"  --symvers FILE    the target's Module.symvers: namespaces, exports of the target module\n"
"  --templates DIR   livepatch.c.in and Kbuild.in (default: <exe>/../../templates)\n"
"  --skel DIR        hotpatch.h (default: <exe>/../../kmod-skel)\n"
"Exit: 0 written, 1 error.\n");
}

static char *default_dir(const char *sub)
{
	char exe[PATH_MAX], *p, *d = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	p = strrchr(exe, '/');
	if (!p)
		return NULL;
	*p = '\0';
	if (asprintf(&d, "%s/../../%s", exe, sub) < 0)
		return NULL;
	return d;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "replace", no_argument, NULL, 'r' },
		{ "hooks", required_argument, NULL, 'H' },
		{ "object", required_argument, NULL, 'O' },
		{ "index", required_argument, NULL, 'i' },
		{ "symvers", required_argument, NULL, 's' },
		{ "templates", required_argument, NULL, 't' },
		{ "skel", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	struct ctx c = { .o = &o };
	char *dflt_t = NULL, *dflt_k = NULL;
	int opt, ret, i;
	size_t j;

	log_set_progname(argv[0]);
	while ((opt = getopt_long(argc, argv, "n:o:rvh", lopts, NULL)) != -1) {
		switch (opt) {
		case 'n': o.name = optarg; break;
		case 'o': o.outdir = optarg; break;
		case 'r': o.replace = true; break;
		case 'H':
			if (strv_add((char ***)&o.hooks, &o.nr_hooks, optarg))
				return 1;
			break;
		case 'O':
			if (strv_add((char ***)&o.objects, &o.nr_objects, optarg))
				return 1;
			break;
		case 'i': o.index = optarg; break;
		case 's': o.symvers = optarg; break;
		case 't': o.templates = optarg; break;
		case 'k': o.skel = optarg; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("hotpatch-mkmod %s\n", HOTPATCH_VERSION); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (!o.name || !o.outdir || (argc - optind) % 2) {
		usage(stderr);
		return 1;
	}
	if (!klp_valid_objname(o.name) || !strcmp(o.name, "vmlinux")) {
		pr_err("--name %s: a module name is 1-55 characters of [A-Za-z0-9_] "
		       "(use '_' for '-'), and not vmlinux", o.name);
		return 1;
	}
	if (!o.templates)
		o.templates = dflt_t = default_dir("templates");
	if (!o.skel)
		o.skel = dflt_k = default_dir("kmod-skel");
	if (!o.templates || !o.skel) {
		pr_err("cannot find the templates; pass --templates and --skel");
		return 1;
	}
	c.nr_in = (size_t)(argc - optind) / 2;
	c.in = calloc(c.nr_in ? c.nr_in : 1, sizeof(*c.in));
	if (!c.in)
		return 1;
	for (i = optind, j = 0; i < argc; i += 2, j++) {
		c.in[j].obj_path = argv[i];
		c.in[j].facts_path = argv[i + 1];
	}
	ret = run(&c);
	if (ret)
		pr_err("no module source written to %s", o.outdir);

	for (j = 0; j < c.nr_in; j++) {
		size_t k;

		for (k = 0; k < c.in[j].nr_funcs; k++) {
			free(c.in[j].funcs[k].name);
			free(c.in[j].funcs[k].alias);
		}
		free(c.in[j].funcs);
		free(c.in[j].target);
		free(c.in[j].object);
	}
	free(c.in);
	strv_free(c.imports, c.nr_imports);
	strv_free(c.targets, c.nr_targets);
	strv_free((char **)o.hooks, o.nr_hooks);
	strv_free((char **)o.objects, o.nr_objects);
	if (c.idx)
		symidx_close(c.idx);
	ksymvers_free(c.sv);
	free(dflt_t);
	free(dflt_k);
	return ret ? 1 : 0;
}
