// SPDX-License-Identifier: GPL-2.0
/*
 * Creating, renaming and deleting sections, symbols and relocations.
 * New elements get provisional indexes after the existing ones; deleted
 * ones are only marked, and dropped by obj_write().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "internal.h"

int obj_idx_add_section(struct object *obj, struct section *sec)
{
	struct obj_internal *in = obj_int(obj);

	if (array_grow((void **)&in->sec_by_idx, &in->alloc_sec_idx, obj->nr_sections + 1,
		 sizeof(struct section *)))
		return -ENOMEM;
	if (!obj->nr_sections)
		obj->nr_sections = 1;		/* the null section */
	sec->idx = obj->nr_sections++;
	in->sec_by_idx[sec->idx] = sec;
	return 0;
}

int obj_idx_add_symbol(struct object *obj, struct symbol *sym)
{
	struct obj_internal *in = obj_int(obj);

	if (array_grow((void **)&in->sym_by_idx, &in->alloc_sym_idx, obj->nr_symbols + 1,
		 sizeof(struct symbol *)))
		return -ENOMEM;
	sym->idx = obj->nr_symbols++;
	in->sym_by_idx[sym->idx] = sym;
	return 0;
}

static void free_new_section(struct section *sec)
{
	if (sec->data_owned)
		free(sec->data);
	free(sec->name);
	free(sec);
}

struct section *obj_create_section(struct object *obj, const char *name,
				   uint32_t type, uint64_t flags,
				   uint64_t entsize, uint64_t align,
				   const void *data, size_t size)
{
	struct section *sec = calloc(1, sizeof(*sec));

	if (!sec)
		goto nomem;
	sec->obj = obj;
	TAILQ_INIT(&sec->relocs);
	sec->name = strdup(name);
	if (!sec->name)
		goto nomem;
	sec->sh.sh_type = type;
	sec->sh.sh_flags = flags;
	sec_classify(sec);
	sec->sh.sh_entsize = entsize;
	sec->sh.sh_addralign = align ? align : 1;
	sec->sh.sh_size = size;
	sec->size = size;
	if (type != SHT_NOBITS && size) {
		sec->data = malloc(size);
		if (!sec->data)
			goto nomem;
		if (data)
			memcpy(sec->data, data, size);
		else
			memset(sec->data, 0, size);
		sec->data_owned = true;
	}
	if (obj_idx_add_section(obj, sec) || sec_hash_add(obj, sec))
		goto nomem;
	TAILQ_INSERT_TAIL(&obj->sections, sec, list);
	if (type == SHT_RELA && (flags & SHF_RELA_LIVEPATCH))
		obj_int(obj)->has_klp_rela = true;
	return sec;

nomem:
	if (sec) {
		if (sec->idx && obj_int(obj)->sec_by_idx[sec->idx] == sec)
			obj_int(obj)->sec_by_idx[sec->idx] = NULL;
		sec_hash_del(obj, sec);
		free_new_section(sec);
	}
	errno = ENOMEM;
	return NULL;
}

struct object *obj_new(const char *path)
{
	struct object *obj = obj_alloc();
	struct obj_internal *in;
	Elf64_Ehdr *eh;
	struct symbol *null;

	if (!obj)
		return NULL;
	in = obj_int(obj);
	obj->path = strdup(path);
	null = calloc(1, sizeof(*null));
	if (!obj->path || !null || htab_init(&in->sec_names, 16) ||
	    htab_init(&in->sym_names, 16))
		goto nomem;
	null->obj = obj;
	null->name = strdup("");
	if (!null->name || sym_set_bare_name(null) || obj_idx_add_symbol(obj, null)) {
		free(null->name);
		goto nomem;
	}
	TAILQ_INSERT_TAIL(&obj->symbols, null, list);
	null = NULL;

	eh = &obj->ehdr;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh->e_type = ET_REL;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);

	obj->symtab = obj_create_section(obj, ".symtab", SHT_SYMTAB, 0, SYM_SIZE, 8, NULL, 0);
	obj->strtab = obj_create_section(obj, ".strtab", SHT_STRTAB, 0, 0, 1, "", 1);
	obj->shstrtab = obj_create_section(obj, ".shstrtab", SHT_STRTAB, 0, 0, 1, "", 1);
	if (!obj->symtab || !obj->strtab || !obj->shstrtab) {
		obj_close(obj);
		errno = ENOMEM;
		return NULL;
	}
	obj->symtab->link = obj->strtab;
	return obj;

