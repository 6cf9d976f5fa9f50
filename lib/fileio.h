/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whole files: read one into memory, and write one atomically.
 *
 * Every output of the tools (objects, the symbol index, module sources)
 * is written to a temporary file next to its destination and renamed into
 * place, so a reader never sees half a file and an error leaves the old
 * file (or none).  Failures are reported with the path and returned as
 * -errno, but -ENOMEM: the caller's error path reports running out of
 * memory, once (each tool's main), as elf/ and the differ's passes do.
 */
#ifndef HOTPATCH_FILEIO_H
#define HOTPATCH_FILEIO_H

#include <stddef.h>

/*
 * The contents of @path in a malloc'd, NUL-terminated *@buf (the NUL not
 * counted in *@len, which may be NULL).  0 or -errno, with a message
 * (-ENOMEM without).
 */
int read_whole_file(const char *path, char **buf, size_t *len);

/* Sync the file before the rename: for caches that must survive a crash (6 ms here). */
#define WRITE_DURABLE	0x1

/*
 * Create @path (mode 0644) through a temporary file in its directory:
 * @fill writes the contents to the open descriptor and returns 0 or
 * -errno; the file is closed and renamed over @path only when it
 * succeeded, else removed.  0 or -errno; a failure of @fill is reported by
 * @fill, every other one here (but -ENOMEM, reported by the caller).
 */
int write_file_atomic(const char *path, unsigned int flags,
		      int (*fill)(int fd, void *arg), void *arg);

/* write_file_atomic() of @len bytes at @data. */
int write_file(const char *path, const void *data, size_t len);

/* A copy of @src at @dst, written atomically. */
int copy_file(const char *src, const char *dst);

#endif
