/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The target's Module.symvers, read once by every tool that needs to know
 * who exports what:
 *
 *   0x<crc>\t<symbol>\t<vmlinux | module path without .ko>\t<EXPORT_SYMBOL[_GPL]>[\t<namespace>]
 *
 * The module path becomes the name the kernel knows ("drivers/net/foo-bar"
 * -> "foo_bar").
 */
#ifndef HOTPATCH_SYMVERS_H
#define HOTPATCH_SYMVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksym_export {
	const char *name;
	const char *object;	/* "vmlinux" or the module name */
	const char *ns;		/* "" when none */
	uint32_t crc;
	bool gpl;
	size_t line;		/* 1-based, in the file */
};

struct ksymvers;

/* NULL + errno, with a message naming the file and line, on error. */
struct ksymvers *ksymvers_load(const char *path);
void ksymvers_free(struct ksymvers *sv);
/* The export of @name (the first line's, if the file lists it twice), or NULL. */
const struct ksym_export *ksymvers_find(const struct ksymvers *sv, const char *name);
/* How many lines the file has, and the @i-th export in name order. */
size_t ksymvers_nr(const struct ksymvers *sv);
const struct ksym_export *ksymvers_entry(const struct ksymvers *sv, size_t i);
/* The exporting object of @name, or NULL. */
const char *ksymvers_exporter(const struct ksymvers *sv, const char *name);

#endif
