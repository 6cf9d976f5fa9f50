// SPDX-License-Identifier: GPL-2.0
/*
 * kpatch: the output of the --kpatch-compat front end, in the form a
 * kpatch-build pipeline feeds to create-klp-module.
 *
 * kpatch's create-diff-object writes an intermediate object: the patched
 * code plus tables that the later stages turn into klp structures.
 *   .kpatch.funcs        one entry per patched function (the patch hook
 *                        makes a klp_func of each)
 *   .kpatch.relocations  one entry per reference that needs klp
 *                        resolution: where it is and its type/addend
 *   .kpatch.symbols      one entry per .kpatch.relocations entry: the
 *                        symbol referenced, its object and sympos
 *   .kpatch.strings      the names these entries point at
 *   .kpatch.arch         .altinstructions/.parainstructions of the
 *                        output (only kernels before 5.8 use it)
 * Every pointer field is an R_X86_64_64 relocation (to the function, to
 * the base section's symbol + offset, to .kpatch.strings + offset, to
 * .kpatch.symbols + offset); create-klp-module reads the relocations,
 * not the bytes.  The references klp must resolve are therefore not
 * relocations against ".klp.sym.<obj>.<name>,<pos>" symbols here, as in
 * our own format: they become .kpatch.relocations entries and the
 * symbols disappear, so the output's symbols are exactly the included
 * ones plus the undefined exported names.
 *
 * The entry layouts (x86-64, LP64) follow kpatch's kmod/patch/kpatch-patch.h
 * (struct kpatch_patch_func) and kpatch-build/kpatch-intermediate.h
 * (struct kpatch_relocation, struct kpatch_symbol, struct kpatch_arch).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "differ.h"
#include "klp.h"
#include "log.h"

/* struct kpatch_patch_func: new_addr, new_size, old_addr, old_size, sympos, name, objname */
#define KF_SIZE		56
#define KF_NEW_ADDR	0
#define KF_NEW_SIZE	8
#define KF_OLD_ADDR	16
#define KF_OLD_SIZE	24
#define KF_SYMPOS	32
#define KF_NAME		40
#define KF_OBJNAME	48

/* struct kpatch_relocation: dest, type (u32), external (int), addend (long), objname, ksym */
#define KR_SIZE		40
#define KR_DEST		0
#define KR_TYPE		8
#define KR_EXTERNAL	12
#define KR_ADDEND	16
#define KR_OBJNAME	24
#define KR_KSYM		32

/* struct kpatch_symbol: src, sympos, bind (u8), type (u8), name, objname */
#define KS_SIZE		40
#define KS_SRC		0
#define KS_SYMPOS	8
#define KS_BIND		16
#define KS_TYPE		17
#define KS_NAME		24
#define KS_OBJNAME	32

/* struct kpatch_arch: sec, objname */
#define KA_SIZE		16
#define KA_SEC		0
#define KA_OBJNAME	8

struct kbuf {
	unsigned char *data;
	size_t len, cap;
};

/* Append @n zero bytes to @b; *@at: where they start.  0 or -ENOMEM. */
static int kbuf_grow(struct kbuf *b, size_t n, size_t *at)
{
	if (ARRAY_GROW(b->data, b->cap, b->len + n))
		return -ENOMEM;
	*at = b->len;
	memset(b->data + *at, 0, n);
	b->len += n;
	return 0;
}

static void put64(struct kbuf *b, size_t off, uint64_t v)
{
	memcpy(b->data + off, &v, 8);
}

static void put32(struct kbuf *b, size_t off, uint32_t v)
{
	memcpy(b->data + off, &v, 4);
}

/* A pointer field: recorded now, a relocation once the section exists. */
struct kfield {
	uint64_t off;
	struct symbol *sym;		/* output symbol, or NULL: .kpatch.strings */
	int64_t addend;
	bool to_ksyms;			/* .kpatch.symbols + addend */
};

struct ktable {
	const char *name;
	size_t esize;
	struct kbuf buf;
	struct kfield *fields;
	size_t nr_fields, max_fields;
	struct section *sec;
};

static int field(struct ktable *t, uint64_t off, struct symbol *sym, int64_t addend,
		 bool to_ksyms)
{
	if (ARRAY_GROW(t->fields, t->max_fields, t->nr_fields + 1))
		return -ENOMEM;
	t->fields[t->nr_fields++] = (struct kfield){ off, sym, addend, to_ksyms };
	return 0;
}

