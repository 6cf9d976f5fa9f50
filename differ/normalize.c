// SPDX-License-Identifier: GPL-2.0
/*
 * normalize: what a relocation really points at, independent of how the
 * compiler spelled it.
 *
 * gcc refers to static data and string literals through section symbols
 * (".bss.calls.0 - 4", ".rodata.str1.1 + 12") or local labels (".LC0"),
 * and pc-relative references carry the distance from the displacement to
 * the end of the instruction in their addend.  A target is therefore
 * rewritten to:
 *   - a real symbol plus an offset into it (section symbols of data and
 *     code resolved to the object or function covering the address);
 *   - a string literal, compared by content and never by label or offset;
 *   - an anonymous piece of a section (jump tables, unnamed constants),
 *     compared by the contents of the section.
 * Two relocations are the same when their targets are: twins at the same
 * offset, equal strings, or equal anonymous sections.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"
#include "log.h"

/* A local label, not an object: ".LC0", ".L__unnamed_1". */
static bool sym_is_label(const struct symbol *sym)
{
	return sym->type == STT_NOTYPE && sym->bind == STB_LOCAL;
}

int reloc_target(struct reloc *r, struct target *t)
{
	struct symbol *s = r->sym;
	struct section *base = r->sec->base;
	int64_t adjust = 0;
	uint64_t pos;

	memset(t, 0, sizeof(*t));
	if (!s)
		return -EINVAL;
	if (arch_reloc_pcrel(r->type) && base && sec_is_text(base)) {
		int ret = arch_pcrel_adjust(sec_data(base), base->size, &DS(base)->insns,
					    r->offset, &adjust);

		if (ret)
			return ret;
	}
	if (!s->sec || (s->type != STT_SECTION && !sym_is_label(s))) {
		t->sym = s;
		t->sec = s->sec;
		t->off = (int64_t)((uint64_t)r->addend + (uint64_t)adjust);	/* wraps, no UB */
		return 0;
	}
	pos = s->offset + r->addend + adjust;
	t->sec = s->sec;
	t->off = (int64_t)pos;
	if (sec_is_string(s->sec)) {
		unsigned char *data = s->sec->sh.sh_type == SHT_NOBITS ? NULL : sec_data(s->sec);

		if (data && pos < s->sec->size && memchr(data + pos, 0, s->sec->size - pos))
			t->str = (const char *)data + pos;
		return 0;
	}
	{
		struct symbol *owner = sec_find_symbol_containing(s->sec, pos);

		if (owner && !sym_is_label(owner)) {
			t->sym = owner;
			t->off = (int64_t)(pos - owner->offset);
		}
	}
	return 0;
}

static bool anon_same(struct differ *d, struct section *a, struct section *b);

bool targets_equal(struct differ *d, const struct target *a, const struct target *b)
{
	if (a->str || b->str)
		return a->str && b->str && !strcmp(a->str, b->str);
	if (a->sym && b->sym) {
		if (a->off != b->off)
			return false;
		if (!a->sym->sec && !b->sym->sec)
			return !strcmp(a->sym->name, b->sym->name);
		if (b->sym->twin != a->sym)
			return false;
		/* A changed constant is part of the code that reads it. */
		if (d->strict_data && sym_is_data(b->sym) && b->sym->status == V_CHANGED &&
		    !D(b->sym)->special_static)
			return false;
		return true;
	}
	if (a->sym || b->sym || !a->sec || !b->sec)
		return false;
	if (b->sec->twin != a->sec || a->off != b->off)
		return false;
	return anon_same(d, a->sec, b->sec);
}

/* Anonymous sections: compared whole, once. */
static bool anon_same(struct differ *d, struct section *a, struct section *b)
{
	struct dsec *db = DS(b);
	const char *why;

	if (db->anon_checked)
		return db->anon_same;
	db->anon_checked = true;
	db->anon_same = true;		/* cycles resolve as equal */
	if (a->size != b->size)
		db->anon_same = false;
	else
		db->anon_same = compare_range(d, a, 0, b, 0, a->size, &why) == 0;
	return db->anon_same;
}

/*
 * Compare [aoff, aoff+size) of @a with [boff, boff+size) of @b: equal
 * bytes outside relocated fields, and relocations at the same relative
 * offsets with the same type and equal targets.  0 same, 1 differ (with
 * *why), -errno on error.  Byte differences are reported as "code bytes";
 * the caller decides whether they are __LINE__-only.
 */
int compare_range(struct differ *d, struct section *a, uint64_t aoff,
		  struct section *b, uint64_t boff, uint64_t size, const char **why)
{
	struct reloc **ra, **rb;
	size_t na, nb, i, ia = 0, ib = 0;
	unsigned char *da = NULL, *db = NULL;
	int ret = 0;

	*why = NULL;
	ra = sec_relocs_sorted(a, &na);
	rb = sec_relocs_sorted(b, &nb);
	ia = reloc_lower_bound(ra, na, aoff);
	ib = reloc_lower_bound(rb, nb, boff);
	for (;;) {
		bool ina = ia < na && ra[ia]->offset < aoff + size;
		bool inb = ib < nb && rb[ib]->offset < boff + size;
		struct target ta, tb;

		if (!ina && !inb)
			break;
		if (ina != inb || ra[ia]->offset - aoff != rb[ib]->offset - boff ||
		    ra[ia]->type != rb[ib]->type) {
			*why = "relocations";
			ret = 1;
			goto out;
		}
		if (reloc_target(ra[ia], &ta) || reloc_target(rb[ib], &tb)) {
			*why = "relocations";
			ret = 1;
			goto out;
		}
		if (!targets_equal(d, &ta, &tb)) {
			*why = (tb.str || ta.str) ? "string content" : "relocation target";
			pr_debug("%s+0x%lx: %s+%ld differs from %s+%ld", b->name,
				 (unsigned long)rb[ib]->offset,
				 tb.sym ? tb.sym->name : tb.sec ? tb.sec->name : "?", (long)tb.off,
				 ta.sym ? ta.sym->name : ta.sec ? ta.sec->name : "?", (long)ta.off);
			ret = 1;
			goto out;
		}
		ia++;
		ib++;
	}
	if (a->sh.sh_type == SHT_NOBITS || b->sh.sh_type == SHT_NOBITS) {
		if (a->sh.sh_type != b->sh.sh_type) {
			*why = "initializer";
			ret = 1;
		}
		goto out;
	}
	da = sec_data(a);
	db = sec_data(b);
	if (!da || !db || aoff + size > a->size || boff + size > b->size) {
		ret = size ? -EINVAL : 0;
		goto out;
	}
	/* Relocated fields hold zero in ET_REL with RELA, so bytes compare as is. */
	for (i = 0; i < size; i++) {
		if (da[aoff + i] != db[boff + i]) {
			*why = "code bytes";
			ret = 1;
			break;
		}
	}
out:
	return ret;
}
