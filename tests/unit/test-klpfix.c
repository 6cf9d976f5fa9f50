// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the livepatch post-link step (kmod-skel/klpfix.c), the klp
 * naming helpers (lib/klp.c, lib/symvers.c) and hotpatch-mkmod (run as a program:
 * HP_BINDIR), on a miniature module compiled from
 * tests/unit/fixtures/klpfix-module.c with a small symbol index and
 * Module.symvers written by the test:
 *   vmlinux: saved_command_line (1), s_show (2), exports seq_puts, module_layout
 *   mymod:   mod_state (1), exports mymod_export
 * The section, flag, symbol and relocation checks are those of
 * Documentation/livepatch/module-elf-format.rst and kernel/livepatch/core.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "object.h"
#include "symindex.h"
#include "symindex-write.h"
#include "klp.h"
#include "klp-records.h"
#include "symvers.h"
#include "klpfix.h"
#include "testutil.h"

#ifndef HP_ROOT
#define HP_ROOT "."
#endif
#ifndef HP_BINDIR
#define HP_BINDIR "out/bin"
#endif

static const char *tmpdir;
static char errors[16384];		/* every error logged since the last reset */
static struct symidx *idx;
static struct ksymvers *sv;

static void log_hook(enum log_level level, const char *msg, void *arg)
{
	size_t n = strlen(errors);

	(void)arg;
	if (level == LOG_ERROR && n < sizeof(errors) - 2)
		snprintf(errors + n, sizeof(errors) - n, "%s\n", msg);
}

static void add_entry(struct symidx_writer *w, const char *obj, const char *name,
		      unsigned char type, unsigned int sympos, bool exported)
{
	struct symidx_entry e = {
		.name = name, .object = obj, .cu = "", .addr = 0x1000, .size = 16,
		.type = type, .bind = STB_LOCAL, .exported = exported, .sympos = sympos,
	};

	assert_int_equal(symidx_writer_add(w, &e), 0);
}

static int setup(void **state)
{
	struct symidx_writer *w;
	FILE *f;

	(void)state;
	log_set_hook(log_hook, NULL);
	tmpdir = tu_mkdtemp("hotpatch-test-klpfix");
	if (!tmpdir)
		return -1;
	w = symidx_writer_new("6.1.0-test");
	if (!w)
		return -1;
	add_entry(w, "vmlinux", "saved_command_line", STT_OBJECT, 0, false);
	add_entry(w, "vmlinux", "s_show", STT_FUNC, 1, false);
	add_entry(w, "vmlinux", "s_show", STT_FUNC, 2, false);
	add_entry(w, "vmlinux", "seq_puts", STT_FUNC, 0, true);
	add_entry(w, "mymod", "mod_state", STT_OBJECT, 0, false);
	add_entry(w, "mymod", "mymod_export", STT_FUNC, 0, true);
	symidx_writer_add_export(w, "seq_puts", "vmlinux");
	symidx_writer_add_export(w, "mymod_export", "mymod");
	if (symidx_writer_write(w, tu_path("symindex")))
		return -1;
	symidx_writer_free(w);
	idx = symidx_open(tu_path("symindex"));

	f = fopen(tu_path("Module.symvers"), "w");
	if (!f)
		return -1;
	fprintf(f, "0x5caf31dc\tseq_puts\tvmlinux\tEXPORT_SYMBOL\t\n"
		   "0x12345678\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\t\n"
		   "0x0badc0de\tmymod_export\tdrivers/misc/mymod\tEXPORT_SYMBOL_GPL\tMY_NS\n"
		   "0x00000001\tother_export\tdrivers/misc/my-mod\tEXPORT_SYMBOL\t\n");
	fclose(f);
	sv = ksymvers_load(tu_path("Module.symvers"));
	return idx && sv ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	symidx_close(idx);
	ksymvers_free(sv);
	return tu_rmtmp() ? -1 : 0;
}

/*
 * Compile the fixture with @defines, rename the placeholders to klp names
 * (s_show at position @show_pos) and return the opened object.
 */
static struct object *fixture(const char *defines, unsigned int show_pos)
{
	static const char *const ren[][2] = {
		{ "klp_vm_saved_command_line", ".klp.sym.vmlinux.saved_command_line,0" },
		{ "klp_mod_state", ".klp.sym.mymod.mod_state,0" },
		{ "klp_vm_s_show", NULL },
	};
	char *o = tu_path("fixture.o"), *ko = tu_path("fixture.ko");
	struct object *obj;
	size_t i;

