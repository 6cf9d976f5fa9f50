/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reader of the per-release symbol index written by `hotpatch-index build`.
 *
 * For every symbol of the target kernel (vmlinux and each module) the
 * index knows the object it lives in, its kallsyms position among the
 * symbols of the same name in that object (sympos: 1-based, 0 when the
 * name is unique there -- what klp_func.old_sympos and .klp.sym names
 * want), whether it is exported and by whom, and the compilation unit it
 * was compiled from (so `s_show` of kernel/kallsyms.c is told apart from
 * the three others).
 *
 * The file is mapped read-only; entries and strings stay valid until
 * symidx_close().
 */
#ifndef HOTPATCH_SYMINDEX_H
#define HOTPATCH_SYMINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symidx;

struct symidx_entry {
	const char *name;
	const char *object;	/* "vmlinux" or the module name ("ext4", "nf_tables") */
	const char *cu;		/* source file relative to the tree ("kernel/kallsyms.c"), "" if unknown */
	uint64_t addr;		/* vmlinux: link address; module: offset in its section */
	uint64_t size;
	unsigned char type;	/* STT_FUNC, STT_OBJECT, ... */
	unsigned char bind;	/* STB_LOCAL, STB_GLOBAL, STB_WEAK */
	bool exported;		/* in Module.symvers (EXPORT_SYMBOL*) */
	unsigned int sympos;	/* 0 when unique in its object, else 1-based position */
};

/* NULL + errno, with a message naming the file, when missing or malformed. */
struct symidx *symidx_open(const char *path);
void symidx_close(struct symidx *idx);

/* The release the index was built for ("6.1.0-56-amd64"). */
const char *symidx_release(const struct symidx *idx);

/*
 * All entries named @name in @object (NULL: in any object), in sympos
 * order.  Returns their number and points *@entries at a contiguous run.
 */
size_t symidx_lookup(const struct symidx *idx, const char *object,
		     const char *name, const struct symidx_entry **entries);

/*
 * The one entry named @name in @object compiled from @cu.  NULL when
 * there is none (errno = ENOENT), or (errno = ENOTUNIQ) when the CU holds
 * several.  Module CUs come from STT_FILE symbols, which carry only a base
 * name ("inode.c"): such a CU matches any @cu with that base name.
 */
const struct symidx_entry *symidx_find_in_cu(const struct symidx *idx,
					     const char *object,
					     const char *name, const char *cu);

/* The object exporting @name ("vmlinux" or a module), or NULL. */
const char *symidx_exporter(const struct symidx *idx, const char *name);

/* Whether @object is vmlinux or a module of this release. */
bool symidx_has_object(const struct symidx *idx, const char *object);

/*
 * Layouts of the structs that describe special-section entries, read from
 * the target's DWARF at build time (the NULL-terminated list
 * symidx_layout_structs).  They are stored as entries of the pseudo-object
 * SYMIDX_LAYOUTS named "struct NAME" (size) and "struct NAME.MEMBER"
 * (addr = offset, size): no module can be called that, no symbol has a
 * space in its name, and readers that do not ask never see them.
 */
#define SYMIDX_LAYOUTS "<layouts>"
extern const char *const symidx_layout_structs[];
/*
 * The size of struct @name (@member NULL), or the offset and size of its
 * @member; @member "" gives as size the end of its last member (the bytes
 * before any tail padding).  0, or -ENOENT when the index does not have it.
 */
int symidx_layout(const struct symidx *idx, const char *name, const char *member,
		  uint64_t *off, uint64_t *size);

/* Counts and object names, for `hotpatch-index info` and tests. */
size_t symidx_nr_objects(const struct symidx *idx);
size_t symidx_nr_entries(const struct symidx *idx);
size_t symidx_nr_exports(const struct symidx *idx);
/* Name of the @i-th object (in name order) and its entry count; NULL past the end. */
const char *symidx_object_name(const struct symidx *idx, size_t i, size_t *nr_entries);
/* All entries of @object, sorted by (name, sympos); NULL + errno when absent. */
const struct symidx_entry *symidx_object_entries(const struct symidx *idx, const char *object);

#endif
