/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Debian's 6.12 modules are .ko.xz: the one decompressor of hotpatch, for the
 * symbol index (modules.c) and for whoever reads a target module's bytes
 * (hotpatch-klpfix's IBT check).  Links with -llzma.
 */
#ifndef HOTPATCH_SYMINDEX_XZ_H
#define HOTPATCH_SYMINDEX_XZ_H

#include <stddef.h>

/* Decompress the .ko.xz at @path into a memory file; returns its descriptor
 * (the caller closes it) and writes its /proc/self/fd path to @fdpath, or
 * -errno after reporting why. */
int xz_open_decompressed(const char *path, char *fdpath, size_t fdpath_len);

#endif
