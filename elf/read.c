// SPDX-License-Identifier: GPL-2.0
/*
 * Reading an object: map the file, check every header, offset and index
 * against the file before using it, then build sections, symbols and
 * relocations.  Section contents stay in the (private, copy-on-write)
 * mapping: nothing is copied until a caller replaces it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct reader {
	struct object *obj;
	struct obj_internal *in;
	const char *path;
	const unsigned char *map;
	size_t size;
	size_t shnum;
	size_t shstrndx;
	Elf64_Shdr *shdrs;		/* copied: the table may be misaligned */
	const unsigned char *xindex;	/* SHT_SYMTAB_SHNDX contents, if any */
	size_t nr_xindex;
	size_t nsyms;
};

#define bad(r, fmt, ...) \
	({ pr_err("%s: malformed ELF: " fmt, (r)->path, ##__VA_ARGS__); -EINVAL; })

/* [off, off+len) inside the file, without overflow. */
static bool in_file(const struct reader *r, uint64_t off, uint64_t len)
{
	return off <= r->size && len <= r->size - off;
}

static int read_ehdr(struct reader *r, int flags)
{
	Elf64_Ehdr *eh = &r->obj->ehdr;
	Elf64_Shdr sh0;

	if (r->size < sizeof(*eh))
		return bad(r, "truncated: %zu bytes, an ELF64 header needs %zu",
			   r->size, sizeof(*eh));
	memcpy(eh, r->map, sizeof(*eh));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return bad(r, "not an ELF file (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return bad(r, "ELF class %u, expected ELFCLASS64", eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return bad(r, "data encoding %u, expected little endian", eh->e_ident[EI_DATA]);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT)
		return bad(r, "ELF version %u", eh->e_ident[EI_VERSION]);
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
	memcpy(&sh0, r->map + eh->e_shoff, sizeof(sh0));

	r->shnum = eh->e_shnum;
	if (r->shnum == 0)		/* extended numbering: count in section 0 */
		r->shnum = sh0.sh_size;
	if (r->shnum == 0 || r->shnum > (r->size - eh->e_shoff) / sizeof(Elf64_Shdr))
		return bad(r, "truncated: %zu section headers at 0x%llx do not fit in %zu bytes",
			   r->shnum, (unsigned long long)eh->e_shoff, r->size);
	r->shstrndx = eh->e_shstrndx;
	if (r->shstrndx == SHN_XINDEX)
		r->shstrndx = sh0.sh_link;
	if (r->shstrndx == SHN_UNDEF || r->shstrndx >= r->shnum)
		return bad(r, "section name table index %zu out of range (%zu sections)",
			   r->shstrndx, r->shnum);
	return 0;
}

static int read_sections(struct reader *r)
{
	struct object *obj = r->obj;
	struct obj_internal *in = r->in;
	const Elf64_Shdr *strsh;
	const char *strs;
	size_t i;

	r->shdrs = malloc(r->shnum * sizeof(Elf64_Shdr));
	if (!r->shdrs)
		return -ENOMEM;
	memcpy(r->shdrs, r->map + obj->ehdr.e_shoff, r->shnum * sizeof(Elf64_Shdr));

	strsh = &r->shdrs[r->shstrndx];
	if (strsh->sh_type != SHT_STRTAB)
		return bad(r, "section name table (section %zu) is not SHT_STRTAB", r->shstrndx);
	if (!in_file(r, strsh->sh_offset, strsh->sh_size) || !strsh->sh_size)
		return bad(r, "section name table (section %zu) past end of file or empty",
			   r->shstrndx);
	strs = (const char *)r->map + strsh->sh_offset;
	if (strs[strsh->sh_size - 1])
		return bad(r, "section name table is not NUL-terminated");

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
		const Elf64_Shdr *sh = &r->shdrs[i];

		sec->obj = obj;
		sec->idx = i;
		sec->sh = *sh;
		TAILQ_INIT(&sec->relocs);
		if (sh->sh_name >= strsh->sh_size)
			return bad(r, "section %zu: sh_name %u past the section name table (%llu bytes)",
				   i, sh->sh_name, (unsigned long long)strsh->sh_size);
		sec->name = (char *)strs + sh->sh_name;
		if (sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL &&
		    !in_file(r, sh->sh_offset, sh->sh_size))
			return bad(r, "section %zu (%s): contents [0x%llx, +0x%llx) past end of file (%zu bytes)",
				   i, sec->name, (unsigned long long)sh->sh_offset,
				   (unsigned long long)sh->sh_size, r->size);
		if (sh->sh_link >= r->shnum)
			return bad(r, "section %zu (%s): sh_link %u out of range (%zu sections)",
				   i, sec->name, sh->sh_link, r->shnum);
		if ((sh->sh_type == SHT_RELA || sh->sh_type == SHT_REL ||
		     (sh->sh_flags & SHF_INFO_LINK)) && sh->sh_info >= r->shnum)
			return bad(r, "section %zu (%s): sh_info %u out of range (%zu sections)",
				   i, sec->name, sh->sh_info, r->shnum);
		/* an SHT_NULL section has no contents, whatever its header says */
		sec->size = sh->sh_type == SHT_NULL ? 0 : sh->sh_size;
		if (sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL && !(in->flags & OBJ_LAZY))
			sec->data = (unsigned char *)r->map + sh->sh_offset;
		in->sec_by_idx[i] = sec;
		TAILQ_INSERT_TAIL(&obj->sections, sec, list);
		if (sec_hash_add(obj, sec))
			return -ENOMEM;
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
	if (!symtab->link->sh.sh_size ||
	    r->map[symtab->link->sh.sh_offset + symtab->link->sh.sh_size - 1])
		return bad(r, "%s: string table %s is empty or not NUL-terminated",
			   symtab->name, symtab->link->name);
	if (shndx) {
		if (shndx->sh.sh_size / sizeof(Elf32_Word) < r->nsyms)
			return bad(r, "%s: %llu bytes, too small for %zu symbols", shndx->name,
				   (unsigned long long)shndx->sh.sh_size, r->nsyms);
		r->xindex = r->map + shndx->sh.sh_offset;
		r->nr_xindex = r->nsyms;
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
	const unsigned char *p;
	const char *strs;
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
		if (!in->sym_block->name)
			return -ENOMEM;
		in->nr_sym_block = 1;
		in->alloc_sym_idx = 1;
		in->sym_by_idx[0] = in->sym_block;
		obj->nr_symbols = 1;
		TAILQ_INSERT_TAIL(&obj->symbols, in->sym_block, list);
		return htab_init(&in->sym_names, 16);
	}

	strtab = symtab->link;
	strs = (const char *)r->map + strtab->sh.sh_offset;
	p = r->map + symtab->sh.sh_offset;

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
		size_t shndx;

		memcpy(&sym->sym, p + i * SYM_SIZE, SYM_SIZE);
		sym->obj = obj;
		sym->idx = i;
		if (sym->sym.st_name >= strtab->sh.sh_size)
			return bad(r, "%s: symbol %zu: st_name %u past the string table %s (%llu bytes)",
				   symtab->name, i, sym->sym.st_name, strtab->name,
				   (unsigned long long)strtab->sh.sh_size);
		sym->name = (char *)strs + sym->sym.st_name;
		sym->type = ELF64_ST_TYPE(sym->sym.st_info);
		sym->bind = ELF64_ST_BIND(sym->sym.st_info);
		sym->size = sym->sym.st_size;
		sym->offset = sym->sym.st_value;

		shndx = sym->sym.st_shndx;
		if (shndx == SHN_XINDEX) {
			uint32_t x;

			if (!r->xindex)
				return bad(r, "%s: symbol %zu (%s) uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX",
					   symtab->name, i, sym->name);
			memcpy(&x, r->xindex + i * sizeof(x), sizeof(x));
			shndx = x;
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
		const unsigned char *p;
		size_t n, i;

		if (sec->sh.sh_type != SHT_GROUP)
			continue;
		p = r->map + sec->sh.sh_offset;	/* checked against the file: not SHT_NOBITS */
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
		n = sec->sh.sh_size / 4;
		for (i = 1; i < n; i++) {
			uint32_t m;

			memcpy(&m, p + i * 4, 4);
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
		const unsigned char *p;
		size_t n, i;

		if (!sec->base)
			continue;
		p = r->map + sec->sh.sh_offset;
		n = sec->sh.sh_size / RELA_SIZE;
		for (i = 0; i < n; i++) {
			struct reloc *reloc = &in->reloc_block[next++];
			Elf64_Rela rela;
			size_t symi;

			memcpy(&rela, p + i * RELA_SIZE, RELA_SIZE);
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

struct object *obj_open(const char *path, int flags)
{
	struct reader r = { .path = path };
	struct obj_internal *in;
	struct object *obj;
	struct stat st;
	int fd, err;

	obj = calloc(1, sizeof(*obj));
	in = calloc(1, sizeof(*in));
	if (!obj || !in) {
		free(obj);
		free(in);
		errno = ENOMEM;
		return NULL;
	}
	obj->internal = in;
	in->flags = flags;
	TAILQ_INIT(&obj->sections);
	TAILQ_INIT(&obj->symbols);
	obj->path = strdup(path);
	if (!obj->path) {
		err = -ENOMEM;
		goto fail;
	}

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		pr_err("%s: cannot stat: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		pr_err("%s: not a regular file", path);
		close(fd);
		goto fail;
	}
	r.size = st.st_size;
	if (r.size) {
		void *map = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);

		if (map == MAP_FAILED) {
			err = -errno;
			pr_err("%s: cannot map: %s", path, strerror(errno));
			close(fd);
			goto fail;
		}
		in->map = map;
		in->map_size = r.size;
	}
	close(fd);
	r.map = in->map;
	r.obj = obj;
	r.in = in;

	err = read_ehdr(&r, flags);
	if (!err)
		err = read_sections(&r);
	if (!err)
		err = find_symtab(&r);
	if (!err)
		err = read_symbols(&r);
	if (!err)
		err = read_groups(&r);
	if (!err)
		err = read_relocs(&r);
	free(r.shdrs);
	if (err)
		goto fail;
	return obj;

fail:
	if (err == -ENOMEM)
		pr_err("%s: out of memory", path);
	obj_close(obj);
	errno = -err;
	return NULL;
}

unsigned char *sec_data(struct section *sec)
{
	static unsigned char empty[1];
	struct obj_internal *in = obj_int(sec->obj);

	if (sec->sh.sh_type == SHT_NOBITS) {
		errno = 0;
		return NULL;
	}
	if (sec->data)
		return sec->data;
	if (!sec->size)
		return empty;
	if (in->map && sec->sh.sh_offset <= in->map_size &&
	    sec->size <= in->map_size - sec->sh.sh_offset) {
		sec->data = in->map + sec->sh.sh_offset;
		return sec->data;
	}
	pr_err("%s: %s: no contents", sec->obj->path, sec->name);
	errno = EINVAL;
	return NULL;
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
	if (in->map)
		munmap(in->map, in->map_size);
	free(in);
	free(obj->path);
	free(obj);
}