	assert_int_equal(tu_run("gcc -c -O2 -fno-pic -fno-pie -fno-asynchronous-unwind-tables "
				"-fno-common %s -o '%s' '%s/tests/unit/fixtures/klpfix-module.c'",
				defines, o, HP_ROOT), 0);
	obj = obj_open(o, 0);
	assert_non_null(obj);
	for (i = 0; i < sizeof(ren) / sizeof(ren[0]); i++) {
		struct symbol *sym = obj_find_symbol_by_name(obj, ren[i][0]);
		char name[128];

		assert_non_null(sym);
		if (ren[i][1])
			snprintf(name, sizeof(name), "%s", ren[i][1]);
		else
			snprintf(name, sizeof(name), ".klp.sym.vmlinux.s_show,%u", show_pos);
		assert_int_equal(sym_rename(sym, name), 0);
	}
	assert_int_equal(obj_write(obj, ko), 0);
	obj_close(obj);
	obj = obj_open(ko, 0);
	assert_non_null(obj);
	errors[0] = '\0';
	return obj;
}

/*
 * klpfix, then write the module and check it with readelf.  The object is
 * inspected in memory afterwards: the ELF model does not read back a
 * second relocation section of one base (.rela.text.x + .klp.rela.*.text.x)
 * yet.  @nr_klp_secs: how many "AIo" (SHF_ALLOC | SHF_INFO_LINK |
 * SHF_RELA_LIVEPATCH) sections readelf must show.
 */
static struct object *fix_and_write(struct object *obj, struct klpfix_stats *st,
				    int nr_klp_secs)
{
	char *out = tu_path("fixed.ko"), cmd[8400];
	int n;
	FILE *p;

	assert_int_equal(klpfix_object(obj, idx, sv, "6.1.0-test", st), 0);
	assert_string_equal(errors, "");
	assert_int_equal(obj_write(obj, out), 0);
	snprintf(cmd, sizeof(cmd), "readelf -SW '%s' | grep -c '^ *\\[ *[0-9]*\\] \\.klp\\.rela\\..* RELA .* AIo '", out);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	if (nr_klp_secs >= 0 && n != nr_klp_secs)
		fail_msg("expected %d .klp.rela sections flagged AIo by readelf, saw %d", nr_klp_secs, n);
	snprintf(cmd, sizeof(cmd), "readelf -sW '%s' | grep '\\.klp\\.sym\\.' | grep -vq 'GLOBAL DEFAULT OS \\[0xff20\\]'", out);
	if (!system(cmd))
		fail_msg("expected every .klp.sym symbol to be GLOBAL with Ndx OS [0xff20] in readelf -s, saw another");
	return obj;
}

static size_t count_relocs_to(struct section *rsec, const char *symname)
{
	struct reloc *r;
	size_t n = 0;

	for_each_reloc(rsec, r)
		n += !strcmp(r->sym->name, symname);
	return n;
}

static void assert_klp_rela(struct object *obj, const char *name, const char *base,
			    const char *const *syms, size_t nr_syms)
{
	struct section *rsec = obj_find_section_by_name(obj, name);
	struct reloc *r;
	size_t i, n = 0;

	if (!rsec)
		fail_msg("expected section %s, saw none", name);
	assert_int_equal(rsec->sh.sh_type, SHT_RELA);
	/* SHF_ALLOC: kept in memory for late application; SHF_RELA_LIVEPATCH: not by the loader */
	assert_true(rsec->sh.sh_flags & SHF_ALLOC);
	assert_true(rsec->sh.sh_flags & SHF_RELA_LIVEPATCH);
	assert_int_equal(rsec->sh.sh_entsize, sizeof(Elf64_Rela));
	assert_non_null(rsec->base);
	assert_string_equal(rsec->base->name, base);
	assert_ptr_equal(rsec->link, obj->symtab);
	for_each_reloc(rsec, r) {
		n++;
		/* every symbol of a klp rela section is SHN_LIVEPATCH (klp_resolve_symbols) */
		assert_int_equal(r->sym->sym.st_shndx, SHN_LIVEPATCH);
		assert_null(r->sym->sec);
	}
	for (i = 0; i < nr_syms; i++) {
		if (!count_relocs_to(rsec, syms[i]))
			fail_msg("expected a relocation against %s in %s, saw none", syms[i], name);
	}
	assert_int_equal(n, nr_syms);
}