nomem:
	free(null);
	obj_close(obj);
	errno = ENOMEM;
	return NULL;
}

int sec_set_data(struct section *sec, void *data, size_t size)
{
	if (sec->data_owned && sec->data != data)
		free(sec->data);
	sec->data = data;
	sec->data_owned = data != NULL;
	sec->size = size;
	sec->sh.sh_size = size;
	return 0;
}

struct section *obj_get_rela_section(struct object *obj, struct section *base)
{
	struct section *rsec;
	char *name;

	if (base->rela && !base->rela->deleted)
		return base->rela;
	if (!obj->symtab) {
		pr_err("%s: no symbol table for the relocations of %s", obj->path, base->name);
		errno = EINVAL;
		return NULL;
	}
	if (asprintf(&name, ".rela%s", base->name) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	rsec = obj_create_section(obj, name, SHT_RELA, SHF_INFO_LINK, RELA_SIZE, 8, NULL, 0);
	free(name);
	if (!rsec)
		return NULL;
	rsec->base = base;
	rsec->link = obj->symtab;
	rsec->sh.sh_flags |= base->sh.sh_flags & SHF_GROUP;
	rsec->group = base->group;
	base->rela = rsec;
	return rsec;
}

struct symbol *obj_create_symbol(struct object *obj, const char *name,
				 unsigned char type, unsigned char bind,
				 struct section *sec, uint64_t offset,
				 uint64_t size)
{
	struct symbol *sym = calloc(1, sizeof(*sym));

	if (!sym)
		goto nomem;
	sym->obj = obj;
	sym->name = strdup(name ? name : "");
	if (!sym->name || sym_set_bare_name(sym))
		goto nomem;
	sym->type = type;
	sym->bind = bind;
	sym->sec = sec;
	sym->offset = offset;
	sym->size = size;
	sym->sym.st_info = ELF64_ST_INFO(bind, type);
	sym->sym.st_shndx = sec ? 0 : SHN_UNDEF;
	sym->sym.st_value = offset;
	sym->sym.st_size = size;
	if (obj_idx_add_symbol(obj, sym))
		goto nomem;
	if (sym_hash_add(obj, sym)) {
		obj_int(obj)->sym_by_idx[sym->idx] = NULL;
		goto nomem;
	}
	TAILQ_INSERT_TAIL(&obj->symbols, sym, list);
	if (type == STT_SECTION && sec && (!sec->secsym || sec->secsym->deleted))
		sec->secsym = sym;
	lookup_add_symbol(obj, sym);	/* on failure the index is rebuilt when next asked */
	return sym;

nomem:
	if (sym) {
		sym_free_bare_name(sym);
		free(sym->name);
	}
	free(sym);
	errno = ENOMEM;
	return NULL;
}

struct symbol *obj_get_section_symbol(struct object *obj, struct section *sec)
{
	if (sec->secsym && !sec->secsym->deleted)
		return sec->secsym;
	return obj_create_symbol(obj, "", STT_SECTION, STB_LOCAL, sec, 0, 0);
}

struct reloc *obj_add_reloc_to(struct object *obj, struct section *rsec,
			       uint64_t offset, struct symbol *sym,
			       uint32_t type, int64_t addend)
{
	struct reloc *reloc;

	if (!rsec || rsec->obj != obj || !sec_is_rela(rsec) || !rsec->base) {
		pr_err("%s: %s: not a relocation section of this object with a base section",
		       obj->path, rsec ? rsec->name : "(none)");
		errno = EINVAL;
		return NULL;
	}
	if (!sym || sym->obj != obj) {
		pr_err("%s: %s+0x%llx: relocation against a symbol of another object",
		       obj->path, rsec->base->name, (unsigned long long)offset);
		errno = EINVAL;
		return NULL;
	}
	reloc = calloc(1, sizeof(*reloc));
	if (!reloc) {
		errno = ENOMEM;
		return NULL;
	}
	reloc->sec = rsec;
	reloc->offset = offset;
	reloc->sym = sym;
	reloc->type = type;
	reloc->addend = addend;
	reloc->idx = rsec->nr_relocs;
	TAILQ_INSERT_TAIL(&rsec->relocs, reloc, list);
	rsec->nr_relocs++;
	lookup_add_reloc(rsec, reloc);	/* on failure the index is rebuilt when next asked */
	return reloc;
}

struct reloc *obj_add_reloc(struct object *obj, struct section *base,
			    uint64_t offset, struct symbol *sym,
			    uint32_t type, int64_t addend)
{
	struct section *rsec;

	if (!sym || sym->obj != obj || base->obj != obj) {
		pr_err("%s: %s+0x%llx: relocation against a symbol of another object",
		       obj->path, base->name, (unsigned long long)offset);
		errno = EINVAL;
		return NULL;
	}
	rsec = obj_get_rela_section(obj, base);
	if (!rsec)
		return NULL;
	return obj_add_reloc_to(obj, rsec, offset, sym, type, addend);
}

void sym_set_shndx(struct symbol *sym, uint16_t shndx)
{
	lookup_del_symbol(sym->obj, sym);
	sym->sec = NULL;
	sym->sym.st_shndx = shndx;
}

int sym_rename(struct symbol *sym, const char *name)
{
	struct object *obj = sym->obj;
	char *n = strdup(name);

	if (!n)
		return -ENOMEM;
	sym_hash_del(obj, sym);
	sym_free_bare_name(sym);
	if (obj_owns_name(obj, sym->name))
		free(sym->name);
	sym->name = n;
	if (sym_set_bare_name(sym))
		return -ENOMEM;
	if (sym->deleted)
		return 0;
	return sym_hash_add(obj, sym);
}

int sec_rename(struct section *sec, const char *name)
{
	struct object *obj = sec->obj;
	char *n = strdup(name);

	if (!n)
		return -ENOMEM;
	sec_hash_del(obj, sec);
	if (obj_owns_name(obj, sec->name))
		free(sec->name);
	sec->name = n;
	sec_classify(sec);
	if (sec->deleted)
		return 0;
	return sec_hash_add(obj, sec);
}

void obj_delete_reloc(struct object *obj, struct reloc *reloc)
{
	(void)obj;
	if (reloc->deleted)
		return;
	reloc->deleted = true;
	lookup_del_reloc(reloc->sec, reloc);
	reloc->sec->nr_relocs--;
}

void obj_delete_section(struct object *obj, struct section *sec)
{
	struct reloc *reloc;

	if (sec->deleted)
		return;
	sec->deleted = true;
	sec_hash_del(obj, sec);
	if (sec_is_rela(sec)) {
		TAILQ_FOREACH(reloc, &sec->relocs, list)
			obj_delete_reloc(obj, reloc);
	}
	if (sec->rela)
		obj_delete_section(obj, sec->rela);
	if (obj_int(obj)->has_klp_rela && !sec_is_rela(sec)) {
		struct section *k;

		for_each_section(obj, k)
			if (k->base == sec && sec_is_klp_rela(k))
				obj_delete_section(obj, k);
	}
	if (sec->secsym)
		obj_delete_symbol(obj, sec->secsym, true);
}

int obj_delete_symbol(struct object *obj, struct symbol *sym, bool force)
{
	struct section *sec;
	struct reloc *reloc;

	if (sym->deleted)
		return 0;
	if (sym == TAILQ_FIRST(&obj->symbols)) {
		pr_err("%s: the null symbol cannot be deleted", obj->path);
		return -EINVAL;
	}
	if (!force) {
		for_each_section(obj, sec) {
			if (!sec_is_rela(sec))
				continue;
			for_each_reloc(sec, reloc) {
				if (reloc->sym == sym) {
					pr_err("%s: symbol %s is still used by a relocation at %s+0x%llx",
					       obj->path, sym->name,
					       sec->base ? sec->base->name : sec->name,
					       (unsigned long long)reloc->offset);
					return -EBUSY;
				}
			}
		}
	}
	lookup_del_symbol(obj, sym);
	sym_hash_del(obj, sym);
	sym->deleted = true;
	return 0;
}
