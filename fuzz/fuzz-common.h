/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the fuzz harnesses: a private scratch directory for the
 * files obj_open() needs (in /dev/shm when there is one), and silenced logs.
 */
#ifndef HOTPATCH_FUZZ_COMMON_H
#define HOTPATCH_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define PATH_MAX_FUZZ 512

static char fuzz_dir[PATH_MAX_FUZZ];

static void fuzz_quiet(enum log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static void fuzz_cleanup(void)
{
	char cmd[PATH_MAX_FUZZ + 16];

	if (fuzz_dir[0] && !strchr(fuzz_dir, '\'')) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir);
		if (system(cmd))
			fuzz_dir[0] = 0;
	}
}

/* HP_FUZZ_VERBOSE=1 keeps the tools' messages (to see why an input is refused). */
static int fuzz_init(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	if (!getenv("HP_FUZZ_VERBOSE"))
		log_set_hook(fuzz_quiet, NULL);
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/hotpatch-fuzz.XXXXXX", base);
	if (!mkdtemp(fuzz_dir)) {
		perror("mkdtemp");
		return -errno;
	}
	atexit(fuzz_cleanup);
	return 0;
}

static int fuzz_path(char *buf, const char *name)
{
	int n = snprintf(buf, PATH_MAX_FUZZ, "%s/%s", fuzz_dir, name);

	return n < 0 || n >= PATH_MAX_FUZZ ? -ENAMETOOLONG : 0;
}

static int fuzz_write_file(const char *path, const void *data, size_t size)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (size) {
		n = write(fd, p, size);
		if (n <= 0) {
			close(fd);
			return -EIO;
		}
		p += n;
		size -= n;
	}
	return close(fd) ? -errno : 0;
}

#endif
