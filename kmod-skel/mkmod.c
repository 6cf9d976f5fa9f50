// SPDX-License-Identifier: GPL-2.0
/*
 * hotpatch-mkmod: the kbuild directory of one livepatch module, from the
 * differ's outputs (OUT.o + FACTS.json per object) of one patch.
 *
 *   DIR/Kbuild              obj-m := NAME.o, NAME-y := hp-main.o hp-klp.o hp-hooks-N.o hp-obj-N.o
 *   DIR/hp-main.o_shipped   the fixed init code, compiled (--main: build/module.sh compiles
 *                           templates/livepatch.c once per target, it is the same for every
 *                           module); without --main, DIR/hp-main.c, its source
 *   DIR/hp-klp.o_shipped    the klp records it reads, as data (records.c, klp-records.h),
 *                           and the module's description
 *   DIR/hp-obj-N.o_shipped  the differ objects, pre-linked (prelink.c)
 *   DIR/hp-hooks-N.c        the author's hooks files; DIR/hotpatch.h their header
 *
 * This file checks the inputs (facts.c does each one) and assembles the
 * directory; nothing is written before every check passed.  Everything
 * written depends only on the inputs (never on paths, time or the order
 * of the pairs), so the module built from it is reproducible.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "klp.h"
#include "log.h"
#include "strbuf.h"
#include "symindex.h"
#include "symvers.h"
#include "template.h"
#include "mkmod.h"

#define CMD_FILE_TEXT \
	"# prebuilt by hotpatch-mkmod or hotpatch-diff, copied from its _shipped file: " \
	"no command, no exports\n"

struct opts {
	const char *name;
	const char *outdir;
	const char *templates;
	const char *skel;
	const char *main_obj;
	const char *index;
	const char *symvers;
	bool replace;
	const char **hooks;
	size_t nr_hooks;
	const char **objects;
	size_t nr_objects;
};

int cmp_target(const char *a, const char *b)
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

static int cmp_str(const void *a, const void *b)
{
	return cmp_target(*(char *const *)a, *(char *const *)b);
}

/* The klp objects: every input's target and every --object, once, vmlinux first. */
static int collect_targets(struct mkmod *m, const struct opts *o)
{
	size_t i, j;
	int ret;

	for (i = 0; i < m->nr_in + o->nr_objects; i++) {
		const char *t = i < m->nr_in ? m->in[i].target : o->objects[i - m->nr_in];
		bool seen = false;

		for (j = 0; j < m->nr_targets; j++)
			seen |= !strcmp(m->targets[j], t);
		if (!seen && (ret = strv_add(&m->targets, &m->nr_targets, t)))
			return ret;
	}
	if (m->nr_targets)
		qsort(m->targets, m->nr_targets, sizeof(*m->targets), cmp_str);
	return 0;
}

/* A function (target, name, sympos) is patched by one object only. */
static int check_duplicates(const struct mkmod *m)
{
	size_t i, j, k, l;

	for (i = 0; i < m->nr_in; i++) {
		for (j = 0; j < m->in[i].nr_funcs; j++) {
			const struct func *a = &m->in[i].funcs[j];

			for (k = i; k < m->nr_in; k++) {
				for (l = k == i ? j + 1 : 0; l < m->in[k].nr_funcs; l++) {
					const struct func *b = &m->in[k].funcs[l];

					if (strcmp(a->in->target, b->in->target) ||
					    strcmp(a->name, b->name) || a->sympos != b->sympos)
						continue;
					pr_err("%s,%lu of %s is patched by two objects: %s (%s) and "
					       "%s (%s)", b->name, b->sympos, b->in->target,
					       a->in->object, a->in->facts_path, b->in->object,
					       b->in->facts_path);
					return -EINVAL;
				}
			}
		}
	}
	return 0;
}

/* Every check that needs no output: the facts, the index, the options. */
static int check_inputs(struct mkmod *m, const struct opts *o)
{
	size_t i, j, nr_funcs = 0;
	int ret = 0;

	if (o->main_obj && access(o->main_obj, R_OK)) {
		ret = -errno;
		pr_err("--main %s: cannot read: %s", o->main_obj, strerror(errno));
		return ret;
	}
	if (m->idx && symidx_has_object(m->idx, o->name)) {
		pr_err("--name %s: release %s has a module of that name; the patch module could "
		       "not load next to it", o->name, symidx_release(m->idx));
		return -EEXIST;
	}
	for (i = 0; i < m->nr_in; i++) {
		ret = facts_load(&m->in[i], m->idx);
		if (ret)
			return ret;
		nr_funcs += m->in[i].nr_funcs;
	}
	for (i = 0; i < o->nr_objects; i++) {
		if (!klp_valid_objname(o->objects[i]) ||
		    (m->idx && !symidx_has_object(m->idx, o->objects[i]))) {
			pr_err("--object %s: not vmlinux or a module name of the target", o->objects[i]);
			return -EINVAL;
		}
	}
	if (!nr_funcs && !o->nr_objects) {
		pr_err("no function to patch in %zu object(s) and no --object: nothing to build",
		       m->nr_in);
		return -EINVAL;
	}
	for (i = 0; m->idx && i < m->nr_in; i++) {
		for (j = 0; j < m->in[i].nr_funcs; j++) {
			int r = facts_check_func(m->idx, &m->in[i].funcs[j]);

			ret = ret ? ret : r;
		}
	}
	if (ret)
		return ret;
	qsort(m->in, m->nr_in, sizeof(*m->in), cmp_input);
	/* the inputs moved: point their functions back at them */
	for (i = 0; i < m->nr_in; i++) {
		for (j = 0; j < m->in[i].nr_funcs; j++)
			m->in[i].funcs[j].in = &m->in[i];
	}
	ret = check_duplicates(m);
	return ret ? ret : collect_targets(m, o);
}

