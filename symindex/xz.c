// SPDX-License-Identifier: GPL-2.0
/*
 * Compressed modules: Debian's 6.12 kernels ship every module as .ko.xz
 * (CONFIG_MODULE_COMPRESS_XZ + MODULE_COMPRESS_ALL).  The kernel decompresses
 * them at load time, so their symbol tables count for sympos like any .ko.
 *
 * A module is decompressed with liblzma into an anonymous memory file
 * (memfd), which elf/ opens by its /proc/self/fd path: no temporary file on
 * disk, nothing to clean up but a descriptor.  A module that cannot be
 * decompressed is an error for the whole index, never a silent gap.
 */
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "xz.h"

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int xz_stream(const char *path, const uint8_t *in, size_t len, int out)
{
	lzma_stream s = LZMA_STREAM_INIT;
	uint8_t buf[1 << 16];
	lzma_ret lr;
	int ret = 0;

	/* 1 GiB memory limit: kernel modules are written with small dictionaries */
	lr = lzma_stream_decoder(&s, 1ULL << 30, LZMA_CONCATENATED);
	if (lr != LZMA_OK) {
		pr_err("%s: cannot start the xz decoder (liblzma error %d)", path, lr);
		return -ENOMEM;
	}
	s.next_in = in;
	s.avail_in = len;
	do {
		s.next_out = buf;
		s.avail_out = sizeof(buf);
		lr = lzma_code(&s, LZMA_FINISH);
		if (lr != LZMA_OK && lr != LZMA_STREAM_END) {
			pr_err("%s: not a valid xz stream (liblzma error %d); the module cannot be "
			       "indexed: check the linux-image package", path, lr);
			ret = -EINVAL;
			break;
		}
		ret = write_all(out, buf, sizeof(buf) - s.avail_out);
		if (ret)
			pr_err("%s: cannot write the decompressed module: %s", path, strerror(-ret));
	} while (!ret && lr != LZMA_STREAM_END);
	lzma_end(&s);
	return ret;
}

int xz_open_decompressed(const char *path, char *fdpath, size_t fdpath_len)
{
	int in, out, ret;
	struct stat st;
	void *map;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		ret = -errno;
		pr_err("%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(in, &st) || !st.st_size) {
		ret = st.st_size ? -errno : -EINVAL;
		pr_err("%s: cannot read an empty or unreadable module", path);
		close(in);
		return ret;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, in, 0);
	close(in);
	if (map == MAP_FAILED) {
		ret = -errno;
		pr_err("%s: cannot map: %s", path, strerror(-ret));
		return ret;
	}
	out = memfd_create("hotpatch-module", MFD_CLOEXEC);
	if (out < 0) {
		ret = -errno;
		pr_err("%s: cannot create a memory file: %s", path, strerror(-ret));
		munmap(map, (size_t)st.st_size);
		return ret;
	}
	ret = xz_stream(path, map, (size_t)st.st_size, out);
	munmap(map, (size_t)st.st_size);
	if (ret) {
		close(out);
		return ret;
	}
	snprintf(fdpath, fdpath_len, "/proc/self/fd/%d", out);
	return out;
}
