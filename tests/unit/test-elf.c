// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the ELF model (elf/): round trip of a gcc object,
 * lookups, creation and deletion, extended section indexes, malformed
 * input.  The fixture tests/unit/fixtures/elf-sample.c is compiled into a
 * temporary directory when the tests start.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "object.h"
#include "testutil.h"

#ifndef HP_ROOT
#define HP_ROOT "."
#endif

static const char *tmpdir;
static char sample[4096];		/* the compiled fixture */
static char last_err[4096];		/* the last error message logged */
static int nr_errs;

static void log_hook(enum log_level level, const char *msg, void *arg)
{
	(void)arg;
	if (level == LOG_ERROR) {
		snprintf(last_err, sizeof(last_err), "%s", msg);
		nr_errs++;
	}
}

static int setup_all(void **state)
{
	const char *fixture = HP_ROOT "/tests/unit/fixtures/elf-sample.c";

	(void)state;
	log_set_hook(log_hook, NULL);
	tmpdir = tu_mkdtemp("hotpatch-test-elf");
	if (!tmpdir)
		return -1;
	snprintf(sample, sizeof(sample), "%s/elf-sample.o", tmpdir);
	return tu_run("gcc -c -O2 -ffunction-sections -fdata-sections -fcommon "
		   "-fno-asynchronous-unwind-tables -o '%s' '%s'",
		   sample, fixture);
}

static int teardown_all(void **state)
{
	(void)state;
	if (!getenv("HP_KEEP_TMP"))
		tu_run("rm -rf '%s'", tmpdir);
	return 0;
}

/* ---- comparing two objects ---- */

static const char *where(const struct symbol *sym)
{
	static char buf[32];

	if (sym->sec)
		return sym->sec->name;
	snprintf(buf, sizeof(buf), "shndx 0x%x", sym->sym.st_shndx);
	return buf;
}

static const char *label(const struct symbol *sym)
{
	if (sym->type == STT_SECTION && sym->sec)
		return sym->sec->name;
	return sym->name;
}

static bool regenerated(const struct object *obj, const struct section *sec)
{
	return sec == obj->symtab || sec == obj->strtab || sec == obj->shstrtab ||
	       sec_is_rela(sec) || sec->sh.sh_type == SHT_GROUP ||
	       sec->sh.sh_type == SHT_SYMTAB_SHNDX;
}

#define expect(cond, fmt, ...) do {					\
	if (!(cond))							\
		fail_msg("expected " fmt, ##__VA_ARGS__);		\
} while (0)

