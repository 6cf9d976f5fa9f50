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
 *     a "file.c:LINE" in it (__FILE__ ":" __stringify(__LINE__), as the
 *     fortify and WARN messages spell it) is a line number like the
 *     __LINE__ immediates compare ignores;
 *   - an anonymous piece of a section (jump tables, unnamed constants),
 *     compared by the contents of the section;
 *   - an entry into anonymous code (.altinstr_aux: the stubs
 *     static_cpu_has() jumps to), compared by what the stub there does --
 *     its bytes and relocations up to the next entry -- not by its offset,
 *     which moves whenever an earlier stub changes.
 * Two relocations are the same when their targets are: twins at the same
 * offset, equal strings, or equal anonymous sections.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
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

/* @s + @i is just after "<name>.c:" or "<name>.h:". */
static bool after_file_colon(const char *s, size_t i)
{
	return i >= 3 && s[i - 1] == ':' && (s[i - 2] == 'c' || s[i - 2] == 'h') &&
	       s[i - 3] == '.';
}

/* Equal, or different only in the line numbers of "file.c:LINE" spellings. */
static bool strings_same(const char *a, const char *b)
{
	size_t i = 0, j = 0;

	while (a[i] || b[j]) {
		if (a[i] == b[j]) {
			i++;
			j++;
			continue;
		}
		/* back up to the start of the differing number, if it is one */
		while (i > 0 && j > 0 && isdigit((unsigned char)a[i - 1]) && a[i - 1] == b[j - 1]) {
			i--;
			j--;
		}
		if (!after_file_colon(a, i) || !after_file_colon(b, j) ||
		    !isdigit((unsigned char)a[i]) || !isdigit((unsigned char)b[j]))
			return false;
		while (isdigit((unsigned char)a[i]))
			i++;
		while (isdigit((unsigned char)b[j]))
			j++;
	}
	return true;
}
static bool piece_same(struct differ *d, struct section *a, uint64_t aoff, struct section *b,
		       uint64_t boff);

/* Code without symbols of its own: reached only by jumps from other sections. */
static bool anon_code(struct section *sec)
{
	return sec_is_text(sec) && !sec_has_symbols(sec);
}

/*
 * Two references into constant pools are the same when they read the same
 * value: an entry of the pool's size at each offset.  gcc reorders a pool
 * when anything else in the unit changes (a function made global was
 * enough), so offsets say nothing.
 */
static bool const_pool_same(const struct target *a, const struct target *b)
{
	uint64_t n = a->sec->sh.sh_entsize;
	const unsigned char *da = sec_data(a->sec), *db = sec_data(b->sec);

	if (n != b->sec->sh.sh_entsize || !da || !db || a->off < 0 || b->off < 0 ||
	    (uint64_t)a->off > a->sec->size || a->sec->size - (uint64_t)a->off < n ||
	    (uint64_t)b->off > b->sec->size || b->sec->size - (uint64_t)b->off < n)
		return false;
	return !memcmp(da + a->off, db + b->off, n);
}

