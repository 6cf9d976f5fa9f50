/* SPDX-License-Identifier: GPL-2.0 */
/* Strings: a growing buffer, and a growing array of copies. */
#ifndef HOTPATCH_STRBUF_H
#define HOTPATCH_STRBUF_H

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

/* Append a copy of @s to the array *@v of *@n strings. 0 or -ENOMEM (not reported). */
int strv_add(char ***v, size_t *n, const char *s);
void strv_free(char **v, size_t n);

#endif