struct kstate {
	struct differ *d;
	struct kbuf strings;
	struct ktable funcs, relocs, ksyms, arch;
};

/* A field of @t at @off pointing at @s in .kpatch.strings (added once).  0 or -ENOMEM. */
static int string_field(struct kstate *k, struct ktable *t, uint64_t off, const char *s)
{
	size_t at = 0, n = strlen(s) + 1;

	while (at < k->strings.len) {
		const char *have = (const char *)k->strings.data + at;
		size_t hl = strlen(have) + 1;

		if (hl == n && !memcmp(have, s, n))
			return field(t, off, NULL, (int64_t)at, false);
		at += hl;
	}
	if (kbuf_grow(&k->strings, n, &at))
		return -ENOMEM;
	memcpy(k->strings.data + at, s, n);
	return field(t, off, NULL, (int64_t)at, false);
}

static int add_funcs(struct kstate *k)
{
	struct differ *d = k->d;
	struct fact *f;
	int ret;

	for (f = d->functions.head; f; f = f->next) {
		size_t e;

		if (kbuf_grow(&k->funcs.buf, KF_SIZE, &e))
			return -ENOMEM;
		put64(&k->funcs.buf, e + KF_NEW_SIZE, f->out->size);
		put64(&k->funcs.buf, e + KF_OLD_ADDR, f->addr);
		put64(&k->funcs.buf, e + KF_OLD_SIZE, f->size);
		put64(&k->funcs.buf, e + KF_SYMPOS, (uint64_t)f->sympos);
		ret = field(&k->funcs, e + KF_NEW_ADDR, f->out, 0, false);
		ret = ret ?: string_field(k, &k->funcs, e + KF_NAME, f->name);
		ret = ret ?: string_field(k, &k->funcs, e + KF_OBJNAME, d->objname);
		if (ret)
			return ret;
	}
	return 0;
}

/* One .kpatch.relocations + .kpatch.symbols entry for @r (against a klp symbol @f). */
static int add_dynrela(struct kstate *k, struct reloc *r, struct fact *f)
{
	struct differ *d = k->d;
	struct section *base = r->sec->base;
	struct symbol *secsym = obj_get_section_symbol(d->out, base);
	size_t e, s;
	int ret;

	if (!secsym)
		return -ENOMEM;
	if (kbuf_grow(&k->ksyms.buf, KS_SIZE, &s) || kbuf_grow(&k->relocs.buf, KR_SIZE, &e))
		return -ENOMEM;
	/* the address is known only for vmlinux; a module's is found at run time */
	put64(&k->ksyms.buf, s + KS_SRC, strcmp(f->object, "vmlinux") ? 0 : f->addr);
	put64(&k->ksyms.buf, s + KS_SYMPOS, (uint64_t)f->sympos);
	k->ksyms.buf.data[s + KS_BIND] = f->bind;
	k->ksyms.buf.data[s + KS_TYPE] = f->type;
	ret = string_field(k, &k->ksyms, s + KS_NAME, f->name);
	ret = ret ?: string_field(k, &k->ksyms, s + KS_OBJNAME, f->object);
	if (ret)
		return ret;

	put32(&k->relocs.buf, e + KR_TYPE, r->type);
	put32(&k->relocs.buf, e + KR_EXTERNAL, strcmp(f->object, d->objname) != 0);
	put64(&k->relocs.buf, e + KR_ADDEND, (uint64_t)r->addend);
	ret = field(&k->relocs, e + KR_DEST, secsym, (int64_t)r->offset, false);
	ret = ret ?: string_field(k, &k->relocs, e + KR_OBJNAME, d->objname);
	return ret ?: field(&k->relocs, e + KR_KSYM, NULL, (int64_t)s, true);
}

static bool is_klp_sym(const struct symbol *s)
{
	return !s->sec && klp_is_symname(s->name);
}

