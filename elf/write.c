// SPDX-License-Identifier: GPL-2.0
/*
 * Writing an object: check that no live element refers to a deleted one,
 * renumber (locals before globals), regenerate the tables that hold
 * indexes or names (string tables and group member lists in the model;
 * .symtab, .symtab_shndx and relocation sections through gelf), then hand
 * every section to libelf (elf_newscn/elf_newdata in index order), which
 * lays the file out and writes it (elf_update) to a temporary file that
 * is renamed over @path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "fileio.h"
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
	if (ARRAY_GROW(sb->buf, sb->cap, sb->len + l))
		return -ENOMEM;
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
	if (obj_int(obj)->flags & OBJ_SECTIONS_ONLY)
		return wbad(obj, "it was opened with OBJ_SECTIONS_ONLY (its symbols were not read)");
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

/* ---- output through libelf ---- */

#define lerr(o, out, fmt, ...) \
	({ pr_err("%s: cannot write %s: " fmt ": libelf: %s", (o)->path, (out), \
		  ##__VA_ARGS__, elf_errmsg(-1)); -EIO; })

struct writer {
	struct object *obj;
	const char *path;		/* the final name, for messages */
	Elf *elf;
	Elf_Data **data;		/* per section index: its one data block */
	struct section *shndx;		/* .symtab_shndx, if any */
};

static Elf_Type data_type(const struct object *obj, const struct section *sec,
			  const struct section *shndx)
{
	if (sec == obj->symtab)
		return ELF_T_SYM;
	if (sec == shndx)
		return ELF_T_WORD;
	if (sec_is_rela(sec))
		return ELF_T_RELA;
	return ELF_T_BYTE;
}

/* .symtab (and .symtab_shndx): one gelf_update_symshndx() per symbol. */
static int emit_symtab(struct writer *w)
{
	struct object *obj = w->obj;
	size_t n = obj->nr_symbols, first_global = n;
	Elf_Data *sd = w->data[obj->symtab->idx];
	Elf_Data *xd = w->shndx ? w->data[w->shndx->idx] : NULL;
	void *buf = calloc(n, SYM_SIZE);
	void *xbuf = w->shndx ? calloc(n, sizeof(Elf32_Word)) : NULL;
	struct symbol *sym;

	if (!buf || (w->shndx && !xbuf)) {
		free(buf);
		free(xbuf);
		return -ENOMEM;
	}
	/* The model keeps the tables it wrote, as libelf's data blocks point at them. */
	sec_set_data(obj->symtab, buf, n * SYM_SIZE);
	sd->d_buf = buf;
	sd->d_size = n * SYM_SIZE;
	if (xd) {
		sec_set_data(w->shndx, xbuf, n * sizeof(Elf32_Word));
		xd->d_buf = xbuf;
		xd->d_size = n * sizeof(Elf32_Word);
	}
	for_each_symbol(obj, sym) {
		Elf64_Sym *s = &sym->sym;
		Elf32_Word x = 0;

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
				if (!xd)
					return wbad(obj, "symbol %s needs an extended section index",
						    sym->name);
				x = sym->sec->idx;
			}
		} else if (s->st_shndx != SHN_ABS && s->st_shndx != SHN_COMMON &&
			   s->st_shndx < SHN_LORESERVE) {
			s->st_shndx = SHN_UNDEF;	/* no section: undefined */
		} else if (s->st_shndx == SHN_XINDEX) {
			s->st_shndx = SHN_UNDEF;
		}
		if (sym->type == STT_SECTION && !sym->name[0])
			s->st_name = 0;
		if (!gelf_update_symshndx(sd, xd, sym->idx, s, x))
			return lerr(obj, w->path, "symbol %s", sym->name);
	}
	obj->symtab->sh.sh_info = first_global;
	obj->symtab->sh.sh_entsize = SYM_SIZE;
	if (w->shndx)
		w->shndx->sh.sh_entsize = sizeof(Elf32_Word);
	return 0;
}

/* Relocation sections: one gelf_update_rela() per live relocation. */
static int emit_relas(struct writer *w)
{
	struct object *obj = w->obj;
	struct section *sec;
	struct reloc *reloc;

	for_each_section(obj, sec) {
		Elf_Data *d = w->data[sec->idx];
		void *buf;
		int i = 0;

		if (!sec_is_rela(sec))
			continue;
		buf = malloc(sec->nr_relocs ? sec->nr_relocs * RELA_SIZE : 1);
		if (!buf)
			return -ENOMEM;
		sec_set_data(sec, buf, sec->nr_relocs * RELA_SIZE);
		d->d_buf = buf;
		d->d_size = sec->nr_relocs * RELA_SIZE;
		for_each_reloc(sec, reloc) {
			GElf_Rela r = {
				.r_offset = reloc->offset,
				.r_info = ELF64_R_INFO(reloc->sym->idx, reloc->type),
				.r_addend = reloc->addend,
			};

			if (!gelf_update_rela(d, i++, &r))
				return lerr(obj, w->path, "%s: relocation %d", sec->name, i - 1);
		}
		sec->link = obj->symtab;
		sec->sh.sh_entsize = RELA_SIZE;
		sec->sh.sh_info = sec->base->idx;
		sec->sh.sh_flags |= SHF_INFO_LINK;
	}
	return 0;
}

/*
 * Hand the model to libelf: the ELF header, one section and one data
 * block per live section in index order, then elf_update() lays out
 * (offsets by alignment, section header table last) and writes.
 */
static int emit(struct writer *w)
{
	struct object *obj = w->obj;
	struct obj_internal *in = obj_int(obj);
	size_t shnum = obj->nr_sections, i;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	Elf_Scn *scn;
	int err;

	if (!gelf_newehdr(w->elf, ELFCLASS64) || !gelf_getehdr(w->elf, &eh))
		return lerr(obj, w->path, "ELF header");
	for (i = 1; i < shnum; i++) {
		struct section *sec = in->sec_by_idx[i];
		Elf_Data *d;

		if (sec->sh.sh_addralign > (1ULL << 30))
			return wbad(obj, "section %s: alignment 0x%llx is too large", sec->name,
				    (unsigned long long)sec->sh.sh_addralign);
		if (sec->sh.sh_type != SHT_NOBITS && sec->size && !sec_data(sec))
			return -errno ? -errno : -EINVAL;
		scn = elf_newscn(w->elf);
		if (!scn || elf_ndxscn(scn) != i)
			return lerr(obj, w->path, "section %s", sec->name);
		d = elf_newdata(scn);
		if (!d)
			return lerr(obj, w->path, "section %s", sec->name);
		d->d_type = data_type(obj, sec, w->shndx);
		d->d_align = 1;		/* sh_addralign aligns the section */
		d->d_version = EV_CURRENT;
		d->d_off = 0;
		d->d_size = sec->size;
		d->d_buf = sec->sh.sh_type == SHT_NOBITS ? NULL : sec->data;
		w->data[i] = d;
	}
	err = emit_symtab(w);
	if (!err)
		err = emit_relas(w);
	if (err)
		return err;

	for (i = 1; i < shnum; i++) {
		struct section *sec = in->sec_by_idx[i];

		scn = elf_getscn(w->elf, i);
		if (!gelf_getshdr(scn, &sh))
			return lerr(obj, w->path, "section %s", sec->name);
		sh.sh_name = sec->sh.sh_name;
		sh.sh_type = sec->sh.sh_type;
		sh.sh_flags = sec->sh.sh_flags;
		sh.sh_addr = sec->sh.sh_addr;
		sh.sh_link = sec->link ? sec->link->idx : 0;
		sh.sh_info = sec->sh.sh_info;
		sh.sh_addralign = sec->sh.sh_addralign;
		sh.sh_entsize = sec->sh.sh_entsize;
		if (!gelf_update_shdr(scn, &sh))
			return lerr(obj, w->path, "section %s", sec->name);
	}

	/* e_shnum, section 0's sh_size (extended numbering), offsets and sizes are libelf's. */
	memcpy(eh.e_ident + EI_DATA, obj->ehdr.e_ident + EI_DATA, EI_NIDENT - EI_DATA);
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = obj->ehdr.e_machine;
	eh.e_version = EV_CURRENT;
	eh.e_flags = obj->ehdr.e_flags;
	eh.e_entry = 0;
	eh.e_phoff = 0;
	eh.e_phnum = 0;
	eh.e_phentsize = 0;
	if (obj->shstrtab->idx < SHN_LORESERVE) {
		eh.e_shstrndx = obj->shstrtab->idx;
	} else {
		eh.e_shstrndx = SHN_XINDEX;
		scn = elf_getscn(w->elf, 0);
		if (!gelf_getshdr(scn, &sh))
			return lerr(obj, w->path, "section 0");
		sh.sh_link = obj->shstrtab->idx;
		if (!gelf_update_shdr(scn, &sh))
			return lerr(obj, w->path, "section 0");
	}
	if (!gelf_update_ehdr(w->elf, &eh))
		return lerr(obj, w->path, "ELF header");

	if (elf_update(w->elf, ELF_C_WRITE) < 0)
		return lerr(obj, w->path, "elf_update");

	/* The model now describes the file written. */
	if (!gelf_getehdr(w->elf, &eh))
		return lerr(obj, w->path, "ELF header");
	obj->ehdr = eh;
	for (i = 1; i < shnum; i++) {
		if (!gelf_getshdr(elf_getscn(w->elf, i), &sh))
			return lerr(obj, w->path, "section %s", in->sec_by_idx[i]->name);
		in->sec_by_idx[i]->sh = sh;
	}
	return 0;
}

/* write_file_atomic()'s filler: the object through libelf on @fd. */
static int fill_object(int fd, void *arg)
{
	struct writer *w = arg;
	struct object *obj = w->obj;
	int err;

	w->data = calloc(obj->nr_sections, sizeof(*w->data));
	w->elf = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!w->data)
		err = -ENOMEM;
	else if (!w->elf)
		err = lerr(obj, w->path, "elf_begin");
	else
		err = emit(w);
	if (w->elf)
		elf_end(w->elf);
	free(w->data);
	return err;
}

int obj_write(struct object *obj, const char *path)
{
	struct writer w = { .obj = obj, .path = path };
	int err;

	err = obj_error(obj) ?: check_refs(obj);
	if (err)
		return err;
	err = hp_libelf_init(path);
	if (!err)
		err = ensure_shndx(obj, &w.shndx);
	if (!err)
		err = obj_renumber(obj);
	if (!err)
		err = build_strtabs(obj);
	if (!err)
		err = build_groups(obj);
	if (err)
		return err;
	return write_file_atomic(path, 0, fill_object, &w);
}
