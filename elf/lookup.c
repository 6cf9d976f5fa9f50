// SPDX-License-Identifier: GPL-2.0
/*
 * Lookups: names through open-addressing hash tables sized to the
 * element count, indexes through arrays, offsets through per-section
 * arrays sorted by offset (built on first use for all sections at once,
 * then kept sorted as elements are created or deleted).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "internal.h"

#define HT_TOMB ((void *)1)

static size_t str_hash(const char *s)
{
	size_t h = 2166136261u;		/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h ^ (h >> 15);
}

int htab_init(struct htab *ht, size_t nr)
{
	size_t cap = 16;

	while (cap < nr * 2)
		cap <<= 1;
	ht->slots = calloc(cap, sizeof(void *));
	if (!ht->slots)
		return -ENOMEM;
	ht->cap = cap;
	ht->used = 0;
	return 0;
}

void htab_free(struct htab *ht)
{
	free(ht->slots);
	ht->slots = NULL;
	ht->cap = ht->used = 0;
}

typedef const char *(*key_fn)(const void *elem);

static const char *sec_key(const void *e)
{
	return ((const struct section *)e)->name;
}

static const char *sym_key(const void *e)
{
	return ((const struct symbol *)e)->name;
}

static void htab_put(struct htab *ht, void *elem, key_fn key)
{
	size_t mask = ht->cap - 1, i = str_hash(key(elem)) & mask;

	while (ht->slots[i] && ht->slots[i] != HT_TOMB)
		i = (i + 1) & mask;
	if (!ht->slots[i])
		ht->used++;
	ht->slots[i] = elem;
}

static int htab_add(struct htab *ht, void *elem, key_fn key)
{
	if (!ht->cap || (ht->used + 1) * 2 > ht->cap) {
		struct htab n;
		size_t live = 0, i;

		for (i = 0; i < ht->cap; i++)
			if (ht->slots[i] && ht->slots[i] != HT_TOMB)
				live++;
		if (htab_init(&n, live * 2 + 8))
			return -ENOMEM;
		for (i = 0; i < ht->cap; i++)
			if (ht->slots[i] && ht->slots[i] != HT_TOMB)
				htab_put(&n, ht->slots[i], key);
		free(ht->slots);
		*ht = n;
	}
	htab_put(ht, elem, key);
	return 0;
}

static void htab_del(struct htab *ht, void *elem, key_fn key)
{
	size_t mask = ht->cap - 1, i;

	if (!ht->cap)
		return;
	i = str_hash(key(elem)) & mask;
	while (ht->slots[i]) {
		if (ht->slots[i] == elem) {
			ht->slots[i] = HT_TOMB;
			return;
		}
		i = (i + 1) & mask;
	}
}

int sec_hash_add(struct object *obj, struct section *sec)
{
	return htab_add(&obj_int(obj)->sec_names, sec, sec_key);
}

void sec_hash_del(struct object *obj, struct section *sec)
{
	htab_del(&obj_int(obj)->sec_names, sec, sec_key);
}

int sym_hash_add(struct object *obj, struct symbol *sym)
{
	if (!sym->name[0])
		return 0;
	return htab_add(&obj_int(obj)->sym_names, sym, sym_key);
}

void sym_hash_del(struct object *obj, struct symbol *sym)
{
	if (sym->name[0])
		htab_del(&obj_int(obj)->sym_names, sym, sym_key);
}

/*
 * The first section of that name in file order.  (Duplicates in a table
 * keep their insertion order along the probe sequence; rehashing can mix
 * them, so the lowest index wins explicitly.)
 */
struct section *obj_find_section_by_name(struct object *obj, const char *name)
{
	struct htab *ht = &obj_int(obj)->sec_names;
	struct section *best = NULL;
	size_t mask = ht->cap - 1, i;

	if (!ht->cap || !name)
		return NULL;
	for (i = str_hash(name) & mask; ht->slots[i]; i = (i + 1) & mask) {
		struct section *sec = ht->slots[i];

		if (sec == HT_TOMB || sec->deleted || strcmp(sec->name, name))
			continue;
		if (!best || sec->idx < best->idx)
			best = sec;
	}
	return best;
}

/* A global or weak symbol of that name if there is one, else the first local. */
struct symbol *obj_find_symbol_by_name(struct object *obj, const char *name)
{
	struct htab *ht = &obj_int(obj)->sym_names;
	struct symbol *global = NULL, *local = NULL;
	size_t mask = ht->cap - 1, i;

