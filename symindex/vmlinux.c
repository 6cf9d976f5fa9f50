// SPDX-License-Identifier: GPL-2.0
/*
 * vmlinux entries: the symbol table of the dbg vmlinux (type, bind, size)
 * joined with System.map, which lists what kallsyms holds in address order.
 *
 * klp_find_object_symbol() walks kallsyms_on_each_symbol() -- address
 * order -- counting the symbols named like the one it wants: sympos is
 * that count (1-based) when the name is not unique, 0 when it is.  So a
 * symbol's sympos is its rank among the same-named lines of System.map.
 * Symbols that System.map leaves out (mksysmap drops 'a', 'N', 'U', 'w',
 * __crc_*, __kstrtab*, .L*) are not in kallsyms either, and not in the
 * index; neither are the System.map lines scripts/kallsyms ignores
 * (absolute symbols, its own tables, a few toolchain stubs).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "fileio.h"
#include "log.h"
#include "object.h"
#include "build.h"

struct mapsym {
	const char *name;
	uint64_t addr;
	uint32_t line;
	char letter;
};

struct vsym {
	const char *name;
	uint64_t addr, size;
	unsigned char type, bind;
	bool used;
};

static int cmp_mapsym(const void *a, const void *b)
{
	const struct mapsym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_vsym(const void *a, const void *b)
{
	const struct vsym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* scripts/kallsyms.c symbol_valid()'s name rules, for System.map lines. */
static bool kallsyms_ignores(const char *name, char letter)
{
	static const char *const names[] = {
		"kallsyms_addresses", "kallsyms_offsets", "kallsyms_relative_base",
		"kallsyms_num_syms", "kallsyms_names", "kallsyms_markers",
		"kallsyms_token_table", "kallsyms_token_index", "kallsyms_seqs_of_names",
		"_SDA_BASE_", "_SDA2_BASE_", NULL
	};
	static const char *const prefixes[] = {
		"__efistub_", "__kvm_nvhe_$", "__kvm_nvhe_.L", "__AArch64ADRPThunk_",
		"__ARMV5PILongThunk_", "__ARMV7PILongThunk_", "__ThumbV7PILongThunk_",
		"__LA25Thunk_", "__microLA25Thunk_", "__kcfi_typeid_", NULL
	};
	static const char *const suffixes[] = { "_from_arm", "_from_thumb", "_veneer", NULL };
	static const char *const matches[] = { ".long_branch.", ".plt_branch.", NULL };
	const char *const *p;
	size_t len = strlen(name);

	if (letter == 'U' || letter == 'u' || letter == 'N' || letter == 'n' ||
	    letter == 'A' || letter == 'a')
		return true;
	for (p = names; *p; p++)
		if (!strcmp(name, *p))
			return true;
	for (p = prefixes; *p; p++)
		if (!strncmp(name, *p, strlen(*p)))
			return true;
	for (p = suffixes; *p; p++)
		if (len >= strlen(*p) && !strcmp(name + len - strlen(*p), *p))
			return true;
	for (p = matches; *p; p++)
		if (strstr(name, *p))
			return true;
	return false;
}

/* "ffffffff81000000 T _text" per line, in address order. */
static int sysmap_read(const char *path, char **buf, struct mapsym **out, size_t *nr)
{
	size_t len, n = 0, alloc = 0, lineno = 0;
	struct mapsym *syms = NULL;
	char *line, *next;
	int ret;

	ret = read_whole_file(path, buf, &len);
	if (ret)
		return ret;
	for (line = *buf; *line; line = next) {
		char *end, *name;
		uint64_t addr;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (!*line)
			continue;
		errno = 0;
		addr = strtoull(line, &end, 16);
		if (errno || end == line || *end != ' ' || !end[1] || end[2] != ' ' || !end[3]) {
			pr_err("%s:%zu: expected \"<address> <type> <name>\"; is this a System.map?",
			       path, lineno);
			free(syms);
			free(*buf);
			return -EINVAL;
		}
		name = end + 3;
		name[strcspn(name, " \t\r")] = '\0';
		if (kallsyms_ignores(name, end[1]))
			continue;
		if (ARRAY_GROW(syms, alloc, n + 1)) {
			free(syms);
			free(*buf);
			return -ENOMEM;
		}
		syms[n++] = (struct mapsym){ name, addr, lineno, end[1] };
	}
	if (!n) {
		pr_err("%s: no symbols; the image package's System.map is a stub, "
		       "use the one of the -dbg package", path);
		free(syms);
		free(*buf);
		return -EINVAL;
	}
	*out = syms;
	*nr = n;
	return 0;
}

