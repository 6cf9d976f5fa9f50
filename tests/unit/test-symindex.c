// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol index reader/writer: a small index written through the writer,
 * read back through symindex.h, then damaged in the ways a cache file can
 * be (truncation, wrong magic or version, offsets out of range).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <elf.h>

#include "log.h"
#include "format.h"
#include "symindex.h"
#include "symindex-write.h"
#include "testutil.h"

static const char *dir;
static char path[256];
static char last_err[4096];

static void hook(enum log_level level, const char *msg, void *arg)
{
	(void)arg;
	if (level == LOG_ERROR)
		snprintf(last_err, sizeof(last_err), "%s", msg);
}

static void add(struct symidx_writer *w, const char *obj, const char *name,
		const char *cu, uint64_t addr, unsigned int sympos, unsigned char bind,
		bool exported)
{
	struct symidx_entry e = {
		.name = name, .object = obj, .cu = cu, .addr = addr, .size = 16,
		.type = STT_FUNC, .bind = bind, .exported = exported, .sympos = sympos,
	};

	assert_int_equal(symidx_writer_add(w, &e), 0);
}

static int setup(void **state)
{
	struct symidx_writer *w;

	(void)state;
	dir = tu_mkdtemp("hp-symindex-test");
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/symindex", dir);
	log_set_hook(hook, NULL);

	w = symidx_writer_new("6.1.0-99-amd64");
	assert_non_null(w);
	/* added out of order on purpose: the writer sorts */
	add(w, "vmlinux", "s_show", "mm/vmalloc.c", 0xffffffff81300000, 2, STB_LOCAL, false);
	add(w, "vmlinux", "s_show", "kernel/kallsyms.c", 0xffffffff81100000, 1, STB_LOCAL, false);
	add(w, "vmlinux", "_printk", "kernel/printk/printk.c", 0xffffffff81a00000, 0,
	    STB_GLOBAL, true);
	add(w, "vmlinux", "twice", "a.c", 0xffffffff81000010, 1, STB_LOCAL, false);
	add(w, "vmlinux", "twice", "a.c", 0xffffffff81000020, 2, STB_LOCAL, false);
	add(w, "nf_tables", "s_show", "nf_tables_api.c", 0x100, 0, STB_LOCAL, false);
	add(w, "ext4", "ext4_fill_super", "", 0x64270, 0, STB_LOCAL, false);
	assert_int_equal(symidx_writer_add_object(w, "empty_mod"), 0);
	assert_int_equal(symidx_writer_add_export(w, "_printk", "vmlinux"), 0);
	assert_int_equal(symidx_writer_add_export(w, "nft_register_expr", "nf_tables"), 0);
	assert_int_equal(symidx_writer_write(w, path), 0);
	symidx_writer_free(w);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tu_rmtmp() ? -1 : 0;
}

static void test_lookup(void **state)
{
	const struct symidx_entry *run, *e;
	struct symidx *idx;
	size_t n;

	(void)state;
	idx = symidx_open(path);
	assert_non_null(idx);
	assert_string_equal(symidx_release(idx), "6.1.0-99-amd64");
	assert_int_equal(symidx_nr_objects(idx), 4);
	assert_int_equal(symidx_nr_entries(idx), 7);

	n = symidx_lookup(idx, "vmlinux", "s_show", &run);
	assert_int_equal(n, 2);
	assert_int_equal(run[0].sympos, 1);
	assert_string_equal(run[0].cu, "kernel/kallsyms.c");
	assert_int_equal(run[1].sympos, 2);
	assert_string_equal(run[1].cu, "mm/vmalloc.c");
	assert_string_equal(run[1].object, "vmlinux");

	n = symidx_lookup(idx, NULL, "s_show", &run);
	assert_int_equal(n, 3);
	assert_string_equal(run[0].object, "nf_tables");
	/* cached run, same answer */
	assert_int_equal(symidx_lookup(idx, NULL, "s_show", &run), 3);

	assert_int_equal(symidx_lookup(idx, "vmlinux", "nope", &run), 0);
	assert_null(run);
	assert_int_equal(symidx_lookup(idx, "no_such_module", "s_show", &run), 0);
	assert_int_equal(symidx_lookup(idx, NULL, "nope", &run), 0);

	n = symidx_lookup(idx, "vmlinux", "_printk", &run);
	assert_int_equal(n, 1);
	assert_int_equal(run[0].sympos, 0);
	assert_true(run[0].exported);
	assert_int_equal(run[0].bind, STB_GLOBAL);
	assert_int_equal(run[0].type, STT_FUNC);
	assert_int_equal(run[0].addr, 0xffffffff81a00000);

	e = symidx_find_in_cu(idx, "vmlinux", "s_show", "mm/vmalloc.c");
	assert_non_null(e);
	assert_int_equal(e->sympos, 2);
	e = symidx_find_in_cu(idx, "vmlinux", "s_show", "./kernel/kallsyms.c");
	assert_non_null(e);
	assert_int_equal(e->sympos, 1);
	errno = 0;
	assert_null(symidx_find_in_cu(idx, "vmlinux", "s_show", "kernel/trace/trace.c"));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(symidx_find_in_cu(idx, "vmlinux", "twice", "a.c"));
	assert_int_equal(errno, ENOTUNIQ);
	/* module CUs are base names: they match any path with that base name */
	e = symidx_find_in_cu(idx, "nf_tables", "s_show", "net/netfilter/nf_tables_api.c");
	assert_non_null(e);
	assert_null(symidx_find_in_cu(idx, "ext4", "ext4_fill_super", "fs/ext4/super.c"));

	assert_string_equal(symidx_exporter(idx, "_printk"), "vmlinux");
	assert_string_equal(symidx_exporter(idx, "nft_register_expr"), "nf_tables");
	assert_null(symidx_exporter(idx, "s_show"));
	assert_true(symidx_has_object(idx, "empty_mod"));
	assert_true(symidx_has_object(idx, "vmlinux"));
	assert_false(symidx_has_object(idx, "xfs"));
	symidx_close(idx);
}