static void test_names(void **state)
{
	struct klp_symname k;
	char *s;
	char longobj[80];

	(void)state;
	assert_int_equal(klp_parse_symname(".klp.sym.vmlinux.saved_command_line,0", &k), 0);
	assert_string_equal(k.obj, "vmlinux");
	assert_string_equal(k.name, "saved_command_line");
	assert_int_equal(k.pos, 0);
	assert_int_equal(klp_parse_symname(".klp.sym.btrfs.can_modify_feature.isra.3,12", &k), 0);
	assert_string_equal(k.obj, "btrfs");
	assert_string_equal(k.name, "can_modify_feature.isra.3");
	assert_int_equal(k.pos, 12);
	assert_int_equal(klp_parse_symname(".klp.sym.vmlinux.foo", &k), -EINVAL);
	assert_int_equal(klp_parse_symname(".klp.sym..foo,0", &k), -EINVAL);
	assert_int_equal(klp_parse_symname(".klp.sym.vmlinux.,0", &k), -EINVAL);
	assert_int_equal(klp_parse_symname(".klp.sym.vmlinux.foo,", &k), -EINVAL);
	assert_int_equal(klp_parse_symname(".klp.sym.vmlinux.foo,-1", &k), -EINVAL);
	assert_int_equal(klp_parse_symname(".klp.sym.vmlinux.foo,1x", &k), -EINVAL);
	assert_int_equal(klp_parse_symname(".klp.sym.vmlinux.a,b,1", &k), -EINVAL);
	assert_int_equal(klp_parse_symname(".klp.sym.my-mod.foo,1", &k), -EINVAL);
	memset(longobj, 'a', 56);
	snprintf(longobj + 56, sizeof(longobj) - 56, ".foo,0");
	s = NULL;
	assert_true(asprintf(&s, ".klp.sym.%s", longobj) > 0);
	assert_int_equal(klp_parse_symname(s, &k), -EINVAL);	/* %55[^.] */
	free(s);

	s = klp_make_relaname("vmlinux", ".text.cmdline_proc_show");
	assert_string_equal(s, ".klp.rela.vmlinux.text.cmdline_proc_show");
	free(s);
	s = klp_make_relaname("ext4", "__jump_table");
	assert_string_equal(s, ".klp.rela.ext4.__jump_table");
	free(s);
	s = klp_make_symname("ext4", "ext4_attr_store", 2);
	assert_string_equal(s, ".klp.sym.ext4.ext4_attr_store,2");
	free(s);
}

static void test_symvers(void **state)
{
	const struct ksym_export *e;

	(void)state;
	e = ksymvers_find(sv, "mymod_export");
	assert_non_null(e);
	assert_string_equal(e->object, "mymod");	/* module path -> kernel module name */
	assert_string_equal(e->ns, "MY_NS");
	assert_int_equal(e->crc, 0x0badc0de);
	assert_true(e->gpl);
	e = ksymvers_find(sv, "other_export");
	assert_non_null(e);
	assert_string_equal(e->object, "my_mod");	/* '-' becomes '_' */
	assert_string_equal(e->ns, "");
	assert_false(e->gpl);
	assert_null(ksymvers_find(sv, "saved_command_line"));
}

