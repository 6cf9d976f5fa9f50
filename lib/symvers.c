// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "fileio.h"
#include "log.h"
#include "symvers.h"

struct ksymvers {
	char *buf;
	struct ksym_export *exps;	/* sorted by name, then line */
	size_t nr, cap;
};

static int cmp_export(const void *a, const void *b)
{
	const struct ksym_export *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ksym_export *)elem)->name);
}

/* "fs/ext4/ext4" -> "ext4", "drivers/net/foo-bar" -> "foo_bar", in place */
static const char *module_name_of(char *path)
{
	char *base = strrchr(path, '/'), *p;

	base = base ? base + 1 : path;
	for (p = base; *p; p++) {
		if (*p == '-')
			*p = '_';
	}
	return base;
}

static int parse_line(const char *path, size_t lineno, char *line, struct ksym_export *e)
{
	char *f[5] = { NULL };
	char *p = line, *end;
	unsigned long crc;
	int i;

	for (i = 0; i < 5 && p; i++) {
		f[i] = p;
		p = strchr(p, '\t');
		if (p)
			*p++ = '\0';
	}
	if (i < 4 || !f[1][0] || !f[2][0]) {
		pr_err("%s:%zu: not a Module.symvers line (want crc, symbol, module, type)",
		       path, lineno);
		return -EINVAL;
	}
	errno = 0;
	crc = strtoul(f[0], &end, 16);
	if (errno || *end || end == f[0] || crc > UINT32_MAX) {
		pr_err("%s:%zu: bad CRC '%s'", path, lineno, f[0]);
		return -EINVAL;
	}
	e->crc = (uint32_t)crc;
	e->name = f[1];
	e->object = module_name_of(f[2]);
	e->gpl = strstr(f[3], "_GPL") != NULL;
	e->ns = f[4] ? f[4] : "";
	e->line = lineno;
	return 0;
}

struct ksymvers *ksymvers_load(const char *path)
{
	struct ksymvers *sv = calloc(1, sizeof(*sv));
	size_t lineno = 0;
	char *line, *next;
	int ret;

	if (!sv) {
		errno = ENOMEM;
		return NULL;
	}
	ret = read_whole_file(path, &sv->buf, NULL);
	for (line = sv->buf; !ret && line && *line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line)
			continue;
		ret = ARRAY_GROW(sv->exps, sv->cap, sv->nr + 1);
		if (ret)
			break;	/* -ENOMEM: the caller reports it */
		ret = parse_line(path, lineno, line, &sv->exps[sv->nr]);
		if (!ret)
			sv->nr++;
	}
	if (ret) {
		ksymvers_free(sv);
		errno = -ret;
		return NULL;
	}
	if (sv->nr)
		qsort(sv->exps, sv->nr, sizeof(*sv->exps), cmp_export);
	return sv;
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
	return sorted_find(name, sv->exps, sv->nr, sizeof(*sv->exps), cmp_name, NULL);
}

const char *ksymvers_exporter(const struct ksymvers *sv, const char *name)
{
	const struct ksym_export *e = ksymvers_find(sv, name);

	return e ? e->object : NULL;
}

size_t ksymvers_nr(const struct ksymvers *sv)
{
	return sv->nr;
}

const struct ksym_export *ksymvers_entry(const struct ksymvers *sv, size_t i)
{
	return i < sv->nr ? &sv->exps[i] : NULL;
}