	if (!ht->cap || !name || !name[0])
		return NULL;
	for (i = str_hash(name) & mask; ht->slots[i]; i = (i + 1) & mask) {
		struct symbol *sym = ht->slots[i];

		if (sym == HT_TOMB || sym->deleted || strcmp(sym->name, name))
			continue;
		if (sym->bind != STB_LOCAL) {
			if (!global || sym->idx < global->idx)
				global = sym;
		} else if (!local || sym->idx < local->idx) {
			local = sym;
		}
	}
	return global ? global : local;
}

struct section *obj_find_section_by_index(struct object *obj, unsigned int idx)
{
	struct section *sec;

	if (idx >= obj->nr_sections)
		return NULL;
	sec = obj_int(obj)->sec_by_idx[idx];
	return sec && !sec->deleted ? sec : NULL;
}

struct symbol *obj_find_symbol_by_index(struct object *obj, unsigned int idx)
{
	struct symbol *sym;

	if (idx >= obj->nr_symbols)
		return NULL;
	sym = obj_int(obj)->sym_by_idx[idx];
	return sym && !sym->deleted ? sym : NULL;
}

/* ---- symbols by offset ---- */

static int cmp_sym_off(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol *const *)a;
	const struct symbol *y = *(struct symbol *const *)b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool indexed_sym(const struct symbol *sym)
{
	return sym->sec && !sym->deleted && sym->type != STT_SECTION;
}

static int build_sym_by_off(struct object *obj)
{
	struct obj_internal *in = obj_int(obj);
	struct section *sec;
	struct symbol *sym;

	TAILQ_FOREACH(sec, &obj->sections, list) {
		free(sec->sym_by_off);
		sec->sym_by_off = NULL;
		sec->nr_sym_by_off = sec->alloc_sym_by_off = 0;
		sec->max_func_size = 0;
	}
	TAILQ_FOREACH(sym, &obj->symbols, list)
		if (indexed_sym(sym))
			sym->sec->alloc_sym_by_off++;
	TAILQ_FOREACH(sec, &obj->sections, list) {
		if (!sec->alloc_sym_by_off)
			continue;
		sec->sym_by_off = malloc(sec->alloc_sym_by_off * sizeof(struct symbol *));
		if (!sec->sym_by_off)
			return -ENOMEM;
	}
	TAILQ_FOREACH(sym, &obj->symbols, list) {
		if (!indexed_sym(sym))
			continue;
		sec = sym->sec;
		sec->sym_by_off[sec->nr_sym_by_off++] = sym;
		if (sym->type == STT_FUNC && sym->size > sec->max_func_size)
			sec->max_func_size = sym->size;
	}
	TAILQ_FOREACH(sec, &obj->sections, list)
		if (sec->nr_sym_by_off > 1)
			qsort(sec->sym_by_off, sec->nr_sym_by_off, sizeof(struct symbol *),
			      cmp_sym_off);
	in->sym_off_built = true;
	return 0;
}

int obj_error(const struct object *obj)
{
	return obj_int(obj)->err;
}

static bool sym_index_ready(struct object *obj)
{
	if (obj_int(obj)->sym_off_built)
		return true;
	if (build_sym_by_off(obj)) {
		obj_int(obj)->sym_off_built = false;
		obj_int(obj)->err = obj_int(obj)->err ?: -ENOMEM;
		return false;
	}
	return true;
}

static int cmp_sym_offset(const void *key, const void *elem)
{
	uint64_t a = *(const uint64_t *)key, b = (*(struct symbol *const *)elem)->offset;

	return a < b ? -1 : a > b;
}

/* First position whose offset is >= @offset (> when @after). */
static size_t sym_bound(const struct section *sec, uint64_t offset, bool after)
{
	return (after ? sorted_upper_bound : sorted_lower_bound)(&offset, sec->sym_by_off,
								 sec->nr_sym_by_off,
								 sizeof(*sec->sym_by_off),
								 cmp_sym_offset);
}

int lookup_add_symbol(struct object *obj, struct symbol *sym)
{
	struct section *sec = sym->sec;
	size_t pos;

	if (!obj_int(obj)->sym_off_built || !indexed_sym(sym))
		return 0;
	if (ARRAY_GROW(sec->sym_by_off, sec->alloc_sym_by_off, sec->nr_sym_by_off + 1)) {
		obj_int(obj)->sym_off_built = false;	/* rebuild later */
		return -ENOMEM;
	}
	pos = sym_bound(sec, sym->offset, true);
	memmove(&sec->sym_by_off[pos + 1], &sec->sym_by_off[pos],
		(sec->nr_sym_by_off - pos) * sizeof(struct symbol *));
	sec->sym_by_off[pos] = sym;
	sec->nr_sym_by_off++;
	if (sym->type == STT_FUNC && sym->size > sec->max_func_size)
		sec->max_func_size = sym->size;
	return 0;
}