static void compare_objects(struct object *a, struct object *b)
{
	struct section *sa, *sb;
	struct symbol *ya, *yb;
	struct reloc *ra, *rb;

	/* Sections, in order. */
	sb = TAILQ_FIRST(&b->sections);
	for_each_section(a, sa) {
		expect(sb, "section %s in the written object, saw none", sa->name);
		expect(!strcmp(sa->name, sb->name), "section %s, saw %s", sa->name, sb->name);
		expect(sa->sh.sh_type == sb->sh.sh_type, "%s type %u, saw %u", sa->name,
		       sa->sh.sh_type, sb->sh.sh_type);
		expect(sa->sh.sh_flags == sb->sh.sh_flags, "%s flags 0x%llx, saw 0x%llx",
		       sa->name, (unsigned long long)sa->sh.sh_flags,
		       (unsigned long long)sb->sh.sh_flags);
		expect(sa->sh.sh_addralign == sb->sh.sh_addralign &&
		       sa->sh.sh_entsize == sb->sh.sh_entsize,
		       "%s align/entsize %llu/%llu, saw %llu/%llu", sa->name,
		       (unsigned long long)sa->sh.sh_addralign,
		       (unsigned long long)sa->sh.sh_entsize,
		       (unsigned long long)sb->sh.sh_addralign,
		       (unsigned long long)sb->sh.sh_entsize);
		expect((sa->link == NULL) == (sb->link == NULL) &&
		       (!sa->link || !strcmp(sa->link->name, sb->link->name)),
		       "%s sh_link %s, saw %s", sa->name, sa->link ? sa->link->name : "-",
		       sb->link ? sb->link->name : "-");
		expect((sa->group == NULL) == (sb->group == NULL),
		       "%s group membership kept", sa->name);
		if (sa != a->strtab && sa != a->shstrtab)
			expect(sa->size == sb->size, "%s size 0x%zx, saw 0x%zx", sa->name,
			       sa->size, sb->size);
		if (!regenerated(a, sa) && sa->sh.sh_type != SHT_NOBITS && sa->size)
			expect(!memcmp(sec_data(sa), sec_data(sb), sa->size),
			       "%s contents unchanged", sa->name);
		if (sa->sh.sh_type == SHT_GROUP) {
			expect(!strcmp(sa->group_sym->name, sb->group_sym->name),
			       "group %s signature %s, saw %s", sa->name, sa->group_sym->name,
			       sb->group_sym->name);
			expect(!memcmp(sec_data(sa), sec_data(sb), 4), "group %s flag word kept",
			       sa->name);
		}
		sb = TAILQ_NEXT(sb, list);
	}
	expect(!sb, "no extra section, saw %s", sb ? sb->name : "");

	/* Symbols, in order. */
	yb = TAILQ_FIRST(&b->symbols);
	for_each_symbol(a, ya) {
		expect(yb, "symbol %s in the written object, saw none", ya->name);
		expect(!strcmp(label(ya), label(yb)), "symbol %s, saw %s", label(ya), label(yb));
		expect(ya->type == yb->type && ya->bind == yb->bind &&
		       ya->sym.st_other == yb->sym.st_other,
		       "%s type/bind/other %u/%u/%u, saw %u/%u/%u", ya->name, ya->type, ya->bind,
		       ya->sym.st_other, yb->type, yb->bind, yb->sym.st_other);
		expect(!strcmp(where(ya), where(yb)), "%s in %s, saw %s", ya->name, where(ya),
		       where(yb));
		expect(ya->offset == yb->offset && ya->size == yb->size,
		       "%s value/size 0x%llx/%llu, saw 0x%llx/%llu", ya->name,
		       (unsigned long long)ya->offset, (unsigned long long)ya->size,
		       (unsigned long long)yb->offset, (unsigned long long)yb->size);
		yb = TAILQ_NEXT(yb, list);
	}
	expect(!yb, "no extra symbol, saw %s", yb ? yb->name : "");

	/* Relocations, per relocation section. */
	for_each_section(a, sa) {
		if (!sec_is_rela(sa))
			continue;
		sb = obj_find_section_by_name(b, sa->name);
		expect(sb && sb->base && !strcmp(sb->base->name, sa->base->name),
		       "%s relocating %s", sa->name, sa->base->name);
		expect(sa->nr_relocs == sb->nr_relocs, "%s: %zu relocations, saw %zu",
		       sa->name, sa->nr_relocs, sb->nr_relocs);
		rb = TAILQ_FIRST(&sb->relocs);
		for_each_reloc(sa, ra) {
			expect(ra->offset == rb->offset && ra->type == rb->type &&
			       ra->addend == rb->addend && !strcmp(label(ra->sym), label(rb->sym)),
			       "%s+0x%llx type %u %s%+lld, saw +0x%llx type %u %s%+lld",
			       sa->base->name, (unsigned long long)ra->offset, ra->type,
			       label(ra->sym), (long long)ra->addend,
			       (unsigned long long)rb->offset, rb->type, label(rb->sym),
			       (long long)rb->addend);
			rb = TAILQ_NEXT(rb, list);
		}
	}
}

static void check_tools_accept(const char *path)
{
	char out[4096];

	snprintf(out, sizeof(out), "%s.ld.o", path);
	expect(tu_run("ld -r -o '%s' '%s'", out, path) == 0, "ld -r to accept %s", path);
	expect(tu_run("readelf -W -a '%s' 2>&1 >/dev/null | grep . >&2; "
		   "test -z \"$(readelf -W -a '%s' 2>&1 >/dev/null)\"", path, path) == 0,
	       "readelf to read %s without warnings", path);
}

/* ---- tests ---- */

static void test_roundtrip(void **state)
{
	struct object *a, *b;
	char *out = tu_path("roundtrip.o");

	(void)state;
	a = obj_open(sample, 0);
	assert_non_null(a);
	b = obj_open(sample, 0);
	assert_non_null(b);
	assert_int_equal(obj_write(b, out), 0);
	obj_close(b);
	b = obj_open(out, 0);
	assert_non_null(b);
	compare_objects(a, b);
	obj_close(b);
	obj_close(a);
	check_tools_accept(out);

	/* The same through a lazily loaded object. */
	a = obj_open(sample, OBJ_LAZY);
	assert_non_null(a);
	assert_int_equal(obj_write(a, tu_path("roundtrip-lazy.o")), 0);
	obj_close(a);
	assert_int_equal(tu_run("cmp -s '%s' '%s'", out, tu_path("roundtrip-lazy.o")), 0);
}

