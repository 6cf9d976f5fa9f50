/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private state of the ELF model, shared by the files of elf/ only.
 */
#ifndef HOTPATCH_ELF_INTERNAL_H
#define HOTPATCH_ELF_INTERNAL_H

#include <libelf.h>
#include <gelf.h>

#include "object.h"
#include "log.h"

#define SYM_SIZE	sizeof(Elf64_Sym)
#define RELA_SIZE	sizeof(Elf64_Rela)

/* Open-addressing hash of elements keyed by their name. */
struct htab {
	void **slots;
	size_t cap;		/* power of two, or 0 */
	size_t used;		/* live + tombstones */
};

struct obj_internal {
	int flags;
	int fd;				/* the file read, open while elf is */
	Elf *elf;			/* its libelf handle (ELF_C_READ_MMAP_PRIVATE) */
	/* Names of elements read from the file point into these string tables. */
	const char *str_base[2];	/* section names, symbol names */
	size_t str_size[2];

	struct section **sec_by_idx;	/* obj->nr_sections entries */
	size_t alloc_sec_idx;
	struct symbol **sym_by_idx;	/* obj->nr_symbols entries */
	size_t alloc_sym_idx;

	struct htab sec_names;
	struct htab sym_names;

	/* Elements read from the file come from these blocks. */
	struct section *sec_block;
	size_t nr_sec_block;
	struct symbol *sym_block;
	size_t nr_sym_block;
	struct reloc *reloc_block;
	size_t nr_reloc_block;

	bool sym_off_built;		/* every section's sym_by_off is valid */
	int err;			/* what a lookup could not report: obj_error() */
	bool has_klp_rela;		/* some section is SHF_RELA_LIVEPATCH */
};

static inline struct obj_internal *obj_int(const struct object *obj)
{
	return obj->internal;
}

/* A name that points into a string table of the file read belongs to libelf. */
static inline bool obj_owns_name(const struct object *obj, const char *name)
{
	const struct obj_internal *in = obj_int(obj);
	int i;

	if (!name)
		return false;
	for (i = 0; i < 2; i++)
		if (in->str_base[i] && name >= in->str_base[i] &&
		    name < in->str_base[i] + in->str_size[i])
			return false;
	return true;
}

/* read.c */
int hp_libelf_init(const char *path);
struct object *obj_alloc(void);

/* lookup.c */
int htab_init(struct htab *ht, size_t nr);
void htab_free(struct htab *ht);
int sec_hash_add(struct object *obj, struct section *sec);
void sec_hash_del(struct object *obj, struct section *sec);
int sym_hash_add(struct object *obj, struct symbol *sym);
void sym_hash_del(struct object *obj, struct symbol *sym);
int lookup_add_symbol(struct object *obj, struct symbol *sym);
void lookup_del_symbol(struct object *obj, struct symbol *sym);
int lookup_add_reloc(struct section *rsec, struct reloc *reloc);
void lookup_del_reloc(struct section *rsec, struct reloc *reloc);

/* classify.c */
int sym_set_bare_name(struct symbol *sym);
void sym_free_bare_name(struct symbol *sym);
int obj_link_subfunctions(struct object *obj);
void sec_classify(struct section *sec);

/* create.c */
int obj_idx_add_section(struct object *obj, struct section *sec);
int obj_idx_add_symbol(struct object *obj, struct symbol *sym);

#endif
