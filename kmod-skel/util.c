// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

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
		{
			size_t cap = sb->cap ? sb->cap : 256;
			char *p;

			while (cap - sb->len <= (size_t)n)
				cap *= 2;
			p = realloc(sb->buf, cap);
			if (!p) {
				sb->failed = true;
				return;
			}
			sb->buf = p;
			sb->cap = cap;
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
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));
	char *d = strdup(s);

	if (nv)
		*v = nv;
	if (!nv || !d) {
		free(d);
		pr_err("out of memory");
		return -ENOMEM;
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

int write_file(const char *path, const void *data, size_t len)
{
	char *tmp = NULL;
	const char *p = data;
	int fd, ret = 0;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		pr_err("%s: cannot create: %s", tmp, strerror(errno));
		free(tmp);
		return ret;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!ret && fchmod(fd, 0644))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		pr_err("%s: cannot write: %s", path, strerror(-ret));
		unlink(tmp);
	}
	free(tmp);
	return ret;
}

char *read_file_all(const char *path, size_t *lenp)
{
	struct stat st;
	char *buf = NULL;
	size_t done = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		goto fail;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		errno = ENOMEM;
		goto fail;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			goto fail;
		}
		done += (size_t)n;
	}
	close(fd);
	buf[done] = '\0';
	if (lenp)
		*lenp = done;
	return buf;
fail:
	err = errno;
	pr_err("%s: cannot read: %s", path, strerror(err));
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = err;
	return NULL;
}

int copy_file(const char *src, const char *dst)
{
	size_t len;
	char *buf = read_file_all(src, &len);
	int ret;

	if (!buf)
		return -errno;
	ret = write_file(dst, buf, len);
	free(buf);
	return ret;
}

int expand_template(const char *tmpl, const struct subst *subst, const char *dst)
{
	struct sbuf out = { 0 };
	char *text = read_file_all(tmpl, NULL);
	const char *p, *at;
	int ret = 0;

	if (!text)
		return -errno;
	for (p = text; (at = strchr(p, '@')); ) {
		const char *end = at + 1;
		const struct subst *s;

		while (isupper((unsigned char)*end) || *end == '_')
			end++;
		sbuf_printf(&out, "%.*s", (int)(at - p), p);
		if (*end != '@' || end == at + 1) {
			sbuf_printf(&out, "@");
			p = at + 1;
			continue;
		}
		for (s = subst; s->key; s++) {
			if (strlen(s->key) == (size_t)(end - at - 1) &&
			    !strncmp(s->key, at + 1, end - at - 1))
				break;
		}
		if (!s->key) {
			pr_err("%s: unknown placeholder %.*s", tmpl, (int)(end - at + 1), at);
			ret = -EINVAL;
			break;
		}
		sbuf_printf(&out, "%s", s->value);
		p = end + 1;
	}
	if (!ret) {
		sbuf_printf(&out, "%s", p);
		ret = sbuf_failed(&out) ? -ENOMEM : write_file(dst, sbuf_str(&out), out.len);
	}
	sbuf_free(&out);
	free(text);
	return ret;
}
