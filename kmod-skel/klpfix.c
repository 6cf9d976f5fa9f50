// SPDX-License-Identifier: GPL-2.0
/*
 * The livepatch post-link step (see klpfix.h for what and why).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "object.h"
#include "symindex.h"
#include "klp.h"
#include "symvers.h"
#include "klpfix.h"
#include "klp-records.h"

#define MODVERSION_SIZE		64	/* struct modversion_info on 64-bit */

struct fix {
	struct object *obj;
	const struct symidx *idx;
	const struct ksymvers *sv;
	struct klpfix_stats *st;
	int err;			/* first error; every problem is still reported */
};

static void fail(struct fix *f, int err)
{
	if (!f->err)
		f->err = err;
}

/*
 * Sections a module's klp relocations may patch: code and plain data.
 * Everything else in a module object (jump tables, alternatives, exception
 * and bug tables, ORC, mcount/return/retpoline sites, static calls,
 * parameters, init arrays ...) is read by the module loader while loading
 * the patch, before livepatch resolves the target module's symbols -- or
 * later, when the target module loads, too late for the patch's copy.
 * vmlinux relocations are applied by the loader itself, first, so they may
 * go anywhere.
 */
static bool late_klp_rela_ok(const struct section *sec)
{
	static const char *const data[] = { ".data", ".rodata", ".bss", NULL };
	const char *const *p;

	if (!strncmp(sec->name, ".altinstr", 9) || !strncmp(sec->name, ".init", 5) ||
	    !strncmp(sec->name, ".exit", 5) || !strcmp(sec->name, ".static_call.text"))
		return false;
	if (sec_is_text(sec))
		return true;
	for (p = data; *p; p++) {
		size_t n = strlen(*p);

		if (!strncmp(sec->name, *p, n) && (!sec->name[n] || sec->name[n] == '.'))
			return true;
	}
	return false;
}

/* Validate one .klp.sym symbol against the index; parsed name into sym->priv. */
static void check_klp_sym(struct fix *f, struct symbol *sym)
{
	struct klp_symname *k = calloc(1, sizeof(*k));
	const struct symidx_entry *e;
	size_t n;

	if (!k) {
		fail(f, -ENOMEM);
		return;
	}
	if (klp_parse_symname(sym->name, k)) {
		pr_err("%s: symbol %s: not of the form .klp.sym.<object>.<name>,<position> "
		       "the kernel parses", f->obj->path, sym->name);
		free(k);
		fail(f, -EINVAL);
		return;
	}
	sym->priv = k;
	if (!symidx_has_object(f->idx, k->obj)) {
		pr_err("%s: symbol %s: \"%s\" is neither vmlinux nor a module of release %s",
		       f->obj->path, sym->name, k->obj, symidx_release(f->idx));
		fail(f, -ENOENT);
		return;
	}
	n = symidx_lookup(f->idx, k->obj, k->name, &e);
	if (!n) {
		pr_err("%s: symbol %s: %s has no symbol %s; livepatch could not resolve it",
		       f->obj->path, sym->name, k->obj, k->name);
		fail(f, -ENOENT);
	} else if (k->pos == 0 && n > 1) {
		pr_err("%s: symbol %s: %s has %zu symbols named %s; position 0 is ambiguous "
		       "and the kernel would refuse it", f->obj->path, sym->name, k->obj, n, k->name);
		fail(f, -EINVAL);
	} else if (k->pos > n) {
		pr_err("%s: symbol %s: %s has only %zu symbol(s) named %s",
		       f->obj->path, sym->name, k->obj, n, k->name);
		fail(f, -EINVAL);
	}
}

static void check_undef_sym(struct fix *f, struct symbol *sym)
{
	const struct ksym_export *e = ksymvers_find(f->sv, sym->name);

	if (e) {
		f->st->exported++;
		if (strcmp(e->object, "vmlinux"))
			pr_info("%s: %s is exported by module %s: the patch module depends on it",
				f->obj->path, sym->name, e->object);
		return;
	}
	if (sym->bind == STB_WEAK && !strncmp(sym->name, HOTPATCH_CB_PREFIX,
					       strlen(HOTPATCH_CB_PREFIX))) {
		pr_debug("%s: %s: no such callback in the hooks", f->obj->path, sym->name);
		return;
	}
	if (sym->bind == STB_WEAK) {
		pr_warn("%s: weak undefined symbol %s is not exported by the target; it will "
			"be NULL", f->obj->path, sym->name);
		return;
	}
	pr_err("%s: unresolved symbol %s: not exported by the target kernel (Module.symvers) "
	       "and not a .klp.sym symbol; the module would fail to load. The differ must "
	       "reference it as .klp.sym.<object>.%s,<sympos>", f->obj->path, sym->name,
	       sym->name);
	fail(f, -ENOENT);
}