bool targets_equal(struct differ *d, const struct target *a, const struct target *b)
{
	if (a->str || b->str)
		return a->str && b->str && strings_same(a->str, b->str);
	if (a->sym && b->sym) {
		if (a->off != b->off)
			return false;
		if (!a->sym->sec && !b->sym->sec)
			return !strcmp(a->sym->name, b->sym->name);
		if (b->sym->twin != a->sym)
			return false;
		/*
		 * A changed constant is part of the code that reads it; a changed
		 * value static (compared before any other data) part of every reader.
		 */
		if (sym_is_data(b->sym) && b->sym->status == V_CHANGED &&
		    (D(b->sym)->value_static || (d->strict_data && !D(b->sym)->special_static)))
			return false;
		return true;
	}
	if (a->sym || b->sym || !a->sec || !b->sec)
		return false;
	if (sec_is_const_pool(a->sec) && sec_is_const_pool(b->sec))
		return const_pool_same(a, b);
	if (b->sec->twin != a->sec)
		return false;
	if (anon_code(a->sec) && anon_code(b->sec))
		return piece_same(d, a->sec, (uint64_t)a->off, b->sec, (uint64_t)b->off);
	if (a->off != b->off)
		return false;
	return anon_same(d, a->sec, b->sec);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* The entry table of anonymous code section @sec (NULL: none yet). */
static struct anon_entries *entries_of(struct differ *d, struct section *sec)
{
	size_t i;

	for (i = 0; i < d->nr_anon_entries; i++)
		if (d->anon_entries[i].sec == sec)
			return &d->anon_entries[i];
	return NULL;
}

/*
 * The entry offsets of every anonymous code section of @obj: where the
 * relocations of other sections point into it.  One pass over the
 * object's relocations, the first time a piece is compared; such sections
 * are few (.altinstr_aux), so they live in a small table of their own.
 */
static int build_entries(struct differ *d, struct object *obj)
{
	struct section *rsec;
	size_t k;

	for_each_section(obj, rsec) {
		struct reloc *r;

		if (!sec_is_rela(rsec) || !rsec->base || !(rsec->base->sh.sh_flags & SHF_ALLOC))
			continue;
		for_each_reloc(rsec, r) {
			struct anon_entries *e;
			struct target t;
			int ret = reloc_target(r, &t);

			if (ret)
				return ret;
			if (t.sym || !t.sec || t.sec == rsec->base || !anon_code(t.sec) ||
			    t.off < 0 || (uint64_t)t.off >= t.sec->size)
				continue;
			e = entries_of(d, t.sec);
			if (!e) {
				if (ARRAY_GROW(d->anon_entries, d->max_anon_entries,
					       d->nr_anon_entries + 1))
					return -ENOMEM;
				e = &d->anon_entries[d->nr_anon_entries++];
				e->sec = t.sec;
			}
			if (ARRAY_GROW(e->off, e->max, e->nr + 1))
				return -ENOMEM;
			e->off[e->nr++] = (uint64_t)t.off;
		}
	}
	for (k = 0; k < d->nr_anon_entries; k++) {
		struct anon_entries *e = &d->anon_entries[k];
		size_t i, n = 0;

		if (e->sec->obj != obj)
			continue;
		qsort(e->off, e->nr, sizeof(*e->off), cmp_u64);
		for (i = 0; i < e->nr; i++)
			if (!n || e->off[n - 1] != e->off[i])
				e->off[n++] = e->off[i];
		e->nr = n;
	}
	return 0;
}

/*
 * compare_range() for the yes/no answers of targets_equal(): an error
 * (reported by compare_range, or by main when out of memory) answers
 * "differs" and is kept in d->err, which ends the run after the passes
 * (differ_run) as an error, never a verdict.
 */
static bool range_same(struct differ *d, struct section *a, uint64_t aoff, struct section *b,
		       uint64_t boff, uint64_t size)
{
	const char *why;
	int ret = compare_range(d, a, aoff, b, boff, size, &why);

	if (ret < 0 && !d->err)
		d->err = ret;
	return ret == 0;
}

/* Where the piece of @sec entered at @off ends: the next entry, or the end. */
static uint64_t piece_end(struct differ *d, struct section *sec, uint64_t off)
{
	struct anon_entries *e = entries_of(d, sec);
	size_t next;

	if (!e)
		return sec->size;
	next = sorted_upper_bound(&off, e->off, e->nr, sizeof(*e->off), cmp_u64);
	return next < e->nr ? e->off[next] : sec->size;
}

static bool piece_same(struct differ *d, struct section *a, uint64_t aoff, struct section *b,
		       uint64_t boff)
{
	uint64_t alen, blen;
	bool same;
	int ret;

	if (!d->entries_built) {
		d->entries_built = true;
		ret = build_entries(d, d->orig) ?: build_entries(d, d->patched);
		if (ret && ret != -ENOMEM)	/* main reports that */
			pr_err("%s: cannot index the entries of anonymous code: %s", d->display,
			       strerror(-ret));
		if (ret && !d->err)
			d->err = ret;
		if (ret)
			return false;
	}
	if (aoff >= a->size || boff >= b->size)
		return false;
	if (DS(b)->piece_busy)
		return true;		/* cycles resolve as equal, as anon_same() */
	alen = piece_end(d, a, aoff) - aoff;
	blen = piece_end(d, b, boff) - boff;
	if (alen != blen)
		return false;
	DS(b)->piece_busy = true;
	same = range_same(d, a, aoff, b, boff, alen);
	DS(b)->piece_busy = false;
	return same;
}

/* Anonymous sections: compared whole, once. */
static bool anon_same(struct differ *d, struct section *a, struct section *b)
{
	struct dsec *db = DS(b);

	if (db->anon_checked)
		return db->anon_same;
	db->anon_checked = true;
	db->anon_same = true;		/* cycles resolve as equal */
	if (a->size != b->size)
		db->anon_same = false;
	else
		db->anon_same = range_same(d, a, 0, b, 0, a->size);
	return db->anon_same;
}

/* @err at @sec + @off: an error, never a verdict; returns @err. */
static int range_error(struct differ *d, const struct section *sec, uint64_t off, int err,
		       const char *what)
{
	if (err != -ENOMEM)	/* main reports that */
		pr_err("%s: %s+0x%llx (%s): %s: %s", d->display, sec->name,
		       (unsigned long long)off, sec->obj == d->orig ? "original" : "patched", what,
		       strerror(-err));
	return err;
}

/*
 * Compare [aoff, aoff+size) of @a with [boff, boff+size) of @b: equal
 * bytes outside relocated fields, and relocations at the same relative
 * offsets with equivalent types and equal targets.  0 same, 1 differ (with
 * *why), -errno when it cannot tell (a relocation that does not resolve, a
 * range past its section: reported here, but -ENOMEM).  Byte differences
 * are reported as "code bytes"; the caller decides whether they are
 * __LINE__-only.
 */
int compare_range(struct differ *d, struct section *a, uint64_t aoff,
		  struct section *b, uint64_t boff, uint64_t size, const char **why)
{
	struct reloc **ra, **rb;
	size_t na, nb, i, ia = 0, ib = 0;
	unsigned char *da = NULL, *db = NULL;
	int ret = 0;

	*why = NULL;
	if (sec_relocs_by_offset(a, &ra, &na) || sec_relocs_by_offset(b, &rb, &nb))
		return -ENOMEM;
	ia = reloc_lower_bound(ra, na, aoff);
	ib = reloc_lower_bound(rb, nb, boff);
	for (;;) {
		bool ina = ia < na && ra[ia]->offset < aoff + size;
		bool inb = ib < nb && rb[ib]->offset < boff + size;
		struct target ta, tb;

		if (!ina && !inb)
			break;
		if (ina != inb || ra[ia]->offset - aoff != rb[ib]->offset - boff ||
		    !arch_relocs_equivalent(ra[ia]->type, rb[ib]->type)) {
			*why = "relocations";
			ret = 1;
			goto out;
		}
		ret = reloc_target(ra[ia], &ta);
		if (ret) {
			range_error(d, a, ra[ia]->offset, ret, "cannot resolve the relocation");
			goto out;
		}
		ret = reloc_target(rb[ib], &tb);
		if (ret) {
			range_error(d, b, rb[ib]->offset, ret, "cannot resolve the relocation");
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
	if (size && (!da || !db)) {
		ret = -EIO;		/* elf/ said why */
		goto out;
	}
	if (size && (aoff > a->size || a->size - aoff < size)) {
		ret = range_error(d, a, aoff, -EINVAL, "the range compared runs past the section");
		goto out;
	}
	if (size && (boff > b->size || b->size - boff < size)) {
		ret = range_error(d, b, boff, -EINVAL, "the range compared runs past the section");
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
