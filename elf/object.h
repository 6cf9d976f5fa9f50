/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one ELF model of hotpatch.  Every tool reads and writes objects
 * through this interface; only elf/ includes <libelf.h>/<gelf.h>.
 *
 * The file format is libelf's (elfutils): obj_open() reads through
 * elf_begin(ELF_C_READ_MMAP_PRIVATE) (a private, copy-on-write mapping),
 * gelf_getehdr/gelf_getshdr (extended section numbering included),
 * elf_strptr, gelf_getsymshndx (SHT_SYMTAB_SHNDX) and gelf_getrela;
 * section contents are elf_rawdata() views of the mapping, never copies.
 * obj_write() builds the output with elf_newscn/elf_newdata and
 * gelf_update_{shdr,symshndx,rela}, and libelf lays it out and writes it
 * (elf_update).  libelf does not reject everything a damaged or hostile
 * file can hold, so elf/ still checks itself, with messages naming the
 * file: class, byte order, machine and type; headers, section contents
 * and section header tables inside the file; sh_name, st_name, sh_link,
 * sh_info, st_shndx and extended indexes in range; string tables
 * NUL-terminated; symbol and relocation entry sizes; group members;
 * relocation symbol indexes in range and relocations inside their
 * section; at most one ordinary relocation section per section.  Errors
 * libelf reports are passed on with elf_errmsg() after the file name.
 *
 * An object is a list of sections, a list of symbols and, per relocation
 * section, a list of relocations.  Each element knows its neighbours:
 * a section knows its relocation section and its symbols' section symbol,
 * a symbol knows its section and offset, a relocation knows its symbol
 * and the section it patches.  Lookups by name, by index and by offset
 * are hashed or sorted, so passes can be linear in the size of the object.
 *
 * Indexes (sec->idx, sym->idx) are those of the file as read; after
 * creating or deleting elements they are reassigned by obj_write() (and
 * by obj_renumber(), which a caller may run earlier to see them).
 */
#ifndef HOTPATCH_ELF_OBJECT_H
#define HOTPATCH_ELF_OBJECT_H

#include <elf.h>		/* the system's ELF types, not libelf */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#ifndef SHF_RELA_LIVEPATCH
#define SHF_RELA_LIVEPATCH	0x00100000
#endif
#ifndef SHN_LIVEPATCH
#define SHN_LIVEPATCH		0xff20
#endif

struct object;
struct section;
struct symbol;
struct reloc;

TAILQ_HEAD(section_list, section);

/*
 * A section's class, from its name and flags: a symbol must not move
 * between classes, and each class has its own rules for a live patch.
 */
enum sec_class {
	SEC_DATA = 0,			/* writable data (.data, .bss, read_mostly, once ...) */
	SEC_CODE,
	SEC_INIT_CODE,			/* .init.* / .exit.* / .meminit.* code */
	SEC_INIT_DATA,			/* ... and their data */
	SEC_CONST,			/* read-only: .rodata*, .data.rel.ro* ... */
	SEC_RO_AFTER_INIT,		/* .data..ro_after_init */
	SEC_PERCPU,			/* .data..percpu* */
};
TAILQ_HEAD(symbol_list, symbol);
TAILQ_HEAD(reloc_list, reloc);

struct section {
	TAILQ_ENTRY(section) list;
	struct object *obj;
	char *name;
	unsigned int idx;
	Elf64_Shdr sh;			/* sh_name/sh_offset are the writer's */

	/*
	 * Contents.  For SHT_NOBITS data is NULL and size is sh_size.
	 * Objects opened with OBJ_LAZY load data on the first sec_data().
	 */
	unsigned char *data;
	size_t size;
	bool data_owned;		/* data is ours to free/realloc */

	/*
	 * A base section has at most one ordinary SHT_RELA section (->rela).
	 * A livepatch module adds SHF_RELA_LIVEPATCH ones for the same base
	 * (.klp.rela.<objname>.<section>, any number): they have ->base set
	 * like any relocation section, are found by walking the sections
	 * (sec_is_klp_rela()), and are never a base's ->rela.
	 */
	struct section *rela;		/* base -> its ordinary SHT_RELA section */
	struct section *base;		/* SHT_RELA -> the section it patches */
	struct symbol *secsym;		/* STT_SECTION symbol, if any */

	struct reloc_list relocs;	/* SHT_RELA only, in file order */
	size_t nr_relocs;		/* live ones */
	struct reloc **reloc_by_off;	/* sorted by offset, built on demand */