static void test_lookups(void **state)
{
	struct object *obj = obj_open(sample, 0);
	struct section *text, *rodata;
	struct symbol *api, *sym;
	struct reloc *reloc;

	(void)state;
	assert_non_null(obj);
	text = obj_find_section_by_name(obj, ".text.api");
	assert_non_null(text);
	assert_ptr_equal(obj_find_section_by_index(obj, text->idx), text);
	assert_null(obj_find_section_by_name(obj, ".text.nonexistent"));
	assert_null(obj_find_section_by_index(obj, 0));
	assert_null(obj_find_section_by_index(obj, 100000));

	api = obj_find_symbol_by_name(obj, "api");
	assert_non_null(api);
	assert_ptr_equal(api->sec, text);
	assert_int_equal(api->type, STT_FUNC);
	assert_ptr_equal(obj_find_symbol_by_index(obj, api->idx), api);
	assert_ptr_equal(sec_find_symbol_by_offset(text, 0), api);
	assert_null(sec_find_symbol_by_offset(text, 1));
	assert_ptr_equal(sec_find_func_containing(text, 0), api);
	assert_ptr_equal(sec_find_func_containing(text, api->size - 1), api);
	assert_null(sec_find_func_containing(text, api->size));
	assert_non_null(text->secsym);
	assert_int_equal(text->secsym->type, STT_SECTION);
	assert_non_null(text->rela);
	assert_ptr_equal(text->rela->base, text);

	/* The jump table: a reloc every 4 bytes of .rodata.api. */
	rodata = obj_find_section_by_name(obj, ".rodata.api");
	assert_non_null(rodata);
	reloc = sec_find_reloc_by_offset(rodata, 4, 4);
	assert_non_null(reloc);
	assert_int_equal(reloc->offset, 4);
	assert_ptr_equal(reloc->sym, text->secsym);
	assert_null(sec_find_reloc_by_offset(rodata, 1, 3));
	reloc = sec_find_reloc_by_offset(rodata, 1, 4);
	assert_non_null(reloc);
	assert_int_equal(reloc->offset, 4);

	/* Special section indexes survive as they are. */
	sym = obj_find_symbol_by_name(obj, "abs_sym");
	assert_non_null(sym);
	assert_null(sym->sec);
	assert_int_equal(sym->sym.st_shndx, SHN_ABS);
	assert_int_equal(sym->offset, 0x1234);
	sym = obj_find_symbol_by_name(obj, "common_var");
	assert_non_null(sym);
	assert_int_equal(sym->sym.st_shndx, SHN_COMMON);
	sym = obj_find_symbol_by_name(obj, "puts");
	assert_non_null(sym);
	assert_int_equal(sym->sym.st_shndx, SHN_UNDEF);

	/* The COMDAT group knows its members and signature. */
	text = obj_find_section_by_name(obj, ".text.comdat_fn");
	assert_non_null(text);
	assert_non_null(text->group);
	assert_string_equal(text->group->group_sym->name, "comdat_fn");
	assert_ptr_equal(text->rela->group, text->group);
	obj_close(obj);
}

