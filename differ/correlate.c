// SPDX-License-Identifier: GPL-2.0
/*
 * correlate: pair the symbols and sections of ORIG and PATCHED.
 *
 * The compiler renumbers what it names itself: static locals ("calls.3"
 * becomes "calls.5" when a static is added above), clones (".isra.N",
 * ".constprop.N", ".part.N"), __UNIQUE_ID_* names, "CSWTCH.N" tables, and
 * BTF_ID() slots (__BTF_ID__*__<counter><line>, renamed by a line shift).
 * Pairing goes from the certain to the inferred:
 *   1. names without compiler numbering pair by name (type must agree);
 *   2. numbered functions (clones) pair by their bare name when it is
 *      unique on both sides, else by exact name;
 *   3. numbered data (static locals ...) pair through the functions using
 *      them: first by position -- when a function and its twin refer to
 *      the same number of statics of one bare name (__key, __warned ...),
 *      the k-th first referenced pairs with the k-th -- then by the users
 *      they share: the twin of a user must use exactly one candidate of
 *      the same bare name, type and kind;
 *   4. what is left pairs by bare name when one of each remains, else
 *      by exact name: clones, and data nothing with a symbol uses;
 *   5. sections pair through the symbol they hold, else by name; section
 *      symbols and relocation sections follow their sections.
 * A ".cold" part is bound to its parent function and never patched on
 * its own.  A pair whose sections are of incompatible kinds (code / init
 * code / constant data / data / per-cpu ...) is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "differ.h"
#include "log.h"

static bool pairable(const struct symbol *sym)
{
	return sym->type != STT_SECTION && sym->type != STT_FILE && sym->name[0] &&
	       !sym->twin;
}

static bool same_type(const struct symbol *a, const struct symbol *b)
{
	if (!a->sec || !b->sec)
		return !a->sec && !b->sec;
	return a->type == b->type;
}

static void pair(struct symbol *o, struct symbol *p)
{
	o->twin = p;
	p->twin = o;
}

static int add_user(struct symbol *target, struct symbol *user)
{
	struct dsym *ds = D(target);
	unsigned int i;

	for (i = 0; i < ds->nr_users; i++)
		if (ds->users[i] == user)
			return 0;
	if (ARRAY_GROW(ds->users, ds->max_users, ds->nr_users + 1))
		return -ENOMEM;
	ds->users[ds->nr_users++] = user;
	return 0;
}

/* Who refers to each local symbol: functions (cold parts as their parent) and data. */
static int collect_users(struct object *obj)
{
	struct section *rsec;

	for_each_section(obj, rsec) {
		struct section *base = rsec->base;
		struct reloc *r;

		if (!sec_is_rela(rsec) || !base || !sec_has_symbols(base))
			continue;
		for_each_reloc(rsec, r) {
			struct symbol *user = sec_find_symbol_containing(base, r->offset);
			struct target t;
			int ret;

			if (!user || user->type == STT_NOTYPE)
				continue;
			ret = reloc_target(r, &t);
			if (ret)
				return ret;
			if (!t.sym || !t.sym->sec || t.sym->bind != STB_LOCAL || t.sym == user)
				continue;
			ret = add_user(t.sym, func_parent(user));
			/* a static gcc moved into foo.part.N is still foo's */
			if (!ret && user->split_from)
				ret = add_user(t.sym, user->split_from);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* 1: exact names, for everything the compiler did not number. */
static void pair_exact(struct differ *d)
{
	struct symbol *p;

	for_each_symbol(d->patched, p) {
		struct symbol *o;

		if (!pairable(p) || p->numbered)
			continue;
		o = obj_find_symbol_by_name(d->orig, p->name);
		if (o && pairable(o) && !o->numbered && same_type(o, p))
			pair(o, p);
	}
}

/*
 * Buckets of numbered symbols by bare name, built once per object so the
 * by-name steps stay linear: a sorted array and a binary search.
 */
struct bare_map {
	struct symbol **v;
	size_t n;
};

static int cmp_bare(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol *const *)a;
	const struct symbol *y = *(struct symbol *const *)b;
	int c = strcmp(x->bare, y->bare);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int bare_map_build(struct object *obj, struct bare_map *m)
{
	struct symbol *s;

	m->n = 0;
	m->v = mem_calloc(obj->nr_symbols + 1, sizeof(*m->v));
	if (!m->v)
		return -ENOMEM;
	for_each_symbol(obj, s)
		if (s->type != STT_SECTION && s->type != STT_FILE && s->numbered)
			m->v[m->n++] = s;
	qsort(m->v, m->n, sizeof(*m->v), cmp_bare);
	return 0;
}

static int cmp_bare_key(const void *key, const void *elem)
{
	return strcmp(key, (*(struct symbol *const *)elem)->bare);
}

/* Range [*first, return) of @m with bare name @bare. */
static size_t bare_map_find(struct bare_map *m, const char *bare, size_t *first)
{
	return sorted_equal_range(bare, m->v, m->n, sizeof(*m->v), cmp_bare_key, first);
}

/* The only unpaired symbol like @like in [first, end), or NULL. */
static struct symbol *only_unpaired(struct bare_map *m, size_t first, size_t end,
				    struct symbol *like)
{
	struct symbol *one = NULL;
	size_t i;

	for (i = first; i < end; i++) {
		struct symbol *s = m->v[i];

		if (!pairable(s) || !same_type(s, like))
			continue;
		if (one)
			return NULL;
		one = s;
	}
	return one;
}

static bool has_paired_user(struct symbol *s)
{
	unsigned int i;

	for (i = 0; i < D(s)->nr_users; i++)
		if (D(s)->users[i]->twin)
			return true;
	return false;
}

/* 2 and 4: numbered symbols by bare name (only when one of each is left), else exact. */
static void pair_by_bare(struct differ *d, struct bare_map *om, struct bare_map *pm,
			 bool funcs)
{
	size_t i;

	for (i = 0; i < pm->n; i++) {
		struct symbol *p = pm->v[i], *o;
		size_t of, oe, pf, pe;

		if (!pairable(p) || (p->type == STT_FUNC) != funcs)
			continue;
		oe = bare_map_find(om, p->bare, &of);
		pe = bare_map_find(pm, p->bare, &pf);
		o = only_unpaired(om, of, oe, p);
		/* data whose users have twins was for step 3 to pair: it is new */
		if (!funcs && o && (has_paired_user(p) || has_paired_user(o)))
			continue;
		if (o && only_unpaired(pm, pf, pe, p) == p) {
			pair(o, p);
			continue;
		}
		/*
		 * Data nothing with a symbol refers to -- a dynamic debug descriptor
		 * that only its __jump_table entry keys (btrfs_debug passes no
		 * descriptor) -- has no users to pair through: its exact name, or
		 * every function keyed on it would look changed.
		 */
		o = obj_find_symbol_by_name(d->orig, p->name);
		if (o && pairable(o) && same_type(o, p) &&
		    (funcs || (!D(p)->nr_users && !D(o)->nr_users)))
			pair(o, p);
	}
}

/*
 * 3: static locals (and other numbered data) through their users.  The
 * orig candidates are the unpaired symbols of the same bare name and type;
 * each scores the number of @p's users whose twins also use it.  The best
 * score wins; a tie goes to the candidate with @p's exact name, else
 * nothing is paired.  Marking the users' twins first keeps this linear in
 * the number of uses.  Returns the number of pairs made.
 */
static int pair_by_users(struct bare_map *om, struct bare_map *pm)
{
	static unsigned int gen;
	int made = 0;
	size_t i;

	for (i = 0; i < pm->n; i++) {
		struct symbol *p = pm->v[i], *best = NULL;
		unsigned int best_score = 0, u;
		bool tie = false;
		size_t of, oe, k;

		if (!pairable(p) || !p->sec || p->type == STT_FUNC || !D(p)->nr_users)
			continue;
		gen++;
		for (u = 0; u < D(p)->nr_users; u++)
			if (D(p)->users[u]->twin)
				D(D(p)->users[u]->twin)->mark = gen;
		oe = bare_map_find(om, p->bare, &of);
		for (k = of; k < oe; k++) {
			struct symbol *o = om->v[k];
			unsigned int score = 0;

			if (!pairable(o) || !same_type(o, p))
				continue;
			for (u = 0; u < D(o)->nr_users; u++)
				if (D(D(o)->users[u])->mark == gen)
					score++;
			if (!score || score < best_score)
				continue;
			if (score == best_score) {
				if (!strcmp(o->name, p->name)) {
					best = o;
					tie = false;
				} else if (strcmp(best->name, p->name)) {
					tie = true;
				}
				continue;
			}
			best = o;
			best_score = score;
			tie = false;
		}
		if (best && !tie) {
			pair(best, p);
			made++;
		}
	}
	return made;
}

/* Numbered local data referenced by @func (and its .cold part), in order of first reference. */
static int referenced_statics(struct symbol *func, struct symbol ***out, size_t *nr)
{
	struct symbol *parts[2] = { func, func->cold };
	size_t n = 0, max = 0, k, i;
	struct symbol **v = NULL;

	for (k = 0; k < 2; k++) {
		struct symbol *f = parts[k];
		struct reloc **rs;
		size_t nrs;

		if (!f || !f->sec)
			continue;
		if (sec_relocs_by_offset(f->sec, &rs, &nrs)) {
			free(v);
			return -ENOMEM;
		}
		for (i = reloc_lower_bound(rs, nrs, f->offset);
		     i < nrs && rs[i]->offset < f->offset + f->size; i++) {
			struct target t;
			size_t j;
			int ret = reloc_target(rs[i], &t);

			if (ret) {
				free(v);
				return ret;
			}
			if (!t.sym || !t.sym->sec || !t.sym->numbered || t.sym->bind != STB_LOCAL ||
			    !sym_is_data(t.sym))
				continue;
			for (j = 0; j < n && v[j] != t.sym; j++)
				;
			if (j < n)
				continue;
			if (ARRAY_GROW(v, max, n + 1)) {
				free(v);
				return -ENOMEM;
			}
			v[n++] = t.sym;
		}
	}
	*out = v;
	*nr = n;
	return 0;
}

/*
 * 3, by position: in each pair of functions, the statics of one bare name
 * pair in the order the code first refers to them, when both sides refer
 * to as many.  The compiler numbers statics by where they are declared,
 * so an added static renumbers the others; their places in the code do
 * not move.
 */
static int pair_by_position(struct differ *d)
{
	struct symbol *p;

	for_each_symbol(d->patched, p) {
		struct symbol **pv, **ov;
		size_t pn, on, i;
		int ret;

		if (!sym_is_func(p) || !p->sec || p->parent || !p->twin)
			continue;
		ret = referenced_statics(p, &pv, &pn);
		if (ret)
			return ret;
		if (!pn) {
			free(pv);
			continue;
		}
		ret = referenced_statics(p->twin, &ov, &on);
		if (ret) {
			free(pv);
			return ret;
		}
		for (i = 0; i < pn; i++) {
			size_t pk = 0, ok = 0, j, nth = 0;
			struct symbol *o = NULL;

			for (j = 0; j < pn; j++) {
				if (strcmp(pv[j]->bare, pv[i]->bare))
					continue;
				if (j < i)
					nth++;
				pk++;
			}
			for (j = 0; j < on; j++) {
				if (strcmp(ov[j]->bare, pv[i]->bare))
					continue;
				if (ok++ == nth)
					o = ov[j];
			}
			if (pk == ok && o && pairable(o) && pairable(pv[i]) && same_type(o, pv[i]))
				pair(o, pv[i]);
		}
		free(pv);
		free(ov);
	}
	return 0;
}

int correlate(struct differ *d)
{
	struct bare_map om = { 0 }, pm = { 0 };
	struct section *ps;
	struct symbol *p;
	int ret;

	ret = collect_users(d->orig);
	if (!ret)
		ret = collect_users(d->patched);
	if (ret)
		return ret;

	pair_exact(d);
	ret = bare_map_build(d->orig, &om);
	ret = ret ?: bare_map_build(d->patched, &pm);
	if (!ret) {
		pair_by_bare(d, &om, &pm, true);
		ret = pair_by_position(d);
	}
	if (ret) {
		free(om.v);
		free(pm.v);
		return ret;
	}
	while (pair_by_users(&om, &pm) > 0)
		;
	pair_by_bare(d, &om, &pm, false);
	free(om.v);
	free(pm.v);

	/* 5: sections */
	for_each_section(d->patched, ps) {
		struct symbol *s;
		struct section *os;

		if (sec_is_rela(ps) || ps->twin)
			continue;
		s = sec_find_symbol_containing(ps, 0);
		if (s && s->twin && s->twin->sec && !s->twin->sec->twin &&
		    s->twin->offset == 0) {
			ps->twin = s->twin->sec;
			ps->twin->twin = ps;
			continue;
		}
		os = obj_find_section_by_name(d->orig, ps->name);
		if (os && !os->twin && !sec_is_rela(os)) {
			ps->twin = os;
			os->twin = ps;
		}
	}
	for_each_section(d->patched, ps) {
		if (sec_is_rela(ps) && ps->base && ps->base->twin && ps->base->twin->rela) {
			ps->twin = ps->base->twin->rela;
			ps->twin->twin = ps;
		}
		if (ps->secsym && ps->twin && ps->twin->secsym) {
			ps->secsym->twin = ps->twin->secsym;
			ps->twin->secsym->twin = ps->secsym;
		}
	}

	/* a twin must live in a section of the same kind */
	for_each_symbol(d->patched, p) {
		struct symbol *o = p->twin;

		if (!o || !o->sec || !p->sec || (p->type != STT_FUNC && !sym_is_data(p)))
			continue;
		if (o->sec->class != p->sec->class) {
			ret = refusef(d, p->sec, p,
				      "a live patch cannot move a symbol between code, init code, "
				      "constant and writable data: keep its section, or add a new "
				      "symbol instead",
				      "moved from %s (%s) to %s (%s)", o->sec->name,
				      sec_class_name(o->sec->class), p->sec->name,
				      sec_class_name(p->sec->class));
			if (ret)
				return ret;
		}
	}
	return 0;
}
