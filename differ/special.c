// SPDX-License-Identifier: GPL-2.0
/*
 * special: the special sections of x86-64 Linux 6.1 as ONE table.
 *
 * Each row says how big an entry is (from the target kernel: --entry-size,
 * kpatch's *_STRUCT_SIZE variables, or the checked Debian 6.1 default),
 * where the field locating the owning code is, and what else matters:
 * a __LINE__ field to ignore, an .altinstr_replacement range, a static
 * key, a parallel array (.orc_unwind beside .orc_unwind_ip).  One loop
 * per job walks the rows:
 *   - index:   the owning function of every entry (a .cold part counts as
 *              its parent);
 *   - compare: a function's entries in ORIG and PATCHED, in order, with
 *              normalized fields -- part of its verdict;
 *   - keep:    exactly the entries of included functions, with their
 *              relocations, replacement code and parallel entries, as data
 *              (struct special_out): resolve decides where each relocation
 *              points and checks the keys, emit writes them.
 * Sections of the .discard.* family and .printk_index are dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"
#include "log.h"

static const struct {
	const char *opt, *env;
	unsigned int def;		/* Debian 6.1 (pahole on the dbg vmlinux) */
} size_keys[NR_SZ] = {
	[SZ_BUG] = { "bug_table", "BUG_STRUCT_SIZE", 12 },
	[SZ_EX] = { "ex_table", "EX_STRUCT_SIZE", 12 },
	[SZ_ALT] = { "altinstructions", "ALT_STRUCT_SIZE", 12 },
	[SZ_JUMP] = { "jump_table", "JUMP_STRUCT_SIZE", 16 },
	[SZ_ORC] = { "orc_unwind", "ORC_STRUCT_SIZE", 6 },
	[SZ_STATIC_CALL] = { "static_call_sites", "STATIC_CALL_STRUCT_SIZE", 8 },
	[SZ_PARA] = { "parainstructions", "PARA_STRUCT_SIZE", 16 },
};

#define NONE (-1)

struct special_desc {
	const char *name;
	int size_key;			/* index into d->sizes, or NONE */
	unsigned int fixed;		/* entry size when size_key == NONE */
	unsigned int insn;		/* field pointing at the owning code */
	int line;			/* u16 __LINE__ field ignored by compare */
	int repl, repl_len;		/* .altinstructions replacement (s32 rel, u8 len) */
	int key;			/* static key / static call key field */
	const char *group;		/* parallel array, entry for entry */
	int group_size_key;
	bool compare;			/* entries are part of the function */
};

static const struct special_desc table[] = {
	{ "__bug_table", SZ_BUG, 0, 0, 8, NONE, NONE, NONE, NULL, NONE, true },
	{ "__ex_table", SZ_EX, 0, 0, NONE, NONE, NONE, NONE, NULL, NONE, true },
	{ ".altinstructions", SZ_ALT, 0, 0, NONE, 4, 11, NONE, NULL, NONE, true },
	{ "__jump_table", SZ_JUMP, 0, 0, NONE, NONE, NONE, 8, NULL, NONE, true },
	{ ".static_call_sites", SZ_STATIC_CALL, 0, 0, NONE, NONE, NONE, 4, NULL, NONE, true },
	{ ".parainstructions", SZ_PARA, 0, 0, NONE, NONE, NONE, NONE, NULL, NONE, true },
	{ ".smp_locks", NONE, 4, 0, NONE, NONE, NONE, NONE, NULL, NONE, false },
	{ ".retpoline_sites", NONE, 4, 0, NONE, NONE, NONE, NONE, NULL, NONE, false },
	{ ".return_sites", NONE, 4, 0, NONE, NONE, NONE, NONE, NULL, NONE, false },
	{ "__mcount_loc", NONE, 8, 0, NONE, NONE, NONE, NONE, NULL, NONE, false },
	{ ".orc_unwind_ip", NONE, 4, 0, NONE, NONE, NONE, NONE, ".orc_unwind", SZ_ORC, false },
};
#define NR_TABLE (sizeof(table) / sizeof(table[0]))