static void test_create_delete(void **state)
{
	static const unsigned char code[] = { 0x8b, 0x05, 0, 0, 0, 0, 0xc3 };	/* mov glob(%rip),%eax; ret */
	struct object *obj = obj_open(sample, 0);
	struct section *sec, *victim, *tmp;
	struct symbol *sym, *glob, *vsym;
	struct reloc *reloc;
	char *out = tu_path("created.o");
	unsigned long api_relocs;
	unsigned char *count;
	char num[32] = "";
	size_t len;

	(void)state;
	assert_non_null(obj);
	/* How many relocations api() has is the host compiler's business: ask binutils. */
	assert_int_equal(tu_run("readelf -rW '%s' | sed -n \"s/^Relocation section '.rela.text.api' .* contains \\([0-9]*\\) entr.*/\\1/p\" >'%s'",
				sample, tu_path("api-relocs")), 0);
	count = tu_slurp(tu_path("api-relocs"), &len);
	memcpy(num, count, len < sizeof(num) - 1 ? len : sizeof(num) - 1);
	free(count);
	api_relocs = strtoul(num, NULL, 10);
	assert_true(api_relocs > 0);
	glob = obj_find_symbol_by_name(obj, "glob");
	assert_non_null(glob);

	/* Add a function with a relocation. */
	sec = obj_create_section(obj, ".text.newfn", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
				 0, 16, code, sizeof(code));
	assert_non_null(sec);
	sym = obj_create_symbol(obj, "newfn", STT_FUNC, STB_GLOBAL, sec, 0, sizeof(code));
	assert_non_null(sym);
	assert_ptr_equal(obj_find_symbol_by_name(obj, "newfn"), sym);
	assert_ptr_equal(sec_find_func_containing(sec, 3), sym);
	reloc = obj_add_reloc(obj, sec, 2, glob, R_X86_64_PC32, -4);
	assert_non_null(reloc);
	assert_ptr_equal(sec_find_reloc_by_offset(sec, 0, 7), reloc);
	assert_string_equal(sec->rela->name, ".rela.text.newfn");
	/* A local created after the globals must still come first on write. */
	assert_non_null(obj_create_symbol(obj, "newlocal", STT_OBJECT, STB_LOCAL,
					  obj_find_section_by_name(obj, ".data.glob"), 0, 4));

	/* Delete the function victim() and everything that points into it. */
	victim = obj_find_section_by_name(obj, ".text.victim");
	vsym = obj_find_symbol_by_name(obj, "victim");
	assert_non_null(victim);
	assert_non_null(vsym);
	assert_int_equal(obj_delete_symbol(obj, glob, false), -EBUSY);
	assert_int_equal(obj_delete_symbol(obj, vsym, false), -EBUSY);	/* victim_ptr */
	for_each_section_safe(obj, sec, tmp) {
		if (!sec_is_rela(sec))
			continue;
		for_each_reloc(sec, reloc)
			if (reloc->sym->sec == victim)
				obj_delete_reloc(obj, reloc);
	}
	sec = obj_find_section_by_name(obj, ".data.rel.local.victim_ptr");
	assert_non_null(sec);
	assert_null(sec_find_reloc_by_offset(sec, 0, 8));
	obj_delete_section(obj, victim);
	assert_int_equal(obj_delete_symbol(obj, vsym, false), 0);
	assert_null(obj_find_section_by_name(obj, ".text.victim"));
	assert_null(obj_find_section_by_name(obj, ".rela.text.victim"));
	assert_null(obj_find_symbol_by_name(obj, "victim"));

	assert_int_equal(obj_write(obj, out), 0);
	obj_close(obj);

	obj = obj_open(out, 0);
	assert_non_null(obj);
	assert_null(obj_find_section_by_name(obj, ".text.victim"));
	assert_null(obj_find_section_by_name(obj, ".rela.text.victim"));
	assert_null(obj_find_symbol_by_name(obj, "victim"));
	sec = obj_find_section_by_name(obj, ".text.newfn");
	assert_non_null(sec);
	assert_int_equal(sec->sh.sh_flags, SHF_ALLOC | SHF_EXECINSTR);
	assert_int_equal(sec->sh.sh_addralign, 16);
	assert_memory_equal(sec_data(sec), code, sizeof(code));
	sym = obj_find_symbol_by_name(obj, "newfn");
	assert_non_null(sym);
	assert_ptr_equal(sym->sec, sec);
	assert_int_equal(sym->size, sizeof(code));
	assert_int_equal(sym->bind, STB_GLOBAL);
	reloc = sec_find_reloc_by_offset(sec, 2, 1);
	assert_non_null(reloc);
	assert_string_equal(reloc->sym->name, "glob");
	assert_int_equal(reloc->type, R_X86_64_PC32);
	assert_int_equal(reloc->addend, -4);
	sym = obj_find_symbol_by_name(obj, "newlocal");
	assert_non_null(sym);
	assert_true(sym->idx < obj->symtab->sh.sh_info);
	for_each_symbol(obj, sym)
		assert_true((sym->bind == STB_LOCAL) == (sym->idx < obj->symtab->sh.sh_info));
	/* victim_ptr lost its relocation, the others are intact. */
	sec = obj_find_section_by_name(obj, ".rela.data.rel.local.victim_ptr");
	assert_true(!sec || !sec->nr_relocs);
	sec = obj_find_section_by_name(obj, ".rela.text.api");
	assert_non_null(sec);
	assert_int_equal(sec->nr_relocs, api_relocs);
	obj_close(obj);
	check_tools_accept(out);
}

/* Deleting a section while a live relocation still uses it fails the write. */
static void test_dangling(void **state)
{
	struct object *obj = obj_open(sample, 0);
	struct section *victim;

	(void)state;
	assert_non_null(obj);
	victim = obj_find_section_by_name(obj, ".text.victim");
	assert_non_null(victim);
	obj_delete_section(obj, victim);	/* victim_ptr still points at it */
	nr_errs = 0;
	assert_int_equal(obj_write(obj, tu_path("dangling.o")), -EINVAL);
	assert_true(nr_errs > 0);
	assert_int_equal(access(tu_path("dangling.o"), F_OK), -1);
	obj_close(obj);
}

