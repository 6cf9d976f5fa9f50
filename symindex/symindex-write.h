/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writer of the symbol index: collect objects, entries and exports, then
 * write the file atomically.  Used by `hotpatch-index build` and by tests
 * that need a small index.  The caller computes sympos; the writer sorts
 * and lays out.
 */
#ifndef HOTPATCH_SYMINDEX_WRITE_H
#define HOTPATCH_SYMINDEX_WRITE_H

#include "symindex.h"

struct symidx_writer;

struct symidx_writer *symidx_writer_new(const char *release);
void symidx_writer_free(struct symidx_writer *w);

/* Declare an object (it exists even when it has no entries). */
int symidx_writer_add_object(struct symidx_writer *w, const char *object);
/* Strings are copied; e->object is declared when new. */
int symidx_writer_add(struct symidx_writer *w, const struct symidx_entry *e);
/* A second exporter of the same name is ignored with a warning. */
int symidx_writer_add_export(struct symidx_writer *w, const char *name,
			     const char *object);

/* Intern a string in the writer's pool (for callers that keep many copies). */
const char *symidx_writer_intern(struct symidx_writer *w, const char *s);

size_t symidx_writer_nr_entries(const struct symidx_writer *w);

/* Sort and write to @path through a temporary file and rename(). */
int symidx_writer_write(struct symidx_writer *w, const char *path);

#endif