void lookup_del_symbol(struct object *obj, struct symbol *sym)
{
	struct section *sec = sym->sec;
	size_t pos;

	if (!obj_int(obj)->sym_off_built || !sec || sym->type == STT_SECTION)
		return;
	for (pos = sym_bound(sec, sym->offset, false);
	     pos < sec->nr_sym_by_off && sec->sym_by_off[pos]->offset == sym->offset; pos++) {
		if (sec->sym_by_off[pos] == sym) {
			memmove(&sec->sym_by_off[pos], &sec->sym_by_off[pos + 1],
				(sec->nr_sym_by_off - pos - 1) * sizeof(struct symbol *));
			sec->nr_sym_by_off--;
			return;
		}
	}
}

static int sym_rank(const struct symbol *sym)
{
	return sym->type == STT_FUNC || sym->type == STT_OBJECT ? 0 : 1;
}

/* Among several symbols at @offset: FUNC/OBJECT first, then global, then file order. */
struct symbol *sec_find_symbol_by_offset(struct section *sec, uint64_t offset)
{
	struct symbol *best = NULL;
	size_t pos;

	if (!sec || sec->deleted || !sym_index_ready(sec->obj))
		return NULL;
	for (pos = sym_bound(sec, offset, false);
	     pos < sec->nr_sym_by_off && sec->sym_by_off[pos]->offset == offset; pos++) {
		struct symbol *sym = sec->sym_by_off[pos];

		if (sym->deleted)
			continue;
		if (!best || sym_rank(sym) < sym_rank(best) ||
		    (sym_rank(sym) == sym_rank(best) &&
		     ((sym->bind != STB_LOCAL && best->bind == STB_LOCAL) ||
		      ((sym->bind != STB_LOCAL) == (best->bind != STB_LOCAL) &&
		       sym->idx < best->idx))))
			best = sym;
	}
	return best;
}

struct symbol *sec_find_symbol_containing(struct section *sec, uint64_t offset)
{
	struct symbol *best = NULL;
	size_t end, pos;

	if (!sec || sec->deleted || !sym_index_ready(sec->obj))
		return NULL;
	end = sym_bound(sec, offset, true);	/* symbols [0, end) start at or before @offset */
	for (pos = end; pos-- > 0 && sec->sym_by_off[pos]->offset == offset;) {
		struct symbol *sym = sec->sym_by_off[pos];

		if (sym->deleted)
			continue;
		if (!best || (sym->size && !best->size) ||
		    (!sym->size == !best->size && sym->idx > best->idx))
			best = sym;
	}
	if (best)
		return best;
	/*
	 * Only the nearest sized symbol counts (gcc's symbols do not nest);
	 * walking back, the first one seen is the last in the table.
	 */
	for (pos = end; pos-- > 0;) {
		struct symbol *sym = sec->sym_by_off[pos];

		if (sym->deleted || !sym->size)
			continue;
		return offset - sym->offset < sym->size ? sym : NULL;
	}
	return NULL;
}

int sec_symbols_by_offset(struct section *sec, struct symbol ***arr, size_t *nr)
{
	*arr = NULL;
	*nr = 0;
	if (!sec || sec->deleted)
		return 0;
	if (!sym_index_ready(sec->obj))
		return -ENOMEM;
	*arr = sec->sym_by_off;
	*nr = sec->nr_sym_by_off;
	return 0;
}

bool sec_has_symbols(struct section *sec)
{
	size_t pos;

	if (!sec || sec->deleted || !sym_index_ready(sec->obj))
		return false;
	for (pos = 0; pos < sec->nr_sym_by_off; pos++)
		if (!sec->sym_by_off[pos]->deleted)
			return true;
	return false;
}

struct symbol *sec_find_func_containing(struct section *sec, uint64_t offset)
{
	size_t pos;

	if (!sec || sec->deleted || !sym_index_ready(sec->obj))
		return NULL;
	pos = sym_bound(sec, offset, true);
	while (pos--) {
		struct symbol *sym = sec->sym_by_off[pos];

		/* Nothing further back can reach @offset. */
		if (sym->offset + sec->max_func_size <= offset)
			break;
		if (sym->deleted || sym->type != STT_FUNC)
			continue;
		if (offset - sym->offset < sym->size)
			return sym;
	}
	return NULL;
}

/* ---- relocations by offset ---- */