/* @dir/@name, or NULL after a message. */
static char *path_in(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *path_in(const char *dir, const char *fmt, ...)
{
	char *name = NULL, *path = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&name, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(&path, "%s/%s", dir, name) < 0)
		path = NULL;	/* the caller returns -ENOMEM */
	free(name);
	return path;
}

/*
 * A prebuilt member of the module: modpost reads the CRCs of a module's own
 * exports from each member's .cmd file ("#SYMVER" lines); kbuild writes
 * none for a _shipped copy, and a patch module exports nothing.
 */
static int write_cmd_file(const char *dir, const char *member)
{
	char *path = path_in(dir, ".%s.cmd", member);
	int ret = path ? write_file(path, CMD_FILE_TEXT, strlen(CMD_FILE_TEXT)) : -ENOMEM;

	free(path);
	return ret;
}

static int copy_into(const char *src_dir, const char *src, const char *dir, const char *dst)
{
	char *from = path_in(src_dir, "%s", src), *to = path_in(dir, "%s", dst);
	int ret = from && to ? copy_file(from, to) : -ENOMEM;

	free(from);
	free(to);
	return ret;
}

static int write_kbuild(const struct mkmod *m, const struct opts *o)
{
	struct sbuf objs = { 0 };
	char *tmpl = path_in(o->templates, "Kbuild.in"), *dst = path_in(o->outdir, "Kbuild");
	size_t i;
	int ret = -ENOMEM;

	sbuf_printf(&objs, "hp-main.o hp-klp.o");
	for (i = 0; i < o->nr_hooks; i++)
		sbuf_printf(&objs, " hp-hooks-%zu.o", i + 1);
	for (i = 0; i < m->nr_in; i++)
		sbuf_printf(&objs, " hp-obj-%u.o", m->in[i].n);
	if (tmpl && dst && !sbuf_failed(&objs)) {
		const struct subst subst[] = {
			{ "NAME", o->name },
			{ "OBJS", sbuf_str(&objs) },
			{ NULL, NULL },
		};

		ret = expand_template(tmpl, subst, dst);
	}
	sbuf_free(&objs);
	free(tmpl);
	free(dst);
	return ret;
}

/* The kbuild directory, once every input passed its checks. */
static int assemble(struct mkmod *m, const struct opts *o)
{
	char *path;
	size_t i;
	int ret = 0;

	if (mkdir(o->outdir, 0755) && errno != EEXIST) {
		ret = -errno;
		pr_err("%s: cannot create: %s", o->outdir, strerror(errno));
		return ret;
	}
	for (i = 0; i < m->nr_in && !ret; i++) {
		m->in[i].n = (unsigned int)i + 1;
		path = path_in(o->outdir, "hp-obj-%u.o_shipped", m->in[i].n);
		ret = path ? prelink(m, &m->in[i], path) : -ENOMEM;
		free(path);
		if (!ret) {
			path = path_in(o->outdir, "hp-obj-%u.o", m->in[i].n);
			ret = path ? write_cmd_file(o->outdir, strrchr(path, '/') + 1) : -ENOMEM;
			free(path);
		}
	}
	for (i = 0; i < o->nr_hooks && !ret; i++) {
		path = path_in(o->outdir, "hp-hooks-%zu.c", i + 1);
		ret = path ? copy_file(o->hooks[i], path) : -ENOMEM;
		free(path);
	}
	if (!ret)
		ret = copy_into(o->skel, "hotpatch.h", o->outdir, "hotpatch.h");
	if (!ret)
		ret = copy_into(o->skel, "klp-records.h", o->outdir, "klp-records.h");
	if (!ret) {
		path = path_in(o->outdir, "hp-klp.o_shipped");
		ret = path ? records_write(m, path) : -ENOMEM;
		free(path);
	}
	if (!ret)
		ret = write_cmd_file(o->outdir, "hp-klp.o");
	if (!ret && o->main_obj) {
		path = path_in(o->outdir, "hp-main.o_shipped");
		ret = path ? copy_file(o->main_obj, path) : -ENOMEM;
		free(path);
		if (!ret)
			ret = write_cmd_file(o->outdir, "hp-main.o");
	} else if (!ret) {
		ret = copy_into(o->templates, "livepatch.c", o->outdir, "hp-main.c");
	}
	if (!ret)
		ret = write_kbuild(m, o);
	return ret;
}