/* More sections than st_shndx can hold: SHN_XINDEX and .symtab_shndx. */
static void test_many_sections(void **state)
{
	enum { N = 66000 };
	struct object *obj = obj_new(tu_path("many.o"));
	struct section *sec, *first = NULL;
	struct symbol *sym;
	char name[64];
	unsigned int i;

	(void)state;
	assert_non_null(obj);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), ".data.v%u", i);
		sec = obj_create_section(obj, name, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 0, 4,
					 &i, sizeof(i));
		assert_non_null(sec);
		if (!first)
			first = sec;
		snprintf(name, sizeof(name), "v%u", i);
		assert_non_null(obj_create_symbol(obj, name, STT_OBJECT, STB_GLOBAL, sec, 0, 4));
	}
	/* A relocation from the first section to the last symbol. */
	sym = obj_find_symbol_by_name(obj, "v65999");
	assert_non_null(sym);
	sec = obj_create_section(obj, ".data.ptr", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 0, 8,
				 NULL, 8);
	assert_non_null(obj_add_reloc(obj, sec, 0, sym, R_X86_64_64, 0));
	assert_int_equal(obj_write(obj, tu_path("many.o")), 0);
	obj_close(obj);

	obj = obj_open(tu_path("many.o"), 0);
	assert_non_null(obj);
	assert_true(obj->nr_sections > SHN_LORESERVE);
	assert_int_equal(obj->ehdr.e_shnum, 0);
	sym = obj_find_symbol_by_name(obj, "v65999");
	assert_non_null(sym);
	assert_int_equal(sym->sym.st_shndx, SHN_XINDEX);
	assert_non_null(sym->sec);
	assert_string_equal(sym->sec->name, ".data.v65999");
	assert_int_equal(*(unsigned int *)sec_data(sym->sec), 65999);
	sec = obj_find_section_by_name(obj, ".data.ptr");
	assert_non_null(sec);
	assert_ptr_equal(sec_find_reloc_by_offset(sec, 0, 8)->sym, sym);
	/* Written again from what was read: still the same. */
	assert_int_equal(obj_write(obj, tu_path("many2.o")), 0);
	obj_close(obj);
	assert_int_equal(tu_run("cmp -s '%s' '%s'", tu_path("many.o"), tu_path("many2.o")), 0);
	assert_int_equal(tu_run("readelf -S -W '%s' | grep -q 'There are %u section headers'",
			     tu_path("many.o"), N + 7), 0);
	assert_int_equal(tu_run("ld -r -o '%s' '%s'", tu_path("many-ld.o"), tu_path("many.o")), 0);
	assert_int_equal(tu_run("readelf -s -W '%s' | grep -q ' v65999$'", tu_path("many.o")), 0);
}

/*
 * Contents read from a file may be edited in place: the edits are the
 * model's (obj_write() writes them) and never reach the file read.  A
 * lazily loaded section still finds its contents after renumbering.
 */
static void test_in_place(void **state)
{
	char *copy = tu_path("inplace-orig.o"), *out = tu_path("inplace-out.o");
	int flags[] = { 0, OBJ_LAZY };
	unsigned int i;

	(void)state;
	assert_int_equal(tu_run("cp '%s' '%s'", sample, copy), 0);
	for (i = 0; i < 2; i++) {
		struct object *obj = obj_open(sample, flags[i]), *lazy, *back;
		struct section *text, *victim, *sec;
		struct symbol *sym;
		unsigned char *d;

		assert_non_null(obj);
		text = obj_find_section_by_name(obj, ".text.api");
		assert_non_null(text);
		d = sec_data(text);
		assert_non_null(d);
		assert_true(text->size > 0);
		memset(d, 0xcc, text->size);
		sym = obj_find_symbol_by_name(obj, "api");
		assert_non_null(sym);
		assert_int_equal(sym_rename(sym, "api_renamed"), 0);
		assert_int_equal(sec_rename(text, ".text.api_renamed"), 0);
		assert_int_equal(obj_write(obj, out), 0);
		obj_close(obj);
		expect(tu_run("cmp -s '%s' '%s'", sample, copy) == 0,
		       "the file read to be unchanged by in-place edits (flags %d)", flags[i]);

		back = obj_open(out, 0);
		assert_non_null(back);
		text = obj_find_section_by_name(back, ".text.api_renamed");
		assert_non_null(text);
		assert_non_null(obj_find_symbol_by_name(back, "api_renamed"));
		d = sec_data(text);
		assert_true(d[0] == 0xcc && d[text->size - 1] == 0xcc);
		obj_close(back);

		/* renumbering before the first sec_data() of a lazy object */
		obj = obj_open(sample, 0);
		lazy = obj_open(sample, OBJ_LAZY);
		assert_non_null(obj);
		assert_non_null(lazy);
		victim = obj_find_section_by_name(lazy, ".text.victim");
		assert_non_null(victim);
		for_each_section(lazy, sec)
			sec->priv = (void *)(uintptr_t)sec->idx;
		obj_delete_section(lazy, victim);
		for_each_symbol(lazy, sym)
			if (sym->sec == victim)
				obj_delete_symbol(lazy, sym, true);
		assert_int_equal(obj_renumber(lazy), 0);
		for_each_section(lazy, sec) {
			struct section *e = obj_find_section_by_index(obj, (uintptr_t)sec->priv);

			assert_non_null(e);
			if (sec->sh.sh_type == SHT_NOBITS || !sec->size)
				continue;
			expect(sec->size == e->size && !memcmp(sec_data(sec), sec_data(e), e->size),
			       "lazy contents of %s (index %u, was %u) to be the file's",
			       sec->name, sec->idx, e->idx);
		}
		obj_close(lazy);
		obj_close(obj);
	}
}

/* ---- malformed input ---- */

static void spit(const char *path, const void *buf, size_t size)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, size, f), size);
	fclose(f);
}

/* The object must be refused, with a message naming the file and @what. */
static void expect_refused(const void *buf, size_t size, int flags, const char *what)
{
	char *path = tu_path("bad.o");
	struct object *obj;

	spit(path, buf, size);
	nr_errs = 0;
	last_err[0] = 0;
	errno = 0;
	obj = obj_open(path, flags);
	if (obj) {
		obj_close(obj);
		fail_msg("expected %s to be refused, saw it accepted", what);
	}
	expect(errno != 0, "errno set for %s", what);
	expect(nr_errs > 0 && strstr(last_err, path) && strstr(last_err, what),
	       "a message naming %s and \"%s\", saw \"%s\"", path, what, last_err);
}

