// SPDX-License-Identifier: GPL-2.0
/*
 * mkindex: a small symbol index for the differ's fixture cases, written
 * through the real index writer from lines of text on stdin:
 *
 *   object name sympos type bind exported cu
 *
 * type: FUNC|OBJECT|NOTYPE, bind: LOCAL|GLOBAL|WEAK, exported: 0|1,
 * cu: tree-relative source file or "-".  Lines starting with '#' are skipped.
 * A line "layout NAME OFFSET SIZE" gives a struct's size (NAME "bug_entry")
 * or a member's offset and size ("bug_entry.line"), as hotpatch-index
 * reads them from the target's DWARF.
 * usage: mkindex OUT < lines
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "symindex-write.h"

int main(int argc, char **argv)
{
	struct symidx_writer *w;
	char line[1024];
	int ret, n = 0;

	log_set_progname("mkindex");
	if (argc != 2) {
		fprintf(stderr, "usage: mkindex OUT < entries\n");
		return 1;
	}
	w = symidx_writer_new("fixture");
	if (!w)
		return 1;
	symidx_writer_add_object(w, "vmlinux");
	while (fgets(line, sizeof(line), stdin)) {
		char obj[256], name[512], type[32], bind[32], cu[256];
		unsigned int pos, exp;
		struct symidx_entry e = { 0 };

		n++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!strncmp(line, "layout ", 7)) {
			char full[600];
			unsigned long off, size;

			if (sscanf(line + 7, "%511s %lu %lu", name, &off, &size) != 3) {
				fprintf(stderr, "mkindex: line %d: expected layout NAME OFFSET SIZE\n", n);
				return 1;
			}
			snprintf(full, sizeof(full), "struct %s", name);
			e.object = SYMIDX_LAYOUTS;
			e.name = full;
			e.cu = "";
			e.addr = off;
			e.size = size;
			if (symidx_writer_add(w, &e))
				return 1;
			continue;
		}
		if (sscanf(line, "%255s %511s %u %31s %31s %u %255s", obj, name, &pos, type, bind,
			   &exp, cu) != 7) {
			fprintf(stderr, "mkindex: line %d: expected 7 fields\n", n);
			return 1;
		}
		e.object = obj;
		e.name = name;
		e.sympos = pos;
		e.type = !strcmp(type, "FUNC") ? STT_FUNC : !strcmp(type, "OBJECT") ? STT_OBJECT :
			 STT_NOTYPE;
		e.bind = !strcmp(bind, "LOCAL") ? STB_LOCAL : !strcmp(bind, "WEAK") ? STB_WEAK :
			 STB_GLOBAL;
		e.exported = exp != 0;
		e.cu = strcmp(cu, "-") ? cu : "";
		e.addr = 0x1000 + 16 * (uint64_t)n;
		e.size = 16;
		if (symidx_writer_add(w, &e))
			return 1;
		if (exp && symidx_writer_add_export(w, name, obj))
			return 1;
	}
	ret = symidx_writer_write(w, argv[1]);
	symidx_writer_free(w);
	return ret ? 1 : 0;
}
