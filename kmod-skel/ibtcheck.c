// SPDX-License-Identifier: GPL-2.0
/*
 * The IBT check of a patch module (see ibtcheck.h for what and why).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "object.h"
#include "symindex.h"
#include "xz.h"
#include "mkmod.h"
#include "ibtcheck.h"

#define PADDING		16	/* CALL_PADDING: bytes of NOPs before each function */
#define NOP		0x90

static const unsigned char endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

struct ibt {
	struct object *ko;
	const struct ibt_sources *src;
	struct object *vmlinux;		/* opened on first use, sections only */
	struct section *return_sites;	/* .return_sites of the module, or NULL */
	struct section *orc_ip;		/* .orc_unwind_ip of the module, or NULL */
	int err;			/* first error; every problem is still reported */
};

static void fail(struct ibt *c, int err)
{
	if (!c->err)
		c->err = err;
}

/* Whether @n bytes at @off of the code section @sec are @want. */
static bool sec_bytes_are(struct section *sec, uint64_t off, const unsigned char *want, size_t n)
{
	const unsigned char *d = sec_data(sec);

	return d && off <= sec->size && n <= sec->size - off && !memcmp(d + off, want, n);
}

/* The index entry the kernel will patch: (target, name, sympos) of @fn. */
static const struct symidx_entry *orig_entry(const struct ibt *c, const struct func *fn)
{
	const struct symidx_entry *e;
	size_t n = symidx_lookup(c->src->idx, fn->in->target, fn->name, &e);

	if (!n || fn->sympos > n || (!fn->sympos && n > 1)) {
		pr_err("%s: %s: %s,%lu is not in the symbol index of %s: cannot read the running "
		       "kernel's copy; check that --index is the target's", fn->in->facts_path,
		       fn->in->object, fn->name, fn->sympos, fn->in->target);
		return NULL;
	}
	return e + (fn->sympos ? fn->sympos - 1 : 0);
}

/* vmlinux: the first bytes of the code section holding the original's address. */
static int vmlinux_starts_endbr(struct ibt *c, const struct func *fn, bool *endbr)
{
	const struct symidx_entry *e = orig_entry(c, fn);
	struct section *sec;

	if (!e)
		return -ENOENT;
	if (!c->vmlinux) {
		c->vmlinux = obj_open(c->src->vmlinux, OBJ_ANY_TYPE | OBJ_LAZY | OBJ_SECTIONS_ONLY);
		if (!c->vmlinux)
			return errno ? -errno : -EINVAL;
	}
	for_each_section(c->vmlinux, sec) {
		if (sec->sh.sh_type != SHT_PROGBITS || !sec_is_text(sec) ||
		    !(sec->sh.sh_flags & SHF_ALLOC) || e->addr < sec->sh.sh_addr ||
		    e->addr - sec->sh.sh_addr >= sec->size)
			continue;
		if (!sec_data(sec))
			return -EINVAL;
		*endbr = sec_bytes_are(sec, e->addr - sec->sh.sh_addr, endbr64, sizeof(endbr64));
		return 0;
	}
	pr_err("%s: no code section holds %s (0x%llx): not the dbg vmlinux of release %s",
	       c->src->vmlinux, fn->name, (unsigned long long)e->addr, symidx_release(c->src->idx));
	return -ENOENT;
}

/*
 * The file of module @name under the modules directory, from modules.dep,
 * in *@out.  0, or -errno after a message (-ENOMEM without: main says it).
 */
