// SPDX-License-Identifier: GPL-2.0
/*
 * Livepatch symbol and section names, and the target's Module.symvers.
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

/* Module.symvers */

struct ksymvers {
	char *buf;
	struct ksym_export *exps;	/* sorted by name */
	size_t nr;
};

static int cmp_export(const void *a, const void *b)
{
	return strcmp(((const struct ksym_export *)a)->name,
		      ((const struct ksym_export *)b)->name);
}

static char *read_file(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "re");
	size_t cap = 1 << 20, len = 0, n;
	char *buf, *nb;

	if (!f) {
		int err = errno;

		pr_err("%s: cannot open the target's Module.symvers: %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	buf = malloc(cap + 1);
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	if (!buf || ferror(f)) {
		int err = buf ? EIO : ENOMEM;

		pr_err("%s: read failed: %s", path, strerror(err));
		free(buf);
		fclose(f);
		errno = err;
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

struct ksymvers *ksymvers_load(const char *path)
{
	struct ksymvers *sv = calloc(1, sizeof(*sv));
	size_t len, cap = 0, lineno = 0;
	char *line, *next;

	if (!sv) {
		errno = ENOMEM;
		return NULL;
	}
	sv->buf = read_file(path, &len);
	if (!sv->buf)
		goto fail;
	for (line = sv->buf; line && *line; line = next) {
		char *f[5] = { NULL };
		char *p = line, *end;
		struct ksym_export *e;
		unsigned long crc;
		int i;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line)
			continue;
		for (i = 0; i < 5 && p; i++) {
			f[i] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (i < 4 || !f[1][0] || !f[2][0]) {
			pr_err("%s:%zu: not a Module.symvers line (want crc, symbol, module, type)",
			       path, lineno);
			errno = EINVAL;
			goto fail;
		}
		errno = 0;
		crc = strtoul(f[0], &end, 16);
		if (errno || *end || end == f[0] || crc > UINT32_MAX) {
			pr_err("%s:%zu: bad CRC '%s'", path, lineno, f[0]);
			errno = EINVAL;
			goto fail;
		}
		if (sv->nr == cap) {
			struct ksym_export *n;

			cap = cap ? cap * 2 : 4096;
			n = realloc(sv->exps, cap * sizeof(*n));
			if (!n) {
				errno = ENOMEM;
				goto fail;
			}
			sv->exps = n;
		}
		e = &sv->exps[sv->nr++];
		e->crc = (uint32_t)crc;
		e->name = f[1];
		e->object = strrchr(f[2], '/') ? strrchr(f[2], '/') + 1 : f[2];
		/* the module name the kernel knows: '-' becomes '_' */
		for (p = (char *)e->object; *p; p++) {
			if (*p == '-')
				*p = '_';
		}
		e->gpl = strstr(f[3], "_GPL") != NULL;
		e->ns = f[4] ? f[4] : "";
	}
	if (sv->nr)
		qsort(sv->exps, sv->nr, sizeof(*sv->exps), cmp_export);
	return sv;

fail:
	{
		int err = errno;

		ksymvers_free(sv);
		errno = err;
	}
	return NULL;
}

void ksymvers_free(struct ksymvers *sv)
{
	if (!sv)
		return;
	free(sv->exps);
	free(sv->buf);
	free(sv);
}

const struct ksym_export *ksymvers_find(const struct ksymvers *sv, const char *name)
{
	struct ksym_export key = { .name = name };

	if (!sv->nr)
		return NULL;
	return bsearch(&key, sv->exps, sv->nr, sizeof(key), cmp_export);
}
