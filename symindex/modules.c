// SPDX-License-Identifier: GPL-2.0
/*
 * Module entries: every .ko under the modules directory, read through elf/.
 *
 * klp_find_object_symbol(objname, ...) walks module_kallsyms_on_each_symbol(),
 * i.e. the module's kallsyms symtab in order, counting same-named symbols.
 * Once the module is live that symtab is core_kallsyms, which
 * layout_symtab()/add_kallsyms() (kernel/module/kallsyms.c) fill with the
 * file's symbol table in file order, keeping symbol 0 and every symbol
 * is_core_symbol() accepts:
 *   - defined (st_shndx != SHN_UNDEF) in a real section (st_shndx < e_shnum),
 *     with a name (st_name != 0);
 *   - CONFIG_KALLSYMS_ALL: in the per-cpu section, or else
 *     in a section that is SHF_ALLOC once the loader has cleared it from
 *     __versions, .modinfo and .data..percpu; without KALLSYMS_ALL also
 *     SHF_EXECINSTR;
 *   - not in an init section (".init*", and ".exit*" without
 *     CONFIG_MODULE_UNLOAD): layout_sections() marks those INIT_OFFSET_MASK.
 * sympos is the 1-based rank among kept symbols of the same name, 0 when
 * the name is unique among them.
 *
 * Modules may be compressed (.ko.xz: Debian 6.12); they are read
 * decompressed (xz.c).  A module file in a form we cannot read (.ko.gz,
 * .ko.zst) stops the index with an error: a missing module would make every
 * sympos and export question about it answer "no such symbol".
 *
 * Caveat (kernel behaviour): while a module is still loading
 * (klp_module_coming) its kallsyms is the full symtab, where init and
 * other dropped symbols also count.  When that changes a kept symbol's
 * rank we say so in a debug message and count it in the summary.
 */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "object.h"
#include "build.h"

struct modfile {
	char *path;
	char *name;
	bool xz;
};

static struct modfile *found;
static size_t nr_found, alloc_found;
static char *unreadable;	/* first module in a compression we do not read */

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !strcmp(s + len - n, suffix);
}

static int collect(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t len = strlen(path), suffix;
	const char *base = path + ftw->base;
	struct modfile *m;
	bool xz = false;
	char *p;

	(void)st;
	if (flag != FTW_F)
		return 0;
	if (ends_with(path, len, ".ko")) {
		suffix = 3;
	} else if (ends_with(path, len, ".ko.xz")) {
		suffix = 6;
		xz = true;
	} else {
		if ((ends_with(path, len, ".ko.gz") || ends_with(path, len, ".ko.zst")) && !unreadable) {
			unreadable = strdup(path);
			if (!unreadable)
				return -ENOMEM;
		}
		return 0;
	}
	if (ARRAY_GROW(found, alloc_found, nr_found + 1))
		return -ENOMEM;
	m = &found[nr_found];
	m->path = strdup(path);
	m->name = strndup(base, strlen(base) - suffix);
	m->xz = xz;
	if (!m->path || !m->name) {
		free(m->path);
		free(m->name);
		return -ENOMEM;
	}
	for (p = m->name; *p; p++)
		if (*p == '-')
			*p = '_';
	nr_found++;
	return 0;
}

static int cmp_modfile(const void *a, const void *b)
{
	const struct modfile *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->path, y->path);
}

struct ksym {
	struct symbol *sym;
	unsigned int order;	/* rank in the walk */
	unsigned int sympos;
	bool kept;
};

static int cmp_ksym_name(const void *a, const void *b)
{
	const struct ksym *x = *(const struct ksym *const *)a;
	const struct ksym *y = *(const struct ksym *const *)b;
	int c = strcmp(x->sym->name, y->sym->name);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool is_core_symbol(const struct build_opts *o, struct object *obj,
			   struct symbol *sym, const struct section *pcpu)
{
	uint16_t shndx = sym->sym.st_shndx;
	struct section *sec;
	uint64_t flags;

	if (shndx == SHN_UNDEF || shndx >= obj->ehdr.e_shnum || !sym->name || !*sym->name)
		return false;
	if (o->kallsyms_all && pcpu && shndx == pcpu->idx)
		return true;
	sec = obj_find_section_by_index(obj, shndx);
	if (!sec)
		return false;
	flags = sec->sh.sh_flags;
	if (sec == pcpu || !strcmp(sec->name, "__versions") || !strcmp(sec->name, ".modinfo"))
		flags &= ~(uint64_t)SHF_ALLOC;
	if (!(flags & SHF_ALLOC) || (!o->kallsyms_all && !(flags & SHF_EXECINSTR)))
		return false;
	if (starts_with(sec->name, ".init") ||
	    (!o->module_unload && starts_with(sec->name, ".exit")))
		return false;
	return true;
}

/* Rank the same-named symbols of @list[0..n) (sorted by name, order). */
static void rank(struct ksym **list, size_t n, bool set)
{
	size_t i, j, k;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && !strcmp(list[j]->sym->name, list[i]->sym->name); j++)
			;
		for (k = i; k < j; k++) {
			unsigned int pos = j - i == 1 ? 0 : k - i + 1;

			if (set)
				list[k]->sympos = pos;
			else if (list[k]->kept && list[k]->sympos != pos)
				list[k]->order = UINT32_MAX;	/* mark: differs */
		}
	}
}