static bool is_klp(const struct symbol *sym)
{
	return sym->priv != NULL;
}

static struct section *klp_rela_section(struct fix *f, struct section *base,
					const char *objname)
{
	struct section *rsec;
	char *name = klp_make_relaname(objname, base->name);

	if (!name) {
		fail(f, -ENOMEM);
		return NULL;
	}
	rsec = obj_find_section_by_name(f->obj, name);
	if (rsec) {
		if (!sec_is_rela(rsec) || rsec->base != base) {
			pr_err("%s: section %s already exists and is not the livepatch relocation "
			       "section of %s", f->obj->path, name, base->name);
			fail(f, -EEXIST);
			rsec = NULL;
		}
		free(name);
		return rsec;
	}
	rsec = obj_create_section(f->obj, name, SHT_RELA,
				  SHF_ALLOC | SHF_RELA_LIVEPATCH | SHF_INFO_LINK,
				  sizeof(Elf64_Rela), 8, NULL, 0);
	free(name);
	if (!rsec) {
		fail(f, -ENOMEM);
		return NULL;
	}
	rsec->base = base;
	rsec->link = f->obj->symtab;
	f->st->klp_secs++;
	return rsec;
}

/* Move @r into @rsec, a second relocation section of the same base. */
static int move_reloc(struct fix *f, struct reloc *r, struct section *rsec)
{
	struct section *base = rsec->base, *saved = base->rela;
	struct reloc *n;

	/* obj_add_reloc() adds to base->rela: point it at @rsec meanwhile. */
	base->rela = rsec;
	n = obj_add_reloc(f->obj, base, r->offset, r->sym, r->type, r->addend);
	base->rela = saved;
	if (!n)
		return -ENOMEM;
	obj_delete_reloc(f->obj, r);
	return 0;
}

static void fix_relocs(struct fix *f)
{
	struct section *rsec, *tmp;
	struct reloc *r;

	for_each_section_safe(f->obj, rsec, tmp) {
		struct section *base = rsec->base;

		if (!sec_is_rela(rsec) || !base)
			continue;
		if (rsec->sh.sh_flags & SHF_RELA_LIVEPATCH) {
			/* Already in klp form (idempotence): check it. */
			for_each_reloc(rsec, r) {
				const struct klp_symname *k = r->sym->priv;
				char *want = k ? klp_make_relaname(k->obj, base->name) : NULL;

				if (!k || !want || strcmp(want, rsec->name)) {
					pr_err("%s: %s+0x%llx: livepatch relocation against %s, which "
					       "is not a .klp.sym symbol of that section's object",
					       f->obj->path, base->name, (unsigned long long)r->offset,
					       r->sym->name);
					fail(f, -EINVAL);
				}
				free(want);
			}
			continue;
		}
		/* The loader applies no relocation to sections it does not load. */
		if (!(base->sh.sh_flags & SHF_ALLOC))
			continue;
		for_each_reloc(rsec, r) {
			const struct klp_symname *k;
			struct section *klp;

			if (!is_klp(r->sym))
				continue;
			k = r->sym->priv;
			if (strcmp(k->obj, "vmlinux") && !late_klp_rela_ok(base)) {
				pr_err("%s: %s+0x%llx: relocation against %s in %s, which the module "
				       "loader processes before livepatch can resolve symbols of %s; "
				       "the differ must not carry this entry", f->obj->path, base->name,
				       (unsigned long long)r->offset, r->sym->name, base->name,
				       k->obj);
				fail(f, -EINVAL);
				continue;
			}
			klp = klp_rela_section(f, base, k->obj);
			if (!klp)
				continue;
			if (move_reloc(f, r, klp)) {
				fail(f, -ENOMEM);
				return;
			}
			f->st->klp_relocs++;
		}
		if (!rsec->nr_relocs)
			obj_delete_section(f->obj, rsec);
	}
}

/* .modinfo: NUL-separated key=value strings. */
static const char *modinfo_get(struct section *sec, const char *key)
{
	const unsigned char *d = sec_data(sec);
	size_t klen = strlen(key), i = 0;

	if (!d)
		return NULL;
	while (i < sec->size) {
		const char *s = (const char *)d + i;
		size_t n = strnlen(s, sec->size - i);

		if (n > klen && !strncmp(s, key, klen) && s[klen] == '=' && i + n < sec->size)
			return s + klen + 1;
		i += n + 1;
	}
	return NULL;
}