/* Sections that are never copied whole: table rows, their companions, dropped ones. */
bool special_section_name(const char *name)
{
	static const char *const others[] = {
		".altinstr_replacement", ".orc_unwind", ".printk_index", ".modinfo",
		"__param", "__modver", ".gnu.linkonce.this_module", ".note.gnu.property",
		".comment", ".note.GNU-stack", ".eh_frame", "__tracepoints_ptrs",
		"__tracepoints_strings", ".static_call.text",
	};
	size_t i;

	if (!strncmp(name, ".discard", 8) || !strncmp(name, "__ksymtab", 9) ||
	    !strncmp(name, ".debug_", 7) || !strncmp(name, ".initcall", 9) ||
	    !strncmp(name, ".init_array", 11) || !strncmp(name, ".note", 5))
		return true;
	for (i = 0; i < NR_TABLE; i++)
		if (!strcmp(name, table[i].name))
			return true;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (!strcmp(name, others[i]))
			return true;
	return false;
}

/* ---- entry sizes ---- */

void special_default_sizes(struct differ *d)
{
	int i;

	for (i = 0; i < NR_SZ; i++)
		d->sizes[i] = size_keys[i].def;
}

static int set_size(struct differ *d, int key, const char *val, const char *from)
{
	char *end;
	unsigned long v = strtoul(val, &end, 0);

	if (!*val || *end || !v || v > 4096) {
		pr_err("%s: bad entry size '%s' for %s: give the size in bytes of the target "
		       "kernel's struct", from, val, size_keys[key].opt);
		return -EINVAL;
	}
	if (v != size_keys[key].def)
		pr_info("%s: %s entries are %lu bytes (Debian 6.1: %u)", from, size_keys[key].opt,
			v, size_keys[key].def);
	d->sizes[key] = (unsigned int)v;
	return 0;
}

/* "bug_table=12,ex_table=12,..." */
int special_parse_sizes(struct differ *d, const char *spec)
{
	char *copy = xstrdup(spec), *save = NULL, *item;
	int ret = 0;

	for (item = strtok_r(copy, ",", &save); item && !ret;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		int i;

		if (!eq) {
			ret = -EINVAL;
			break;
		}
		*eq = 0;
		for (i = 0; i < NR_SZ; i++)
			if (!strcmp(item, size_keys[i].opt))
				break;
		if (i == NR_SZ) {
			pr_err("--entry-size: unknown section '%s'", item);
			ret = -EINVAL;
			break;
		}
		ret = set_size(d, i, eq + 1, "--entry-size");
	}
	if (ret == -EINVAL && !item)
		ret = 0;
	if (ret)
		pr_err("--entry-size '%s': expected name=bytes[,...] with names bug_table, ex_table, "
		       "altinstructions, jump_table, orc_unwind, static_call_sites, parainstructions",
		       spec);
	free(copy);
	return ret;
}

