// SPDX-License-Identifier: GPL-2.0
/*
 * hotpatch-diff: from the original and patched build of one object, the
 * object a live patch module carries, plus a JSON account.
 *
 *   hotpatch-diff --index SYMINDEX [--release REL] --object OBJNAME [--alias-prefix P]
 *                 [--cu SRC] [--name NAME]
 *                 --json FACTS.json ORIG.o PATCHED.o -o OUT.o
 *   hotpatch-diff --kpatch-compat ORIG PATCHED PARENT SYMTAB SYMVERS PATCH-NAME OUTPUT
 *
 * Exit: 0 output written, 1 error, 2 refused (no output), 3 no functional
 * change (no output).  kpatch's create-diff-object uses the same codes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "differ.h"
#include "log.h"
#include "symindex.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: hotpatch-diff --index SYMINDEX --object OBJNAME --json FACTS.json [OPTION]... [-v] ORIG.o PATCHED.o -o OUT.o\n"
"  or:  hotpatch-diff --kpatch-compat ORIG PATCHED PARENT SYMTAB SYMVERS PATCH-NAME OUTPUT\n"
"\n"
"Compares two builds of one kernel object and writes the object a live patch\n"
"module carries: the changed and new functions, what they need, their special\n"
"section entries, and relocations resolved by export or klp symbols.\n"
"\n"
"  --index FILE        the target release's symbol index (hotpatch-index build);\n"
"                      also the layouts of its special-section entries\n"
"  --release REL       refuse an index built for another release than REL\n"
"  --object NAME       vmlinux, or the module the object is linked into\n"
"  --json FILE         write the facts (verdicts, refusals, klp symbols)\n"
"  --alias-prefix P    prefix of the GLOBAL alias of each changed function\n"
"                      (default hp_<hash of NAME>_)\n"
"  --cu SRC            this object's source file relative to the tree, to tell\n"
"                      same-named locals of the target apart (default: its STT_FILE)\n"
"  --name NAME         the object's name in messages and facts (default PATCHED.o)\n"
"  --new-globals FILE  names (one a line) of new global functions and data that other\n"
"                      objects of the same patch define: references to them stay plain\n"
"                      undefined symbols, resolved inside the patch module\n"
"  --made-global FILE  names (one a line) of statics that other objects of the same\n"
"                      patch make global: a reference to one reaches the target's\n"
"                      local of that name, when the target object has exactly one\n"
"  --patch-refs FILE   names (one a line) that other objects of the same patch refer\n"
"                      to: a new global named there is used even when nothing in\n"
"                      this object is; new code and data nothing reaches, in an\n"
"                      object that changes nothing else, is no functional change\n"
"  --orig-layouts FILE, --patched-layouts FILE\n"
"                      `pahole -a` of each object: a structure whose layout differs is\n"
"                      refused (objects that exist keep the old one)\n"
"  --kpatch-compat     kpatch create-diff-object's arguments: SYMTAB is the\n"
"                      `readelf -s --wide` text of PARENT, SYMVERS may be /dev/null;\n"
"                      entry sizes from kpatch-build's BUG_STRUCT_SIZE, EX_STRUCT_SIZE,\n"
"                      ALT_STRUCT_SIZE, JUMP_STRUCT_SIZE, ORC_STRUCT_SIZE,\n"
"                      STATIC_CALL_STRUCT_SIZE, PARA_STRUCT_SIZE\n"
"\n"
"Exit status: 0 written, 1 error, 2 refused (no output), 3 no functional change.\n");
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static const char *file_symbol(struct object *obj)
{
	struct symbol *s;

	for_each_symbol(obj, s)
		if (s->type == STT_FILE && s->name[0])
			return s->name;
	return NULL;
}

/* "path/to/foo-bar.ko" -> "foo_bar"; "vmlinux" stays.  NULL: out of memory. */
static char *objname_of(const char *parent)
{
	const char *b = strrchr(parent, '/');
	char *n = mem_strdup(b ? b + 1 : parent), *p;
	size_t len;

	if (!n)
		return NULL;
	len = strlen(n);
	if (len > 3 && !strcmp(n + len - 3, ".ko"))
		n[len - 3] = 0;
	for (p = n; *p; p++)
		if (*p == '-')
			*p = '_';
	return n;
}

struct options {
	const char *index, *json, *symtab, *symvers, *release, *new_globals, *patch_refs;
	const char *made_global;
	const char *alias_prefix;
	char *objname_buf;
};

/* The one report of an allocation failure, wherever it happened. */
static int out_of_memory(const char *what)
{
	pr_err("%s: out of memory; free memory or raise the process's limit (ulimit -v) and "
	       "run again", what);
	return EXIT_ERROR;
}

/* The index must describe @release: another release's sympos and exports are wrong. */
static int check_release(const char *index, const char *release)
{
	struct symidx *idx = symidx_open(index);
	int ret = 0;

	if (!idx)
		return -errno;
	if (strcmp(symidx_release(idx), release)) {
		pr_err("%s: the symbol index is for release %s, not %s; use the index of the "
		       "target release (hotpatch-build.sh --setup -k %s)", index,
		       symidx_release(idx), release, release);
		ret = -EINVAL;
	}
	symidx_close(idx);
	return ret;
}