static Elf64_Shdr *shdr(unsigned char *buf, unsigned int i)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;

	return (Elf64_Shdr *)(buf + eh->e_shoff) + i;
}

/*
 * A livepatch module relocates one section twice: .rela.text.api (the
 * loader's) and .klp.rela.vmlinux.text.api (SHF_RELA_LIVEPATCH, klp's,
 * against SHN_LIVEPATCH symbols).  Both are read and written back; the
 * base's ->rela stays the ordinary one.
 */
static struct section *klp_rela_of(struct object *obj, struct section *base)
{
	struct section *sec, *found = NULL;

	for_each_section(obj, sec)
		if (sec_is_klp_rela(sec) && sec->base == base) {
			expect(!found, "one .klp.rela section of %s, saw %s and %s", base->name,
			       found ? found->name : "", sec->name);
			found = sec;
		}
	return found;
}

static void check_klp_object(const char *path, size_t nr_ordinary)
{
	struct object *obj = obj_open(path, 0);
	struct section *text, *klp;
	struct reloc *r;

	expect(obj, "%s to open, saw: %s", path, last_err);
	text = obj_find_section_by_name(obj, ".text.api");
	assert_non_null(text);
	expect(text->rela && !strcmp(text->rela->name, ".rela.text.api"),
	       "->rela of .text.api to be .rela.text.api, saw %s",
	       text->rela ? text->rela->name : "none");
	assert_int_equal(text->rela->nr_relocs, nr_ordinary);
	klp = klp_rela_of(obj, text);
	expect(klp && !strcmp(klp->name, ".klp.rela.vmlinux.text.api"),
	       ".klp.rela.vmlinux.text.api relocating .text.api, saw %s",
	       klp ? klp->name : "none");
	assert_ptr_equal(obj_find_section_by_name(obj, ".klp.rela.vmlinux.text.api"), klp);
	assert_true(klp->sh.sh_flags & SHF_ALLOC);
	assert_int_equal(klp->nr_relocs, 1);
	r = TAILQ_FIRST(&klp->relocs);
	assert_int_equal(r->offset, 4);
	assert_int_equal(r->type, R_X86_64_PC32);
	assert_int_equal(r->addend, -4);
	assert_string_equal(r->sym->name, ".klp.sym.vmlinux.saved_command_line,0");
	assert_int_equal(r->sym->sym.st_shndx, SHN_LIVEPATCH);
	assert_null(r->sym->sec);
	/* the ordinary lookup sees the ordinary relocations only */
	r = sec_find_reloc_by_offset(text, 4, 4);
	assert_true(!r || r->sec == text->rela);
	obj_close(obj);
}

static void test_klp_rela(void **state)
{
	char *first = tu_path("klp.o"), *second = tu_path("klp2.o");
	struct object *obj;
	struct section *text, *klp;
	struct symbol *ksym;
	size_t nr_ordinary;

	(void)state;
	obj = obj_open(sample, 0);
	assert_non_null(obj);
	text = obj_find_section_by_name(obj, ".text.api");
	assert_non_null(text);
	assert_non_null(text->rela);
	nr_ordinary = text->rela->nr_relocs;
	klp = obj_create_section(obj, ".klp.rela.vmlinux.text.api", SHT_RELA,
				 SHF_ALLOC | SHF_RELA_LIVEPATCH | SHF_INFO_LINK,
				 sizeof(Elf64_Rela), 8, NULL, 0);
	assert_non_null(klp);
	klp->base = text;
	klp->link = obj->symtab;
	ksym = obj_create_symbol(obj, ".klp.sym.vmlinux.saved_command_line,0", STT_NOTYPE,
				 STB_GLOBAL, NULL, 0, 0);
	assert_non_null(ksym);
	sym_set_shndx(ksym, SHN_LIVEPATCH);
	assert_non_null(obj_add_reloc_to(obj, klp, 4, ksym, R_X86_64_PC32, -4));
	assert_ptr_equal(text->rela->base, text);
	assert_int_equal(text->rela->nr_relocs, nr_ordinary);
	/* obj_add_reloc_to() wants a relocation section with a base */
	assert_null(obj_add_reloc_to(obj, text, 0, ksym, R_X86_64_PC32, 0));
	assert_int_equal(obj_write(obj, first), 0);
	obj_close(obj);

	/* read back: two relocation sections of .text.api are accepted ... */
	check_klp_object(first, nr_ordinary);
	expect(tu_run("readelf -SW '%s' | grep -q '\\.klp\\.rela\\.vmlinux\\.text\\.api .* AIo '",
		   first) == 0, "readelf to show .klp.rela.vmlinux.text.api with flags AIo");
	/* ... and survive a second round trip */
	obj = obj_open(first, 0);
	assert_non_null(obj);
	assert_int_equal(obj_write(obj, second), 0);
	obj_close(obj);
	check_klp_object(second, nr_ordinary);

	/* deleting the base deletes both of its relocation sections */
	obj = obj_open(second, 0);
	assert_non_null(obj);
	text = obj_find_section_by_name(obj, ".text.api");
	obj_delete_section(obj, text);
	assert_null(obj_find_section_by_name(obj, ".rela.text.api"));
	assert_null(obj_find_section_by_name(obj, ".klp.rela.vmlinux.text.api"));
	obj_close(obj);
}

