// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "mem.h"

void *mem_calloc(size_t n, size_t size)
{
	if (alloc_fails())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

char *mem_strdup(const char *s)
{
	if (alloc_fails())
		return NULL;
	return strdup(s ? s : "");
}

char *mem_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	if (alloc_fails())
		return NULL;
	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return p;
}