	struct section *link;		/* sh_link as a section */
	struct section *group;		/* SHT_GROUP containing this section */
	struct symbol *group_sym;	/* SHT_GROUP: its signature (sh_info) */

	/* Set from name and flags when read, created or renamed. */
	enum sec_class class;
	bool readonly;			/* not code, and written by nobody but the loader */

	/* Free for passes (the differ's correlation, status ...). */
	struct section *twin;
	int status;
	void *priv;
	bool deleted;

	/* elf/ only: lookup arrays, sorted by offset, kept on demand. */
	struct symbol **sym_by_off;	/* non-section symbols of this section */
	size_t nr_sym_by_off, alloc_sym_by_off;
	uint64_t max_func_size;
	size_t nr_reloc_by_off, alloc_reloc_by_off;
};

struct symbol {
	TAILQ_ENTRY(symbol) list;
	struct object *obj;
	char *name;
	unsigned int idx;
	Elf64_Sym sym;			/* st_name is the writer's */

	struct section *sec;		/* NULL for SHN_UNDEF/ABS/COMMON/LIVEPATCH */
	uint64_t offset;		/* == st_value for ET_REL */
	uint64_t size;
	unsigned char type;		/* STT_* */
	unsigned char bind;		/* STB_* */

	/*
	 * The name without compiler numbering ("calls.12" -> "calls", see
	 * elf/classify.c); == name when there is none.  Set when read,
	 * created or renamed.
	 */
	char *bare;
	bool numbered;			/* something was removed */
	/* foo.cold <-> foo, for objects read from a file (not created symbols) */
	struct symbol *parent;		/* foo.cold -> foo */
	struct symbol *cold;		/* foo -> foo.cold */
	/*
	 * foo.part.N -> foo: code gcc split out of foo (and of the functions
	 * foo is inlined into); a function of its own, with its own ftrace
	 * entry, but what it holds came from foo.
	 */
	struct symbol *split_from;

	struct symbol *twin;
	int status;
	void *priv;
	bool deleted;
};

struct reloc {
	TAILQ_ENTRY(reloc) list;
	struct section *sec;		/* the SHT_RELA section holding it */
	uint64_t offset;		/* in sec->base */
	uint32_t type;			/* R_X86_64_* */
	struct symbol *sym;
	int64_t addend;
	unsigned int idx;

	int status;
	void *priv;
	bool deleted;
};

/*
 * Index spaces: the sections list holds every real section (the null
 * section 0 is implicit, never listed); the symbols list starts with the
 * null symbol (idx 0, cannot be deleted) so that a relocation against
 * symbol 0 still has a symbol.  nr_sections/nr_symbols are the sizes of
 * the index spaces (every idx is below them, deleted ones included).
 * Elements created before a renumbering get fresh indexes at the end.
 */
struct object {
	char *path;
	Elf64_Ehdr ehdr;
	struct section_list sections;
	struct symbol_list symbols;
	size_t nr_sections;
	size_t nr_symbols;
	struct section *symtab, *strtab, *shstrtab;
	void *internal;			/* libelf handle, hash tables: elf/ only */
};

/* obj_open() flags */
#define OBJ_ANY_TYPE	0x1	/* accept ET_EXEC/ET_DYN (read-only use: vmlinux, .ko) */
#define OBJ_LAZY	0x2	/* load section contents on demand (large files) */
#define OBJ_NO_RELOCS	0x4	/* do not parse relocation sections */
/*
 * Sections only: no symbols (the null one alone), groups or relocations.
 * For reading a few bytes of a large file by address (a dbg vmlinux has
 * 200k symbols; building their model costs a quarter of a second).
 */
#define OBJ_SECTIONS_ONLY	0x8

/*
 * Read an x86-64 ELF64 object.  Without OBJ_ANY_TYPE only ET_REL is
 * accepted.  Every malformed input (truncated file, wrong class or
 * machine, offsets past the end, bad string or symbol indexes) is
 * reported with the path and what is wrong, and gives NULL with errno set.
 */
struct object *obj_open(const char *path, int flags);
/* An empty x86-64 ET_REL object with .shstrtab, .strtab and .symtab. */
struct object *obj_new(const char *path);
void obj_close(struct object *obj);
/*
 * Write a valid ET_REL object: deleted elements dropped, locals before
 * globals, indexes reassigned, relocations and section links fixed up.
 * .symtab, .strtab, .shstrtab, relocation sections, group member lists
 * and .symtab_shndx (added when there are SHN_LORESERVE sections or
 * more) are regenerated from the model; sym->type/bind/offset/size and
 * sym->sym.st_other are what is written for a symbol.
 * Writes to a temporary file in the same directory and renames it, so a
 * failure never leaves a partial file at @path.
 */
