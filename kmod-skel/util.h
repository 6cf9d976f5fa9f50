/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers of the patch-module tools: strings, files, templates. */
#ifndef HOTPATCH_KMOD_UTIL_H
#define HOTPATCH_KMOD_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* A growing string; after an allocation failure it stays failed. */
struct sbuf {
	char *buf;
	size_t len, cap;
	bool failed;
};

void sbuf_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The contents ("" when empty). */
const char *sbuf_str(const struct sbuf *sb);
static inline bool sbuf_failed(const struct sbuf *sb) { return sb->failed; }
void sbuf_free(struct sbuf *sb);

/* Append a copy of @s to the array *@v of *@n strings. 0 or -ENOMEM. */
int strv_add(char ***v, size_t *n, const char *s);
void strv_free(char **v, size_t n);

/* Write @len bytes to @path through a temporary file renamed into place. */
int write_file(const char *path, const void *data, size_t len);
/* malloc'd contents of @path (NUL-terminated), NULL + errno with a message. */
char *read_file_all(const char *path, size_t *len);
int copy_file(const char *src, const char *dst);

/*
 * Copy template @tmpl to @dst, replacing every @KEY@ by its value.  An
 * unknown @KEY@ is an error; a '@' not followed by KEY@ is copied as is.
 */
struct subst {
	const char *key;
	const char *value;
};
int expand_template(const char *tmpl, const struct subst *subst, const char *dst);

#endif
