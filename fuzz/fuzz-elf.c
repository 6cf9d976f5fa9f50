// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-elf: libFuzzer harness of the ELF model.  The input is an object
 * file: it is opened as an ET_REL object and again read-only (any type,
 * lazy), every section, symbol and relocation is visited together with
 * the lookups passes use, and a relocatable object is written back and
 * read again.  Any crash, sanitizer report or leak is a finding; errors
 * are expected and silenced.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "object.h"

static volatile uint64_t sink;

static void walk(struct object *obj)
{
	struct section *sec;
	struct symbol *sym;
	struct reloc *r;

	for_each_section(obj, sec) {
		unsigned char *data = sec_data(sec);

		if (data && sec->size)
			sink += data[0] + data[sec->size - 1];
		sink += sec->idx;
		if (sec->name && obj_find_section_by_name(obj, sec->name) == NULL)
			sink++;
		if (obj_find_section_by_index(obj, sec->idx) != sec)
			sink++;
		if (sec_is_rela(sec)) {
			for_each_reloc(sec, r) {
				sink += r->offset + r->type + (r->sym ? r->sym->idx : 0);
				if (sec->base && sec_find_reloc_by_offset(sec->base, r->offset, 1) == NULL)
					sink++;
			}
		}
	}
	for_each_symbol(obj, sym) {
		sink += sym->idx + sym->size;
		if (sym->name && sym->name[0])
			sink += obj_find_symbol_by_name(obj, sym->name) != NULL;
		if (obj_find_symbol_by_index(obj, sym->idx) != sym)
			sink++;
		if (sym->sec && !sym->sec->deleted) {
			sink += sec_find_symbol_by_offset(sym->sec, sym->offset) != NULL;
			if (sym->size)
				sink += sec_find_func_containing(sym->sec,
								 sym->offset + sym->size - 1) != NULL;
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_init();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[PATH_MAX_FUZZ], out[PATH_MAX_FUZZ];
	struct object *obj, *again;

	if (fuzz_path(in, "in.o") || fuzz_path(out, "out.o") || fuzz_write_file(in, data, size))
		return 0;

	/* read-only, any type, lazy contents: how vmlinux and .ko files are read */
	obj = obj_open(in, OBJ_ANY_TYPE | OBJ_LAZY);
	if (obj) {
		walk(obj);
		obj_close(obj);
	}

	/* relocatable: walk, write back, read again */
	obj = obj_open(in, 0);
	if (!obj)
		return 0;
	walk(obj);
	unlink(out);
	if (!obj_write(obj, out)) {
		again = obj_open(out, 0);
		if (again) {
			walk(again);
			obj_close(again);
		}
	}
	obj_close(obj);
	return 0;
}
