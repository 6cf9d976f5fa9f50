// SPDX-License-Identifier: GPL-2.0
/*
 * lib/: arrays, whole files, Module.symvers.  Each helper is checked on the
 * cases its callers rely on: first of several equal elements, an atomic
 * write that fails leaves the old file, a namespace survives parsing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "array.h"
#include "fileio.h"
#include "klp.h"
#include "log.h"
#include "strbuf.h"
#include "symvers.h"
#include "testutil.h"

static int cmp_int(const void *key, const void *elem)
{
	int a = *(const int *)key, b = *(const int *)elem;

	return a < b ? -1 : a > b;
}

static void test_array_grow(void **state)
{
	int *v = NULL;
	size_t cap = 0, i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		assert_int_equal(ARRAY_GROW(v, cap, i + 1), 0);
		assert_true(cap >= i + 1);
		v[i] = (int)i;
	}
	for (i = 0; i < 1000; i++)
		assert_int_equal(v[i], (int)i);
	/* a size that cannot be allocated leaves the array as it was */
	assert_int_equal(array_grow((void **)&v, &cap, SIZE_MAX / 2, sizeof(*v)), -ENOMEM);
	assert_true(cap >= 1000 && cap < SIZE_MAX / 4);
	assert_int_equal(v[999], 999);
	free(v);
}

static void test_sorted_search(void **state)
{
	static const int v[] = { 1, 3, 3, 3, 7, 9 };
	const size_t nr = sizeof(v) / sizeof(v[0]);
	int key;
	size_t n = 99;
	const int *p;

	(void)state;
	key = 3;
	assert_int_equal(sorted_lower_bound(&key, v, nr, sizeof(*v), cmp_int), 1);
	assert_int_equal(sorted_upper_bound(&key, v, nr, sizeof(*v), cmp_int), 4);
	p = sorted_find(&key, v, nr, sizeof(*v), cmp_int, &n);
	assert_ptr_equal(p, &v[1]);
	assert_int_equal(n, 3);
	key = 0;
	assert_int_equal(sorted_lower_bound(&key, v, nr, sizeof(*v), cmp_int), 0);
	assert_null(sorted_find(&key, v, nr, sizeof(*v), cmp_int, &n));
	assert_int_equal(n, 0);
	key = 10;
	assert_int_equal(sorted_lower_bound(&key, v, nr, sizeof(*v), cmp_int), nr);
	assert_int_equal(sorted_upper_bound(&key, v, nr, sizeof(*v), cmp_int), nr);
	key = 5;
	assert_null(sorted_find(&key, v, nr, sizeof(*v), cmp_int, NULL));
	assert_int_equal(sorted_upper_bound(&key, v, nr, sizeof(*v), cmp_int), 4);
	assert_null(sorted_find(&key, v, 0, sizeof(*v), cmp_int, NULL));
}

static void test_sorted_equal_range(void **state)
{
	static const int v[] = { 1, 3, 3, 3, 7, 9 };
	const size_t nr = sizeof(v) / sizeof(v[0]);
	size_t first = 99;
	int key;

	(void)state;
	key = 3;	/* a run in the middle */
	assert_int_equal(sorted_equal_range(&key, v, nr, sizeof(*v), cmp_int, &first), 4);
	assert_int_equal(first, 1);
	key = 1;	/* the first element */
	assert_int_equal(sorted_equal_range(&key, v, nr, sizeof(*v), cmp_int, &first), 1);
	assert_int_equal(first, 0);
	key = 9;	/* the last */
	assert_int_equal(sorted_equal_range(&key, v, nr, sizeof(*v), cmp_int, &first), nr);
	assert_int_equal(first, nr - 1);
	key = 5;	/* absent: empty, where it would go */
	assert_int_equal(sorted_equal_range(&key, v, nr, sizeof(*v), cmp_int, &first), 4);
	assert_int_equal(first, 4);
	key = 10;	/* above every element */
	assert_int_equal(sorted_equal_range(&key, v, nr, sizeof(*v), cmp_int, &first), nr);
	assert_int_equal(first, nr);
	key = 0;	/* below every element */
	assert_int_equal(sorted_equal_range(&key, v, nr, sizeof(*v), cmp_int, &first), 0);
	assert_int_equal(first, 0);
	assert_int_equal(sorted_equal_range(&key, v, 0, sizeof(*v), cmp_int, &first), 0);
	assert_int_equal(first, 0);
}

static int fill_fail(int fd, void *arg)
{
	(void)arg;
	if (write(fd, "partial", 7) != 7)
		return -errno;
	return -EIO;
}