/* Every relocation against a .klp.sym symbol becomes a dynrela; then the symbols go. */
static int convert_klp_relocs(struct kstate *k)
{
	struct differ *d = k->d;
	struct section *rsec;
	struct fact *f;
	int ret;

	for (f = d->klp_symbols.head; f; f = f->next) {
		f->out = obj_find_symbol_by_name(d->out, f->symbol);
		if (f->out)
			f->out->priv = f;
	}
	for_each_section(d->out, rsec) {
		struct reloc *r;

		if (!sec_is_rela(rsec) || !rsec->base)
			continue;
		for_each_reloc(rsec, r) {
			if (!is_klp_sym(r->sym))
				continue;
			if (!r->sym->priv) {
				pr_err("%s: %s+0x%lx: relocation against %s, which no klp fact "
				       "describes", d->display, rsec->base->name,
				       (unsigned long)r->offset, r->sym->name);
				return -EINVAL;
			}
			ret = add_dynrela(k, r, r->sym->priv);
			if (ret)
				return ret;
			obj_delete_reloc(d->out, r);
		}
	}
	for (f = d->klp_symbols.head; f; f = f->next) {
		if (!f->out)
			continue;
		f->out->priv = NULL;
		ret = obj_delete_symbol(d->out, f->out, false);
		if (ret)
			return ret;
		f->out = NULL;
	}
	return 0;
}

static int add_arch(struct kstate *k)
{
	static const char *const names[] = { ".altinstructions", ".parainstructions" };
	struct differ *d = k->d;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct section *sec = obj_find_section_by_name(d->out, names[i]);
		size_t e;

		if (!sec)
			continue;
		if (kbuf_grow(&k->arch.buf, KA_SIZE, &e))
			return -ENOMEM;
		ret = field(&k->arch, e + KA_SEC, obj_get_section_symbol(d->out, sec), 0, false);
		ret = ret ?: string_field(k, &k->arch, e + KA_OBJNAME, d->objname);
		if (ret)
			return ret;
	}
	return 0;
}

static struct section *new_section(struct differ *d, const char *name, size_t esize,
				   const struct kbuf *b)
{
	return obj_create_section(d->out, name, SHT_PROGBITS, SHF_ALLOC, esize,
				  esize == 1 ? 1 : 8, b->data, b->len);
}

static int write_table(struct kstate *k, struct ktable *t, struct symbol *strsym,
		       struct symbol *ksymsym)
{
	struct differ *d = k->d;
	size_t i;

	for (i = 0; i < t->nr_fields; i++) {
		struct kfield *fl = &t->fields[i];
		struct symbol *to = fl->to_ksyms ? ksymsym : fl->sym ? fl->sym : strsym;

		if (!to)
			return -ENOMEM;
		if (!obj_add_reloc(d->out, t->sec, fl->off, to, R_X86_64_64, fl->addend))
			return -errno;	/* out of memory, or elf/ said what is wrong */
	}
	return 0;
}

int kpatch_emit(struct differ *d)
{
	struct kstate k = {
		.d = d,
		.funcs = { .name = ".kpatch.funcs", .esize = KF_SIZE },
		.relocs = { .name = ".kpatch.relocations", .esize = KR_SIZE },
		.ksyms = { .name = ".kpatch.symbols", .esize = KS_SIZE },
		.arch = { .name = ".kpatch.arch", .esize = KA_SIZE },
	};
	struct ktable *tables[] = { &k.funcs, &k.relocs, &k.ksyms, &k.arch };
	struct section *strsec;
	struct symbol *strsym = NULL, *ksymsym = NULL;
	size_t i;
	int ret;

	ret = add_funcs(&k);
	ret = ret ?: convert_klp_relocs(&k);
	ret = ret ?: add_arch(&k);
	if (ret)
		goto out;
	ret = -ENOMEM;
	strsec = new_section(d, ".kpatch.strings", 1, &k.strings);
	if (!strsec || !(strsym = obj_get_section_symbol(d->out, strsec)))
		goto out;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		struct ktable *t = tables[i];

		if (t == &k.arch && !t->buf.len)
			continue;	/* only when there is something for it */
		t->sec = new_section(d, t->name, t->esize, &t->buf);
		if (!t->sec)
			goto out;
	}
	ksymsym = obj_get_section_symbol(d->out, k.ksyms.sec);
	if (!ksymsym)
		goto out;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (!tables[i]->sec)
			continue;
		ret = write_table(&k, tables[i], strsym, ksymsym);
		if (ret)
			goto out;
	}
	pr_debug("%s: kpatch sections: %zu funcs, %zu dynrelas, %zu bytes of strings",
		 d->display, k.funcs.buf.len / KF_SIZE, k.relocs.buf.len / KR_SIZE,
		 k.strings.len);
	ret = 0;
out:
	free(k.strings.data);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		free(tables[i]->buf.data);
		free(tables[i]->fields);
	}
	return ret;
}
