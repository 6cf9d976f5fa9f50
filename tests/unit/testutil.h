/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the C unit tests (cmocka): one scratch directory per
 * test program, paths in it, shell commands, whole files.
 */
#ifndef HOTPATCH_TESTUTIL_H
#define HOTPATCH_TESTUTIL_H

#include <stddef.h>

/* Create /tmp/<prefix>.XXXXXX, the scratch directory: its path, or NULL. */
const char *tu_mkdtemp(const char *prefix);
/* Remove the scratch directory: system()'s status. */
int tu_rmtmp(void);
/* @name in the scratch directory (one of 8 rotating buffers). */
char *tu_path(const char *name);
/* Run a shell command; system()'s status, printed with the command when non-zero. */
int tu_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The contents of @path (malloc'd) and their *@size; fails the test when unreadable. */
unsigned char *tu_slurp(const char *path, size_t *size);

#endif