int special_env_sizes(struct differ *d)
{
	int i, ret;

	for (i = 0; i < NR_SZ; i++) {
		const char *v = getenv(size_keys[i].env);

		if (v && *v) {
			ret = set_size(d, i, v, size_keys[i].env);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- index ---- */

struct special_sec {
	const struct special_desc *desc;
	struct section *sec, *group;
	unsigned int esize, gsize;
	size_t n;
	struct symbol **owner;		/* per entry */
	size_t *by_owner;		/* entry numbers sorted by owner, then order */
};

struct special_state {
	struct special_sec secs[NR_TABLE];
};

static unsigned int entry_size(struct differ *d, const struct special_desc *desc)
{
	return desc->size_key == NONE ? desc->fixed : d->sizes[desc->size_key];
}

static struct symbol **owners_sort_base;

static int cmp_by_owner(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	uintptr_t ox = (uintptr_t)owners_sort_base[x], oy = (uintptr_t)owners_sort_base[y];

	if (ox != oy)
		return ox < oy ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int index_object(struct differ *d, struct object *obj, struct special_state *st)
{
	size_t t;

	for (t = 0; t < NR_TABLE; t++) {
		const struct special_desc *desc = &table[t];
		struct special_sec *ss = &st->secs[t];
		struct reloc **rs;
		size_t nr, i, k;

		ss->desc = desc;
		ss->sec = obj_find_section_by_name(obj, desc->name);
		if (!ss->sec || !ss->sec->size)
			continue;
		ss->esize = entry_size(d, desc);
		if (ss->sec->size % ss->esize) {
			pr_err("%s: %s: size %zu is not a multiple of the entry size %u: give the "
			       "target's struct size (--entry-size or kpatch's *_STRUCT_SIZE)",
			       obj->path, desc->name, ss->sec->size, ss->esize);
			return -EINVAL;
		}
		ss->n = ss->sec->size / ss->esize;
		if (desc->group) {
			ss->group = obj_find_section_by_name(obj, desc->group);
			ss->gsize = d->sizes[desc->group_size_key];
			if (!ss->group || ss->group->size != ss->n * ss->gsize) {
				pr_err("%s: %s has %zu entries but %s does not match (entry size %u)",
				       obj->path, desc->name, ss->n, desc->group, ss->gsize);
				return -EINVAL;
			}
		}
		ss->owner = xcalloc(ss->n, sizeof(*ss->owner));
		ss->by_owner = xcalloc(ss->n, sizeof(*ss->by_owner));
		rs = sec_relocs_sorted(ss->sec, &nr);
		for (i = 0; i < nr; i++) {
			struct target tg;

			if (rs[i]->offset % ss->esize != desc->insn)
				continue;
			if (reloc_target(rs[i], &tg))
				continue;
			if (tg.sym && sym_is_func(tg.sym))
				ss->owner[rs[i]->offset / ss->esize] = func_parent(tg.sym);
		}
		for (k = 0; k < ss->n; k++)
			ss->by_owner[k] = k;
		owners_sort_base = ss->owner;
		qsort(ss->by_owner, ss->n, sizeof(*ss->by_owner), cmp_by_owner);
		owners_sort_base = NULL;
	}
	return 0;
}

int special_index(struct differ *d)
{
	int ret;

	d->sp_orig = xcalloc(1, sizeof(*d->sp_orig));
	d->sp_patched = xcalloc(1, sizeof(*d->sp_patched));
	ret = index_object(d, d->orig, d->sp_orig);
	if (!ret)
		ret = index_object(d, d->patched, d->sp_patched);
	return ret;
}

void special_free(struct differ *d)
{
	struct special_state *sts[2] = { d->sp_orig, d->sp_patched };
	size_t i, t;

	for (i = 0; i < 2; i++) {
		if (!sts[i])
			continue;
		for (t = 0; t < NR_TABLE; t++) {
			free(sts[i]->secs[t].owner);
			free(sts[i]->secs[t].by_owner);
		}
		free(sts[i]);
	}
	d->sp_orig = d->sp_patched = NULL;
	while (d->special_out) {
		struct special_out *so = d->special_out;

		d->special_out = so->next;
		free(so->data);
		free(so->gdata);
		free(so->rdata);
		free(so->rels);
		free(so);
	}
}

/* The entries owned by @f: [*first, return) of ss->by_owner. */
static size_t entries_of(struct special_sec *ss, struct symbol *f, size_t *first)
{
	size_t lo = 0, hi = ss->n, end;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if ((uintptr_t)ss->owner[ss->by_owner[mid]] < (uintptr_t)f)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (end = lo; end < ss->n && ss->owner[ss->by_owner[end]] == f; end++)
		;
	return end;
}

/* ---- compare ---- */

static bool in_field(int field, unsigned int size, uint64_t rel)
{
	return field != NONE && rel >= (uint64_t)field && rel < (uint64_t)field + size;
}

static int compare_entry(struct differ *d, struct special_sec *so, size_t eo,
			 struct special_sec *sp, size_t ep)
{
	const struct special_desc *desc = sp->desc;
	uint64_t bo = eo * so->esize, bp = ep * sp->esize;
	unsigned char *da = sec_data(so->sec), *db = sec_data(sp->sec);
	struct reloc **ra, **rb;
	size_t na, nb, ia, ib;
	unsigned int i;

	if (!da || !db)
		return -EIO;
	for (i = 0; i < sp->esize; i++) {
		if (in_field(desc->line, 2, i))
			continue;
		if (da[bo + i] != db[bp + i])
			return 1;
	}
	ra = sec_relocs_sorted(so->sec, &na);
	rb = sec_relocs_sorted(sp->sec, &nb);
	ia = reloc_lower_bound(ra, na, bo);
	ib = reloc_lower_bound(rb, nb, bp);
	for (;;) {
		bool ina = ia < na && ra[ia]->offset < bo + so->esize;
		bool inb = ib < nb && rb[ib]->offset < bp + sp->esize;
		struct target ta, tb;

		if (!ina && !inb)
			break;
		if (ina != inb || ra[ia]->offset - bo != rb[ib]->offset - bp ||
		    ra[ia]->type != rb[ib]->type)
			return 1;
		if (reloc_target(ra[ia], &ta) || reloc_target(rb[ib], &tb))
			return 1;
		if (in_field(desc->repl, 4, ra[ia]->offset - bo)) {
			/* the replacement code, wherever it sits */
			const char *why;
			unsigned int len = db[bp + desc->repl_len];

			if (!ta.sec || !tb.sec || ta.sym || tb.sym ||
			    compare_range(d, ta.sec, ta.off, tb.sec, tb.off, len, &why))
				return 1;
		} else if (!targets_equal(d, &ta, &tb)) {
			return 1;
		}
		ia++;
		ib++;
	}
	if (desc->line != NONE) {
		uint32_t la = da[bo + desc->line] | (uint32_t)da[bo + desc->line + 1] << 8;
		uint32_t lb = db[bp + desc->line] | (uint32_t)db[bp + desc->line + 1] << 8;

		if (la != lb)
			line_pair_add(d, la, lb);	/* a certain line move */
	}
	return 0;
}

int special_compare_func(struct differ *d, struct symbol *a, struct symbol *b,
			 const char **why)
{
	size_t t;

	if (!a || !b)
		return 0;
	for (t = 0; t < NR_TABLE; t++) {
		struct special_sec *so = &d->sp_orig->secs[t], *sp = &d->sp_patched->secs[t];
		size_t fo = 0, eo = 0, fp = 0, ep = 0, k;

		if (!table[t].compare)
			continue;
		if (so->n)
			eo = entries_of(so, a, &fo);
		if (sp->n)
			ep = entries_of(sp, b, &fp);
		if (eo - fo != ep - fp) {
			*why = table[t].name;
			return 1;
		}
		for (k = 0; k < eo - fo; k++) {
			int ret = compare_entry(d, so, so->by_owner[fo + k], sp, sp->by_owner[fp + k]);

			if (ret) {
				*why = table[t].name;
				return ret;
			}
		}
	}
	return 0;
}

/* ---- keep: the entries of included functions, as data ---- */

static void buf_add(unsigned char **data, size_t *size, const void *p, size_t n)
{
	*data = realloc(*data, *size + n ? *size + n : 1);
	if (!*data)
		abort();
	memcpy(*data + *size, p, n);
	*size += n;
}

static struct special_rel *add_rel(struct special_out *so)
{
	if (so->nr_rels == so->max_rels) {
		so->max_rels = so->max_rels ? 2 * so->max_rels : 16;
		so->rels = realloc(so->rels, so->max_rels * sizeof(*so->rels));
		if (!so->rels)
			abort();
	}
	memset(&so->rels[so->nr_rels], 0, sizeof(*so->rels));
	return &so->rels[so->nr_rels++];
}

static bool entry_kept(struct special_sec *ss, size_t e)
{
	return ss->owner[e] && D(ss->owner[e])->include;
}

/* The replacement code an .altinstructions entry points at: its bytes and relocations. */
static int keep_replacement(struct differ *d, struct special_sec *ss, struct special_out *so,
			    struct reloc *r, uint64_t at)
{
	unsigned int len = sec_data(ss->sec)[r->offset - r->offset % ss->esize +
					     ss->desc->repl_len];
	unsigned char *repl_data;
	uint64_t start = so->rsize;
	struct special_rel *sr;
	struct reloc **rr;
	struct target tg;
	size_t nrr, j;

	if (reloc_target(r, &tg) || !tg.sec || tg.sym || !(repl_data = sec_data(tg.sec)) ||
	    (uint64_t)tg.off + len > tg.sec->size) {
		pr_err("%s: %s+0x%lx: bad replacement reference", d->display, ss->sec->name,
		       (unsigned long)r->offset);
		return -EINVAL;
	}
	if (!so->repl)
		so->repl = tg.sec;
	buf_add(&so->rdata, &so->rsize, repl_data + tg.off, len);
	sr = add_rel(so);
	sr->off = at;
	sr->src = r;
	sr->to_repl = true;
	sr->addend = r->addend - tg.off + (int64_t)start;
	rr = sec_relocs_sorted(tg.sec, &nrr);
	for (j = reloc_lower_bound(rr, nrr, tg.off);
	     j < nrr && rr[j]->offset < (uint64_t)tg.off + len; j++) {
		sr = add_rel(so);
		sr->off = start + rr[j]->offset - tg.off;
		sr->src = rr[j];
		sr->in_repl = true;
	}
	return 0;
}

static int keep_one(struct differ *d, struct special_sec *ss, struct special_out **tail)
{
	const struct special_desc *desc = ss->desc;
	unsigned char *data = sec_data(ss->sec), *gdata = NULL;
	struct special_out *so;
	struct reloc **rs;
	size_t nr, e, nkept = 0;
	int ret = 0;

	for (e = 0; e < ss->n; e++)
		nkept += entry_kept(ss, e);
	if (!nkept)
		return 0;
	if (!data)
		return -EIO;
	if (ss->group && !(gdata = sec_data(ss->group)))
		return -EIO;
	so = xcalloc(1, sizeof(*so));
	so->sec = ss->sec;
	so->group = ss->group;
	*tail = so;
	for (e = 0; e < ss->n; e++) {
		if (!entry_kept(ss, e))
			continue;
		buf_add(&so->data, &so->size, data + e * ss->esize, ss->esize);
		if (ss->group)
			buf_add(&so->gdata, &so->gsize, gdata + e * ss->gsize, ss->gsize);
	}

	rs = sec_relocs_sorted(ss->sec, &nr);
	nkept = 0;
	for (e = 0; e < ss->n && !ret; e++) {
		uint64_t base = e * ss->esize, nbase = nkept * ss->esize;
		size_t i;

		if (!entry_kept(ss, e))
			continue;
		nkept++;
		for (i = reloc_lower_bound(rs, nr, base);
		     i < nr && rs[i]->offset < base + ss->esize && !ret; i++) {
			uint64_t rel = rs[i]->offset - base;
			struct special_rel *sr;

			if (in_field(desc->repl, 4, rel)) {
				ret = keep_replacement(d, ss, so, rs[i], nbase + rel);
				continue;
			}
			sr = add_rel(so);
			sr->off = nbase + rel;
			sr->src = rs[i];
			sr->key = in_field(desc->key, desc->key == 8 ? 8 : 4, rel);
		}
	}
	return ret;
}

int special_keep(struct differ *d)
{
	struct special_out **tail = &d->special_out;
	size_t t;
	int ret;

	for (t = 0; t < NR_TABLE; t++) {
		if (!d->sp_patched->secs[t].n)
			continue;
		ret = keep_one(d, &d->sp_patched->secs[t], tail);
		if (ret) {
			pr_err("%s: %s: cannot collect the entries of the included functions",
			       d->display, table[t].name);
			return ret;
		}
		if (*tail)
			tail = &(*tail)->next;
	}
	return 0;
}
