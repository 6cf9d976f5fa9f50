// SPDX-License-Identifier: GPL-2.0
/*
 * special: the special sections of x86-64 Linux as ONE table.
 *
 * Each row names the section, the struct one entry is (its size and the
 * offsets of the fields that matter come from the target's DWARF through
 * the symbol index; without an index, from kpatch's *_STRUCT_SIZE
 * variables), and what else matters: the field locating the owning code,
 * a __LINE__ field to ignore, an .altinstr_replacement range, a static
 * key, a parallel array (.orc_unwind beside .orc_unwind_ip).  Rows
 * without a struct are arrays of s32 offsets or u64 addresses.  One loop
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
 *
 * Why one file of ~750 lines: the table is the only place that knows what
 * a row's fields mean, and the three loops are its only readers; split
 * across files, each loop would have to learn the rows again -- the
 * spreading of section knowledge that makes kpatch's create-diff-object
 * hard to change.  Geometry (the target's layouts, the stride check) is
 * the part that could move out when a second architecture's table comes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "differ.h"
#include "log.h"

#define NONE (-1)

struct special_desc {
	const char *name;
	const char *type;		/* struct of one entry, or NULL: an array of @fixed */
	unsigned int fixed;
	const char *insn;		/* member pointing at the owning code (NULL: offset 0) */
	const char *line;		/* __LINE__ member ignored by compare */
	const char *repl, *repl_len;	/* .altinstructions replacement (rel offset, length) */
	const char *key;		/* static key / static call key member */
	const char *group;		/* parallel array, entry for entry */
	const char *group_type, *group_env;
	bool compare;			/* entries are part of the function */
	/*
	 * Without an index (kpatch front end): the variable kpatch-build sets
	 * to the struct's size, and where the members are in every x86-64
	 * kernel since 5.x (negative: from the end of the entry).
	 */
	const char *env;
	int env_line, env_repl, env_repl_len, env_key, env_key_size;
};

static const struct special_desc table[] = {
	{ .name = "__bug_table", .type = "bug_entry", .insn = "bug_addr_disp", .line = "line",
	  .compare = true, .env = "BUG_STRUCT_SIZE", .env_line = 8 },
	{ .name = "__ex_table", .type = "exception_table_entry", .insn = "insn", .compare = true,
	  .env = "EX_STRUCT_SIZE" },
	{ .name = ".altinstructions", .type = "alt_instr", .insn = "instr_offset",
	  .repl = "repl_offset", .repl_len = "replacementlen", .compare = true,
	  .env = "ALT_STRUCT_SIZE", .env_repl = 4, .env_repl_len = -1 },
	{ .name = "__jump_table", .type = "jump_entry", .insn = "code", .key = "key",
	  .compare = true, .env = "JUMP_STRUCT_SIZE", .env_key = 8, .env_key_size = 8 },
	{ .name = ".static_call_sites", .type = "static_call_site", .insn = "addr", .key = "key",
	  .compare = true, .env = "STATIC_CALL_STRUCT_SIZE", .env_key = 4, .env_key_size = 4 },
	{ .name = ".parainstructions", .type = "paravirt_patch_site", .insn = "instr",
	  .compare = true, .env = "PARA_STRUCT_SIZE" },
	{ .name = ".smp_locks", .fixed = 4 },
	{ .name = ".retpoline_sites", .fixed = 4 },
	{ .name = ".return_sites", .fixed = 4 },
	{ .name = "__mcount_loc", .fixed = 8 },
	{ .name = ".orc_unwind_ip", .fixed = 4, .group = ".orc_unwind", .group_type = "orc_entry",
	  .group_env = "ORC_STRUCT_SIZE" },
};
#define NR_TABLE (sizeof(table) / sizeof(table[0]))

/*
 * Sections that are never copied whole: table rows, their companions, dropped
 * ones.  __patchable_function_entries (6.12's call padding,
 * -fpatchable-function-entry) is one per function, made by the compiler from
 * the code it points into; on x86 no kernel code reads it (ftrace has
 * __mcount_loc, vmlinux discards it, module.lds only collects it), so it is
 * dropped like .discard.*, never a table whose entries a patch must carry.
 */