static int cmp_reloc_off(const void *a, const void *b)
{
	const struct reloc *x = *(struct reloc *const *)a;
	const struct reloc *y = *(struct reloc *const *)b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int build_reloc_by_off(struct section *rsec)
{
	struct reloc *reloc;
	size_t n = 0, cap = 1;

	free(rsec->reloc_by_off);
	rsec->nr_reloc_by_off = rsec->alloc_reloc_by_off = 0;
	TAILQ_FOREACH(reloc, &rsec->relocs, list)
		if (!reloc->deleted)
			cap++;
	rsec->reloc_by_off = malloc(cap * sizeof(struct reloc *));
	if (!rsec->reloc_by_off)
		return -ENOMEM;
	TAILQ_FOREACH(reloc, &rsec->relocs, list)
		if (!reloc->deleted)
			rsec->reloc_by_off[n++] = reloc;
	qsort(rsec->reloc_by_off, n, sizeof(struct reloc *), cmp_reloc_off);
	rsec->nr_reloc_by_off = n;
	rsec->alloc_reloc_by_off = cap;
	return 0;
}

static int cmp_reloc_offset(const void *key, const void *elem)
{
	uint64_t a = *(const uint64_t *)key, b = (*(struct reloc *const *)elem)->offset;

	return a < b ? -1 : a > b;
}

static size_t bound(struct reloc *const *arr, size_t nr, uint64_t offset, bool after)
{
	return (after ? sorted_upper_bound : sorted_lower_bound)(&offset, arr, nr, sizeof(*arr),
								 cmp_reloc_offset);
}

static size_t reloc_bound(const struct section *rsec, uint64_t offset, bool after)
{
	return bound(rsec->reloc_by_off, rsec->nr_reloc_by_off, offset, after);
}

size_t reloc_lower_bound(struct reloc *const *arr, size_t nr, uint64_t offset)
{
	return bound(arr, nr, offset, false);
}

int lookup_add_reloc(struct section *rsec, struct reloc *reloc)
{
	size_t pos;

	if (!rsec->reloc_by_off)
		return 0;
	if (ARRAY_GROW(rsec->reloc_by_off, rsec->alloc_reloc_by_off, rsec->nr_reloc_by_off + 1)) {
		free(rsec->reloc_by_off);
		rsec->reloc_by_off = NULL;	/* rebuild later */
		return -ENOMEM;
	}
	pos = reloc_bound(rsec, reloc->offset, true);
	memmove(&rsec->reloc_by_off[pos + 1], &rsec->reloc_by_off[pos],
		(rsec->nr_reloc_by_off - pos) * sizeof(struct reloc *));
	rsec->reloc_by_off[pos] = reloc;
	rsec->nr_reloc_by_off++;
	return 0;
}

void lookup_del_reloc(struct section *rsec, struct reloc *reloc)
{
	size_t pos;

	if (!rsec->reloc_by_off)
		return;
	for (pos = reloc_bound(rsec, reloc->offset, false);
	     pos < rsec->nr_reloc_by_off && rsec->reloc_by_off[pos]->offset == reloc->offset;
	     pos++) {
		if (rsec->reloc_by_off[pos] == reloc) {
			memmove(&rsec->reloc_by_off[pos], &rsec->reloc_by_off[pos + 1],
				(rsec->nr_reloc_by_off - pos - 1) * sizeof(struct reloc *));
			rsec->nr_reloc_by_off--;
			return;
		}
	}
}

int sec_relocs_by_offset(struct section *sec, struct reloc ***arr, size_t *nr)
{
	struct section *rsec = sec && !sec->deleted ? sec->rela : NULL;

	*arr = NULL;
	*nr = 0;
	if (!rsec || rsec->deleted)
		return 0;
	if (!rsec->reloc_by_off && build_reloc_by_off(rsec))
		return -ENOMEM;
	*arr = rsec->reloc_by_off;
	*nr = rsec->nr_reloc_by_off;
	return 0;
}

struct reloc *sec_find_reloc_by_offset(struct section *sec, uint64_t offset, size_t len)
{
	struct section *rsec;
	size_t pos;

	if (!sec || sec->deleted)
		return NULL;
	rsec = sec->rela;
	if (!rsec || rsec->deleted)
		return NULL;
	if (!rsec->reloc_by_off && build_reloc_by_off(rsec)) {
		obj_int(sec->obj)->err = obj_int(sec->obj)->err ?: -ENOMEM;
		return NULL;
	}
	if (!len)
		len = 1;
	for (pos = reloc_bound(rsec, offset, false); pos < rsec->nr_reloc_by_off; pos++) {
		struct reloc *reloc = rsec->reloc_by_off[pos];

		if (reloc->offset - offset >= len)
			break;
		if (!reloc->deleted)
			return reloc;
	}
	return NULL;
}

void obj_invalidate_lookups(struct object *obj)
{
	struct section *sec;

	obj_int(obj)->sym_off_built = false;
	TAILQ_FOREACH(sec, &obj->sections, list) {
		free(sec->reloc_by_off);
		sec->reloc_by_off = NULL;
		sec->nr_reloc_by_off = sec->alloc_reloc_by_off = 0;
	}
}