static int run(struct mkmod *m, const struct opts *o)
{
	struct symidx *idx = NULL;
	struct ksymvers *sv = NULL;
	int ret = 0;

	if (o->index) {
		m->idx = idx = symidx_open(o->index);
		if (!idx)
			return -errno;
	}
	if (o->symvers) {
		m->sv = sv = ksymvers_load(o->symvers);
		if (!sv)
			ret = -errno;
	}
	if (!ret)
		ret = check_inputs(m, o);
	if (!ret)
		ret = assemble(m, o);
	if (idx)
		symidx_close(idx);
	ksymvers_free(sv);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: hotpatch-mkmod --name NAME -o DIR [OPTION]... [OUT.o FACTS.json]...\n"
"\n"
"Writes the source directory DIR of livepatch module NAME from the differ's\n"
"outputs: Kbuild, hp-main.c (fixed init code) or hp-main.o_shipped (--main),\n"
"hp-klp.o_shipped (klp records), hp-obj-N.o_shipped, hp-hooks-N.c, hotpatch.h,\n"
"klp-records.h.\n"
"  --name NAME       module and patch name: [A-Za-z0-9_], at most 55 characters\n"
"  --replace         atomic replace: the patch supersedes all earlier livepatches\n"
"  --hooks FILE.c    author code compiled into the module (callbacks, shadow helpers)\n"
"  --object OBJ      also give OBJ a klp_object (for callbacks) without functions\n"
"  --index SYMINDEX  check every function against the target's symbol index\n"
"  --symvers FILE    the target's Module.symvers: namespaces, exports of the target module\n"
"  --main OBJ        ship OBJ, templates/livepatch.c compiled for the target as kbuild\n"
"                    compiles a member of this module, instead of its source\n"
"  --templates DIR   livepatch.c and Kbuild.in (default: <exe>/../../templates)\n"
"  --skel DIR        hotpatch.h, klp-records.h (default: <exe>/../../kmod-skel)\n"
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
		{ "main", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	struct mkmod m = { 0 };
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
				goto oom;
			break;
		case 'O':
			if (strv_add((char ***)&o.objects, &o.nr_objects, optarg))
				goto oom;
			break;
		case 'i': o.index = optarg; break;
		case 's': o.symvers = optarg; break;
		case 't': o.templates = optarg; break;
		case 'k': o.skel = optarg; break;
		case 'm': o.main_obj = optarg; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'h': usage(stdout); ret = 0; goto out;
		case 'V': printf("hotpatch-mkmod %s\n", HOTPATCH_VERSION); ret = 0; goto out;
		default: usage(stderr); goto fail;
		}
	}
	if (!o.name || !o.outdir || (argc - optind) % 2) {
		usage(stderr);
		goto fail;
	}
	if (!klp_valid_objname(o.name) || !strcmp(o.name, "vmlinux")) {
		pr_err("--name %s: a module name is 1-55 characters of [A-Za-z0-9_] "
		       "(use '_' for '-'), and not vmlinux", o.name);
		goto fail;
	}
	if (!o.templates)
		o.templates = dflt_t = default_dir("templates");
	if (!o.skel)
		o.skel = dflt_k = default_dir("kmod-skel");
	if (!o.templates || !o.skel) {
		pr_err("cannot find the templates; pass --templates and --skel");
		goto fail;
	}
	m.nr_in = (size_t)(argc - optind) / 2;
	m.in = calloc(m.nr_in ? m.nr_in : 1, sizeof(*m.in));
	if (!m.in)
		goto oom;
	for (i = optind, j = 0; i < argc; i += 2, j++) {
		m.in[j].obj_path = argv[i];
		m.in[j].facts_path = argv[i + 1];
	}
	m.name = o.name;
	m.replace = o.replace;
	ret = run(&m, &o);
	if (ret == -ENOMEM)
		goto oom;
	if (ret)
		pr_err("no module source written to %s", o.outdir);
	goto out;
oom:	/* the one report of it, wherever it happened */
	pr_err("out of memory; no module source written to %s; free memory or raise the "
	       "process's limit (ulimit -v) and run again", o.outdir ? o.outdir : "-o DIR");
fail:
	ret = 1;

out:
	for (j = 0; m.in && j < m.nr_in; j++)
		facts_free(&m.in[j]);
	free(m.in);
	strv_free(m.imports, m.nr_imports);
	strv_free(m.targets, m.nr_targets);
	strv_free((char **)o.hooks, o.nr_hooks);
	strv_free((char **)o.objects, o.nr_objects);
	free(dflt_t);
	free(dflt_k);
	return ret ? 1 : 0;
}