int obj_write(struct object *obj, const char *path);
int obj_renumber(struct object *obj);

/*
 * elf/ prints no out-of-memory line: a function that runs out returns
 * -ENOMEM (pointers: NULL with errno ENOMEM) and its caller's one error
 * path reports it.  A lookup that can only answer "absent" (NULL, false)
 * and could not build its index answers that and leaves -ENOMEM here:
 * a caller must not trust what it decided since, and obj_write() of the
 * object returns it instead of writing.  0 when every lookup could answer.
 */
int obj_error(const struct object *obj);

/*
 * Lookups; NULL when absent (or deleted).  By name: sections give the
 * first of that name in index order; symbols give the global/weak one
 * when there is one, else the first local (unnamed symbols, like most
 * STT_SECTION ones, are not found by name: use sec->secsym).
 */
struct section *obj_find_section_by_name(struct object *obj, const char *name);
struct section *obj_find_section_by_index(struct object *obj, unsigned int idx);
struct symbol *obj_find_symbol_by_name(struct object *obj, const char *name);
struct symbol *obj_find_symbol_by_index(struct object *obj, unsigned int idx);
/* A non-section symbol of @sec starting exactly at @offset. */
struct symbol *sec_find_symbol_by_offset(struct section *sec, uint64_t offset);
/*
 * The symbol of @sec holding @offset (objects, functions, labels): one
 * starting exactly at @offset -- a sized one over a label, then the last
 * in the symbol table -- else the nearest sized symbol before @offset
 * when its [offset, offset+size) reaches @offset.  What a relocation into
 * a section points at, and whose code or data holds a given byte.
 */
struct symbol *sec_find_symbol_containing(struct section *sec, uint64_t offset);
/* Whether @sec defines any non-section symbol. */
bool sec_has_symbols(struct section *sec);
/*
 * The non-section symbols of @sec sorted by offset (deleted ones included:
 * skip them): *@arr (owned by @sec) of *@nr.  Valid until a symbol of the
 * object is added, moved or deleted.  0 or -ENOMEM.
 */
int sec_symbols_by_offset(struct section *sec, struct symbol ***arr, size_t *nr);
/* The STT_FUNC symbol of @sec whose [offset, offset+size) holds @offset. */
struct symbol *sec_find_func_containing(struct section *sec, uint64_t offset);
/* The relocation of base section @sec that patches a byte in [offset, offset+len). */
struct reloc *sec_find_reloc_by_offset(struct section *sec, uint64_t offset, size_t len);
/*
 * The live relocations of base section @sec sorted by offset (then file
 * order): *@arr (owned by @sec) of *@nr, empty when @sec has none.  The
 * array stays valid until a relocation of @sec is added or deleted or
 * obj_invalidate_lookups().  0 or -ENOMEM.
 */
int sec_relocs_by_offset(struct section *sec, struct reloc ***arr, size_t *nr);
/* Index of the first of the @nr relocations @arr (sorted by offset) at or after @offset. */
size_t reloc_lower_bound(struct reloc *const *arr, size_t nr, uint64_t offset);

/*
 * Forget the offset-sorted arrays (rebuilt on the next lookup).  Needed
 * only after changing sym->offset, sym->sec or reloc->offset directly;
 * the functions below keep them current themselves.
 */
void obj_invalidate_lookups(struct object *obj);

/*
 * Section contents (loads them for OBJ_LAZY objects); NULL + errno on
 * error.  SHT_NOBITS gives NULL with errno 0.  Contents read from a file
 * live in a private copy-on-write mapping: writing into them is allowed
 * and never reaches the file.
 */
unsigned char *sec_data(struct section *sec);
/* Replace the contents; the section takes ownership of @data (malloc'd). */
int sec_set_data(struct section *sec, void *data, size_t size);

/* Creation.  Names are copied. */
struct section *obj_create_section(struct object *obj, const char *name,
				   uint32_t type, uint64_t flags,
				   uint64_t entsize, uint64_t align,
				   const void *data, size_t size);
/* The SHT_RELA section of @base, created empty when it has none. */
struct section *obj_get_rela_section(struct object *obj, struct section *base);
struct symbol *obj_create_symbol(struct object *obj, const char *name,
				 unsigned char type, unsigned char bind,
				 struct section *sec, uint64_t offset,
				 uint64_t size);