/*
 * OBJ_SECTIONS_ONLY: every section and its bytes, but no symbol beyond the
 * null one (the symbol table is not even looked at: a damaged one does not
 * matter), and such a model cannot be written.
 */
static void test_sections_only(void **state)
{
	struct object *full = obj_open(sample, 0);
	struct object *obj = obj_open(sample, OBJ_SECTIONS_ONLY | OBJ_LAZY);
	struct section *sec, *e;
	unsigned char *buf;
	size_t size, i;
	unsigned int symtab = 0;

	(void)state;
	assert_non_null(full);
	assert_non_null(obj);
	assert_int_equal(obj->nr_sections, full->nr_sections);
	assert_int_equal(obj->nr_symbols, 1);
	assert_null(obj->symtab);
	assert_null(obj_find_symbol_by_name(obj, "api"));
	for_each_section(full, e) {
		sec = obj_find_section_by_index(obj, e->idx);
		assert_non_null(sec);
		expect(!strcmp(sec->name, e->name) && sec->sh.sh_addr == e->sh.sh_addr &&
		       sec->size == e->size, "section %u to be %s as in a full read", e->idx,
		       e->name);
		if (e->sh.sh_type != SHT_NOBITS && e->size)
			expect(!memcmp(sec_data(sec), sec_data(e), e->size),
			       "the bytes of %s to be the file's", e->name);
	}
	assert_int_equal(obj_write(obj, tu_path("sections-only-out.o")), -EINVAL);
	obj_close(obj);
	obj_close(full);

	buf = tu_slurp(sample, &size);
	assert_non_null(buf);
	for (i = 1; i < ((Elf64_Ehdr *)buf)->e_shnum; i++)
		if (shdr(buf, i)->sh_type == SHT_SYMTAB)
			symtab = i;
	assert_true(symtab);
	((Elf64_Sym *)(buf + shdr(buf, symtab)->sh_offset))[1].st_name = 0x7fffffff;
	spit(tu_path("badsym.o"), buf, size);
	obj = obj_open(tu_path("badsym.o"), OBJ_SECTIONS_ONLY);
	expect(obj != NULL, "a damaged symbol table not to matter to OBJ_SECTIONS_ONLY");
	obj_close(obj);
	expect(obj_open(tu_path("badsym.o"), 0) == NULL, "a full read to refuse it");
	free(buf);
}

