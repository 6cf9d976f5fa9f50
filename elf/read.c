// SPDX-License-Identifier: GPL-2.0
/*
 * Reading an object through libelf.  elf_begin(ELF_C_READ_MMAP_PRIVATE)
 * maps the file privately (copy on write); libelf then gives us the
 * headers (gelf_getehdr/gelf_getshdr, extended numbering included), names
 * (elf_strptr) and typed tables (gelf_getsymshndx, gelf_getrela).  libelf
 * does not check everything a fuzzer can break (indexes, links, sizes,
 * relocation offsets), so every header, offset and index is still checked
 * here before it is used.  Section contents are libelf's raw data, i.e.
 * the private mapping itself: nothing is copied until a caller replaces it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct reader {
	struct object *obj;
	struct obj_internal *in;
	const char *path;
	Elf *elf;
	size_t size;			/* of the file */
	size_t shnum;
	size_t shstrndx;
	Elf_Data *symdata;		/* .symtab as ELF_T_SYM */
	Elf_Data *xdata;		/* its SHT_SYMTAB_SHNDX as ELF_T_WORD, if any */
	size_t nsyms;
};

#define bad(r, fmt, ...) \
	({ pr_err("%s: malformed ELF: " fmt, (r)->path, ##__VA_ARGS__); -EINVAL; })
/* The same when libelf refused: its reason ends the message. */
#define bad_elf(r, fmt, ...) \
	({ pr_err("%s: malformed ELF: " fmt ": %s", (r)->path, ##__VA_ARGS__, \
		  elf_errmsg(-1)); -EINVAL; })

int hp_libelf_init(const char *path)
{
	static bool done;

	if (done)
		return 0;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		pr_err("%s: libelf is too old for ELF version %d: %s", path, EV_CURRENT,
		       elf_errmsg(-1));
		return -EINVAL;
	}
	done = true;
	return 0;
}

/* The file's section @idx (its index as read, before any renumbering). */
static Elf_Scn *file_scn(struct obj_internal *in, size_t idx)
{
	return in->elf ? elf_getscn(in->elf, idx) : NULL;
}

/* [off, off+len) inside the file, without overflow. */
static bool in_file(const struct reader *r, uint64_t off, uint64_t len)
{
	return off <= r->size && len <= r->size - off;
}

static int read_ehdr(struct reader *r, int flags)
{
	Elf64_Ehdr *eh = &r->obj->ehdr;
	const char *ident;
	GElf_Ehdr geh;

	/* r->size >= sizeof(Elf64_Ehdr): checked before elf_begin() */
	switch (elf_kind(r->elf)) {
	case ELF_K_ELF:
		break;
	case ELF_K_AR:
		return bad(r, "an ar archive, not an object file");
	default:	/* libelf also refuses an unknown class or data encoding here */
		return bad(r, "not an ELF file (bad magic, class or data encoding)");
	}
	ident = elf_getident(r->elf, NULL);
	if (!ident)
		return bad_elf(r, "cannot read the ELF identification");
	if (ident[EI_CLASS] != ELFCLASS64)
		return bad(r, "ELF class %u, expected ELFCLASS64", (unsigned char)ident[EI_CLASS]);
	if (ident[EI_DATA] != ELFDATA2LSB)
		return bad(r, "data encoding %u, expected little endian", (unsigned char)ident[EI_DATA]);
	if (ident[EI_VERSION] != EV_CURRENT)
		return bad(r, "ELF version %u", (unsigned char)ident[EI_VERSION]);
	if (!gelf_getehdr(r->elf, &geh))
		return bad_elf(r, "cannot read the ELF header");
	*eh = geh;
	if (eh->e_machine != EM_X86_64)
		return bad(r, "e_machine %u, expected EM_X86_64 (%u)", eh->e_machine, EM_X86_64);
	if (eh->e_type != ET_REL &&
	    (!(flags & OBJ_ANY_TYPE) || (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)))
		return bad(r, "e_type %u: expected a relocatable object (ET_REL)%s",
			   eh->e_type, (flags & OBJ_ANY_TYPE) ? " or ET_EXEC/ET_DYN" : "");
	if (!eh->e_shoff)
		return bad(r, "no section header table");
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return bad(r, "e_shentsize %u, expected %zu", eh->e_shentsize, sizeof(Elf64_Shdr));
	if (!in_file(r, eh->e_shoff, sizeof(Elf64_Shdr)))
		return bad(r, "truncated: section header table at 0x%llx past end of file (%zu bytes)",
			   (unsigned long long)eh->e_shoff, r->size);

	/* libelf counts the sections (section 0 holds the count when e_shnum is 0)
	 * and gives 0 when the table does not fit in the file. */
	if (elf_getshdrnum(r->elf, &r->shnum))
		return bad_elf(r, "cannot count the sections");
	if (r->shnum == 0 || r->shnum > (r->size - eh->e_shoff) / sizeof(Elf64_Shdr)) {
		if (eh->e_shnum)
			return bad(r, "truncated: %u section headers at 0x%llx do not fit in %zu bytes",
				   eh->e_shnum, (unsigned long long)eh->e_shoff, r->size);
		return bad(r, "truncated: the section headers at 0x%llx (count in section 0) do not fit in %zu bytes",
			   (unsigned long long)eh->e_shoff, r->size);
	}
	if (elf_getshdrstrndx(r->elf, &r->shstrndx))
		return bad_elf(r, "cannot find the section name table");
	if (r->shstrndx == SHN_UNDEF || r->shstrndx >= r->shnum)
		return bad(r, "section name table index %zu out of range (%zu sections)",
			   r->shstrndx, r->shnum);
	return 0;
}

/*
 * The raw contents of a section read from the file: libelf's view of the
 * private mapping, never a copy.  Sets sec->data.
 */
static unsigned char *load_contents(struct section *sec)
{
	struct obj_internal *in = obj_int(sec->obj);
	Elf_Scn *scn = NULL;
	Elf_Data *d;

	if (sec >= in->sec_block && sec < in->sec_block + in->nr_sec_block)
		scn = file_scn(in, sec - in->sec_block);
	if (!scn) {
		pr_err("%s: %s: no contents", sec->obj->path, sec->name);
		errno = EINVAL;
		return NULL;
	}
	d = elf_rawdata(scn, NULL);
	if (!d || !d->d_buf || d->d_size < sec->size) {
		pr_err("%s: malformed ELF: section %s: cannot read its contents: %s",
		       sec->obj->path, sec->name, d ? "short data" : elf_errmsg(-1));
		errno = EINVAL;
		return NULL;
	}
	sec->data = d->d_buf;
	return sec->data;
}

/* A string table's contents (NUL-terminated, checked) for elf_strptr(). */
static const char *strtab_contents(struct reader *r, size_t idx, size_t size)
{
	Elf_Data *d = elf_rawdata(elf_getscn(r->elf, idx), NULL);

	if (!d || !d->d_buf || d->d_size != size)
		return NULL;
	return d->d_buf;
}

static int read_sections(struct reader *r)
{
	struct object *obj = r->obj;
	struct obj_internal *in = r->in;
	GElf_Shdr strsh;
	const char *strs;
	size_t i;

	if (!gelf_getshdr(elf_getscn(r->elf, r->shstrndx), &strsh))
		return bad_elf(r, "section name table (section %zu)", r->shstrndx);
	if (strsh.sh_type != SHT_STRTAB)
		return bad(r, "section name table (section %zu) is not SHT_STRTAB", r->shstrndx);
	if (!in_file(r, strsh.sh_offset, strsh.sh_size) || !strsh.sh_size)
		return bad(r, "section name table (section %zu) past end of file or empty",
			   r->shstrndx);
	strs = strtab_contents(r, r->shstrndx, strsh.sh_size);
	if (!strs)
		return bad_elf(r, "section name table (section %zu)", r->shstrndx);
	if (strs[strsh.sh_size - 1])
		return bad(r, "section name table is not NUL-terminated");
	in->str_base[0] = strs;
	in->str_size[0] = strsh.sh_size;

	in->sec_block = calloc(r->shnum, sizeof(struct section));
	in->sec_by_idx = calloc(r->shnum, sizeof(struct section *));
	if (!in->sec_block || !in->sec_by_idx)
		return -ENOMEM;
	in->nr_sec_block = r->shnum;
	in->alloc_sec_idx = r->shnum;
	obj->nr_sections = r->shnum;
	if (htab_init(&in->sec_names, r->shnum))
		return -ENOMEM;

	for (i = 1; i < r->shnum; i++) {
		struct section *sec = &in->sec_block[i];
		GElf_Shdr sh;

		if (!gelf_getshdr(elf_getscn(r->elf, i), &sh))
			return bad_elf(r, "section %zu: cannot read its header", i);
		sec->obj = obj;
		sec->idx = i;
		sec->sh = sh;
		TAILQ_INIT(&sec->relocs);
		if (sh.sh_name >= strsh.sh_size)
			return bad(r, "section %zu: sh_name %u past the section name table (%llu bytes)",
				   i, sh.sh_name, (unsigned long long)strsh.sh_size);
		sec->name = elf_strptr(r->elf, r->shstrndx, sh.sh_name);
		if (!sec->name)
			return bad_elf(r, "section %zu: sh_name %u", i, sh.sh_name);
		sec_classify(sec);
		if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL &&
		    !in_file(r, sh.sh_offset, sh.sh_size))
			return bad(r, "section %zu (%s): contents [0x%llx, +0x%llx) past end of file (%zu bytes)",
				   i, sec->name, (unsigned long long)sh.sh_offset,
				   (unsigned long long)sh.sh_size, r->size);
		if (sh.sh_link >= r->shnum)
			return bad(r, "section %zu (%s): sh_link %u out of range (%zu sections)",
				   i, sec->name, sh.sh_link, r->shnum);
		if ((sh.sh_type == SHT_RELA || sh.sh_type == SHT_REL ||
		     (sh.sh_flags & SHF_INFO_LINK)) && sh.sh_info >= r->shnum)
			return bad(r, "section %zu (%s): sh_info %u out of range (%zu sections)",
				   i, sec->name, sh.sh_info, r->shnum);
		/* an SHT_NULL section has no contents, whatever its header says */
		sec->size = sh.sh_type == SHT_NULL ? 0 : sh.sh_size;
		in->sec_by_idx[i] = sec;
		TAILQ_INSERT_TAIL(&obj->sections, sec, list);
		if (sec_hash_add(obj, sec))
			return -ENOMEM;
		if (sh.sh_type != SHT_NOBITS && sec->size && !(in->flags & OBJ_LAZY) &&
		    !load_contents(sec))
			return -EINVAL;
	}
	for (i = 1; i < r->shnum; i++) {
		struct section *sec = in->sec_by_idx[i];

		if (sec->sh.sh_link)
			sec->link = in->sec_by_idx[sec->sh.sh_link];
	}
	obj->shstrtab = in->sec_by_idx[r->shstrndx];
	return 0;
}

static int find_symtab(struct reader *r)
{
	struct object *obj = r->obj;
	struct section *sec, *symtab = NULL, *shndx = NULL;
	const char *strs;

	TAILQ_FOREACH(sec, &obj->sections, list) {
		if (sec->sh.sh_type == SHT_SYMTAB) {
			if (symtab)
				return bad(r, "more than one SHT_SYMTAB (%s, %s)",
					   symtab->name, sec->name);
			symtab = sec;
		} else if (sec->sh.sh_type == SHT_REL && obj->ehdr.e_type == ET_REL) {
			return bad(r, "section %s: SHT_REL relocations are not used on x86-64",
				   sec->name);
		}
	}
	if (!symtab)
		return 0;
	TAILQ_FOREACH(sec, &obj->sections, list) {
		if (sec->sh.sh_type == SHT_SYMTAB_SHNDX && sec->link == symtab) {
			if (shndx)
				return bad(r, "more than one SHT_SYMTAB_SHNDX for %s", symtab->name);
			shndx = sec;
		}
	}

	if (symtab->sh.sh_entsize != SYM_SIZE)
		return bad(r, "%s: sh_entsize %llu, expected %zu", symtab->name,
			   (unsigned long long)symtab->sh.sh_entsize, SYM_SIZE);
	if (symtab->sh.sh_size % SYM_SIZE)
		return bad(r, "%s: size %llu is not a multiple of %zu", symtab->name,
			   (unsigned long long)symtab->sh.sh_size, SYM_SIZE);
	r->nsyms = symtab->sh.sh_size / SYM_SIZE;
	if (!r->nsyms)
		return bad(r, "%s: empty symbol table (no null symbol)", symtab->name);
	if (symtab->sh.sh_info > r->nsyms)
		return bad(r, "%s: sh_info %u (first global) past the %zu symbols",
			   symtab->name, symtab->sh.sh_info, r->nsyms);
	if (!symtab->link || symtab->link->sh.sh_type != SHT_STRTAB)
		return bad(r, "%s: sh_link %u is not a string table", symtab->name,
			   symtab->sh.sh_link);
	strs = symtab->link->sh.sh_size ?
		strtab_contents(r, symtab->sh.sh_link, symtab->link->sh.sh_size) : NULL;
	if (!strs || strs[symtab->link->sh.sh_size - 1])
		return bad(r, "%s: string table %s is empty or not NUL-terminated",
			   symtab->name, symtab->link->name);
	r->in->str_base[1] = strs;
	r->in->str_size[1] = symtab->link->sh.sh_size;
	r->symdata = elf_getdata(elf_getscn(r->elf, symtab->idx), NULL);
	if (!r->symdata || r->symdata->d_size != symtab->sh.sh_size)
		return bad_elf(r, "%s: cannot read the symbols", symtab->name);
	if (shndx) {
		if (shndx->sh.sh_size / sizeof(Elf32_Word) < r->nsyms)
			return bad(r, "%s: %llu bytes, too small for %zu symbols", shndx->name,
				   (unsigned long long)shndx->sh.sh_size, r->nsyms);
		r->xdata = elf_getdata(elf_getscn(r->elf, shndx->idx), NULL);
		if (!r->xdata || r->xdata->d_size / sizeof(Elf32_Word) < r->nsyms)
			return bad_elf(r, "%s: cannot read the extended section indexes",
				       shndx->name);
	}
	obj->symtab = symtab;
	obj->strtab = symtab->link;
	return 0;
}

static int read_symbols(struct reader *r)
{
	struct object *obj = r->obj;
	struct obj_internal *in = r->in;
	struct section *symtab = obj->symtab, *strtab;
	bool exec = obj->ehdr.e_type != ET_REL;
	size_t i;

	if (!symtab) {
		/* Still give relocations a null symbol to point at. */
		r->nsyms = 0;
		in->sym_block = calloc(1, sizeof(struct symbol));
		in->sym_by_idx = calloc(1, sizeof(struct symbol *));
		if (!in->sym_block || !in->sym_by_idx)
			return -ENOMEM;
		in->sym_block->obj = obj;
		in->sym_block->name = strdup("");
		if (!in->sym_block->name || sym_set_bare_name(in->sym_block))
			return -ENOMEM;
		in->nr_sym_block = 1;
		in->alloc_sym_idx = 1;
		in->sym_by_idx[0] = in->sym_block;
		obj->nr_symbols = 1;
		TAILQ_INSERT_TAIL(&obj->symbols, in->sym_block, list);
		return htab_init(&in->sym_names, 16);
	}

	strtab = symtab->link;
	in->sym_block = calloc(r->nsyms, sizeof(struct symbol));
	in->sym_by_idx = calloc(r->nsyms, sizeof(struct symbol *));
	if (!in->sym_block || !in->sym_by_idx)
		return -ENOMEM;
	in->nr_sym_block = r->nsyms;
	in->alloc_sym_idx = r->nsyms;
	obj->nr_symbols = r->nsyms;
	if (htab_init(&in->sym_names, r->nsyms))
		return -ENOMEM;

	for (i = 0; i < r->nsyms; i++) {
		struct symbol *sym = &in->sym_block[i];
		Elf32_Word xshndx = 0;
		size_t shndx;

		if (!gelf_getsymshndx(r->symdata, r->xdata, i, &sym->sym, &xshndx))
			return bad_elf(r, "%s: symbol %zu", symtab->name, i);
		sym->obj = obj;
		sym->idx = i;
		if (sym->sym.st_name >= strtab->sh.sh_size)
			return bad(r, "%s: symbol %zu: st_name %u past the string table %s (%llu bytes)",
				   symtab->name, i, sym->sym.st_name, strtab->name,
				   (unsigned long long)strtab->sh.sh_size);
		sym->name = elf_strptr(r->elf, symtab->sh.sh_link, sym->sym.st_name);
		if (!sym->name)
			return bad_elf(r, "%s: symbol %zu: st_name %u", symtab->name, i,
				       sym->sym.st_name);
		if (sym_set_bare_name(sym))
			return -ENOMEM;
		sym->type = ELF64_ST_TYPE(sym->sym.st_info);
		sym->bind = ELF64_ST_BIND(sym->sym.st_info);
		sym->size = sym->sym.st_size;
		sym->offset = sym->sym.st_value;

		shndx = sym->sym.st_shndx;
		if (shndx == SHN_XINDEX) {
			if (!r->xdata)
				return bad(r, "%s: symbol %zu (%s) uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX",
					   symtab->name, i, sym->name);
			shndx = xshndx;
			if (shndx == SHN_UNDEF || shndx >= r->shnum)
				return bad(r, "%s: symbol %zu (%s): extended section index %zu out of range (%zu sections)",
					   symtab->name, i, sym->name, shndx, r->shnum);
		} else if (shndx >= SHN_LORESERVE) {
			shndx = 0;	/* ABS, COMMON, LIVEPATCH, ...: no section */
		} else if (shndx >= r->shnum) {
			return bad(r, "%s: symbol %zu (%s): st_shndx %zu out of range (%zu sections)",
				   symtab->name, i, sym->name, shndx, r->shnum);
		}
		if (shndx) {
			sym->sec = in->sec_by_idx[shndx];
			if (exec && (sym->sec->sh.sh_flags & SHF_ALLOC) &&
			    sym->type != STT_TLS && sym->offset >= sym->sec->sh.sh_addr)
				sym->offset -= sym->sec->sh.sh_addr;
			if (sym->type == STT_SECTION && !sym->sec->secsym)
				sym->sec->secsym = sym;
		}
		in->sym_by_idx[i] = sym;
		TAILQ_INSERT_TAIL(&obj->symbols, sym, list);
		if (sym_hash_add(obj, sym))
			return -ENOMEM;
	}
	return 0;
}

static int read_groups(struct reader *r)
{
	struct section *sec;

	TAILQ_FOREACH(sec, &r->obj->sections, list) {
		const Elf32_Word *words;
		Elf_Data *d;
		size_t n, i;

		if (sec->sh.sh_type != SHT_GROUP)
			continue;
		if (sec->link != r->obj->symtab || !r->obj->symtab)
			return bad(r, "group %s: sh_link %u is not the symbol table", sec->name,
				   sec->sh.sh_link);
		if (sec->sh.sh_info >= r->nsyms)
			return bad(r, "group %s: signature symbol %u out of range (%zu symbols)",
				   sec->name, sec->sh.sh_info, r->nsyms);
		sec->group_sym = r->in->sym_by_idx[sec->sh.sh_info];
		if (sec->sh.sh_size < 4 || sec->sh.sh_size % 4)
			return bad(r, "group %s: size %llu is not a flag word plus 4-byte indexes",
				   sec->name, (unsigned long long)sec->sh.sh_size);
		d = elf_getdata(elf_getscn(r->elf, sec->idx), NULL);
		if (!d || d->d_size != sec->sh.sh_size)
			return bad_elf(r, "group %s: cannot read its members", sec->name);
		words = d->d_buf;
		n = sec->sh.sh_size / 4;
		for (i = 1; i < n; i++) {
			Elf32_Word m = words[i];

			if (m == 0 || m >= r->shnum)
				return bad(r, "group %s: member section %u out of range (%zu sections)",
					   sec->name, m, r->shnum);
			r->in->sec_by_idx[m]->group = sec;
		}
	}
	return 0;
}

/* Bytes an x86-64 relocation of @type patches. */
static unsigned int reloc_width(uint32_t type)
{
	switch (type) {
	case R_X86_64_NONE:
		return 0;
	case R_X86_64_8:
	case R_X86_64_PC8:
		return 1;
	case R_X86_64_16:
	case R_X86_64_PC16:
		return 2;
	case R_X86_64_64:
	case R_X86_64_PC64:
	case R_X86_64_GOTOFF64:
	case R_X86_64_GOTPC64:
	case R_X86_64_SIZE64:
		return 8;
	default:
		return 4;
	}
}

static int read_relocs(struct reader *r)
{
	struct object *obj = r->obj;
	struct obj_internal *in = r->in;
	struct section *sec;
	size_t total = 0, next = 0;

	TAILQ_FOREACH(sec, &obj->sections, list) {
		if (sec->sh.sh_type != SHT_RELA)
			continue;
		if (obj->ehdr.e_type != ET_REL &&
		    (!obj->symtab || sec->link != obj->symtab || !sec->sh.sh_info))
			continue;	/* dynamic relocations of an executable */
		if (!obj->symtab || sec->link != obj->symtab)
			return bad(r, "%s: sh_link %u is not the symbol table", sec->name,
				   sec->sh.sh_link);
		if (!sec->sh.sh_info)
			return bad(r, "%s: sh_info 0 names no section to relocate", sec->name);
		if (sec->sh.sh_entsize != RELA_SIZE)
			return bad(r, "%s: sh_entsize %llu, expected %zu", sec->name,
				   (unsigned long long)sec->sh.sh_entsize, RELA_SIZE);
		if (sec->sh.sh_size % RELA_SIZE)
			return bad(r, "%s: size %llu is not a multiple of %zu", sec->name,
				   (unsigned long long)sec->sh.sh_size, RELA_SIZE);
		sec->base = in->sec_by_idx[sec->sh.sh_info];
		if (sec->base == sec || sec->base->sh.sh_type == SHT_RELA)
			return bad(r, "%s: relocates a relocation section (%s)", sec->name,
				   sec->base->name);
		if (sec_is_klp_rela(sec)) {
			/* a livepatch module's .klp.rela.<obj>.<sec>: listed, base set */
			in->has_klp_rela = true;
		} else if (sec->base->rela) {
			return bad(r, "%s and %s both relocate %s", sec->base->rela->name,
				   sec->name, sec->base->name);
		} else {
			sec->base->rela = sec;
		}
		total += sec->sh.sh_size / RELA_SIZE;
	}
	if (!total || (in->flags & OBJ_NO_RELOCS))
		return 0;

	in->reloc_block = calloc(total, sizeof(struct reloc));
	if (!in->reloc_block)
		return -ENOMEM;
	in->nr_reloc_block = total;

	TAILQ_FOREACH(sec, &obj->sections, list) {
		Elf_Data *d;
		size_t n, i;

		if (!sec->base)
			continue;
		n = sec->sh.sh_size / RELA_SIZE;
		d = n ? elf_getdata(elf_getscn(r->elf, sec->idx), NULL) : NULL;
		if (n && (!d || d->d_size != sec->sh.sh_size))
			return bad_elf(r, "%s: cannot read the relocations", sec->name);
		for (i = 0; i < n; i++) {
			struct reloc *reloc = &in->reloc_block[next++];
			GElf_Rela rela;
			size_t symi;

			if (!gelf_getrela(d, i, &rela))
				return bad_elf(r, "%s: relocation %zu", sec->name, i);
			symi = ELF64_R_SYM(rela.r_info);
			if (symi >= obj->nr_symbols)
				return bad(r, "%s: relocation %zu at 0x%llx: symbol index %zu out of range (%zu symbols)",
					   sec->name, i, (unsigned long long)rela.r_offset, symi,
					   (size_t)obj->nr_symbols);
			if (obj->ehdr.e_type == ET_REL &&
			    (rela.r_offset > sec->base->sh.sh_size ||
			     sec->base->sh.sh_size - rela.r_offset <
				     reloc_width(ELF64_R_TYPE(rela.r_info))))
				return bad(r, "%s: relocation %zu at 0x%llx (type %llu) is past the end of %s (%llu bytes)",
					   sec->name, i, (unsigned long long)rela.r_offset,
					   (unsigned long long)ELF64_R_TYPE(rela.r_info),
					   sec->base->name, (unsigned long long)sec->base->sh.sh_size);
			reloc->sec = sec;
			reloc->offset = rela.r_offset;
			reloc->type = ELF64_R_TYPE(rela.r_info);
			reloc->addend = rela.r_addend;
			reloc->sym = in->sym_by_idx[symi];
			reloc->idx = i;
			TAILQ_INSERT_TAIL(&sec->relocs, reloc, list);
		}
		sec->nr_relocs = n;
	}
	return 0;
}

/* An empty object with its internals (no file, no sections), or NULL with errno. */
struct object *obj_alloc(void)
{
	struct object *obj = calloc(1, sizeof(*obj));
	struct obj_internal *in = calloc(1, sizeof(*in));

	if (!obj || !in) {
		free(obj);
		free(in);
		errno = ENOMEM;
		return NULL;
	}
	obj->internal = in;
	in->fd = -1;
	TAILQ_INIT(&obj->sections);
	TAILQ_INIT(&obj->symbols);
	return obj;
}

struct object *obj_open(const char *path, int flags)
{
	struct reader r = { .path = path };
	struct obj_internal *in;
	struct object *obj;
	struct stat st;
	int err;

	obj = obj_alloc();
	if (!obj)
		return NULL;
	in = obj_int(obj);
	in->flags = flags;
	obj->path = strdup(path);
	if (!obj->path) {
		err = -ENOMEM;
		goto fail;
	}
	err = hp_libelf_init(path);
	if (err)
		goto fail;

	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0) {
		err = -errno;
		pr_err("%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(in->fd, &st) < 0) {
		err = -errno;
		pr_err("%s: cannot stat: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		pr_err("%s: not a regular file", path);
		goto fail;
	}
	r.size = st.st_size;
	if (r.size < sizeof(Elf64_Ehdr)) {
		err = bad(&r, "truncated: %zu bytes, an ELF64 header needs %zu",
			  r.size, sizeof(Elf64_Ehdr));
		goto fail;
	}
	/* A private writable mapping: callers may edit contents in place. */
	in->elf = elf_begin(in->fd, ELF_C_READ_MMAP_PRIVATE, NULL);
	if (!in->elf) {
		err = bad_elf(&r, "libelf cannot read it (%zu bytes)", r.size);
		goto fail;
	}
	r.elf = in->elf;
	r.obj = obj;
	r.in = in;

	err = read_ehdr(&r, flags);
	if (!err)
		err = read_sections(&r);
	if (!err && (flags & OBJ_SECTIONS_ONLY)) {
		err = read_symbols(&r);		/* without a symtab: the null symbol */
	} else {
		if (!err)
			err = find_symtab(&r);
		if (!err)
			err = read_symbols(&r);
		if (!err)
			err = read_groups(&r);
		if (!err)
			err = read_relocs(&r);
		if (!err)
			err = obj_link_subfunctions(obj);
	}
	if (err)
		goto fail;
	return obj;

fail:
	obj_close(obj);
	errno = -err;
	return NULL;
}

unsigned char *sec_data(struct section *sec)
{
	static unsigned char empty[1];

	if (sec->sh.sh_type == SHT_NOBITS) {
		errno = 0;
		return NULL;
	}
	if (sec->data)
		return sec->data;
	if (!sec->size)
		return empty;
	return load_contents(sec);
}

static bool in_block(const void *p, const void *block, size_t n, size_t size)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)block;

	return block && a >= b && a < b + n * size;
}