static int module_path(const struct ibt *c, const char *name, char **out)
{
	char *dep = NULL, *line, *path = NULL, *save = NULL;
	size_t nlen = strlen(name);
	int ret;

	*out = NULL;
	if (asprintf(&path, "%s/modules.dep", c->src->moddir) < 0)
		return -ENOMEM;
	ret = read_whole_file(path, &dep, NULL);
	free(path);
	if (ret)
		return ret;
	path = NULL;
	for (line = strtok_r(dep, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *base;
		size_t len, i;

		if (!colon)
			continue;
		*colon = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		len = strlen(base);
		if (len > 6 && !strcmp(base + len - 6, ".ko.xz"))
			len -= 6;
		else if (len > 3 && !strcmp(base + len - 3, ".ko"))
			len -= 3;
		else
			continue;
		if (len != nlen)
			continue;
		for (i = 0; i < len && (base[i] == '-' ? '_' : base[i]) == name[i]; i++)
			;
		if (i == len) {
			if (asprintf(&path, "%s/%s", c->src->moddir, line) < 0) {
				free(dep);
				return -ENOMEM;
			}
			break;
		}
	}
	free(dep);
	if (!path) {
		pr_err("%s/modules.dep: no module %s: the IBT check cannot read the running "
		       "kernel's copy of its functions", c->src->moddir, name);
		return -ENOENT;
	}
	*out = path;
	return 0;
}

/* A module: its function of that name at the index's offset (and size). */
static int module_starts_endbr(struct ibt *c, const struct func *fn, bool *endbr)
{
	const struct symidx_entry *e = orig_entry(c, fn);
	char fdpath[64], *path;
	struct object *obj;
	struct symbol *sym;
	size_t len, yes = 0, no = 0;
	int fd = -1, ret = 0;

	if (!e)
		return -ENOENT;
	ret = module_path(c, fn->in->target, &path);
	if (ret)
		return ret;
	len = strlen(path);
	if (len > 3 && !strcmp(path + len - 3, ".xz")) {
		fd = xz_open_decompressed(path, fdpath, sizeof(fdpath));
		if (fd < 0) {
			free(path);
			return fd;
		}
	}
	obj = obj_open(fd >= 0 ? fdpath : path, OBJ_ANY_TYPE | OBJ_LAZY | OBJ_NO_RELOCS);
	if (fd >= 0)
		close(fd);	/* libelf keeps its own reference or has read the file */
	if (!obj) {
		ret = errno ? -errno : -EINVAL;
		if (ret != -ENOMEM)	/* main reports that */
			pr_err("%s: cannot read this module: the IBT check needs its copy of %s",
			       path, fn->name);
		free(path);
		return ret;
	}
	/* same-named functions of one module differ in offset (or section: then they must agree) */
	for_each_symbol(obj, sym) {
		if (sym->type != STT_FUNC || !sym->sec || sym->offset != e->addr ||
		    sym->size != e->size || strcmp(sym->name, fn->name))
			continue;
		if (sec_bytes_are(sym->sec, sym->offset, endbr64, sizeof(endbr64)))
			yes++;
		else
			no++;
	}
	if (!yes && !no) {
		pr_err("%s: no function %s at offset 0x%llx as the symbol index says: the index "
		       "is not of this module", path, fn->name, (unsigned long long)e->addr);
		ret = -ENOENT;
	} else if (yes && no) {
		pr_err("%s: %zu functions %s at offset 0x%llx, some with endbr64: cannot tell which "
		       "one %s,%lu is", path, yes + no, fn->name, (unsigned long long)e->addr,
		       fn->name, fn->sympos);
		ret = -ENOTUNIQ;
	}
	*endbr = yes > 0;
	obj_close(obj);
	free(path);
	return ret;
}

/* Whether an entry of @table (its relocations) points at @sec + [lo, hi). */
static bool entry_in(const struct section *table, const struct section *sec, uint64_t lo,
		     uint64_t hi)
{
	struct reloc *r;

	if (!table || !table->rela)
		return false;
	for_each_reloc(table->rela, r) {
		uint64_t at = r->sym->offset + (uint64_t)r->addend;

		if (r->sym->sec == sec && at >= lo && at < hi)
			return true;
	}
	return false;
}

/* (c) and (d): the return thunk jumps of @fn's code are listed, and ORC covers it. */
static void check_sites(struct ibt *c, const char *what, struct symbol *fn)
{
	struct section *sec = fn->sec;
	uint64_t end = fn->offset + fn->size;
	struct reloc **arr;
	size_t nr, i;

	if (sec_relocs_by_offset(sec, &arr, &nr)) {
		fail(c, -ENOMEM);
		return;
	}
	for (i = reloc_lower_bound(arr, nr, fn->offset + 1); i < nr && arr[i]->offset < end; i++) {
		uint64_t at = arr[i]->offset;

		/* jmp rel32 (e9) or jcc rel32 (0f 8x): the site is the instruction */
		if (strcmp(arr[i]->sym->name, "__x86_return_thunk") ||
		    entry_in(c->return_sites, sec, at - 2, at))
			continue;
		pr_err("%s: return thunk jump at +0x%llx not in .return_sites: objtool's link-time "
		       "work is missing", what, (unsigned long long)(at - 1 - fn->offset));
		fail(c, -EINVAL);
	}
	/*
	 * objtool writes an entry where the unwind state changes (always at the first
	 * instruction of a section): the last one at or before the function's start covers
	 * it. A function whose state equals its padding's has none of its own.
	 */
	if (!entry_in(c->orc_ip, sec, 0, fn->offset + 1)) {
		pr_err("%s: no ORC entry (.orc_unwind_ip): objtool's link-time work is missing; "
		       "livepatch needs reliable stack traces", what);
		fail(c, -EINVAL);
	}
}

static void check_func(struct ibt *c, const struct func *fn)
{
	static const unsigned char nops[PADDING] = {
		NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP
	};
	struct symbol *sym = obj_find_symbol_by_name(c->ko, fn->alias), *pfx;
	char *what = NULL, *pfx_name = NULL;
	bool endbr = false;
	int ret;

	if (!sym || !sym_is_func(sym) || !sym->sec || !sec_is_text(sym->sec)) {
		pr_err("%s: no function %s (%s of %s): not the module of these facts", c->ko->path,
		       fn->alias, fn->name, fn->in->facts_path);
		fail(c, -ENOENT);
		return;
	}
	if (asprintf(&what, "%s: %s: %s", c->ko->path, sym->sec->name, fn->name) < 0 ||
	    asprintf(&pfx_name, "__pfx_%s", fn->alias) < 0) {
		free(what);
		fail(c, -ENOMEM);
		return;
	}
	ret = strcmp(fn->in->target, "vmlinux") ? module_starts_endbr(c, fn, &endbr) :
						  vmlinux_starts_endbr(c, fn, &endbr);
	if (ret) {
		fail(c, ret);
	} else if (endbr && !sec_bytes_are(sym->sec, sym->offset, endbr64, sizeof(endbr64))) {
		pr_err("%s: the kernel's %s starts with endbr64, its replacement %s does not: an "
		       "indirect call to it would fault under IBT", what, fn->name, fn->alias);
		fail(c, -EINVAL);
	}
	if (sym->offset < PADDING ||
	    !sec_bytes_are(sym->sec, sym->offset - PADDING, nops, PADDING)) {
		pr_err("%s: not preceded by the %d bytes of NOP padding CALL_PADDING gives every "
		       "function", what, PADDING);
		fail(c, -EINVAL);
	}
	pfx = obj_find_symbol_by_name(c->ko, pfx_name);
	if (!pfx || !sym_is_func(pfx) || pfx->sec != sym->sec ||
	    pfx->offset + PADDING != sym->offset || pfx->size != PADDING) {
		pr_err("%s: no %s symbol over its padding (objtool --prefix did not run on it)",
		       what, pfx_name);
		fail(c, -EINVAL);
	}
	check_sites(c, what, sym);
	free(pfx_name);
	free(what);
}

int ibt_check(struct object *ko, const struct ibt_sources *src, const struct input *in,
	      size_t nr)
{
	struct ibt c = { .ko = ko, .src = src };
	size_t i, j;

	c.return_sites = obj_find_section_by_name(ko, ".return_sites");
	c.orc_ip = obj_find_section_by_name(ko, ".orc_unwind_ip");
	for (i = 0; i < nr; i++)
		for (j = 0; j < in[i].nr_funcs; j++)
			check_func(&c, &in[i].funcs[j]);
	obj_close(c.vmlinux);
	return c.err;
}
