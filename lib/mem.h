/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocations that honour the alloc_fails() test hook (lib/array.h), so that
 * HOTPATCH_FAIL_ALLOC=N proves every caller handles running out of memory.
 * hotpatch-diff's passes and its emit step allocate through these; NULL
 * (errno ENOMEM) is theirs to turn into -ENOMEM.
 */
#ifndef HOTPATCH_MEM_H
#define HOTPATCH_MEM_H

#include <stddef.h>

/* calloc() that never returns a zero-sized block: n or size 0 count as 1. */
void *mem_calloc(size_t n, size_t size);
/* strdup() of @s, "" for NULL. */
char *mem_strdup(const char *s);
char *mem_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
