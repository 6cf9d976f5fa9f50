// SPDX-License-Identifier: GPL-2.0
/*
 * Livepatch symbol and section names (see klp.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "klp.h"

int klp_parse_symname(const char *s, struct klp_symname *out)
{
	const char *p, *dot, *comma;
	unsigned long pos = 0;
	size_t len;

	if (!klp_is_symname(s))
		return -EINVAL;
	p = s + strlen(KLP_SYM_PREFIX);
	dot = strchr(p, '.');
	if (!dot || dot == p || (size_t)(dot - p) > KLP_OBJNAME_MAX)
		return -EINVAL;
	comma = strrchr(dot + 1, ',');
	if (!comma || comma == dot + 1)
		return -EINVAL;
	len = comma - (dot + 1);
	/* %511[^,]: the name stops at the first comma */
	if (len > KLP_SYMNAME_MAX || memchr(dot + 1, ',', len))
		return -EINVAL;
	if (!isdigit((unsigned char)comma[1]))
		return -EINVAL;
	for (p = comma + 1; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		if (pos > (~0UL - 9) / 10)
			return -EINVAL;
		pos = pos * 10 + (unsigned long)(*p - '0');
	}
	memcpy(out->obj, s + strlen(KLP_SYM_PREFIX), dot - (s + strlen(KLP_SYM_PREFIX)));
	out->obj[dot - (s + strlen(KLP_SYM_PREFIX))] = '\0';
	memcpy(out->name, dot + 1, len);
	out->name[len] = '\0';
	out->pos = pos;
	return klp_valid_objname(out->obj) ? 0 : -EINVAL;
}

char *klp_make_symname(const char *obj, const char *name, unsigned long pos)
{
	char *s;

	if (asprintf(&s, KLP_SYM_PREFIX "%s.%s,%lu", obj, name, pos) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

char *klp_make_relaname(const char *obj, const char *secname)
{
	char *s;

	if (asprintf(&s, KLP_RELA_PREFIX "%s%s%s", obj,
		     secname[0] == '.' ? "" : ".", secname) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

bool klp_valid_objname(const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (!n || n > KLP_OBJNAME_MAX)
		return false;
	for (p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	}
	return true;
}

bool klp_resolved_by_export(const char *exporter, const char *target)
{
	return exporter && (!strcmp(exporter, "vmlinux") || strcmp(exporter, target));
}