static void test_files(void **state)
{
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(write_file(tu_path("a"), "hello\n", 6), 0);
	assert_int_equal(read_whole_file(tu_path("a"), &buf, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "hello\n");
	free(buf);
	/* a failed write leaves the old contents and no temporary file */
	assert_int_equal(write_file_atomic(tu_path("a"), WRITE_DURABLE, fill_fail, NULL), -EIO);
	assert_int_equal(read_whole_file(tu_path("a"), &buf, &len), 0);
	assert_string_equal(buf, "hello\n");
	free(buf);
	assert_int_equal(tu_run("test \"$(ls '%s' | grep -c tmp)\" = 0", tu_path("")), 0);
	assert_int_equal(copy_file(tu_path("a"), tu_path("b")), 0);
	assert_int_equal(read_whole_file(tu_path("b"), &buf, NULL), 0);
	assert_string_equal(buf, "hello\n");
	free(buf);
	assert_int_equal(read_whole_file(tu_path("missing"), &buf, &len), -ENOENT);
	assert_int_equal(read_whole_file(tu_path(""), &buf, &len), -EISDIR);
	/* not a regular file: read to the end all the same */
	assert_int_equal(read_whole_file("/dev/null", &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	assert_int_equal(read_whole_file("/proc/self/stat", &buf, &len), 0);
	assert_true(len > 0 && strlen(buf) == len);
	free(buf);
	assert_int_equal(write_file(tu_path("no/such/dir"), "x", 1), -ENOENT);
}

static void test_symvers(void **state)
{
	struct ksymvers *sv;
	const struct ksym_export *e;

	(void)state;
	assert_int_equal(write_file(tu_path("Module.symvers"),
		"0x12345678\tz_fn\tvmlinux\tEXPORT_SYMBOL\t\n"
		"0x00000001\tdup\tdrivers/a/first-mod\tEXPORT_SYMBOL_GPL\tNS_A\n"
		"0xffffffff\tdup\tdrivers/b/second\tEXPORT_SYMBOL\t\n"
		"\n"
		"0x0\ta_fn\tfs/ext4/ext4\tEXPORT_SYMBOL_GPL\n", 185), 0);
	sv = ksymvers_load(tu_path("Module.symvers"));
	assert_non_null(sv);
	assert_int_equal(ksymvers_nr(sv), 4);
	assert_string_equal(ksymvers_entry(sv, 0)->name, "a_fn");
	assert_null(ksymvers_entry(sv, 4));
	e = ksymvers_find(sv, "z_fn");
	assert_non_null(e);
	assert_int_equal(e->crc, 0x12345678);
	assert_string_equal(e->object, "vmlinux");
	assert_string_equal(e->ns, "");
	assert_false(e->gpl);
	/* listed twice: the first line wins, namespace kept, '-' as the kernel spells it */
	e = ksymvers_find(sv, "dup");
	assert_non_null(e);
	assert_string_equal(e->object, "first_mod");
	assert_string_equal(e->ns, "NS_A");
	assert_true(e->gpl);
	assert_int_equal(e->line, 2);
	assert_string_equal(ksymvers_exporter(sv, "a_fn"), "ext4");
	assert_null(ksymvers_exporter(sv, "nope"));
	ksymvers_free(sv);

	assert_int_equal(write_file(tu_path("bad.symvers"), "0xzz\tf\tvmlinux\tEXPORT_SYMBOL\n", 29), 0);
	assert_null(ksymvers_load(tu_path("bad.symvers")));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(write_file(tu_path("short.symvers"), "0x1\tf\tvmlinux\n", 14), 0);
	assert_null(ksymvers_load(tu_path("short.symvers")));
	assert_int_equal(errno, EINVAL);
	assert_null(ksymvers_load(tu_path("missing.symvers")));
	assert_int_equal(errno, ENOENT);
}

static void test_strbuf(void **state)
{
	struct sbuf sb = { 0 };
	char **v = NULL;
	size_t n = 0, i;

	(void)state;
	assert_string_equal(sbuf_str(&sb), "");
	for (i = 0; i < 1000; i++)
		sbuf_printf(&sb, "%03zu,", i);
	assert_false(sbuf_failed(&sb));
	assert_int_equal(sb.len, 4000);
	assert_int_equal(strncmp(sbuf_str(&sb), "000,001,002,", 12), 0);
	assert_string_equal(sbuf_str(&sb) + 3996, "999,");
	sbuf_free(&sb);
	assert_int_equal(strv_add(&v, &n, "a"), 0);
	assert_int_equal(strv_add(&v, &n, "b"), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[1], "b");
	strv_free(v, n);
}

static void test_export_rule(void **state)
{
	(void)state;
	assert_true(klp_resolved_by_export("vmlinux", "vmlinux"));
	assert_true(klp_resolved_by_export("vmlinux", "ext4"));
	assert_true(klp_resolved_by_export("jbd2", "ext4"));
	assert_false(klp_resolved_by_export("ext4", "ext4"));
	assert_false(klp_resolved_by_export(NULL, "ext4"));
	assert_false(klp_resolved_by_export(NULL, "vmlinux"));
}

static void quiet(enum log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static int setup(void **state)
{
	(void)state;
	log_set_hook(quiet, NULL);
	return tu_mkdtemp("hotpatch-test-lib") ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return tu_rmtmp();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_grow),
		cmocka_unit_test(test_sorted_search),
		cmocka_unit_test(test_sorted_equal_range),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_symvers),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_export_rule),
	};

	return cmocka_run_group_tests_name("lib", tests, setup, teardown);
}