/* Write @len bytes of @buf as a damaged copy and expect symidx_open to refuse it. */
static void expect_refused(const unsigned char *buf, size_t len, const char *why)
{
	char bad[300];
	struct symidx *idx;
	FILE *f;

	snprintf(bad, sizeof(bad), "%s/bad", dir);
	f = fopen(bad, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	last_err[0] = '\0';
	errno = 0;
	idx = symidx_open(bad);
	assert_null(idx);
	assert_int_equal(errno, EINVAL);
	if (!strstr(last_err, why) || !strstr(last_err, bad))
		fail_msg("expected an error naming %s and saying '%s', saw '%s'", bad, why,
			 last_err);
}

static void test_malformed(void **state)
{
	struct symidx_disk_header *h;
	struct symidx_disk_entry *e;
	unsigned char *buf, *copy;
	size_t len;

	(void)state;
	buf = tu_slurp(path, &len);
	copy = malloc(len + 8);
	assert_non_null(copy);

	expect_refused(buf, 0, "empty file");
	expect_refused(buf, 40, "truncated header");
	expect_refused(buf, len - 1, "truncated");
	expect_refused(buf, sizeof(*h) + 3, "truncated");

	memcpy(copy, buf, len);
	memcpy(copy, "ELF\0\0\0\0\0", 8);
	expect_refused(copy, len, "bad magic");

	memcpy(copy, buf, len);
	memset(copy + len, 0, 8);
	expect_refused(copy, len + 8, "trailing bytes");

	memcpy(copy, buf, len);
	h = (void *)copy;
	h->version = SYMIDX_VERSION + 1;
	last_err[0] = '\0';
	{
		char bad[300];
		FILE *f;

		snprintf(bad, sizeof(bad), "%s/bad", dir);
		f = fopen(bad, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(copy, 1, len, f), len);
		fclose(f);
		assert_null(symidx_open(bad));
		assert_int_equal(errno, EINVAL);
		assert_non_null(strstr(last_err, "version"));
	}

	memcpy(copy, buf, len);
	h = (void *)copy;
	e = (void *)(copy + h->entries_off);
	e[3].name = h->strings_size + 5;
	expect_refused(copy, len, "string outside the string table");

	memcpy(copy, buf, len);
	h = (void *)copy;
	h->nr_entries += 1000;
	expect_refused(copy, len, "table outside the file");

	memcpy(copy, buf, len);
	h = (void *)copy;
	((struct symidx_disk_object *)(copy + h->objects_off))[1].count += 1;
	expect_refused(copy, len, "bad object table");

	memcpy(copy, buf, len);
	h = (void *)copy;
	copy[h->strings_off + h->strings_size - 1] = 'x';
	expect_refused(copy, len, "string table not terminated");

	errno = 0;
	assert_null(symidx_open("/nonexistent/symindex"));
	assert_int_equal(errno, ENOENT);
	free(copy);
	free(buf);
}

static void test_atomic_write(void **state)
{
	struct symidx_writer *w;
	char target[300];

	(void)state;
	/* a directory that cannot hold the temporary file: nothing is written */
	snprintf(target, sizeof(target), "%s/missing-dir/symindex", dir);
	w = symidx_writer_new("r");
	assert_non_null(w);
	assert_int_not_equal(symidx_writer_write(w, target), 0);
	symidx_writer_free(w);
	assert_int_not_equal(access(target, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_atomic_write),
	};

	return cmocka_run_group_tests_name("symindex", tests, setup, teardown);
}