static void test_rewrite(void **state)
{
	static const char *const text_vm[] = { ".klp.sym.vmlinux.saved_command_line,0" };
	static const char *const text_mod[] = { ".klp.sym.mymod.mod_state,0" };
	static const char *const data_vm[] = { ".klp.sym.vmlinux.s_show,2" };
	struct object *obj = fixture("", 2);
	struct klpfix_stats st;
	struct section *sec, *rela;
	struct symbol *sym;

	(void)state;
	obj = fix_and_write(obj, &st, 3);
	assert_int_equal(st.klp_syms, 3);
	assert_int_equal(st.klp_secs, 3);
	assert_int_equal(st.klp_relocs, 3);

	/* one section per (symbol object, patched section) */
	assert_klp_rela(obj, ".klp.rela.vmlinux.text.patched", ".text.patched", text_vm, 1);
	assert_klp_rela(obj, ".klp.rela.mymod.text.patched", ".text.patched", text_mod, 1);
	sym = obj_find_symbol_by_name(obj, "show_ptr");
	assert_non_null(sym);
	{
		char *name = klp_make_relaname("vmlinux", sym->sec->name);

		assert_klp_rela(obj, name, sym->sec->name, data_vm, 1);
		free(name);
	}

	/* the exported call stays an ordinary relocation, the klp ones left it */
	rela = obj_find_section_by_name(obj, ".rela.text.patched");
	assert_non_null(rela);
	assert_false(rela->sh.sh_flags & (SHF_ALLOC | SHF_RELA_LIVEPATCH));
	assert_int_equal(count_relocs_to(rela, "seq_puts"), 1);
	assert_int_equal(rela->nr_relocs, 1);
	sym = obj_find_symbol_by_name(obj, "seq_puts");
	assert_int_equal(sym->sym.st_shndx, SHN_UNDEF);

	/* klp symbols: SHN_LIVEPATCH, global */
	for_each_symbol(obj, sym) {
		if (!klp_is_symname(sym->name))
			continue;
		assert_int_equal(sym->sym.st_shndx, SHN_LIVEPATCH);
		assert_int_equal(sym->bind, STB_GLOBAL);
	}

	/* a section the loader does not load keeps its relocation as it was */
	sec = obj_find_section_by_name(obj, ".rela.hp_note");
	assert_non_null(sec);
	assert_int_equal(count_relocs_to(sec, ".klp.sym.mymod.mod_state,0"), 1);
	assert_null(obj_find_section_by_name(obj, ".klp.rela.mymod.hp_note"));

	/* no other SHF_RELA_LIVEPATCH section */
	{
		size_t n = 0;

		for_each_section(obj, sec)
			n += !!(sec->sh.sh_flags & SHF_RELA_LIVEPATCH);
		assert_int_equal(n, 3);
	}
	obj_close(obj);
}

/* A second run finds everything in place and changes nothing. */
static void test_idempotent(void **state)
{
	struct object *obj = fixture("", 2);
	struct klpfix_stats st;

	(void)state;
	obj = fix_and_write(obj, &st, 3);
	assert_int_equal(klpfix_object(obj, idx, sv, "6.1.0-test", &st), 0);
	assert_string_equal(errors, "");
	assert_int_equal(st.klp_relocs, 0);
	assert_int_equal(st.klp_secs, 0);
	assert_int_equal(st.klp_syms, 0);
	obj_close(obj);
}

static void expect_refusal(const char *defines, unsigned int show_pos, const char *what)
{
	struct object *obj = fixture(defines, show_pos);
	struct klpfix_stats st;

	if (!klpfix_object(obj, idx, sv, "6.1.0-test", &st))
		fail_msg("expected klpfix to refuse (%s), saw success", defines);
	if (!strstr(errors, what))
		fail_msg("expected an error naming \"%s\", saw: %s", what, errors);
	obj_close(obj);
}

static void test_refuse_unresolved(void **state)
{
	(void)state;
	expect_refusal("-DWITH_UNRESOLVED", 2, "unresolved symbol not_exported_anywhere");
}

static void test_refuse_ambiguous(void **state)
{
	(void)state;
	expect_refusal("", 0, ".klp.sym.vmlinux.s_show,0");
	expect_refusal("", 3, ".klp.sym.vmlinux.s_show,3");
}

static void test_refuse_unknown_klp(void **state)
{
	struct object *obj = fixture("", 2);
	struct symbol *sym = obj_find_symbol_by_name(obj, ".klp.sym.mymod.mod_state,0");

	(void)state;
	assert_int_equal(sym_rename(sym, ".klp.sym.mymod.no_such_thing,0"), 0);
	assert_int_not_equal(klpfix_object(obj, idx, sv, "6.1.0-test", NULL), 0);
	assert_non_null(strstr(errors, ".klp.sym.mymod.no_such_thing,0"));
	obj_close(obj);

	obj = fixture("", 2);
	sym = obj_find_symbol_by_name(obj, ".klp.sym.mymod.mod_state,0");
	assert_int_equal(sym_rename(sym, ".klp.sym.nomod.mod_state,0"), 0);
	assert_int_not_equal(klpfix_object(obj, idx, sv, "6.1.0-test", NULL), 0);
	assert_non_null(strstr(errors, "\"nomod\" is neither vmlinux nor a module"));
	obj_close(obj);
}