static int vmlinux_symbols(struct object *obj, struct vsym **out, size_t *nr)
{
	struct vsym *v = calloc(obj->nr_symbols ? obj->nr_symbols : 1, sizeof(*v));
	struct symbol *sym;
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for_each_symbol(obj, sym) {
		if (!sym->name || !*sym->name || sym->type == STT_SECTION ||
		    sym->type == STT_FILE || sym->sym.st_shndx == SHN_UNDEF)
			continue;
		v[n++] = (struct vsym){ sym->name, sym->sym.st_value, sym->size,
					sym->type, sym->bind, false };
	}
	qsort(v, n, sizeof(*v), cmp_vsym);
	*out = v;
	*nr = n;
	return 0;
}

/* For a System.map line the symbol table lacks: what nm's letter tells. */
static void from_letter(struct symidx_entry *e, char letter)
{
	e->type = STT_NOTYPE;
	if (letter == 'W' || letter == 'V' || letter == 'w' || letter == 'v')
		e->bind = STB_WEAK;
	else
		e->bind = isupper((unsigned char)letter) ? STB_GLOBAL : STB_LOCAL;
}

int index_vmlinux(struct symidx_writer *w, const struct build_opts *o,
		  const struct ksymvers *sv, const struct cumap *cus)
{
	struct mapsym *ms = NULL;
	struct vsym *vs = NULL;
	size_t nms = 0, nvs = 0, i, j, vi = 0, missing = 0, unlisted = 0;
	struct object *obj;
	char *buf = NULL;
	int ret;

	obj = obj_open(o->vmlinux, OBJ_ANY_TYPE | OBJ_LAZY | OBJ_NO_RELOCS);
	if (!obj)
		return -errno;
	ret = vmlinux_symbols(obj, &vs, &nvs);
	if (ret)
		goto out;
	ret = sysmap_read(o->sysmap, &buf, &ms, &nms);
	if (ret)
		goto out;
	qsort(ms, nms, sizeof(*ms), cmp_mapsym);

	ret = symidx_writer_add_object(w, "vmlinux");
	for (i = 0; !ret && i < nms; i = j) {
		size_t vend;

		/* ms[i..j) share a name, in address (System.map line) order */
		for (j = i + 1; j < nms && !strcmp(ms[j].name, ms[i].name); j++)
			;
		while (vi < nvs && strcmp(vs[vi].name, ms[i].name) < 0)
			vi++;
		for (vend = vi; vend < nvs && !strcmp(vs[vend].name, ms[i].name); vend++)
			;
		for (size_t k = i; !ret && k < j; k++) {
			struct symidx_entry e = {
				.name = ms[k].name, .object = "vmlinux",
				.addr = ms[k].addr,
				.sympos = j - i == 1 ? 0 : k - i + 1,
			};
			const char *exporter;
			size_t m;

			for (m = vi; m < vend; m++)
				if (!vs[m].used && vs[m].addr == ms[k].addr)
					break;
			if (m < vend) {
				vs[m].used = true;
				e.size = vs[m].size;
				e.type = vs[m].type;
				e.bind = vs[m].bind;
			} else {
				from_letter(&e, ms[k].letter);
				missing++;
			}
			e.cu = cus ? cumap_lookup(cus, e.addr, e.type) : "";
			exporter = ksymvers_exporter(sv, e.name);
			e.exported = e.bind != STB_LOCAL && exporter &&
				     !strcmp(exporter, "vmlinux");
			ret = symidx_writer_add(w, &e);
		}
		vi = vend;
	}
	for (i = 0; cus && !ret && i < cus->nr_layouts; i++) {
		char *name;
		struct symidx_entry e = {
			.object = SYMIDX_LAYOUTS, .addr = cus->layouts[i].off,
			.size = cus->layouts[i].size, .type = STT_NOTYPE, .bind = STB_LOCAL, .cu = "",
		};

		if (asprintf(&name, "struct %s", cus->layouts[i].name) < 0) {
			ret = -ENOMEM;
			break;
		}
		e.name = name;
		ret = symidx_writer_add(w, &e);
		free(name);
	}
	for (i = 0; i < nvs; i++)
		unlisted += !vs[i].used;
	if (!ret)
		pr_info("vmlinux: %zu kallsyms symbols from System.map (%zu not in the symbol table), "
			"%zu symbol table entries not in System.map (not in kallsyms, left out)",
			nms, missing, unlisted);
out:
	free(ms);
	free(buf);
	free(vs);
	obj_close(obj);
	return ret;
}