static int run(struct differ *d, struct options *opt)
{
	const char *file_sym;

	if (differ_open(d))
		return EXIT_ERROR;
	if (opt->new_globals) {
		d->err = klp_read_patch_globals(d, opt->new_globals);
		if (d->err)
			return EXIT_ERROR;
	}
	if (opt->made_global) {
		d->err = read_names(opt->made_global, "the statics the patch makes global",
				    &d->made_global, &d->nr_made_global);
		if (d->err)
			return EXIT_ERROR;
	}
	if (opt->patch_refs) {
		d->err = read_names(opt->patch_refs, "the names the patch refers to",
				    &d->patch_refs, &d->nr_patch_refs);
		if (d->err)
			return EXIT_ERROR;
	}
	file_sym = file_symbol(d->orig);
	if (opt->index && opt->release) {
		d->err = check_release(opt->index, opt->release);
		if (d->err)
			return EXIT_ERROR;
	}
	if (opt->symtab)
		d->lookup = lookup_symtab_open(opt->symtab, opt->symvers, d->objname, file_sym);
	else if (opt->index)
		d->lookup = lookup_index_open(opt->index, d->objname, d->cu, file_sym);
	if ((opt->symtab || opt->index) && !d->lookup) {
		d->err = -errno;
		return EXIT_ERROR;
	}
	if (arch_init())
		return EXIT_ERROR;
	return differ_run(d);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "release", required_argument, NULL, 'R' },
		{ "object", required_argument, NULL, 'O' },
		{ "json", required_argument, NULL, 'j' },
		{ "alias-prefix", required_argument, NULL, 'a' },
		{ "cu", required_argument, NULL, 'c' },
		{ "new-globals", required_argument, NULL, 'g' },
		{ "patch-refs", required_argument, NULL, 'r' },
		{ "made-global", required_argument, NULL, 'm' },
		{ "name", required_argument, NULL, 'n' },
		{ "kpatch-compat", no_argument, NULL, 'k' },
		{ "orig-layouts", required_argument, NULL, 'L' },
		{ "patched-layouts", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct differ d = { 0 };
	struct options opt = { 0 };
	const char *verdict;
	int c, rc, jret;

	log_set_progname(argv[0]);
	d.objname = "vmlinux";
	while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': opt.index = optarg; break;
		case 'R': opt.release = optarg; break;
		case 'O': d.objname = optarg; break;
		case 'j': opt.json = optarg; break;
		case 'a': opt.alias_prefix = optarg; break;
		case 'c': d.cu = optarg; break;
		case 'g': opt.new_globals = optarg; break;
		case 'r': opt.patch_refs = optarg; break;
		case 'm': opt.made_global = optarg; break;
		case 'L': d.orig_layouts = optarg; break;
		case 'P': d.patched_layouts = optarg; break;
		case 'n': d.display = optarg; break;
		case 'k': d.kpatch = true; break;
		case 'o': d.out_path = optarg; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("hotpatch-diff %s\n", HOTPATCH_VERSION); return 0;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	if (d.kpatch) {
		if (argc - optind != 7) {
			pr_err("--kpatch-compat takes ORIG PATCHED PARENT SYMTAB SYMVERS PATCH-NAME "
			       "OUTPUT");
			return EXIT_ERROR;
		}
		d.orig_path = argv[optind];
		d.patched_path = argv[optind + 1];
		opt.objname_buf = objname_of(argv[optind + 2]);
		if (!opt.objname_buf)
			return out_of_memory(argv[optind + 2]);
		d.objname = opt.objname_buf;
		opt.symtab = argv[optind + 3];
		opt.symvers = argv[optind + 4];
		d.out_path = argv[optind + 6];
	} else {
		if (argc - optind != 2 || !d.out_path) {
			usage(stderr);
			return EXIT_ERROR;
		}
		d.orig_path = argv[optind];
		d.patched_path = argv[optind + 1];
	}
	if (!d.display)
		d.display = d.patched_path;
	if (opt.alias_prefix)
		d.alias_prefix = mem_strdup(opt.alias_prefix);
	else
		d.alias_prefix = mem_asprintf("hp_%08x_", fnv1a(d.display));
	if (!d.alias_prefix) {
		free(opt.objname_buf);
		return out_of_memory(d.display);
	}
	if (!opt.index && !opt.symtab)
		pr_warn("no --index: locals are assumed unique in %s and globals exported",
			d.objname);

	unlink(d.out_path);
	rc = run(&d, &opt);
	if (rc == EXIT_ERROR && d.err == -ENOMEM)
		out_of_memory(d.display);
	verdict = rc == EXIT_WRITTEN ? "changed" : rc == EXIT_REFUSED ? "refused" :
		  rc == EXIT_NOCHANGE ? "unchanged" : "error";
	jret = opt.json ? emit_json(&d, opt.json, verdict) : 0;
	if (jret == -ENOMEM && !(rc == EXIT_ERROR && d.err == -ENOMEM))
		out_of_memory(d.display);
	if (jret && rc == EXIT_WRITTEN)
		unlink(d.out_path);	/* no OUT.o without its facts: exit 0 alone writes one */
	if (jret)
		rc = EXIT_ERROR;

	differ_free(&d);
	lookup_close(d.lookup);
	arch_exit();
	free(opt.objname_buf);
	return rc;
}
