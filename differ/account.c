// SPDX-License-Identifier: GPL-2.0
/*
 * account: the whole-object invariant after selection.  Every difference
 * between ORIG and PATCHED in an allocated section must be accounted for
 * by a verdict the run acts on:
 *   - a changed function is patched or refused; a new one is new;
 *   - changed data is copied (a constant the patched code reads), refused,
 *     an always-safe special static, or referenced by nothing;
 *   - anonymous contents (constants, switch tables) that differ are
 *     referenced by something changed or new, or by nothing;
 * and the kinds compared elsewhere are left to their passes: special
 * sections (their entries follow the functions owning them), string
 * literals (compared by content where they are used), __LINE__ values
 * (compare's line-only verdict), debug info (not allocated).
 * Anything else is an error naming the section and symbol: the run must
 * never say "no change", or write a patch, while a difference is unexplained.
 * Tables the kernel reads only at boot or module load (module_param's
 * __param, initcalls, constructors) are compared too: a live patch cannot
 * add, drop or change an entry, so a difference there is a refusal.
 * Runs only when nothing was refused (a refusal already stops the run).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"
#include "log.h"

static bool compared_here(const struct section *sec)
{
	return (sec->sh.sh_flags & SHF_ALLOC) && !sec_is_rela(sec) && !sec_is_string(sec) &&
	       !special_section_name(sec->name) && strncmp(sec->name, ".discard", 8);
}

static int unaccounted(struct differ *d, const struct section *sec, const struct symbol *sym,
		       const char *what)
{
	pr_err("%s: %s: %s: unaccounted difference in %s (%s): no verdict explains it; this is "
	       "a hotpatch-diff bug, please report it with both objects", d->display, sec->name,
	       sym ? sym->name : "-", sec->name, what);
	return -EINVAL;
}

static int account_symbol(struct differ *d, struct symbol *p)
{
	struct dsym *ds = D(p);

	switch (p->status) {
	case V_SAME:
	case V_NEW:
		return 0;
	case V_CHANGED:
		if (ds->include || ds->refused || ds->special_static)
			return 0;
		if (sym_is_data(p) && !ds->nr_refs && p->bind == STB_LOCAL)
			return 0;
		return unaccounted(d, p->sec, p, sym_is_func(p) ? "changed function neither "
				   "patched nor refused" : "changed data neither copied nor refused");
	default:
		return unaccounted(d, p->sec, p, "never compared");
	}
}

/* A section without symbols of its own: switch tables, unnamed constants. */
static int account_anonymous(struct differ *d, struct section *s)
{
	struct section *o = s->twin;
	const char *why = NULL;
	int ret;

	if (DS(s)->include || DS(s)->ref_changed || !DS(s)->nr_refs)
		return 0;
	if (!o)
		return unaccounted(d, s, NULL, "new contents that unchanged code uses");
	if (o->size != s->size)
		return unaccounted(d, s, NULL, "size");
	ret = compare_range(d, o, 0, s, 0, s->size, &why);
	if (ret < 0)
		return ret;
	return ret ? unaccounted(d, s, NULL, why ? why : "contents") : 0;
}

static const struct {
	const char *prefix;
	const char *what;
} load_tables[] = {
	{ "__param", "module parameter" },
	{ ".initcall", "initcall" },
	{ ".init_array", "constructor" },
};

/*
 * What names the first entry where @o and @s (either may be NULL) differ:
 * the function it points to (an initcall's), else the entry's own symbol;
 * refused with @hint and the reason @fmt.  0 or -ENOMEM.
 */
static int refuse_first_difference(struct differ *d, struct section *o, struct section *s,
				   const char *hint, const char *fmt, const char *what)
{
	struct section *in = s ? s : o;
	struct reloc **ra = NULL, **rb = NULL;
	size_t na = 0, nb = 0, i;
	const struct symbol *sym = NULL;
	uint64_t off = 0;

	if ((o && sec_relocs_by_offset(o, &ra, &na)) || (s && sec_relocs_by_offset(s, &rb, &nb)))
		return -ENOMEM;
	for (i = 0; i < na && i < nb; i++) {
		struct target ta, tb;

		if (ra[i]->offset != rb[i]->offset || reloc_target(ra[i], &ta) ||
		    reloc_target(rb[i], &tb) || !targets_equal(d, &ta, &tb))
			break;
	}
	if (i < (s ? nb : na)) {
		struct reloc *r = (s ? rb : ra)[i];
		struct target t;

		off = r->offset;
		if (!reloc_target(r, &t) && t.sym && sym_is_func(t.sym))
			sym = t.sym;
	}
	if (!sym)
		sym = sec_find_symbol_containing(in, off);
	if (!sym && i < (s ? nb : na))
		sym = (s ? rb : ra)[i]->sym;
	return refusef(d, in, sym, hint, fmt, what, in->name);
}

static int account_load_tables(struct differ *d)
{
	struct section *s;
	size_t k;

	for (k = 0; k < sizeof(load_tables) / sizeof(load_tables[0]); k++) {
		const char *pre = load_tables[k].prefix;

		for_each_section(d->patched, s) {
			struct section *o;
			const char *why = NULL;
			int ret = 1;

			if (sec_is_rela(s) || strncmp(s->name, pre, strlen(pre)))
				continue;
			o = obj_find_section_by_name(d->orig, s->name);
			if (o && o->size == s->size) {
				ret = compare_range(d, o, 0, s, 0, s->size, &why);
				if (ret < 0)
					return ret;
			}
			if (!ret)
				continue;
			ret = refuse_first_difference(d, o, s, "the kernel reads this table only "
						      "at boot or module load: leave it unchanged, "
						      "and do the work from a livepatch callback",
						      o ? "changed %s (%s)" : "new %s (%s)",
						      load_tables[k].what);
			if (ret)
				return ret;
		}
		for_each_section(d->orig, s) {
			int ret;

			if (sec_is_rela(s) || strncmp(s->name, pre, strlen(pre)) ||
			    obj_find_section_by_name(d->patched, s->name))
				continue;
			ret = refuse_first_difference(d, s, NULL, "the kernel reads this table only "
						      "at boot or module load: leave it unchanged",
						      "removed %s (%s)", load_tables[k].what);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int account(struct differ *d)
{
	struct section *s;
	struct symbol *p;
	int ret;

	if (d->refusals.head)
		return 0;
	ret = account_load_tables(d);
	if (ret || d->refusals.head)
		return ret;
	for_each_symbol(d->patched, p) {
		if (!p->sec || !compared_here(p->sec) || p->parent ||
		    (!sym_is_func(p) && !sym_is_data(p)))
			continue;
		ret = account_symbol(d, p);
		if (ret)
			return ret;
	}
	for_each_section(d->patched, s) {
		if (!compared_here(s) || sec_has_symbols(s))
			continue;
		ret = account_anonymous(d, s);
		if (ret)
			return ret;
	}
	return 0;
}
