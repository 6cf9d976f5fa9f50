// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "fileio.h"
#include "log.h"
#include "mem.h"

int read_whole_file(const char *path, char **bufp, size_t *lenp)
{
	struct stat st;
	char *buf = NULL;
	size_t done = 0, cap = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto fail;
	}
	/* to the end, not to st_size: /dev/null, pipes and /proc files say 0 */
	for (;;) {
		size_t want = S_ISREG(st.st_mode) && done < (size_t)st.st_size ?
			      (size_t)st.st_size + 1 : done + 4096;
		ssize_t n;

		if (ARRAY_GROW(buf, cap, want)) {
			ret = -ENOMEM;
			goto fail;
		}
		n = read(fd, buf + done, cap - done - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto fail;
		}
		if (!n)
			break;
		done += (size_t)n;
	}
	close(fd);
	buf[done] = '\0';
	*bufp = buf;
	if (lenp)
		*lenp = done;
	return 0;
fail:
	if (ret != -ENOMEM)	/* the caller's error path reports that, once */
		pr_err("%s: cannot read: %s", path, strerror(-ret));
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int write_file_atomic(const char *path, unsigned int flags,
		      int (*fill)(int fd, void *arg), void *arg)
{
	bool fill_failed = false;
	char *tmp = mem_asprintf("%s.tmpXXXXXX", path);
	int fd, ret;

	if (!tmp)
		return -ENOMEM;	/* the caller's error path reports it, once */
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		pr_err("%s: cannot create a temporary file next to it: %s", path, strerror(-ret));
		free(tmp);
		return ret;
	}
	ret = fchmod(fd, 0644) ? -errno : 0;
	if (!ret) {
		ret = fill(fd, arg);
		fill_failed = ret != 0;
	}
	/* EINVAL: a file system that cannot sync; the rename is still atomic */
	if (!ret && (flags & WRITE_DURABLE) && fsync(fd) && errno != EINVAL)
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		if (!fill_failed && ret != -ENOMEM)
			pr_err("%s: cannot write: %s", path, strerror(-ret));
		unlink(tmp);
	}
	free(tmp);
	return ret;
}

struct bytes {
	const char *path;
	const char *p;
	size_t len;
};

static int fill_bytes(int fd, void *arg)
{
	struct bytes *b = arg;

	while (b->len) {
		ssize_t n = write(fd, b->p, b->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int ret = n ? -errno : -EIO;

			pr_err("%s: cannot write: %s", b->path, strerror(-ret));
			return ret;
		}
		b->p += n;
		b->len -= (size_t)n;
	}
	return 0;
}

int write_file(const char *path, const void *data, size_t len)
{
	struct bytes b = { path, data, len };

	return write_file_atomic(path, 0, fill_bytes, &b);
}

int copy_file(const char *src, const char *dst)
{
	char *buf;
	size_t len;
	int ret = read_whole_file(src, &buf, &len);

	if (ret)
		return ret;
	ret = write_file(dst, buf, len);
	free(buf);
	return ret;
}
