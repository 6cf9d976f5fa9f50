/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of `hotpatch-index build`: one file per input.
 *   dwarf.c    dbg vmlinux DWARF -> address to compilation unit
 *   vmlinux.c  vmlinux symtab + System.map -> entries with kallsyms sympos
 *   modules.c  every .ko -> entries with module kallsyms sympos
 * (.ko.xz modules are read through xz.h, part of the library.)
 */
#ifndef HOTPATCH_SYMINDEX_BUILD_H
#define HOTPATCH_SYMINDEX_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symindex-write.h"
#include "symvers.h"
#include "xz.h"

struct build_opts {
	const char *vmlinux;
	const char *sysmap;
	const char *symvers;
	const char *modules;
	const char *release;
	const char *config;		/* the target's .config, for KALLSYMS_ALL */
	const char *out;
	/* from the config: which symbols module kallsyms keeps */
	bool kallsyms_all;
	bool module_unload;
};

/* Address -> CU of the dbg vmlinux */
struct cu_range {
	uint64_t lo, hi;
	uint32_t cu;
};

struct cu_var {
	uint64_t addr;
	uint32_t cu;
};

#define CU_NONE		UINT32_MAX
#define CU_AMBIGUOUS	(UINT32_MAX - 1)

/* A struct's size ("alt_instr") or a member's offset and size ("alt_instr.instrlen"). */
struct cu_layout {
	char *name;
	uint64_t off, size;
};

struct cumap {
	char **names;			/* relative to the tree */
	size_t nr_names;
	struct cu_range *ranges;	/* code, from .debug_aranges, sorted */
	size_t nr_ranges;
	struct cu_var *vars;		/* static storage variables, sorted */
	size_t nr_vars;
	struct cu_layout *layouts;	/* of symidx_layout_structs, in DWARF order */
	size_t nr_layouts;
};

int cumap_build(const char *vmlinux, struct cumap *map);
void cumap_free(struct cumap *map);
/* The CU of the symbol at @addr, "" when unknown or ambiguous. */
const char *cumap_lookup(const struct cumap *map, uint64_t addr, unsigned char type);
/* "/build/linux/kernel/fork.c" with comp_dir "/build/linux" -> "kernel/fork.c" */
const char *cu_relative(const char *name, const char *comp_dir);

int index_vmlinux(struct symidx_writer *w, const struct build_opts *o,
		  const struct ksymvers *sv, const struct cumap *cus);
int index_modules(struct symidx_writer *w, const struct build_opts *o,
		  const struct ksymvers *sv);

#endif
