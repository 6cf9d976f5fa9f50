// SPDX-License-Identifier: GPL-2.0
/*
 * hotpatch-elfdump: print an object as the ELF model sees it, in a
 * stable text form (no file offsets), for tests and for debugging.
 *
 *   hotpatch-elfdump [-S] [-s] [-r] [-L] [-w OUT] OBJ
 *
 * -S/-s/-r print only sections/symbols/relocations (default: all);
 * -L reads as the symbol index reads vmlinux (lazily, no relocations);
 * -w OUT writes the object back through the model first (a round trip)
 * and dumps what was written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "object.h"

static const char *sec_type(uint32_t t, char *buf, size_t len)
{
	static const char *const names[] = {
		[SHT_NULL] = "NULL", [SHT_PROGBITS] = "PROGBITS", [SHT_SYMTAB] = "SYMTAB",
		[SHT_STRTAB] = "STRTAB", [SHT_RELA] = "RELA", [SHT_HASH] = "HASH",
		[SHT_DYNAMIC] = "DYNAMIC", [SHT_NOTE] = "NOTE", [SHT_NOBITS] = "NOBITS",
		[SHT_REL] = "REL", [SHT_DYNSYM] = "DYNSYM", [SHT_INIT_ARRAY] = "INIT_ARRAY",
		[SHT_FINI_ARRAY] = "FINI_ARRAY", [SHT_PREINIT_ARRAY] = "PREINIT_ARRAY",
		[SHT_GROUP] = "GROUP", [SHT_SYMTAB_SHNDX] = "SYMTAB_SHNDX",
	};

	if (t < sizeof(names) / sizeof(names[0]) && names[t])
		return names[t];
	if (t == SHT_X86_64_UNWIND)
		return "X86_64_UNWIND";
	snprintf(buf, len, "0x%x", t);
	return buf;
}

static void sec_flags(uint64_t f, char *buf)
{
	static const struct { uint64_t bit; char c; } letters[] = {
		{ SHF_WRITE, 'W' }, { SHF_ALLOC, 'A' }, { SHF_EXECINSTR, 'X' },
		{ SHF_MERGE, 'M' }, { SHF_STRINGS, 'S' }, { SHF_INFO_LINK, 'I' },
		{ SHF_LINK_ORDER, 'L' }, { SHF_OS_NONCONFORMING, 'O' }, { SHF_GROUP, 'G' },
		{ SHF_TLS, 'T' }, { SHF_COMPRESSED, 'C' }, { SHF_RELA_LIVEPATCH, 'K' },
		{ SHF_EXCLUDE, 'E' },
	};
	size_t i, n = 0;

	for (i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (f & letters[i].bit)
			buf[n++] = letters[i].c;
	if (!n)
		buf[n++] = '-';
	buf[n] = 0;
}

static const char *sym_type(unsigned char t)
{
	static const char *const names[] = {
		"NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE", "COMMON", "TLS",
	};

	if (t < sizeof(names) / sizeof(names[0]))
		return names[t];
	return t == STT_GNU_IFUNC ? "IFUNC" : "?";
}

static const char *sym_bind(unsigned char b)
{
	static const char *const names[] = { "LOCAL", "GLOBAL", "WEAK" };

	if (b < 3)
		return names[b];
	return b == STB_GNU_UNIQUE ? "UNIQUE" : "?";
}

static const char *sym_vis(unsigned char o)
{
	static const char *const names[] = { "DEFAULT", "INTERNAL", "HIDDEN", "PROTECTED" };

	return names[ELF64_ST_VISIBILITY(o)];
}

static const char *sym_where(const struct symbol *sym, char *buf, size_t len)
{
	if (sym->sec)
		return sym->sec->name;
	switch (sym->sym.st_shndx) {
	case SHN_UNDEF: return "UND";
	case SHN_ABS: return "ABS";
	case SHN_COMMON: return "COM";
	case SHN_LIVEPATCH: return "LIVEPATCH";
	}
	snprintf(buf, len, "0x%x", sym->sym.st_shndx);
	return buf;
}

static const char *reloc_type(uint32_t t, char *buf, size_t len)
{
	static const char *const names[] = {
		[R_X86_64_NONE] = "NONE", [R_X86_64_64] = "64", [R_X86_64_PC32] = "PC32",
		[R_X86_64_GOT32] = "GOT32", [R_X86_64_PLT32] = "PLT32",
		[R_X86_64_COPY] = "COPY", [R_X86_64_GLOB_DAT] = "GLOB_DAT",
		[R_X86_64_JUMP_SLOT] = "JUMP_SLOT", [R_X86_64_RELATIVE] = "RELATIVE",
		[R_X86_64_GOTPCREL] = "GOTPCREL", [R_X86_64_32] = "32", [R_X86_64_32S] = "32S",
		[R_X86_64_16] = "16", [R_X86_64_PC16] = "PC16", [R_X86_64_8] = "8",
		[R_X86_64_PC8] = "PC8", [R_X86_64_DTPMOD64] = "DTPMOD64",
		[R_X86_64_DTPOFF64] = "DTPOFF64", [R_X86_64_TPOFF64] = "TPOFF64",
		[R_X86_64_TLSGD] = "TLSGD", [R_X86_64_TLSLD] = "TLSLD",
		[R_X86_64_DTPOFF32] = "DTPOFF32", [R_X86_64_GOTTPOFF] = "GOTTPOFF",
		[R_X86_64_TPOFF32] = "TPOFF32", [R_X86_64_PC64] = "PC64",
		[R_X86_64_GOTOFF64] = "GOTOFF64", [R_X86_64_GOTPC32] = "GOTPC32",
		[R_X86_64_SIZE32] = "SIZE32", [R_X86_64_SIZE64] = "SIZE64",
		[R_X86_64_GOTPCRELX] = "GOTPCRELX", [R_X86_64_REX_GOTPCRELX] = "REX_GOTPCRELX",
	};

	if (t < sizeof(names) / sizeof(names[0]) && names[t])
		return names[t];
	snprintf(buf, len, "%u", t);
	return buf;
}

/* A symbol as relocations name it: section symbols by their section. */
static const char *sym_label(const struct symbol *sym, char *buf, size_t len)
{
	if (sym->type == STT_SECTION && !sym->name[0] && sym->sec) {
		snprintf(buf, len, "[%s]", sym->sec->name);
		return buf;
	}
	return sym->name[0] ? sym->name : "(null)";
}

