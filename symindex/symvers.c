// SPDX-License-Identifier: GPL-2.0
/*
 * Module.symvers: "<crc>\t<symbol>\t<module>\t<export type>[\t<namespace>]"
 * where <module> is "vmlinux" or the module's path without ".ko"
 * ("fs/ext4/ext4").  We keep symbol -> object name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "build.h"

int read_whole_file(const char *path, char **bufp, size_t *lenp)
{
	struct stat st;
	size_t done = 0;
	char *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		pr_err("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n <= 0) {
			ret = n ? -errno : -EIO;
			pr_err("%s: read failed: %s", path, strerror(-ret));
			free(buf);
			close(fd);
			return ret;
		}
		done += n;
	}
	close(fd);
	buf[done] = '\0';
	*bufp = buf;
	*lenp = done;
	return 0;
}

static int cmp_export(const void *a, const void *b)
{
	return strcmp(((const struct export *)a)->name, ((const struct export *)b)->name);
}

/* "fs/ext4/ext4" -> "ext4", "drivers/net/foo-bar" -> "foo_bar", in place */
static char *module_name_of(char *path)
{
	char *base = strrchr(path, '/'), *p;

	base = base ? base + 1 : path;
	for (p = base; *p; p++)
		if (*p == '-')
			*p = '_';
	return base;
}

int symvers_read(const char *path, struct symvers *sv)
{
	size_t len, alloc = 0, lineno = 0;
	char *line, *next;
	int ret;

	memset(sv, 0, sizeof(*sv));
	ret = read_whole_file(path, &sv->buf, &len);
	if (ret)
		return ret;
	for (line = sv->buf; line && *line; line = next) {
		char *f[5] = { 0 };
		int nf = 0;
		char *p = line;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line)
			continue;
		while (nf < 5) {
			f[nf++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (nf < 4 || !*f[1] || !*f[2]) {
			pr_err("%s:%zu: expected \"crc<TAB>symbol<TAB>module<TAB>export type\"",
			       path, lineno);
			symvers_free(sv);
			return -EINVAL;
		}
		if (sv->nr == alloc) {
			struct export *n;

			alloc = alloc ? alloc * 2 : 4096;
			n = realloc(sv->exps, alloc * sizeof(*n));
			if (!n) {
				symvers_free(sv);
				return -ENOMEM;
			}
			sv->exps = n;
		}
		sv->exps[sv->nr].name = f[1];
		sv->exps[sv->nr].object = module_name_of(f[2]);
		sv->nr++;
	}
	if (sv->nr)
		qsort(sv->exps, sv->nr, sizeof(*sv->exps), cmp_export);
	return 0;
}

void symvers_free(struct symvers *sv)
{
	free(sv->buf);
	free(sv->exps);
	memset(sv, 0, sizeof(*sv));
}

const char *symvers_exporter(const struct symvers *sv, const char *name)
{
	struct export key = { .name = name };
	struct export *e;

	if (!sv->nr)
		return NULL;
	e = bsearch(&key, sv->exps, sv->nr, sizeof(key), cmp_export);
	return e ? e->object : NULL;
}
