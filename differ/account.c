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

int account(struct differ *d)
{
	struct section *s;
	struct symbol *p;
	int ret;

	if (d->refusals.head)
		return 0;
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