static void dump_sections(struct object *obj)
{
	struct section *sec;
	char tbuf[16], fbuf[32];

	printf("sections:\n");
	for_each_section(obj, sec) {
		sec_flags(sec->sh.sh_flags, fbuf);
		printf("  [%u] %s %s %s", sec->idx, sec->name,
		       sec_type(sec->sh.sh_type, tbuf, sizeof(tbuf)), fbuf);
		/* String tables are rebuilt on write: their size is not stable. */
		if (sec == obj->strtab || sec == obj->shstrtab)
			printf(" size=*");
		else
			printf(" size=0x%zx", sec->size);
		printf(" align=%" PRIu64 " entsize=%" PRIu64,
		       (uint64_t)sec->sh.sh_addralign, (uint64_t)sec->sh.sh_entsize);
		if (sec->link)
			printf(" link=%s", sec->link->name);
		if (sec->base)
			printf(" info=%s", sec->base->name);
		else if (sec->sh.sh_type == SHT_GROUP && sec->group_sym)
			printf(" signature=%s", sec->group_sym->name);
		else if (sec->sh.sh_type != SHT_SYMTAB && sec->sh.sh_info)
			printf(" info=%u", sec->sh.sh_info);
		if (sec->group)
			printf(" group=%s", sec->group->name);
		printf("\n");
	}
}

static void dump_symbols(struct object *obj)
{
	struct symbol *sym;
	char buf[32], lbuf[512];

	printf("symbols:\n");
	for_each_symbol(obj, sym) {
		if (!sym->idx)
			continue;
		printf("  %u %s %s %s %s %s 0x%" PRIx64 " %" PRIu64 "\n", sym->idx,
		       sym_label(sym, lbuf, sizeof(lbuf)), sym_type(sym->type),
		       sym_bind(sym->bind), sym_vis(sym->sym.st_other),
		       sym_where(sym, buf, sizeof(buf)), sym->offset, sym->size);
	}
}

static void dump_relocs(struct object *obj)
{
	struct section *sec;
	struct reloc *reloc;
	char tbuf[16], lbuf[512];

	printf("relocations:\n");
	for_each_section(obj, sec) {
		if (!sec_is_rela(sec) || !sec->base)
			continue;
		printf("  %s (%zu):\n", sec->name, sec->nr_relocs);
		for_each_reloc(sec, reloc)
			printf("    %s+0x%" PRIx64 " %s %s%+" PRId64 "\n", sec->base->name,
			       reloc->offset, reloc_type(reloc->type, tbuf, sizeof(tbuf)),
			       sym_label(reloc->sym, lbuf, sizeof(lbuf)), reloc->addend);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: hotpatch-elfdump [-S] [-s] [-r] [-L] [-w OUT] OBJ\n"
		"Prints an object's sections, symbols and relocations as the ELF model reads them.\n"
		"  -S      sections\n"
		"  -s      symbols\n"
		"  -r      relocations (default: all three)\n"
		"  -L      lazy contents, relocations not parsed (for a large vmlinux)\n"
		"  -w OUT  write the object back through the ELF model, then dump OUT\n");
}

int main(int argc, char **argv)
{
	bool secs = false, syms = false, relocs = false;
	int flags = OBJ_ANY_TYPE;
	const char *out = NULL, *path;
	struct object *obj;
	int c;

	log_set_progname(argv[0]);
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("hotpatch-elfdump %s\n", HOTPATCH_VERSION);
		return 0;
	}
	while ((c = getopt(argc, argv, "SsrLw:h")) != -1) {
		switch (c) {
		case 'L': flags |= OBJ_LAZY | OBJ_NO_RELOCS; break;
		case 'S': secs = true; break;
		case 's': syms = true; break;
		case 'r': relocs = true; break;
		case 'w': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}
	if (!secs && !syms && !relocs)
		secs = syms = relocs = true;
	path = argv[optind];

	obj = obj_open(path, out ? flags & ~OBJ_ANY_TYPE : flags);
	if (!obj)
		return 1;
	if (out) {
		if (obj_write(obj, out)) {
			obj_close(obj);
			return 1;
		}
		obj_close(obj);
		obj = obj_open(out, 0);
		if (!obj)
			return 1;
	}
	if (secs)
		dump_sections(obj);
	if (syms)
		dump_symbols(obj);
	if (relocs)
		dump_relocs(obj);
	obj_close(obj);
	if (fflush(stdout) || ferror(stdout)) {
		pr_err("writing the dump: %s", strerror(errno));
		return 1;
	}
	return 0;
}