void obj_close(struct object *obj)
{
	struct obj_internal *in;
	struct section *sec, *stmp;
	struct symbol *sym, *ytmp;
	struct reloc *reloc, *rtmp;

	if (!obj)
		return;
	in = obj->internal;

	for (sec = TAILQ_FIRST(&obj->sections); sec; sec = stmp) {
		stmp = TAILQ_NEXT(sec, list);
		for (reloc = TAILQ_FIRST(&sec->relocs); reloc; reloc = rtmp) {
			rtmp = TAILQ_NEXT(reloc, list);
			if (!in_block(reloc, in->reloc_block, in->nr_reloc_block, sizeof(*reloc)))
				free(reloc);
		}
		if (sec->data_owned)
			free(sec->data);
		if (obj_owns_name(obj, sec->name))
			free(sec->name);
		free(sec->sym_by_off);
		free(sec->reloc_by_off);
		if (!in_block(sec, in->sec_block, in->nr_sec_block, sizeof(*sec)))
			free(sec);
	}
	for (sym = TAILQ_FIRST(&obj->symbols); sym; sym = ytmp) {
		ytmp = TAILQ_NEXT(sym, list);
		sym_free_bare_name(sym);
		if (obj_owns_name(obj, sym->name))
			free(sym->name);
		if (!in_block(sym, in->sym_block, in->nr_sym_block, sizeof(*sym)))
			free(sym);
	}
	htab_free(&in->sec_names);
	htab_free(&in->sym_names);
	free(in->sec_by_idx);
	free(in->sym_by_idx);
	free(in->sec_block);
	free(in->sym_block);
	free(in->reloc_block);
	if (in->elf)
		elf_end(in->elf);
	if (in->fd >= 0)
		close(in->fd);
	free(in);
	free(obj->path);
	free(obj);
}