static int index_module(struct symidx_writer *w, const struct build_opts *o,
			const struct ksymvers *sv, const struct modfile *mf,
			size_t *nr_syms, size_t *nr_unstable)
{
	struct ksym *ks = NULL, **kept = NULL, **all = NULL;
	size_t n = 0, nk = 0, na = 0, i;
	const char *file = "";
	struct section *pcpu;
	struct object *obj;
	struct symbol *sym;
	char fdpath[64];
	int ret = 0, fd = -1;

	if (mf->xz) {
		fd = xz_open_decompressed(mf->path, fdpath, sizeof(fdpath));
		if (fd < 0)
			return fd;
	}
	obj = obj_open(fd >= 0 ? fdpath : mf->path, OBJ_ANY_TYPE | OBJ_LAZY | OBJ_NO_RELOCS);
	if (fd >= 0)
		close(fd);	/* libelf keeps its own reference or has read the file */
	if (!obj) {
		ret = -errno;
		pr_err("%s: cannot read this module; the index would lack its symbols", mf->path);
		return ret ? ret : -EINVAL;
	}
	ret = symidx_writer_add_object(w, mf->name);
	if (ret)
		goto out;
	ks = calloc(obj->nr_symbols + 1, sizeof(*ks));
	kept = calloc(obj->nr_symbols + 1, sizeof(*kept));
	all = calloc(obj->nr_symbols + 1, sizeof(*all));
	if (!ks || !kept || !all) {
		ret = -ENOMEM;
		goto out;
	}
	pcpu = obj_find_section_by_name(obj, ".data..percpu");

	/* symtab order: the walk order of module kallsyms */
	for (i = 1; i < obj->nr_symbols; i++) {
		sym = obj_find_symbol_by_index(obj, i);
		if (!sym)
			continue;
		ks[n].sym = sym;
		ks[n].order = n;
		ks[n].kept = is_core_symbol(o, obj, sym, pcpu);
		if (ks[n].kept)
			kept[nk++] = &ks[n];
		if (sym->sym.st_shndx != SHN_UNDEF && sym->name)
			all[na++] = &ks[n];
		n++;
	}
	qsort(kept, nk, sizeof(*kept), cmp_ksym_name);
	rank(kept, nk, true);
	qsort(all, na, sizeof(*all), cmp_ksym_name);
	rank(all, na, false);

	for (i = 0; !ret && i < n; i++) {
		struct symidx_entry e;
		const char *exporter;

		sym = ks[i].sym;
		/* ld -r puts each file's FILE symbol before its locals */
		if (sym->type == STT_FILE) {
			file = sym->name ? sym->name : "";
			continue;
		}
		if (!ks[i].kept)
			continue;
		if (ks[i].order == UINT32_MAX) {
			(*nr_unstable)++;
			pr_debug("%s: %s: sympos %u while loaded, different while the module "
				 "is coming (init symbols share its name)", mf->path, sym->name,
				 ks[i].sympos);
		}
		exporter = ksymvers_exporter(sv, sym->name);
		e = (struct symidx_entry){
			.name = sym->name, .object = mf->name,
			.cu = sym->bind == STB_LOCAL ? file : "",
			.addr = sym->sym.st_value, .size = sym->size,
			.type = sym->type, .bind = sym->bind,
			.exported = sym->bind != STB_LOCAL && exporter &&
				    !strcmp(exporter, mf->name),
			.sympos = ks[i].sympos,
		};
		ret = symidx_writer_add(w, &e);
		(*nr_syms)++;
	}
out:
	free(ks);
	free(kept);
	free(all);
	obj_close(obj);
	return ret;
}

int index_modules(struct symidx_writer *w, const struct build_opts *o,
		  const struct ksymvers *sv)
{
	size_t i, nr_syms = 0, nr_unstable = 0, nr_mods = 0;
	int ret;

	nr_found = alloc_found = 0;
	unreadable = NULL;
	found = NULL;
	ret = nftw(o->modules, collect, 32, FTW_PHYS);
	if (ret) {
		ret = ret < 0 ? -errno : ret;
		pr_err("%s: cannot walk the modules directory: %s", o->modules, strerror(-ret));
		goto out;
	}
	if (unreadable) {
		pr_err("%s: compressed in a form hotpatch-index does not read (it reads .ko and "
		       ".ko.xz); the index would lack this module", unreadable);
		ret = -ENOTSUP;
		goto out;
	}
	if (!nr_found)
		pr_warn("%s: no .ko modules found", o->modules);
	if (nr_found)
		qsort(found, nr_found, sizeof(*found), cmp_modfile);
	for (i = 0; !ret && i < nr_found; i++) {
		if (i && !strcmp(found[i].name, found[i - 1].name)) {
			pr_warn("%s: module %s already indexed from %s; skipped", found[i].path,
				found[i].name, found[i - 1].path);
			continue;
		}
		ret = index_module(w, o, sv, &found[i], &nr_syms, &nr_unstable);
		nr_mods++;
	}
	if (!ret)
		pr_info("modules: %zu modules, %zu kallsyms symbols, %zu whose sympos differs "
			"while their module is still loading", nr_mods, nr_syms, nr_unstable);
out:
	for (i = 0; i < nr_found; i++) {
		free(found[i].path);
		free(found[i].name);
	}
	free(found);
	found = NULL;
	free(unreadable);
	unreadable = NULL;
	return ret;
}