static void test_refuse_loader_section(void **state)
{
	struct object *obj;

	(void)state;
	/* module symbols may not be used by sections the loader reads while loading */
	expect_refusal("-DWITH_MOD_JUMP_TABLE", 2, "relocation against .klp.sym.mymod.mod_state,0 in __jump_table");
	/* vmlinux relocations are applied by the loader first: allowed */
	obj = fix_and_write(fixture("-DWITH_VMLINUX_JUMP_TABLE", 2), NULL, 4);
	assert_non_null(obj_find_section_by_name(obj, ".klp.rela.vmlinux.__jump_table"));
	obj_close(obj);
}

static void test_refuse_modinfo_versions(void **state)
{
	(void)state;
	expect_refusal("-DSEQ_PUTS_CRC=0x11111111", 2, "CRC of seq_puts is 0x11111111");
	expect_refusal("-DLIVEPATCH='\"N\"'", 2, "no livepatch=Y");
	expect_refusal("-DVERMAGIC='\"6.1.0-other\"'", 2, "not that of release 6.1.0-test");
}

/* --- hotpatch-mkmod --- */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		fail_msg("expected %s to exist, saw none", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Two differ outputs: a vmlinux one (s_show,2 -> patched) and a mymod one. */
static void mkmod_inputs(void)
{
	assert_int_equal(tu_run("cd '%s' && gcc -c -O2 -fno-pic -fno-pie -fno-common -o vm.o '%s/tests/unit/fixtures/klpfix-module.c' && "
				"gcc -c -O2 -fno-pic -fno-pie -fno-common -DWITH_MYMOD_EXPORT -o mod.o '%s/tests/unit/fixtures/klpfix-module.c'",
				tmpdir, HP_ROOT, HP_ROOT), 0);
	write_text(tu_path("vm.json"),
		   "{ \"object\": \"kernel/kallsyms.o\", \"target\": \"vmlinux\", \"verdict\": \"changed\",\n"
		   "  \"functions\": [ { \"name\": \"s_show\", \"sympos\": 2, \"alias\": \"patched\" } ] }\n");
	write_text(tu_path("mod.json"),
		   "{ \"object\": \"drivers/misc/mymod.o\", \"target\": \"mymod\", \"verdict\": \"changed\",\n"
		   "  \"functions\": [ { \"name\": \"mymod_export\", \"sympos\": 0, \"alias\": \"calls_mymod_export\" } ] }\n");
}

/* .modinfo's first string */
#define DESC_HP_UNIT "description=hotpatch livepatch module hp_unit"

static int run_mkmod(const char *args, const char *outdir)
{
	char cmd[8192];
	int rc;

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && rm -rf '%s' && '%s/hotpatch-mkmod' --templates '%s/templates' --skel '%s/kmod-skel' "
		 "--index symindex --symvers Module.symvers -o '%s' %s >mkmod.log 2>&1",
		 tmpdir, outdir, HP_BINDIR, HP_ROOT, HP_ROOT, outdir, args);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* What a pointer field of the klp records points at, as text. */
static const char *record_pointer(struct section *rec, uint64_t off, char *buf, size_t size)
{
	struct reloc *r = sec_find_reloc_by_offset(rec, off, 8);

	if (!r)
		return "NULL";
	assert_int_equal(r->type, R_X86_64_64);
	if (r->sym->type != STT_SECTION) {
		snprintf(buf, size, "%s%s", r->sym->name, r->sym->bind == STB_WEAK ? "(weak)" : "");
		return buf;
	}
	if (r->sym->sec == rec) {
		snprintf(buf, size, "@%lld", (long long)r->addend);
		return buf;
	}
	assert_string_equal(r->sym->sec->name, HOTPATCH_KLP_STR_SECTION);
	snprintf(buf, size, "\"%s\"", (const char *)sec_data(r->sym->sec) + r->addend);
	return buf;
}

static uint64_t record_ulong(struct section *rec, uint64_t off)
{
	uint64_t v;

	assert_null(sec_find_reloc_by_offset(rec, off, 8));
	memcpy(&v, sec_data(rec) + off, 8);
	return v;
}

/* The klp records of hp-klp.o_shipped (klp-records.h), one line per record. */
static char *dump_records(const char *path)
{
	static char out[8192];
	struct object *obj = obj_open(path, 0);
	struct symbol *patch;
	struct section *rec;
	uint64_t objs, nr_objs, i, j;
	size_t n = 0;
	char b[8][512];

	assert_non_null(obj);
	patch = obj_find_symbol_by_name(obj, HOTPATCH_KLP_PATCH_SYMBOL);
	assert_non_null(patch);
	assert_int_equal(patch->bind, STB_GLOBAL);
	rec = patch->sec;
	assert_string_equal(rec->name, HOTPATCH_KLP_SECTION);
	nr_objs = record_ulong(rec, patch->offset + HP_PATCH_REC_NR_OBJS);
	objs = strtoull(record_pointer(rec, patch->offset + HP_PATCH_REC_OBJS, b[0], 512) + 1, NULL, 0);
	n += snprintf(out + n, sizeof(out) - n, "patch objs=%s nr=%llu replace=%llu\n", b[0],
		      (unsigned long long)nr_objs,
		      (unsigned long long)record_ulong(rec, patch->offset + HP_PATCH_REC_REPLACE));
	for (i = 0; i < nr_objs; i++) {
		uint64_t o = objs + i * HP_OBJ_REC_SIZE;
		uint64_t nr_funcs = record_ulong(rec, o + HP_OBJ_REC_NR_FUNCS);
		const char *funcs = record_pointer(rec, o + HP_OBJ_REC_FUNCS, b[1], 512);

		n += snprintf(out + n, sizeof(out) - n, "object %s funcs=%s nr=%llu %s %s %s %s\n",
			      record_pointer(rec, o + HP_OBJ_REC_NAME, b[0], 512), funcs,
			      (unsigned long long)nr_funcs,
			      record_pointer(rec, o + HP_OBJ_REC_PRE_PATCH, b[2], 512),
			      record_pointer(rec, o + HP_OBJ_REC_POST_PATCH, b[3], 512),
			      record_pointer(rec, o + HP_OBJ_REC_PRE_UNPATCH, b[4], 512),
			      record_pointer(rec, o + HP_OBJ_REC_POST_UNPATCH, b[5], 512));
		for (j = 0; j < nr_funcs; j++) {
			uint64_t f = strtoull(funcs + 1, NULL, 0) + j * HP_FUNC_REC_SIZE;

			n += snprintf(out + n, sizeof(out) - n, "  func %s,%llu -> %s\n",
				      record_pointer(rec, f + HP_FUNC_REC_OLD_NAME, b[6], 512),
				      (unsigned long long)record_ulong(rec, f + HP_FUNC_REC_OLD_SYMPOS),
				      record_pointer(rec, f + HP_FUNC_REC_NEW_FUNC, b[7], 512));
		}
	}
	obj_close(obj);
	return out;
}

static void test_mkmod_tables(void **state)
{
	const char *c;
	struct object *obj;
	struct symbol *sym;
	struct section *sec;

	(void)state;
	mkmod_inputs();
	/* pairs given mymod first: the output does not depend on their order */
	assert_int_equal(run_mkmod("--name hp_unit mod.o mod.json vm.o vm.json", "src"), 0);
	/* vmlinux (NULL name) first, then the module; callbacks weak, the aliases named */
	assert_string_equal(dump_records(tu_path("src/hp-klp.o_shipped")),
		"patch objs=@24 nr=2 replace=0\n"
		"object NULL funcs=@136 nr=1 __hotpatch_cb_pre_patch__vmlinux(weak) "
		"__hotpatch_cb_post_patch__vmlinux(weak) __hotpatch_cb_pre_unpatch__vmlinux(weak) "
		"__hotpatch_cb_post_unpatch__vmlinux(weak)\n"
		"  func \"s_show\",2 -> patched\n"
		"object \"mymod\" funcs=@160 nr=1 __hotpatch_cb_pre_patch__mymod(weak) "
		"__hotpatch_cb_post_patch__mymod(weak) __hotpatch_cb_pre_unpatch__mymod(weak) "
		"__hotpatch_cb_post_unpatch__mymod(weak)\n"
		"  func \"mymod_export\",0 -> calls_mymod_export\n");
	/* the module's description is data: the init code says nothing that names the module */
	obj = obj_open(tu_path("src/hp-klp.o_shipped"), 0);
	assert_non_null(obj);
	sec = obj_find_section_by_name(obj, ".modinfo");
	assert_non_null(sec);
	assert_int_equal(sec->size, sizeof(DESC_HP_UNIT));
	assert_memory_equal(sec_data(sec), DESC_HP_UNIT, sizeof(DESC_HP_UNIT));
	obj_close(obj);
	/* the init code is the fixed file, copied */
	assert_int_equal(tu_run("cmp -s '%s/templates/livepatch.c' '%s/src/hp-main.c'", HP_ROOT, tmpdir), 0);
	assert_int_equal(access(tu_path("src/hp-main.o_shipped"), F_OK), -1);
	/* --main: the init code compiled elsewhere is shipped instead, with its command file */
	assert_int_equal(run_mkmod("--name hp_unit --main vm.o mod.o mod.json vm.o vm.json", "srcm"), 0);
	assert_int_equal(tu_run("cd '%s' && cmp -s vm.o srcm/hp-main.o_shipped", tmpdir), 0);
	slurp(tu_path("srcm/.hp-main.o.cmd"));
	assert_int_equal(access(tu_path("srcm/hp-main.c"), F_OK), -1);
	assert_int_equal(tu_run("cd '%s' && cmp -s src/hp-klp.o_shipped srcm/hp-klp.o_shipped && "
				"cmp -s src/Kbuild srcm/Kbuild", tmpdir), 0);
	c = slurp(tu_path("src/Kbuild"));
	assert_non_null(strstr(c, "obj-m := hp_unit.o\nhp_unit-y := hp-main.o hp-klp.o hp-obj-1.o hp-obj-2.o\n"));
	slurp(tu_path("src/.hp-obj-1.o.cmd"));
	slurp(tu_path("src/.hp-klp.o.cmd"));
	slurp(tu_path("src/hotpatch.h"));
	slurp(tu_path("src/klp-records.h"));
	/* vmlinux object copied as is; mymod's call to its own export became a klp symbol */
	assert_int_equal(tu_run("cmp -s '%s/vm.o' '%s/src/hp-obj-1.o_shipped'", tmpdir, tmpdir), 0);
	obj = obj_open(tu_path("src/hp-obj-2.o_shipped"), 0);
	assert_non_null(obj);
	assert_null(obj_find_symbol_by_name(obj, "mymod_export"));
	sym = obj_find_symbol_by_name(obj, ".klp.sym.mymod.mymod_export,0");
	assert_non_null(sym);
	assert_int_equal(sym->sym.st_shndx, SHN_UNDEF);
	obj_close(obj);

	/* an ordinary reference to a namespaced export imports the namespace */
	write_text(tu_path("modvm.json"),
		   "{ \"object\": \"k.o\", \"target\": \"vmlinux\", \"verdict\": \"changed\",\n"
		   "  \"functions\": [ { \"name\": \"s_show\", \"sympos\": 1, \"alias\": \"calls_mymod_export\" } ] }\n");
	assert_int_equal(run_mkmod("--name hp_unit mod.o modvm.json", "src3"), 0);
	obj = obj_open(tu_path("src3/hp-klp.o_shipped"), 0);
	assert_non_null(obj);
	sec = obj_find_section_by_name(obj, ".modinfo");
	assert_non_null(sec);
	assert_int_equal(sec->size, sizeof(DESC_HP_UNIT "\0import_ns=MY_NS"));
	assert_memory_equal(sec_data(sec), DESC_HP_UNIT "\0import_ns=MY_NS",
			    sizeof(DESC_HP_UNIT "\0import_ns=MY_NS"));
	obj_close(obj);

	/* same inputs in the other order: the same bytes; --replace is recorded */
	assert_int_equal(run_mkmod("--name hp_unit vm.o vm.json mod.o mod.json", "src4"), 0);
	if (tu_run("cd '%s' && cmp src/hp-klp.o_shipped src4/hp-klp.o_shipped >&2 && "
		   "cmp src/Kbuild src4/Kbuild >&2", tmpdir))
		fail_msg("expected the same hp-klp.o and Kbuild whatever the order of the pairs, saw a difference");
	assert_int_equal(run_mkmod("--name hp_unit --replace vm.o vm.json mod.o mod.json", "src2"), 0);
	assert_non_null(strstr(dump_records(tu_path("src2/hp-klp.o_shipped")),
			       "patch objs=@24 nr=2 replace=1\n"));

	/* callbacks only: an object record without functions (the init code gives it an empty list) */
	assert_int_equal(run_mkmod("--name hp_unit --object mymod", "src5"), 0);
	assert_string_equal(dump_records(tu_path("src5/hp-klp.o_shipped")),
		"patch objs=@24 nr=1 replace=0\n"
		"object \"mymod\" funcs=NULL nr=0 __hotpatch_cb_pre_patch__mymod(weak) "
		"__hotpatch_cb_post_patch__mymod(weak) __hotpatch_cb_pre_unpatch__mymod(weak) "
		"__hotpatch_cb_post_unpatch__mymod(weak)\n");
}

static void expect_mkmod_refusal(const char *args, const char *what)
{
	const char *log;

	if (!run_mkmod(args, "bad"))
		fail_msg("expected hotpatch-mkmod %s to fail, saw success", args);
	log = slurp(tu_path("mkmod.log"));
	if (!strstr(log, what))
		fail_msg("expected an error naming \"%s\", saw: %s", what, log);
	if (!access(tu_path("bad/hp-main.c"), F_OK) || !access(tu_path("bad/hp-main.o_shipped"), F_OK) ||
	    !access(tu_path("bad/hp-klp.o_shipped"), F_OK))
		fail_msg("expected no hp-main.c, hp-main.o_shipped or hp-klp.o_shipped after a refusal, saw one");
}

static void test_mkmod_refusals(void **state)
{
	(void)state;
	mkmod_inputs();
	write_text(tu_path("pos0.json"),
		   "{ \"object\": \"k.o\", \"target\": \"vmlinux\", \"verdict\": \"changed\",\n"
		   "  \"functions\": [ { \"name\": \"s_show\", \"sympos\": 0, \"alias\": \"patched\" } ] }\n");
	expect_mkmod_refusal("--name hp_unit vm.o pos0.json", "s_show occurs 2 times in vmlinux but sympos is 0");
	write_text(tu_path("noalias.json"),
		   "{ \"object\": \"k.o\", \"target\": \"vmlinux\", \"verdict\": \"changed\",\n"
		   "  \"functions\": [ { \"name\": \"s_show\", \"sympos\": 1, \"alias\": \"hp_no_such_alias\" } ] }\n");
	expect_mkmod_refusal("--name hp_unit vm.o noalias.json", "alias hp_no_such_alias of s_show");
	expect_mkmod_refusal("--name hp_unit vm.o vm.json vm.o vm.json", "s_show,2 of vmlinux is patched by two objects");
	write_text(tu_path("refused.json"),
		   "{ \"object\": \"k.o\", \"target\": \"vmlinux\", \"verdict\": \"refused\", \"functions\": [] }\n");
	expect_mkmod_refusal("--name hp_unit vm.o refused.json", "verdict is \"refused\"");
	write_text(tu_path("nomod.json"),
		   "{ \"object\": \"k.o\", \"target\": \"nomod\", \"verdict\": \"changed\", \"functions\": [] }\n");
	expect_mkmod_refusal("--name hp_unit vm.o nomod.json", "target \"nomod\" is neither vmlinux nor a module");
	expect_mkmod_refusal("--name hp-unit vm.o vm.json", "--name hp-unit");
	expect_mkmod_refusal("--name mymod vm.o vm.json", "has a module of that name");
	expect_mkmod_refusal("--name hp_unit --main no-such.o vm.o vm.json", "--main no-such.o: cannot read");
	write_text(tu_path("notjson.json"), "{ \"object\": ");
	expect_mkmod_refusal("--name hp_unit vm.o notjson.json", "notjson.json: cannot read the differ's facts");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_symvers),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_refuse_unresolved),
		cmocka_unit_test(test_refuse_ambiguous),
		cmocka_unit_test(test_refuse_unknown_klp),
		cmocka_unit_test(test_refuse_loader_section),
		cmocka_unit_test(test_refuse_modinfo_versions),
		cmocka_unit_test(test_mkmod_tables),
		cmocka_unit_test(test_mkmod_refusals),
	};

	return cmocka_run_group_tests_name("klpfix", tests, setup, teardown);
}