bool special_section_name(const char *name)
{
	static const char *const others[] = {
		".altinstr_replacement", ".orc_unwind", ".printk_index", ".modinfo",
		"__param", "__modver", ".gnu.linkonce.this_module", ".note.gnu.property",
		".comment", ".note.GNU-stack", ".eh_frame", "__tracepoints_ptrs",
		"__tracepoints_strings", ".static_call.text", "__patchable_function_entries",
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

bool reader_section(const struct section *sec)
{
	return !sec_is_rela(sec) && (sec->sh.sh_flags & SHF_ALLOC) &&
	       !special_section_name(sec->name);
}

bool special_section_picked(const char *name)
{
	return !strcmp(name, "__dyndbg");
}

/* ---- geometry: the target's layout of each row's entries ---- */

struct field {
	int off;			/* NONE: no such field */
	unsigned int size;
};

struct special_geom {
	bool known;
	unsigned int esize, gsize;
	unsigned int used;		/* bytes before the tail padding (esize: none known) */
	struct field insn, line, repl, repl_len, key;
};

static int struct_size(struct differ *d, const char *type, const char *env, unsigned int *size)
{
	uint64_t sz = 0;
	const char *v;
	char *end;
	int ret = lookup_layout(d->lookup, type, NULL, NULL, &sz);

	if (!ret && sz && sz <= 4096) {
		*size = (unsigned int)sz;
		return 0;
	}
	if (ret == -ENOENT || (!ret && (!sz || sz > 4096))) {
		pr_err("%s: the symbol index has no usable layout of struct %s (from the target's "
		       "DWARF): rebuild it with this hotpatch-index (hotpatch-build.sh --setup)",
		       d->display, type);
		return -ENOENT;
	}
	v = env ? getenv(env) : NULL;
	if (!v || !*v) {
		pr_err("%s: the size of struct %s in the target is unknown: pass --index (the "
		       "target's symbol index), or set %s as kpatch-build does", d->display, type,
		       env ? env : "its size");
		return -ENOENT;
	}
	sz = strtoul(v, &end, 0);
	if (*end || !sz || sz > 4096) {
		pr_err("%s: bad entry size '%s' for struct %s: give the size in bytes of the target "
		       "kernel's struct", env, v, type);
		return -EINVAL;
	}
	*size = (unsigned int)sz;
	return 0;
}

/* Member @member of @type from the index, or @env_off/@env_size without one. */
static int member(struct differ *d, const char *type, const char *name, int env_off,
		  unsigned int env_size, unsigned int esize, struct field *f)
{
	uint64_t off, size;
	int ret;

	f->off = NONE;
	if (!name)
		return 0;
	ret = lookup_layout(d->lookup, type, name, &off, &size);
	if (ret == -ENODATA) {
		f->off = env_off < 0 ? (int)esize + env_off : env_off;
		f->size = env_size;
		return 0;
	}
	if (ret || !size || off + size > esize) {
		pr_err("%s: the symbol index has no usable layout of %s.%s (from the target's "
		       "DWARF): rebuild it with this hotpatch-index (hotpatch-build.sh --setup)",
		       d->display, type, name);
		return -ENOENT;
	}
	f->off = (int)off;
	f->size = (unsigned int)size;
	return 0;
}

static int geometry(struct differ *d, size_t t)
{
	const struct special_desc *desc = &table[t];
	struct special_geom *g = &d->sp_geom[t];
	int ret = 0;

	if (g->known)
		return 0;
	if (!desc->type) {
		g->esize = g->used = desc->fixed;
		g->insn = (struct field){ 0, desc->fixed };
		g->line = g->repl = g->repl_len = g->key = (struct field){ NONE, 0 };
		if (desc->group)
			ret = struct_size(d, desc->group_type, desc->group_env, &g->gsize);
		g->known = !ret;
		return ret;
	}
	ret = struct_size(d, desc->type, desc->env, &g->esize);
	if (!ret) {
		uint64_t used = 0;

		g->used = g->esize;
		if (!lookup_layout(d->lookup, desc->type, "", NULL, &used) && used && used <= g->esize)
			g->used = (unsigned int)used;
	}
	ret = ret ?: member(d, desc->type, desc->insn, 0, 4, g->esize, &g->insn);
	ret = ret ?: member(d, desc->type, desc->line, desc->env_line, 2, g->esize, &g->line);
	ret = ret ?: member(d, desc->type, desc->repl, desc->env_repl, 4, g->esize, &g->repl);
	ret = ret ?: member(d, desc->type, desc->repl_len, desc->env_repl_len, 1, g->esize,
			    &g->repl_len);
	ret = ret ?: member(d, desc->type, desc->key, desc->env_key, desc->env_key_size, g->esize,
			    &g->key);
	g->known = !ret;
	return ret;
}

/* ---- index ---- */

struct special_sec {
	const struct special_desc *desc;
	const struct special_geom *geom;
	struct section *sec, *group;
	unsigned int esize, gsize;
	size_t n;
	struct symbol **owner;		/* per entry */
	size_t *by_owner;		/* entry numbers sorted by owner, then order */
};

struct special_state {
	struct special_sec secs[NR_TABLE];
};

static struct symbol **owners_sort_base;

static int cmp_by_owner(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	uintptr_t ox = (uintptr_t)owners_sort_base[x], oy = (uintptr_t)owners_sort_base[y];

	if (ox != oy)
		return ox < oy ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * The entry size the relocations show: the smallest period P at which every
 * P-byte slice of the section has the same relocations (offset in the slice,
 * type, whether they point at code) as the first, over at least two slices;
 * 0 when they do not tell.  Whether a field points at code keeps an 8-byte
 * static_call_site (code, key: two PC32s) from looking like 4-byte entries.
 */
static bool points_at_code(const struct reloc *r)
{
	return r->sym->sec && sec_is_text(r->sym->sec);
}

/* *@stride: the period of @sec's relocations, 0 when none shows.  0 or -ENOMEM. */
static int reloc_stride(struct section *sec, unsigned int *stride)
{
	struct reloc **rs;
	size_t nr, first, i = 0;
	unsigned int p;

	*stride = 0;
	if (sec_relocs_by_offset(sec, &rs, &nr))
		return -ENOMEM;
	if (nr < 2)
		return 0;
	for (p = 2; p <= 4096 && p < sec->size; p++) {
		uint64_t slices = (sec->size + p - 1) / p, k;
		bool ok = slices >= 2;

		for (first = 0; first < nr && rs[first]->offset < p; first++)
			;
		if (!first)
			continue;
		for (k = 1, i = first; ok && k < slices; k++) {
			size_t j;

			for (j = 0; j < first; j++, i++) {
				if (i >= nr || rs[i]->offset != k * p + rs[j]->offset ||
				    rs[i]->type != rs[j]->type ||
				    points_at_code(rs[i]) != points_at_code(rs[j])) {
					ok = false;
					break;
				}
			}
			if (ok && i < nr && rs[i]->offset < (k + 1) * p)
				ok = false;
		}
		if (ok && i == nr) {
			*stride = p;
			return 0;
		}
	}
	return 0;
}

/*
 * Refuse @sec for the reason @why, naming the first symbol an entry of it
 * points at.  0 or -ENOMEM.
 */
static int refuse_entries(struct differ *d, struct object *obj, struct section *sec,
			  const char *why)
{
	struct symbol *first = NULL;
	struct reloc **rs;
	struct target t;
	size_t nr;

	if (sec_relocs_by_offset(sec, &rs, &nr))
		return -ENOMEM;
	if (nr && !reloc_target(rs[0], &t) && t.sym)
		first = t.sym;
	return refusef(d, sec, first,
		       "build both objects for the target kernel, and the symbol index from that "
		       "kernel's debug information (hotpatch-build.sh --setup)",
		       "%s: %s", obj == d->orig ? "original" : "patched", why);
}

/*
 * Check the section's geometry against the target's struct: the stride its
 * relocations show must be the DWARF size, and its size a whole number of
 * entries -- the last one may lack its tail padding.  A disagreement means
 * the object was not built for the target: refused, naming the section.
 */
/* 1 fits, 0 refused, -ENOMEM. */
static int entries_fit(struct differ *d, struct object *obj, struct special_sec *ss)
{
	const struct special_desc *desc = ss->desc;
	unsigned int stride, rem = ss->sec->size % ss->esize;
	char *why = NULL;
	int ret;

	ss->n = 0;
	if (reloc_stride(ss->sec, &stride))
		return -ENOMEM;
	if (stride && stride != ss->esize)
		why = mem_asprintf("its relocations repeat every %u bytes, but the target's %s%s is "
				   "%u bytes (DWARF)", stride, desc->type ? "struct " : "",
				   desc->type ? desc->type : "entry", ss->esize);
	else if (rem && rem < ss->geom->used)
		why = mem_asprintf("its size %zu is not a whole number of the target's %u-byte "
				   "%s%s entries", ss->sec->size, ss->esize,
				   desc->type ? "struct " : "", desc->type ? desc->type : "");
	else {
		/* an unpadded last entry counts */
		ss->n = (ss->sec->size + ss->esize - 1) / ss->esize;
		return 1;
	}
	if (!why)
		return -ENOMEM;
	ret = refuse_entries(d, obj, ss->sec, why);
	free(why);
	return ret;
}

static int index_object(struct differ *d, struct object *obj, struct special_state *st)
{
	size_t t;
	int ret;

	for (t = 0; t < NR_TABLE; t++) {
		const struct special_desc *desc = &table[t];
		struct special_sec *ss = &st->secs[t];
		struct reloc **rs;
		size_t nr, i, k;

		ss->desc = desc;
		ss->geom = &d->sp_geom[t];
		ss->sec = obj_find_section_by_name(obj, desc->name);
		if (!ss->sec || !ss->sec->size)
			continue;
		ret = geometry(d, t);
		if (ret)
			return ret;
		ss->esize = ss->geom->esize;
		ret = entries_fit(d, obj, ss);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		if (desc->group) {
			ss->group = obj_find_section_by_name(obj, desc->group);
			ss->gsize = ss->geom->gsize;
			if (!ss->group || ss->group->size != ss->n * ss->gsize) {
				pr_err("%s: %s has %zu entries but %s does not match (entry size %u)",
				       obj->path, desc->name, ss->n, desc->group, ss->gsize);
				return -EINVAL;
			}
		}
		ss->owner = mem_calloc(ss->n, sizeof(*ss->owner));
		ss->by_owner = mem_calloc(ss->n, sizeof(*ss->by_owner));
		if (!ss->owner || !ss->by_owner || sec_relocs_by_offset(ss->sec, &rs, &nr))
			return -ENOMEM;
		for (i = 0; i < nr; i++) {
			struct target tg;
			int ret;

			if (rs[i]->offset % ss->esize != (uint64_t)ss->geom->insn.off)
				continue;
			/* not "owned by no function": an error, never a verdict */
			ret = reloc_target(rs[i], &tg);
			if (ret) {
				if (ret != -ENOMEM)	/* main reports that */
					pr_err("%s: %s: the entry at 0x%llx of the %s object: cannot "
					       "resolve the code it belongs to: %s", d->display,
					       ss->sec->name,
					       (unsigned long long)(rs[i]->offset -
								    rs[i]->offset % ss->esize),
					       obj == d->orig ? "original" : "patched",
					       strerror(-ret));
				return ret;
			}
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

	d->sp_geom = mem_calloc(NR_TABLE, sizeof(*d->sp_geom));
	d->sp_orig = mem_calloc(1, sizeof(*d->sp_orig));
	d->sp_patched = mem_calloc(1, sizeof(*d->sp_patched));
	if (!d->sp_geom || !d->sp_orig || !d->sp_patched)
		return -ENOMEM;
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
	free(d->sp_geom);
	d->sp_geom = NULL;
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

/* ss->by_owner holds entry numbers: the key brings the owners they index. */
struct owner_key {
	struct symbol *const *owner;
	const struct symbol *f;
};

static int cmp_owner_key(const void *key, const void *elem)
{
	const struct owner_key *k = key;
	uintptr_t a = (uintptr_t)k->f, b = (uintptr_t)k->owner[*(const size_t *)elem];

	return a < b ? -1 : a > b;
}

/* The entries owned by @f: [*first, return) of ss->by_owner. */
static size_t entries_of(struct special_sec *ss, struct symbol *f, size_t *first)
{
	struct owner_key key = { ss->owner, f };

	return sorted_equal_range(&key, ss->by_owner, ss->n, sizeof(*ss->by_owner), cmp_owner_key,
				  first);
}

/* ---- compare ---- */

static bool in_field(struct field f, uint64_t rel)
{
	return f.off != NONE && rel >= (uint64_t)f.off && rel < (uint64_t)f.off + f.size;
}

/*
 * An entry that cannot be compared (its replacement runs past its section,
 * say) is an error, never a verdict: "changed" would patch, or refuse, on
 * the strength of an input the differ could not read.
 */
static int entry_error(struct differ *d, struct special_sec *ss, size_t e, int err)
{
	const struct symbol *owner = ss->owner ? ss->owner[e] : NULL;

	if (err != -ENOMEM)	/* main reports that */
		pr_err("%s: %s: %s: the entry at 0x%llx of the %s object cannot be compared: %s; "
		       "the object is malformed, rebuild it", d->display, ss->sec->name,
		       owner ? owner->name : "-", (unsigned long long)(e * ss->esize),
		       ss->sec->obj == d->orig ? "original" : "patched", strerror(-err));
	return err;
}

static int compare_entry(struct differ *d, struct special_sec *so, size_t eo,
			 struct special_sec *sp, size_t ep)
{
	const struct special_geom *g = sp->geom;
	uint64_t bo = eo * so->esize, bp = ep * sp->esize;
	unsigned char *da = sec_data(so->sec), *db = sec_data(sp->sec);
	struct reloc **ra, **rb;
	size_t na, nb, ia, ib;
	unsigned int i;
	int ret;

	if (!da || !db)
		return entry_error(d, da ? sp : so, da ? ep : eo, -EIO);
	for (i = 0; i < sp->esize; i++) {
		unsigned int a = bo + i < so->sec->size ? da[bo + i] : 0;
		unsigned int b = bp + i < sp->sec->size ? db[bp + i] : 0;

		if (in_field(g->line, i))
			continue;
		if (a != b)
			return 1;
	}
	if (sec_relocs_by_offset(so->sec, &ra, &na) || sec_relocs_by_offset(sp->sec, &rb, &nb))
		return -ENOMEM;
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
		ret = reloc_target(ra[ia], &ta);
		if (ret)
			return entry_error(d, so, eo, ret);
		ret = reloc_target(rb[ib], &tb);
		if (ret)
			return entry_error(d, sp, ep, ret);
		if (in_field(g->repl, ra[ia]->offset - bo)) {
			/* the replacement code, wherever it sits */
			const char *why;
			unsigned int len = db[bp + g->repl_len.off];

			if (!ta.sec || !tb.sec || ta.sym || tb.sym)
				return 1;
			ret = compare_range(d, ta.sec, ta.off, tb.sec, tb.off, len, &why);
			if (ret < 0)
				return entry_error(d, sp, ep, ret);
			if (ret)
				return 1;
		} else if (!targets_equal(d, &ta, &tb)) {
			return 1;
		}
		ia++;
		ib++;
	}
	if (g->line.off != NONE) {
		uint32_t la = da[bo + g->line.off] | (uint32_t)da[bo + g->line.off + 1] << 8;
		uint32_t lb = db[bp + g->line.off] | (uint32_t)db[bp + g->line.off + 1] << 8;

		if (la != lb)
			return line_pair_add(d, la, lb);	/* a certain line move */
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

/*
 * Entries owned by no function: code without a function symbol (assembly
 * in a section of its own).  Livepatch replaces whole functions, so a
 * changed, added or removed entry there has no function to carry it; the
 * run is refused naming the entry's code.  None of the 609 Debian 6.1
 * objects measured has such an entry (2082 __bug_table, 2639 __jump_table
 * ... entries, every one inside a function).
 */
static int refuse_ownerless(struct differ *d, struct special_sec *ss, size_t e, const char *what)
{
	uint64_t at = e * ss->esize + (uint64_t)ss->geom->insn.off;
	struct reloc **rs;
	struct target t = { 0 };
	char *code;
	size_t nr, i;
	int ret;

	if (sec_relocs_by_offset(ss->sec, &rs, &nr))
		return -ENOMEM;
	i = reloc_lower_bound(rs, nr, at);
	if (i < nr && rs[i]->offset == at)
		reloc_target(rs[i], &t);
	if (t.sym)
		code = mem_asprintf("%s+0x%llx", t.sym->name, (unsigned long long)t.off);
	else if (t.sec)
		code = mem_asprintf("%s+0x%llx", t.sec->name, (unsigned long long)t.off);
	else
		code = mem_asprintf("%s entry %zu", ss->desc->name, e);
	if (!code)
		return -ENOMEM;
	ret = refuse_named(d, ss->desc->name, code, what,
			   "livepatch replaces whole functions, and this code belongs to none: "
			   "give it a function symbol (SYM_FUNC_START/SYM_FUNC_END), or leave it "
			   "unchanged");
	free(code);
	return ret;
}

int special_account(struct differ *d)
{
	size_t t;

	for (t = 0; t < NR_TABLE; t++) {
		struct special_sec *so = &d->sp_orig->secs[t], *sp = &d->sp_patched->secs[t];
		size_t fo = 0, eo = 0, fp = 0, ep = 0, k;
		int ret = 0;

		if (!table[t].compare)
			continue;
		if (so->n)
			eo = entries_of(so, NULL, &fo);
		if (sp->n)
			ep = entries_of(sp, NULL, &fp);
		for (k = 0; k < eo - fo && k < ep - fp; k++) {
			ret = compare_entry(d, so, so->by_owner[fo + k], sp, sp->by_owner[fp + k]);
			if (ret)
				break;
		}
		if (ret < 0)
			return ret;
		if (ret)
			ret = refuse_ownerless(d, sp, sp->by_owner[fp + k],
					       "changed entry of code outside any function");
		else if (k < ep - fp)
			ret = refuse_ownerless(d, sp, sp->by_owner[fp + k],
					       "new entry of code outside any function");
		else if (k < eo - fo)
			ret = refuse_ownerless(d, so, so->by_owner[fo + k],
					       "removed entry of code outside any function");
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- keep: the entries of included functions, as data ---- */

/*
 * Append @n bytes of @p (NULL: zeroes) to *@data of *@size bytes (*@cap
 * allocated); *@data is allocated even when nothing is appended yet.
 */
static int buf_add(unsigned char **data, size_t *cap, size_t *size, const void *p, size_t n)
{
	if (array_grow((void **)data, cap, *size + n ? *size + n : 1, 1))
		return -ENOMEM;
	if (p)
		memcpy(*data + *size, p, n);
	*size += n;
	return 0;
}

/* A new zeroed relocation record of @so, or NULL (out of memory). */
static struct special_rel *add_rel(struct special_out *so)
{
	if (ARRAY_GROW(so->rels, so->max_rels, so->nr_rels + 1))
		return NULL;
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
					     ss->geom->repl_len.off];
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
	sr = buf_add(&so->rdata, &so->rcap, &so->rsize, repl_data + tg.off, len) ? NULL :
	     add_rel(so);
	if (!sr || sec_relocs_by_offset(tg.sec, &rr, &nrr))
		return -ENOMEM;
	sr->off = at;
	sr->src = r;
	sr->to_repl = true;
	sr->entry = so->nr_entries - 1;
	sr->addend = r->addend - tg.off + (int64_t)start;
	for (j = reloc_lower_bound(rr, nrr, tg.off);
	     j < nrr && rr[j]->offset < (uint64_t)tg.off + len; j++) {
		sr = add_rel(so);
		if (!sr)
			return -ENOMEM;
		sr->off = start + rr[j]->offset - tg.off;
		sr->src = rr[j];
		sr->in_repl = true;
		sr->entry = so->nr_entries - 1;
	}
	return 0;
}

static int keep_one(struct differ *d, struct special_sec *ss, struct special_out **tail)
{
	const struct special_geom *g = ss->geom;
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
	so = mem_calloc(1, sizeof(*so));
	if (!so)
		return -ENOMEM;
	so->sec = ss->sec;
	so->group = ss->group;
	so->entsize = ss->esize;
	so->group_entsize = ss->gsize;
	*tail = so;
	for (e = 0; e < ss->n; e++) {
		if (!entry_kept(ss, e))
			continue;
		size_t have = ss->sec->size - e * ss->esize;

		if (have >= ss->esize) {
			ret = buf_add(&so->data, &so->cap, &so->size, data + e * ss->esize,
				      ss->esize);
		} else {
			/* an unpadded last entry: written padded, as the loader counts entries */
			ret = buf_add(&so->data, &so->cap, &so->size, NULL, ss->esize);
			if (!ret)
				memcpy(so->data + so->size - ss->esize, data + e * ss->esize, have);
		}
		if (!ret && ss->group)
			ret = buf_add(&so->gdata, &so->gcap, &so->gsize, gdata + e * ss->gsize,
				      ss->gsize);
		if (ret)
			return ret;
	}

	if (sec_relocs_by_offset(ss->sec, &rs, &nr))
		return -ENOMEM;
	nkept = 0;
	for (e = 0; e < ss->n && !ret; e++) {
		uint64_t base = e * ss->esize, nbase = nkept * ss->esize;
		size_t i;

		if (!entry_kept(ss, e))
			continue;
		nkept++;
		so->nr_entries = nkept;
		for (i = reloc_lower_bound(rs, nr, base);
		     i < nr && rs[i]->offset < base + ss->esize && !ret; i++) {
			uint64_t rel = rs[i]->offset - base;
			struct special_rel *sr;

			if (in_field(g->repl, rel)) {
				ret = keep_replacement(d, ss, so, rs[i], nbase + rel);
				continue;
			}
			sr = add_rel(so);
			if (!sr)
				return -ENOMEM;
			sr->off = nbase + rel;
			sr->src = rs[i];
			sr->key = in_field(g->key, rel);
			sr->entry = nkept - 1;
		}
	}
	return ret;
}

int special_drop(struct special_out *so, const bool *drop)
{
	size_t e, i, k = 0, kept = 0, esz = so->entsize, gsz = so->group_entsize;
	size_t *shift = mem_calloc(so->nr_entries, sizeof(*shift));

	if (!shift)
		return -ENOMEM;
	for (e = 0; e < so->nr_entries; e++) {
		shift[e] = e - kept;	/* dropped entries before this one */
		if (drop[e])
			continue;
		if (kept != e) {
			memmove(so->data + kept * esz, so->data + e * esz, esz);
			if (so->gdata)
				memmove(so->gdata + kept * gsz, so->gdata + e * gsz, gsz);
		}
		kept++;
	}
	for (i = 0; i < so->nr_rels; i++) {
		struct special_rel sr = so->rels[i];

		if (drop[sr.entry])
			continue;
		if (!sr.in_repl)
			sr.off -= shift[sr.entry] * esz;
		sr.entry -= shift[sr.entry];
		so->rels[k++] = sr;
	}
	so->nr_rels = k;
	so->nr_entries = kept;
	so->size = kept * esz;
	if (so->gdata)
		so->gsize = kept * gsz;
	free(shift);
	return 0;
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
			if (ret != -ENOMEM)	/* main reports that */
				pr_err("%s: %s: cannot collect the entries of the included functions",
				       d->display, table[t].name);
			return ret;
		}
		if (*tail)
			tail = &(*tail)->next;
	}
	return 0;
}