static void check_modinfo(struct fix *f, const char *release)
{
	struct section *sec = obj_find_section_by_name(f->obj, ".modinfo");
	const char *v;

	if (!sec) {
		pr_err("%s: no .modinfo section: not a kernel module", f->obj->path);
		fail(f, -EINVAL);
		return;
	}
	v = modinfo_get(sec, "livepatch");
	if (!v || strcmp(v, "Y")) {
		pr_err("%s: .modinfo has no livepatch=Y: the kernel would not treat it as a "
		       "livepatch module", f->obj->path);
		fail(f, -EINVAL);
	}
	v = modinfo_get(sec, "license");
	if (!v || (strcmp(v, "GPL") && strcmp(v, "GPL v2") && strcmp(v, "Dual BSD/GPL") &&
		   strcmp(v, "Dual MIT/GPL") && strcmp(v, "Dual MPL/GPL"))) {
		pr_err("%s: .modinfo license is %s: livepatch needs GPL-only exports",
		       f->obj->path, v ? v : "missing");
		fail(f, -EINVAL);
	}
	v = modinfo_get(sec, "vermagic");
	if (release && (!v || strncmp(v, release, strlen(release)) || v[strlen(release)] != ' ')) {
		pr_err("%s: vermagic \"%s\" is not that of release %s: built against the "
		       "wrong headers", f->obj->path, v ? v : "(none)", release);
		fail(f, -EINVAL);
	}
}

/* Every CRC modpost wrote must be the target's; every export used must have one. */
static void check_versions(struct fix *f)
{
	struct section *sec = obj_find_section_by_name(f->obj, "__versions");
	const unsigned char *d;
	struct symbol *sym;
	size_t i;

	if (!sec) {
		pr_err("%s: no __versions section, but the target has CONFIG_MODVERSIONS: "
		       "the kernel would taint or refuse it", f->obj->path);
		fail(f, -EINVAL);
		return;
	}
	d = sec_data(sec);
	if (!d || sec->size % MODVERSION_SIZE) {
		pr_err("%s: __versions: size %zu is not a multiple of %d", f->obj->path,
		       sec->size, MODVERSION_SIZE);
		fail(f, -EINVAL);
		return;
	}
	for (i = 0; i < sec->size; i += MODVERSION_SIZE) {
		uint64_t crc;
		char name[MODVERSION_SIZE - 8 + 1];
		const struct ksym_export *e;

		memcpy(&crc, d + i, 8);
		memcpy(name, d + i + 8, MODVERSION_SIZE - 8);
		name[MODVERSION_SIZE - 8] = '\0';
		e = ksymvers_find(f->sv, name);
		if (!e) {
			pr_err("%s: __versions lists %s, which the target does not export",
			       f->obj->path, name);
			fail(f, -EINVAL);
		} else if (e->crc != crc) {
			pr_err("%s: __versions: CRC of %s is 0x%08llx, the target's is 0x%08x: "
			       "built against another Module.symvers", f->obj->path, name,
			       (unsigned long long)crc, e->crc);
			fail(f, -EINVAL);
		}
	}
	for_each_symbol(f->obj, sym) {
		bool found = false;

		if (sym->sec || sym->sym.st_shndx != SHN_UNDEF || !*sym->name || is_klp(sym) ||
		    !ksymvers_find(f->sv, sym->name))
			continue;
		for (i = 0; i < sec->size && !found; i += MODVERSION_SIZE)
			found = !strncmp((const char *)d + i + 8, sym->name, MODVERSION_SIZE - 8);
		if (!found) {
			pr_err("%s: %s is used but has no CRC in __versions; the kernel would "
			       "taint the module", f->obj->path, sym->name);
			fail(f, -EINVAL);
		}
	}
}

int klpfix_object(struct object *obj, const struct symidx *idx,
		  const struct ksymvers *sv, const char *release,
		  struct klpfix_stats *stats)
{
	struct klpfix_stats dummy;
	struct fix f = { .obj = obj, .idx = idx, .sv = sv, .st = stats ? stats : &dummy };
	struct symbol *sym;

	memset(f.st, 0, sizeof(*f.st));
	check_modinfo(&f, release);

	for_each_symbol(obj, sym) {
		if (sym->sec || !*sym->name)
			continue;
		if (sym->sym.st_shndx == SHN_LIVEPATCH ||
		    (sym->sym.st_shndx == SHN_UNDEF && klp_is_symname(sym->name)))
			check_klp_sym(&f, sym);
		else if (sym->sym.st_shndx == SHN_UNDEF)
			check_undef_sym(&f, sym);
	}
	check_versions(&f);
	if (!f.err)
		fix_relocs(&f);
	if (!f.err) {
		for_each_symbol(obj, sym) {
			if (!is_klp(sym))
				continue;
			if (sym->sym.st_shndx != SHN_LIVEPATCH)
				f.st->klp_syms++;
			sym_set_shndx(sym, SHN_LIVEPATCH);
		}
	}
	for_each_symbol(obj, sym) {
		free(sym->priv);
		sym->priv = NULL;
	}
	return f.err;
}