/* The STT_SECTION symbol of @sec, created when it has none. */
struct symbol *obj_get_section_symbol(struct object *obj, struct section *sec);
struct reloc *obj_add_reloc(struct object *obj, struct section *base,
			    uint64_t offset, struct symbol *sym,
			    uint32_t type, int64_t addend);
/* The same into relocation section @rsec of rsec->base (e.g. a .klp.rela one). */
struct reloc *obj_add_reloc_to(struct object *obj, struct section *rsec,
			       uint64_t offset, struct symbol *sym,
			       uint32_t type, int64_t addend);
/* Set st_shndx directly for special indexes (SHN_UNDEF, SHN_ABS, SHN_LIVEPATCH). */
void sym_set_shndx(struct symbol *sym, uint16_t shndx);
int sym_rename(struct symbol *sym, const char *name);
int sec_rename(struct section *sec, const char *name);

/*
 * Deletion marks the element; it disappears from lookups at once and
 * from the file at obj_write().  Deleting a section deletes its
 * relocation section and the relocations against it; deleting a symbol
 * that relocations still use fails with -EBUSY unless @force.
 *
 * Deleting a section also deletes its STT_SECTION symbol and its
 * SHF_RELA_LIVEPATCH relocation sections, but not the
 * other symbols defined in it nor relocations elsewhere that point into
 * it: obj_write() refuses (-EINVAL, naming them) while a live symbol is
 * defined in a deleted section or a live relocation uses a deleted
 * symbol.  obj_delete_symbol() without @force scans all relocations.
 */
void obj_delete_section(struct object *obj, struct section *sec);
int obj_delete_symbol(struct object *obj, struct symbol *sym, bool force);
void obj_delete_reloc(struct object *obj, struct reloc *reloc);

#define for_each_section(obj, s) \
	TAILQ_FOREACH(s, &(obj)->sections, list) if (!(s)->deleted)
#define for_each_symbol(obj, s) \
	TAILQ_FOREACH(s, &(obj)->symbols, list) if (!(s)->deleted)
#define for_each_reloc(rsec, r) \
	TAILQ_FOREACH(r, &(rsec)->relocs, list) if (!(r)->deleted)
/* Safe against deleting the current element. */
#define for_each_section_safe(obj, s, tmp) \
	for ((s) = TAILQ_FIRST(&(obj)->sections); \
	     (s) && ((tmp) = TAILQ_NEXT(s, list), 1); (s) = (tmp)) \
		if (!(s)->deleted)
#define for_each_symbol_safe(obj, s, tmp) \
	for ((s) = TAILQ_FIRST(&(obj)->symbols); \
	     (s) && ((tmp) = TAILQ_NEXT(s, list), 1); (s) = (tmp)) \
		if (!(s)->deleted)

static inline bool sec_is_rela(const struct section *sec)
{
	return sec->sh.sh_type == SHT_RELA;
}

/* A livepatch module's .klp.rela.<objname>.<section> (applied by klp, not the loader). */
static inline bool sec_is_klp_rela(const struct section *sec)
{
	return sec->sh.sh_type == SHT_RELA && (sec->sh.sh_flags & SHF_RELA_LIVEPATCH);
}

static inline bool sec_is_text(const struct section *sec)
{
	return (sec->sh.sh_flags & SHF_EXECINSTR) != 0;
}

static inline bool sym_is_func(const struct symbol *sym)
{
	return sym->type == STT_FUNC;
}

static inline bool sym_is_data(const struct symbol *sym)
{
	return sym->type == STT_OBJECT || sym->type == STT_TLS;
}

static inline bool sec_is_string(const struct section *sec)
{
	return (sec->sh.sh_flags & SHF_STRINGS) != 0;
}

/*
 * A pool of merged constants (.rodata.cst16 ...): entries of sh_entsize
 * bytes that the compiler orders as it likes and the linker may merge,
 * so an entry is known by its value, not its offset.
 */
static inline bool sec_is_const_pool(const struct section *sec)
{
	return (sec->sh.sh_flags & (SHF_MERGE | SHF_STRINGS | SHF_WRITE)) == SHF_MERGE &&
	       sec->sh.sh_entsize > 0 && sec->sh.sh_type == SHT_PROGBITS;
}

static inline bool sec_is_init(const struct section *sec)
{
	return sec->class == SEC_INIT_CODE || sec->class == SEC_INIT_DATA;
}

static inline bool sec_is_readonly(const struct section *sec)
{
	return sec->readonly;
}

/* "code", "init code", "constant data" ... for messages. */
const char *sec_class_name(enum sec_class class);

#endif
