// SPDX-License-Identifier: GPL-2.0
/*
 * Writing an object: check that no live element refers to a deleted one,
 * renumber (locals before globals), regenerate the tables that hold
 * indexes or names (.symtab, .symtab_shndx, string tables, relocation
 * sections, group member lists), lay the sections out in order and write
 * everything to a temporary file that is renamed over @path.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int obj_renumber(struct object *obj)
{
	struct obj_internal *in = obj_int(obj);
	struct symbol_list locals, globals, dead;
	struct section *sec;
	struct symbol *sym, *tmp;
	struct reloc *reloc;
	unsigned int n = 1;

	/* Sections, in list order. */
	memset(in->sec_by_idx, 0, in->alloc_sec_idx * sizeof(struct section *));
	TAILQ_FOREACH(sec, &obj->sections, list)
		if (!sec->deleted) {
			sec->idx = n;
			in->sec_by_idx[n++] = sec;	/* n <= the old count */
		}
	obj->nr_sections = n;

	/* Symbols: the null one, locals, then the others; the deleted at the end. */
	TAILQ_INIT(&locals);
	TAILQ_INIT(&globals);
	TAILQ_INIT(&dead);
	for (sym = TAILQ_FIRST(&obj->symbols); sym; sym = tmp) {
		tmp = TAILQ_NEXT(sym, list);
		TAILQ_REMOVE(&obj->symbols, sym, list);
		if (sym->deleted)
			TAILQ_INSERT_TAIL(&dead, sym, list);
		else if (sym->bind == STB_LOCAL)
			TAILQ_INSERT_TAIL(&locals, sym, list);
		else
			TAILQ_INSERT_TAIL(&globals, sym, list);
	}
	TAILQ_CONCAT(&obj->symbols, &locals, list);
	TAILQ_CONCAT(&obj->symbols, &globals, list);
	TAILQ_CONCAT(&obj->symbols, &dead, list);
	memset(in->sym_by_idx, 0, in->alloc_sym_idx * sizeof(struct symbol *));
	n = 0;
	TAILQ_FOREACH(sym, &obj->symbols, list)
		if (!sym->deleted) {
			sym->idx = n;
			in->sym_by_idx[n++] = sym;
		}
	obj->nr_symbols = n;

	/* Relocations, per section. */
	TAILQ_FOREACH(sec, &obj->sections, list) {
		if (sec->deleted || !sec_is_rela(sec))
			continue;
		n = 0;
		TAILQ_FOREACH(reloc, &sec->relocs, list)
			if (!reloc->deleted)
				reloc->idx = n++;
		sec->nr_relocs = n;
	}
	return 0;
}

/* ---- string tables ---- */

struct strbuf {
	char *buf;
	size_t len, cap;
};

static int64_t strbuf_add(struct strbuf *sb, const char *s)
{
	size_t l = strlen(s) + 1;
	size_t off = sb->len;

	if (!s[0] && sb->len)
		return 0;
	if (sb->len + l > sb->cap) {
		size_t n = sb->cap ? sb->cap * 2 : 4096;
		char *p;

		while (n < sb->len + l)
			n *= 2;
		p = realloc(sb->buf, n);
		if (!p)
			return -ENOMEM;
		sb->buf = p;
		sb->cap = n;
	}
	memcpy(sb->buf + sb->len, s, l);
	sb->len += l;
	return off;
}

/* ---- checks before writing ---- */