static void test_malformed(void **state)
{
	size_t size, i;
	unsigned char *orig = tu_slurp(sample, &size), *buf = malloc(size);
	size_t cuts[] = { 0, 1, 4, 16, 63, 64, 200, size / 2, size - 64, size - 1 };
	struct object *obj;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	unsigned int symtab = 0, text = 0;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		expect_refused(orig, cuts[i], 0, "truncated");

	memcpy(buf, orig, size);
	eh->e_machine = EM_AARCH64;
	expect_refused(buf, size, 0, "e_machine");

	memcpy(buf, orig, size);
	buf[EI_CLASS] = ELFCLASS32;
	expect_refused(buf, size, 0, "ELFCLASS64");

	memcpy(buf, orig, size);
	buf[0] = 'X';
	expect_refused(buf, size, 0, "not an ELF file");

	memcpy(buf, orig, size);
	eh->e_type = ET_EXEC;
	expect_refused(buf, size, 0, "ET_REL");
	spit(tu_path("exec.o"), buf, size);
	obj = obj_open(tu_path("exec.o"), OBJ_ANY_TYPE | OBJ_LAZY | OBJ_NO_RELOCS);
	assert_non_null(obj);	/* accepted when asked for */
	assert_int_equal(obj_write(obj, tu_path("exec-out.o")), -EINVAL);
	obj_close(obj);

	memcpy(buf, orig, size);
	for (i = 1; i < eh->e_shnum; i++) {
		if (shdr(buf, i)->sh_type == SHT_SYMTAB)
			symtab = i;
		if (shdr(buf, i)->sh_type == SHT_PROGBITS && shdr(buf, i)->sh_size && !text)
			text = i;
	}
	assert_true(symtab && text);

	shdr(buf, text)->sh_offset = size + 16;
	expect_refused(buf, size, 0, "past end of file");

	memcpy(buf, orig, size);
	shdr(buf, text)->sh_size = (uint64_t)-8;
	expect_refused(buf, size, 0, "past end of file");

	memcpy(buf, orig, size);
	eh->e_shoff = size - 8;
	expect_refused(buf, size, 0, "truncated");

	memcpy(buf, orig, size);
	eh->e_shstrndx = eh->e_shnum + 3;
	expect_refused(buf, size, 0, "out of range");

	memcpy(buf, orig, size);
	shdr(buf, text)->sh_name = 0x7fffffff;
	expect_refused(buf, size, 0, "sh_name");

	memcpy(buf, orig, size);
	shdr(buf, text)->sh_link = 0xffff;
	expect_refused(buf, size, 0, "sh_link");

	/* Symbol 1: a bad name, a bad section index, a missing extended index. */
	memcpy(buf, orig, size);
	((Elf64_Sym *)(buf + shdr(buf, symtab)->sh_offset))[1].st_name = 0x7fffffff;
	expect_refused(buf, size, 0, "st_name");

	memcpy(buf, orig, size);
	((Elf64_Sym *)(buf + shdr(buf, symtab)->sh_offset))[2].st_shndx = 0x7000;
	expect_refused(buf, size, 0, "st_shndx");

	memcpy(buf, orig, size);
	((Elf64_Sym *)(buf + shdr(buf, symtab)->sh_offset))[2].st_shndx = SHN_XINDEX;
	expect_refused(buf, size, 0, "SHT_SYMTAB_SHNDX");

	memcpy(buf, orig, size);
	shdr(buf, symtab)->sh_info = 100000;
	expect_refused(buf, size, 0, "sh_info");

	/* A relocation naming a symbol past the table. */
	memcpy(buf, orig, size);
	for (i = 1; i < eh->e_shnum; i++) {
		if (shdr(buf, i)->sh_type == SHT_RELA) {
			Elf64_Rela *r = (Elf64_Rela *)(buf + shdr(buf, i)->sh_offset);

			r->r_info = ELF64_R_INFO(99999, R_X86_64_PC32);
			break;
		}
	}
	expect_refused(buf, size, 0, "symbol index");

	/*
	 * Two ordinary relocation sections of one section are malformed; a
	 * second one that is SHF_RELA_LIVEPATCH (a livepatch module's) is not.
	 */
	{
		unsigned int ra = 0, rb = 0;

		memcpy(buf, orig, size);
		for (i = 1; i < eh->e_shnum; i++) {
			if (shdr(buf, i)->sh_type != SHT_RELA)
				continue;
			if (!ra)
				ra = i;
			else if (!rb)
				rb = i;
		}
		assert_true(ra && rb);
		shdr(buf, rb)->sh_info = shdr(buf, ra)->sh_info;
		shdr(buf, rb)->sh_size = 0;	/* its relocations were for another section */
		expect_refused(buf, size, 0, "both relocate");
		shdr(buf, rb)->sh_flags |= SHF_ALLOC | SHF_RELA_LIVEPATCH;
		spit(tu_path("klp-second.o"), buf, size);
		obj = obj_open(tu_path("klp-second.o"), 0);
		expect(obj, "a second SHF_RELA_LIVEPATCH relocation section to be accepted, saw: %s",
		       last_err);
		if (obj) {
			struct section *a = obj_find_section_by_index(obj, ra);
			struct section *b = obj_find_section_by_index(obj, rb);

			assert_ptr_equal(a->base->rela, a);
			assert_ptr_equal(b->base, a->base);
			assert_true(sec_is_klp_rela(b));
			obj_close(obj);
		}
	}

	/* Not a file at all. */
	nr_errs = 0;
	assert_null(obj_open(tu_path("does-not-exist.o"), 0));
	assert_int_equal(errno, ENOENT);
	assert_null(obj_open(tmpdir, 0));

	/* Random byte flips must never crash (whatever the verdict). */
	srand(1);
	for (i = 0; i < 300; i++) {
		size_t k;

		memcpy(buf, orig, size);
		for (k = 0; k < 8; k++)
			buf[64 + rand() % (size - 64)] ^= 1u << (rand() % 8);
		if (i % 3 == 0)
			for (k = 0; k < 4; k++)
				buf[eh->e_shoff + rand() % (size - eh->e_shoff)] = rand();
		spit(tu_path("flip.o"), buf, size);
		obj = obj_open(tu_path("flip.o"), 0);
		if (obj) {
			struct section *sec;

			for_each_section(obj, sec) {
				sec_find_func_containing(sec, 3);
				sec_find_reloc_by_offset(sec, 0, 16);
			}
			obj_write(obj, tu_path("flip-out.o"));
			obj_close(obj);
		}
	}
	free(buf);
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_create_delete),
		cmocka_unit_test(test_dangling),
		cmocka_unit_test(test_many_sections),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_sections_only),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_klp_rela),
	};

	return cmocka_run_group_tests_name("elf", tests, setup_all, teardown_all);
}
