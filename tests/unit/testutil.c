// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the C unit tests: see testutil.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "testutil.h"

static char tmpdir[256];

const char *tu_mkdtemp(const char *prefix)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/%s.XXXXXX", prefix);
	return mkdtemp(tmpdir);
}

int tu_rmtmp(void)
{
	char cmd[sizeof(tmpdir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

char *tu_path(const char *name)
{
	static char buf[8][4096];
	static int n;
	char *p = buf[n++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

int tu_run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc)
		print_message("# command failed (%d): %s\n", rc, cmd);
	return rc;
}

unsigned char *tu_slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), n);
	fclose(f);
	*size = n;
	return buf;
}