#define wbad(obj, fmt, ...) \
	({ pr_err("%s: cannot write: " fmt, (obj)->path, ##__VA_ARGS__); -EINVAL; })

static bool live(const struct section *sec)
{
	return sec && !sec->deleted;
}

static int check_refs(struct object *obj)
{
	struct section *sec;
	struct symbol *sym;
	struct reloc *reloc;

	if (obj->ehdr.e_type != ET_REL)
		return wbad(obj, "only relocatable objects (ET_REL) can be written");
	if (obj_int(obj)->flags & OBJ_NO_RELOCS)
		return wbad(obj, "it was opened with OBJ_NO_RELOCS (its relocations were not read)");
	if (!live(obj->symtab) || !live(obj->strtab) || !live(obj->shstrtab))
		return wbad(obj, "the symbol table or a string table was deleted");

	for_each_symbol(obj, sym) {
		if (sym->sec && sym->sec->deleted)
			return wbad(obj, "symbol %s is defined in deleted section %s: delete the symbol too",
				    sym->name, sym->sec->name);
		if (sym->sec && sym->sec->obj != obj)
			return wbad(obj, "symbol %s is defined in a section of another object",
				    sym->name);
	}
	for_each_section(obj, sec) {
		if (sec->link && sec->link->deleted)
			return wbad(obj, "section %s links to deleted section %s",
				    sec->name, sec->link->name);
		if (sec->sh.sh_type == SHT_GROUP &&
		    (!sec->group_sym || sec->group_sym->deleted))
			return wbad(obj, "group %s has no (or a deleted) signature symbol", sec->name);
		if (!sec_is_rela(sec))
			continue;
		if (!live(sec->base))
			return wbad(obj, "relocation section %s patches a deleted or missing section",
				    sec->name);
		for_each_reloc(sec, reloc) {
			if (!reloc->sym || reloc->sym->deleted || reloc->sym->obj != obj)
				return wbad(obj, "%s+0x%llx: relocation against %s symbol %s",
					    sec->base->name, (unsigned long long)reloc->offset,
					    reloc->sym && reloc->sym->deleted ? "deleted" : "foreign",
					    reloc->sym ? reloc->sym->name : "(none)");
		}
	}
	return 0;
}

/* .symtab_shndx becomes necessary at SHN_LORESERVE sections. */
static int ensure_shndx(struct object *obj, struct section **shndx)
{
	struct section *sec;
	size_t n = 0;

	*shndx = NULL;
	for_each_section(obj, sec) {
		n++;
		if (sec->sh.sh_type == SHT_SYMTAB_SHNDX && sec->link == obj->symtab)
			*shndx = sec;
	}
	if (*shndx || n + 1 < SHN_LORESERVE)
		return 0;
	*shndx = obj_create_section(obj, ".symtab_shndx", SHT_SYMTAB_SHNDX, 0,
				    sizeof(Elf32_Word), 4, NULL, 0);
	if (!*shndx)
		return -ENOMEM;
	(*shndx)->link = obj->symtab;
	return 0;
}

/* ---- regenerated tables ---- */

static int build_strtabs(struct object *obj)
{
	struct strbuf shs = { 0 }, sts = { 0 }, *st;
	bool shared = obj->strtab == obj->shstrtab;
	struct section *sec;
	struct symbol *sym;
	int64_t off;

	st = shared ? &shs : &sts;
	if (strbuf_add(&shs, "") < 0 || strbuf_add(st, "") < 0)
		goto nomem;
	for_each_section(obj, sec) {
		off = strbuf_add(&shs, sec->name);
		if (off < 0)
			goto nomem;
		sec->sh.sh_name = off;
	}
	for_each_symbol(obj, sym) {
		off = strbuf_add(st, sym->name);
		if (off < 0)
			goto nomem;
		sym->sym.st_name = off;
	}
	sec_set_data(obj->shstrtab, shs.buf, shs.len);
	if (!shared)
		sec_set_data(obj->strtab, sts.buf, sts.len);
	return 0;

nomem:
	free(shs.buf);
	free(sts.buf);
	return -ENOMEM;
}

static int build_symtab(struct object *obj, struct section *shndx)
{
	size_t n = obj->nr_symbols, first_global = n;
	unsigned char *buf = calloc(n, SYM_SIZE);
	uint32_t *xbuf = shndx ? calloc(n, sizeof(uint32_t)) : NULL;
	struct symbol *sym;

	if (!buf || (shndx && !xbuf)) {
		free(buf);
		free(xbuf);
		return -ENOMEM;
	}
	for_each_symbol(obj, sym) {
		Elf64_Sym *s = &sym->sym;

		if (sym->bind != STB_LOCAL && first_global == n)
			first_global = sym->idx;
		s->st_info = ELF64_ST_INFO(sym->bind, sym->type);
		s->st_value = sym->offset;
		s->st_size = sym->size;
		if (sym->sec) {
			if (sym->sec->idx < SHN_LORESERVE) {
				s->st_shndx = sym->sec->idx;
			} else {
				s->st_shndx = SHN_XINDEX;
				if (!xbuf) {
					free(buf);
					return wbad(obj, "symbol %s needs an extended section index",
						    sym->name);
				}
				xbuf[sym->idx] = sym->sec->idx;
			}
		} else if (s->st_shndx != SHN_ABS && s->st_shndx != SHN_COMMON &&
			   s->st_shndx < SHN_LORESERVE) {
			s->st_shndx = SHN_UNDEF;	/* no section: undefined */
		} else if (s->st_shndx == SHN_XINDEX) {
			s->st_shndx = SHN_UNDEF;
		}
		if (sym->type == STT_SECTION && !sym->name[0])
			s->st_name = 0;
		memcpy(buf + sym->idx * SYM_SIZE, s, SYM_SIZE);
	}
	sec_set_data(obj->symtab, buf, n * SYM_SIZE);
	obj->symtab->sh.sh_info = first_global;
	obj->symtab->sh.sh_entsize = SYM_SIZE;
	if (shndx) {
		sec_set_data(shndx, xbuf, n * sizeof(uint32_t));
		shndx->sh.sh_entsize = sizeof(uint32_t);
	}
	return 0;
}

static int build_relas(struct object *obj)
{
	struct section *sec;
	struct reloc *reloc;

	for_each_section(obj, sec) {
		unsigned char *buf, *p;

		if (!sec_is_rela(sec))
			continue;
		buf = malloc(sec->nr_relocs ? sec->nr_relocs * RELA_SIZE : 1);
		if (!buf)
			return -ENOMEM;
		p = buf;
		for_each_reloc(sec, reloc) {
			Elf64_Rela r = {
				.r_offset = reloc->offset,
				.r_info = ELF64_R_INFO(reloc->sym->idx, reloc->type),
				.r_addend = reloc->addend,
			};

			memcpy(p, &r, RELA_SIZE);
			p += RELA_SIZE;
		}
		sec_set_data(sec, buf, sec->nr_relocs * RELA_SIZE);
		sec->link = obj->symtab;
		sec->sh.sh_entsize = RELA_SIZE;
		sec->sh.sh_info = sec->base->idx;
		sec->sh.sh_flags |= SHF_INFO_LINK;
	}
	return 0;
}

static int build_groups(struct object *obj)
{
	struct section *sec;
	uint32_t *count;
	int err = 0;

	count = calloc(obj->nr_sections, sizeof(*count));
	if (!count)
		return -ENOMEM;
	for_each_section(obj, sec) {
		if (!sec->group)
			continue;
		if (sec->group->deleted || sec->group->sh.sh_type != SHT_GROUP) {
			sec->sh.sh_flags &= ~(uint64_t)SHF_GROUP;
			continue;
		}
		sec->sh.sh_flags |= SHF_GROUP;
		count[sec->group->idx]++;
	}
	for_each_section(obj, sec) {
		uint32_t *buf, flag = 0;
		unsigned char *old;

		if (sec->sh.sh_type != SHT_GROUP)
			continue;
		old = sec->size >= 4 ? sec_data(sec) : NULL;
		if (old)
			memcpy(&flag, old, 4);
		buf = calloc(count[sec->idx] + 1, sizeof(*buf));
		if (!buf) {
			err = -ENOMEM;
			break;
		}
		buf[0] = flag;
		/* Reuse count[] as the fill position. */
		count[sec->idx] = 1;
		sec_set_data(sec, buf, 0);
		sec->sh.sh_info = sec->group_sym->idx;
	}
	if (!err) {
		for_each_section(obj, sec) {
			struct section *g = sec->group;

			if (!g || g->deleted || g->sh.sh_type != SHT_GROUP)
				continue;
			((uint32_t *)g->data)[count[g->idx]++] = sec->idx;
		}
		for_each_section(obj, sec)
			if (sec->sh.sh_type == SHT_GROUP)
				sec_set_data(sec, sec->data, count[sec->idx] * 4);
	}
	free(count);
	return err;
}

/* ---- layout and output ---- */

static int write_zeros(FILE *f, uint64_t n)
{
	static const char zeros[4096];

	while (n) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);

		if (fwrite(zeros, 1, k, f) != k)
			return -EIO;
		n -= k;
	}
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	if (a < 2 || (a & (a - 1)))
		return v;
	return (v + a - 1) & ~(a - 1);
}

static int layout_and_write(struct object *obj, FILE *f)
{
	struct obj_internal *in = obj_int(obj);
	size_t shnum = obj->nr_sections, i;
	uint64_t off = sizeof(Elf64_Ehdr), pos;
	Elf64_Ehdr eh = obj->ehdr;
	Elf64_Shdr sh0 = { 0 };
	int err;

	for (i = 1; i < shnum; i++) {
		struct section *sec = in->sec_by_idx[i];
		Elf64_Shdr *sh = &sec->sh;

		if (sh->sh_addralign > (1ULL << 30))
			return wbad(obj, "section %s: alignment 0x%llx is too large", sec->name,
				    (unsigned long long)sh->sh_addralign);
		if (sh->sh_type != SHT_NOBITS && sec->size && !sec_data(sec))
			return -errno ? -errno : -EINVAL;
		off = align_up(off, sh->sh_addralign);
		sh->sh_offset = off;
		sh->sh_size = sec->size;
		sh->sh_link = sec->link ? sec->link->idx : 0;
		if (sh->sh_type != SHT_NOBITS)
			off += sec->size;
	}
	off = align_up(off, 8);

	eh.e_type = ET_REL;
	eh.e_entry = 0;
	eh.e_phoff = 0;
	eh.e_phnum = 0;
	eh.e_phentsize = 0;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shoff = off;
	eh.e_shnum = shnum < SHN_LORESERVE ? shnum : 0;
	eh.e_shstrndx = obj->shstrtab->idx < SHN_LORESERVE ? obj->shstrtab->idx : SHN_XINDEX;
	if (shnum >= SHN_LORESERVE)
		sh0.sh_size = shnum;
	if (obj->shstrtab->idx >= SHN_LORESERVE)
		sh0.sh_link = obj->shstrtab->idx;
	obj->ehdr = eh;

	if (fwrite(&eh, sizeof(eh), 1, f) != 1)
		return -EIO;
	pos = sizeof(eh);
	for (i = 1; i < shnum; i++) {
		struct section *sec = in->sec_by_idx[i];

		if (sec->sh.sh_type == SHT_NOBITS || !sec->size)
			continue;
		err = write_zeros(f, sec->sh.sh_offset - pos);
		if (err)
			return err;
		if (fwrite(sec->data, 1, sec->size, f) != sec->size)
			return -EIO;
		pos = sec->sh.sh_offset + sec->size;
	}
	err = write_zeros(f, off - pos);
	if (err)
		return err;
	if (fwrite(&sh0, sizeof(sh0), 1, f) != 1)
		return -EIO;
	for (i = 1; i < shnum; i++)
		if (fwrite(&in->sec_by_idx[i]->sh, sizeof(Elf64_Shdr), 1, f) != 1)
			return -EIO;
	return 0;
}

int obj_write(struct object *obj, const char *path)
{
	struct section *shndx;
	char *tmp = NULL;
	FILE *f = NULL;
	int fd, err;

	err = check_refs(obj);
	if (err)
		return err;
	err = ensure_shndx(obj, &shndx);
	if (!err)
		err = obj_renumber(obj);
	if (!err)
		err = build_strtabs(obj);
	if (!err)
		err = build_symtab(obj, shndx);
	if (!err)
		err = build_relas(obj);
	if (!err)
		err = build_groups(obj);
	if (err) {
		if (err == -ENOMEM)
			pr_err("%s: out of memory writing %s", obj->path, path);
		return err;
	}

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		pr_err("%s: cannot create a temporary file next to it: %s", path, strerror(errno));
		free(tmp);
		return err;
	}
	if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "wb"))) {
		err = -errno;
		close(fd);
		goto fail;
	}
	err = layout_and_write(obj, f);
	if (err)
		goto fail;
	if (fflush(f) || ferror(f)) {
		err = -EIO;
		goto fail;
	}
	if (fclose(f)) {
		f = NULL;
		err = -EIO;
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) < 0) {
		err = -errno;
		goto fail;
	}
	free(tmp);
	return 0;

fail:
	if (err == -EIO || err == -ENOSPC)
		pr_err("%s: write failed: %s", path, strerror(errno ? errno : EIO));
	else if (err != -EINVAL)
		pr_err("%s: cannot write: %s", path, strerror(-err));
	if (f)
		fclose(f);
	unlink(tmp);
	free(tmp);
	return err;
}
