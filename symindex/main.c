// SPDX-License-Identifier: GPL-2.0
/*
 * hotpatch-index: build and inspect the per-release symbol index.
 *
 *   hotpatch-index build --vmlinux V --system-map M --symvers S --modules DIR
 *                        --release R [--config C] -o OUT
 *   hotpatch-index query INDEX [--object O] [--cu CU] NAME
 *   hotpatch-index info INDEX
 *   hotpatch-index format
 */
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "build.h"
#include "format.h"
#include "symindex.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hotpatch-index build --vmlinux VMLINUX --system-map SYSTEM.MAP --symvers MODULE.SYMVERS --modules DIR --release RELEASE [--config .CONFIG] [-v] -o OUT\n"
		"  or:  hotpatch-index query INDEX [--object OBJECT] [--cu CU] NAME\n"
		"  or:  hotpatch-index info INDEX\n"
		"  or:  hotpatch-index dump INDEX [--object OBJECT]\n"
		"  or:  hotpatch-index format\n"
		"\n"
		"build: index every symbol of vmlinux (dbg vmlinux with DWARF + the real\n"
		"System.map) and of every .ko under DIR: object, kallsyms position among\n"
		"same-named symbols (sympos), compilation unit, export.  --config defaults\n"
		"to the .config next to Module.symvers (it says whether KALLSYMS_ALL is set).\n"
		"query: one line per entry: object name sympos type bind addr size exported cu\n"
		"format: the index format this tool writes and reads (an index of another\n"
		"format is refused; hotpatch-build --setup rebuilds it).\n");
}

static bool config_bool(const char *buf, const char *opt, bool dflt)
{
	size_t n = strlen(opt);
	const char *p;

	for (p = buf; (p = strstr(p, opt)); p += n) {
		if (p != buf && p[-1] != '\n')
			continue;
		if (p[n] == '=')
			return p[n + 1] == 'y';
	}
	for (p = buf; (p = strstr(p, "# ")); p += 2)
		if (!strncmp(p + 2, opt, n) && !strncmp(p + 2 + n, " is not set", 11))
			return false;
	return dflt;
}

static int read_config(struct build_opts *o)
{
	char *path = NULL, *buf, *dir;
	size_t len;
	int ret;

	o->kallsyms_all = true;		/* Debian's setting */
	o->module_unload = true;
	if (!o->config) {
		char *copy = strdup(o->symvers);

		if (!copy)
			return -ENOMEM;
		dir = dirname(copy);
		if (asprintf(&path, "%s/.config", dir) < 0)
			path = NULL;
		free(copy);
		if (!path)
			return -ENOMEM;
		if (access(path, R_OK)) {
			pr_warn("%s: no .config next to Module.symvers; assuming "
				"CONFIG_KALLSYMS_ALL=y and CONFIG_MODULE_UNLOAD=y (pass --config)", path);
			free(path);
			return 0;
		}
	}
	ret = read_whole_file(path ? path : o->config, &buf, &len);
	free(path);
	if (ret)
		return ret;
	o->kallsyms_all = config_bool(buf, "CONFIG_KALLSYMS_ALL", false);
	o->module_unload = config_bool(buf, "CONFIG_MODULE_UNLOAD", false);
	free(buf);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vmlinux", required_argument, NULL, 'V' },
		{ "system-map", required_argument, NULL, 'M' },
		{ "symvers", required_argument, NULL, 'S' },
		{ "modules", required_argument, NULL, 'D' },
		{ "release", required_argument, NULL, 'R' },
		{ "config", required_argument, NULL, 'C' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct build_opts o = { 0 };
	struct symidx_writer *w = NULL;
	struct ksymvers *sv = NULL;
	struct cumap cus = { 0 };
	double t0 = now(), t;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'V': o.vmlinux = optarg; break;
		case 'M': o.sysmap = optarg; break;
		case 'S': o.symvers = optarg; break;
		case 'D': o.modules = optarg; break;
		case 'R': o.release = optarg; break;
		case 'C': o.config = optarg; break;
		case 'o': o.out = optarg; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc || !o.vmlinux || !o.sysmap || !o.symvers || !o.modules ||
	    !o.release || !o.out) {
		pr_err("build needs --vmlinux, --system-map, --symvers, --modules, --release and -o");
		usage(stderr);
		return 1;
	}
	ret = read_config(&o);
	if (!ret) {
		sv = ksymvers_load(o.symvers);
		if (!sv)
			ret = -errno;
	}
	if (!ret) {
		w = symidx_writer_new(o.release);
		if (!w)
			ret = -ENOMEM;
	}
	for (size_t i = 0; !ret && i < ksymvers_nr(sv); i++) {
		const struct ksym_export *e = ksymvers_entry(sv, i);

		ret = symidx_writer_add_export(w, e->name, e->object);
	}
	if (!ret) {
		t = now();
		ret = cumap_build(o.vmlinux, &cus);
		if (!ret)
			pr_info("%s: %zu compilation units, %zu code ranges, %zu static variables "
				"(%.1f s)", o.vmlinux, cus.nr_names, cus.nr_ranges, cus.nr_vars,
				now() - t);
	}
	if (!ret) {
		t = now();
		ret = index_vmlinux(w, &o, sv, &cus);
		pr_debug("vmlinux symbols: %.1f s", now() - t);
	}
	cumap_free(&cus);
	if (!ret) {
		t = now();
		ret = index_modules(w, &o, sv);
		pr_debug("modules: %.1f s", now() - t);
	}
	if (!ret)
		ret = symidx_writer_write(w, o.out);
	if (!ret)
		pr_info("%s: %zu entries, %zu exports, release %s (%.1f s)", o.out,
			symidx_writer_nr_entries(w), ksymvers_nr(sv), o.release, now() - t0);
	symidx_writer_free(w);
	ksymvers_free(sv);
	if (ret == -ENOMEM)	/* the one report of it, wherever it happened */
		pr_err("%s: out of memory; symbol index not written; free memory or raise the "
		       "process's limit (ulimit -v) and run again", o.out);
	else if (ret)
		pr_err("%s: symbol index not written", o.out);
	return ret ? 1 : 0;
}

