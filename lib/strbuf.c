// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "mem.h"
#include "strbuf.h"

void sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->failed)
		return;
	for (;;) {
		size_t room = sb->cap - sb->len;

		va_start(ap, fmt);
		n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			sb->failed = true;
			return;
		}
		if ((size_t)n < room) {
			sb->len += (size_t)n;
			return;
		}
		if (ARRAY_GROW(sb->buf, sb->cap, sb->len + (size_t)n + 1)) {
			sb->failed = true;
			return;
		}
	}
}

const char *sbuf_str(const struct sbuf *sb)
{
	return sb->buf && !sb->failed ? sb->buf : "";
}

void sbuf_free(struct sbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

int strv_add(char ***v, size_t *n, const char *s)
{
	char *d = mem_strdup(s);
	char **nv = d ? realloc(*v, (*n + 1) * sizeof(**v)) : NULL;

	if (nv)
		*v = nv;
	if (!nv) {
		free(d);
		return -ENOMEM;	/* the caller's error path reports it, once */
	}
	nv[(*n)++] = d;
	return 0;
}

void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
