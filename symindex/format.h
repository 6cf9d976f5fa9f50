/* SPDX-License-Identifier: GPL-2.0 */
/*
 * On-disk layout of the symbol index (internal to symindex/).
 *
 *   header | objects[] | entries[] | exports[] | strings
 *
 * All integers are little-endian (the index is built and read on the
 * x86-64 host it serves).  Every table starts 8-byte aligned.  Strings
 * are NUL-terminated and referenced by their offset in the string table,
 * whose offset 0 is the empty string.
 *
 * entries[] is sorted by (object, name, sympos); each object owns one
 * contiguous run of it, in object-name order.  exports[] is sorted by
 * name.  The version changes whenever any of this does, and whenever what
 * a reader may expect to find in it does: an index that lacks what this
 * hotpatch needs must be refused and rebuilt, never used.
 *
 *   1  symbols, sympos, CUs, exports
 *   2  + entry layouts of the special sections (pseudo-object <layouts>)
 *      and the symbols of xz-compressed modules
 */
#ifndef HOTPATCH_SYMINDEX_FORMAT_H
#define HOTPATCH_SYMINDEX_FORMAT_H

#include <stdint.h>

#define SYMIDX_MAGIC		"HPSYMIDX"
#define SYMIDX_MAGIC_LEN	8
#define SYMIDX_VERSION		2

struct symidx_disk_header {
	char magic[SYMIDX_MAGIC_LEN];
	uint32_t version;
	uint32_t header_size;		/* sizeof(struct symidx_disk_header) */
	uint64_t file_size;		/* the whole file: catches truncation */
	uint32_t release;		/* string offset */
	uint32_t nr_objects;
	uint32_t nr_entries;
	uint32_t nr_exports;
	uint64_t objects_off;
	uint64_t entries_off;
	uint64_t exports_off;
	uint64_t strings_off;
	uint64_t strings_size;
};

struct symidx_disk_object {
	uint32_t name;
	uint32_t first;			/* index in entries[] */
	uint32_t count;
	uint32_t reserved;
};

#define SYMIDX_ENTRY_EXPORTED	0x1

struct symidx_disk_entry {
	uint32_t name;
	uint32_t cu;
	uint64_t addr;
	uint64_t size;
	uint32_t sympos;
	uint8_t type;
	uint8_t bind;
	uint8_t flags;			/* SYMIDX_ENTRY_* */
	uint8_t reserved;
};

struct symidx_disk_export {
	uint32_t name;
	uint32_t object;
};

_Static_assert(sizeof(struct symidx_disk_header) == 80, "header layout");
_Static_assert(sizeof(struct symidx_disk_object) == 16, "object layout");
_Static_assert(sizeof(struct symidx_disk_entry) == 32, "entry layout");
_Static_assert(sizeof(struct symidx_disk_export) == 8, "export layout");

#endif