static const char *type_name(unsigned char type)
{
	static const char *const names[] = {
		[STT_NOTYPE] = "NOTYPE", [STT_OBJECT] = "OBJECT", [STT_FUNC] = "FUNC",
		[STT_SECTION] = "SECTION", [STT_FILE] = "FILE", [STT_COMMON] = "COMMON",
		[STT_TLS] = "TLS",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "?";
}

static const char *bind_name(unsigned char bind)
{
	return bind == STB_LOCAL ? "LOCAL" : bind == STB_GLOBAL ? "GLOBAL" :
	       bind == STB_WEAK ? "WEAK" : "?";
}

static void print_entry(const struct symidx_entry *e)
{
	printf("%s %s %u %s %s 0x%" PRIx64 " %" PRIu64 " %s %s\n", e->object, e->name,
	       e->sympos, type_name(e->type), bind_name(e->bind), e->addr, e->size,
	       e->exported ? "exported" : "-", *e->cu ? e->cu : "-");
}

static int cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "object", required_argument, NULL, 'O' },
		{ "cu", required_argument, NULL, 'c' },
		{ 0 }
	};
	const char *object = NULL, *cu = NULL, *exporter;
	const struct symidx_entry *run;
	struct symidx *idx;
	size_t n, i;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'O': object = optarg; break;
		case 'c': cu = optarg; break;
		default: usage(stderr); return 1;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 1;
	}
	idx = symidx_open(argv[optind]);
	if (!idx)
		return 1;
	if (object && !symidx_has_object(idx, object)) {
		pr_err("%s: no object '%s' in release %s", argv[optind], object,
		       symidx_release(idx));
		symidx_close(idx);
		return 1;
	}
	if (cu) {
		run = symidx_find_in_cu(idx, object ? object : "vmlinux", argv[optind + 1], cu);
		n = run ? 1 : 0;
		if (!run && errno == ENOTUNIQ)
			pr_err("%s: several '%s' in %s", argv[optind], argv[optind + 1], cu);
	} else {
		n = symidx_lookup(idx, object, argv[optind + 1], &run);
	}
	for (i = 0; i < n; i++)
		print_entry(&run[i]);
	exporter = symidx_exporter(idx, argv[optind + 1]);
	if (exporter)
		printf("# exported by %s\n", exporter);
	if (!n)
		pr_err("no symbol '%s'%s%s", argv[optind + 1], object ? " in " : "",
		       object ? object : "");
	symidx_close(idx);
	return n ? 0 : 1;
}

/* Every entry of @object (or of all objects), for tests and statistics. */
static int cmd_dump(int argc, char **argv)
{
	const char *object = argc == 4 && !strcmp(argv[2], "--object") ? argv[3] : NULL;
	const struct symidx_entry *run;
	struct symidx *idx;
	size_t i, n, count;

	if (argc != 2 && !object) {
		usage(stderr);
		return 1;
	}
	idx = symidx_open(argv[1]);
	if (!idx)
		return 1;
	if (object && !symidx_has_object(idx, object)) {
		pr_err("%s: no object '%s'", argv[1], object);
		symidx_close(idx);
		return 1;
	}
	n = symidx_nr_objects(idx);
	for (i = 0; i < n; i++) {
		const char *name = symidx_object_name(idx, i, &count);

		if ((object && strcmp(name, object)) || !count)
			continue;
		run = symidx_object_entries(idx, name);
		if (!run) {
			symidx_close(idx);
			return 1;
		}
		for (size_t j = 0; j < count; j++)
			print_entry(&run[j]);
	}
	symidx_close(idx);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	struct symidx *idx;
	size_t i, n, count, total = 0, layouts = 0;

	if (argc != 2) {
		usage(stderr);
		return 1;
	}
	idx = symidx_open(argv[1]);
	if (!idx)
		return 1;
	n = symidx_nr_objects(idx);
	printf("release %s\n", symidx_release(idx));
	printf("format %u\n", SYMIDX_VERSION);
	printf("objects %zu\n", n);
	printf("entries %zu\n", symidx_nr_entries(idx));
	printf("exports %zu\n", symidx_nr_exports(idx));
	for (i = 0; i < n; i++) {
		const char *name = symidx_object_name(idx, i, &count);

		if (!strcmp(name, "vmlinux"))
			printf("vmlinux %zu\n", count);
		else if (!strcmp(name, SYMIDX_LAYOUTS))
			layouts = count;
		else
			total += count;
	}
	printf("module entries %zu\n", total);
	printf("layouts %zu\n", layouts);
	symidx_close(idx);
	return 0;
}

int main(int argc, char **argv)
{
	log_set_progname("hotpatch-index");
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "build"))
		return cmd_build(argc - 1, argv + 1);
	if (!strcmp(argv[1], "query"))
		return cmd_query(argc - 1, argv + 1);
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "format") && argc == 2) {
		printf("%u\n", SYMIDX_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "dump"))
		return cmd_dump(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("hotpatch-index %s\n", HOTPATCH_VERSION);
		return 0;
	}
	pr_err("unknown command '%s'", argv[1]);
	usage(stderr);
	return 1;
}
