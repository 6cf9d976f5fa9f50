// SPDX-License-Identifier: GPL-2.0
/*
 * resolve: every decision between selection and the output, so that emit
 * only writes.
 *
 * It walks what emit will write, in the order emit writes it:
 *   1. the included symbols: the facts (functions to patch with their
 *      alias and sympos, new functions, new and copied data);
 *   2. the relocations of every included section;
 *   3. the kept special-section entries (special_keep) and their
 *      replacement code;
 * and for each relocation decides its output target (struct out_ref in
 * reloc->priv): the copy of an included section, or a symbol the output
 * does not carry, named by klp.c (exported name or .klp.sym.*).  A string
 * or anonymous constant reached only from such a relocation is carried
 * too (dsec->late), and so is a local read-only string such as __func__.N
 * (carried_by_content).  Static keys and static call keys of kept entries are
 * checked here.  Every refusal after selection is raised by this pass;
 * the walk order makes the facts and symbols come out in emit's order.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"
#include "klp.h"
#include "log.h"

static bool sym_is_label(const struct symbol *s)
{
	return s->type == STT_SECTION || (s->type == STT_NOTYPE && s->bind == STB_LOCAL && s->sec);
}

/* Whether @sec has a copy in the output by the time emit reaches this point. */
static bool in_output(const struct section *sec)
{
	return (DS(sec)->include && !sec_is_rela(sec)) || DS(sec)->late;
}

static int resolve_reloc(struct differ *d, struct reloc *r, struct out_ref **refp);

/* The relocations of [off, off + size) of @sec. */
static int resolve_range(struct differ *d, struct section *sec, uint64_t off, uint64_t size)
{
	struct reloc **rs;
	struct out_ref *ref;
	size_t nr, i;
	int ret;

	if (sec_relocs_by_offset(sec, &rs, &nr))
		return -ENOMEM;
	for (i = reloc_lower_bound(rs, nr, off); i < nr && rs[i]->offset < off + size; i++) {
		ret = resolve_reloc(d, rs[i], &ref);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A picked section (__dyndbg) is carried record by record: the records of
 * included functions, plus any other one a carried relocation reaches.
 */
static int pick(struct differ *d, struct symbol *s)
{
	if (D(s)->include)
		return 0;
	D(s)->include = INC_NEEDED;
	return resolve_range(d, s->sec, s->offset, s->size);
}

static int resolve_section_relocs(struct differ *d, struct section *sec)
{
	struct symbol *s;
	int ret;

	if (!sec->rela)
		return 0;
	if (!DS(sec)->picked)
		return resolve_range(d, sec, 0, sec->size);
	for_each_symbol(d->patched, s) {
		if (s->sec != sec || !D(s)->include || !sym_is_data(s))
			continue;
		ret = resolve_range(d, sec, s->offset, s->size);
		if (ret)
			return ret;
	}
	return 0;
}

/* A string or anonymous constant reached from carried code or entries: carry it whole. */
static int carry_late(struct differ *d, struct section *sec)
{
	if (in_output(sec))
		return 0;
	DS(sec)->late = true;
	return resolve_section_relocs(d, sec);
}

/*
 * A local read-only string the output does not carry yet -- __func__.N in
 * its own .rodata.__func__.N, an object of a string section -- is carried
 * by content rather than looked up in the target: it is immutable, and the
 * target often has no symbol for it (a module's __func__ strings are not in
 * its kallsyms), or it is new.
 */
static bool carried_by_content(const struct symbol *s)
{
	return s->sec && s->bind == STB_LOCAL && sym_is_data(s) && sec_is_readonly(s->sec) &&
	       (D(s)->special_static || sec_is_string(s->sec)) && !s->sec->rela &&
	       s->offset == 0 && s->size == s->sec->size;
}

/*
 * New data (no twin in ORIG) that only kept entries reach -- a static key or
 * a dynamic debug descriptor the patch adds, referenced from __jump_table --
 * has no copy in the running kernel: carried when it fills its own section.
 */
static bool new_data_alone(const struct symbol *s)
{
	return s->sec && !s->twin && sym_is_data(s) && !special_section_name(s->sec->name) &&
	       s->offset == 0 && s->size == s->sec->size;
}

/*
 * A record of a picked section (a dynamic debug descriptor) that only a
 * kept entry reaches -- the key of a pr_debug whose call passes no
 * descriptor (btrfs_debug) -- is carried like one the code refers to: the
 * patched site is keyed on the patch's own descriptor, never through a klp
 * relocation on the running object's, which a module's jump labels cannot
 * wait for.
 */
static bool picked_record(const struct symbol *s)
{
	return s->sec && special_section_picked(s->sec->name) && sym_is_data(s) && s->size &&
	       D(s)->special_static;
}

static int resolve_symbol(struct differ *d, struct symbol *tsym, int64_t addend,
			  struct out_ref *ref)
{
	if (picked_record(tsym) && !in_output(tsym->sec)) {
		DS(tsym->sec)->include = true;
		DS(tsym->sec)->picked = true;
	}
	if (tsym->sec && !in_output(tsym->sec) &&
	    (carried_by_content(tsym) || new_data_alone(tsym))) {
		int ret = carry_late(d, tsym->sec);

		if (ret)
			return ret;
	}
	if (tsym->sec && in_output(tsym->sec) && DS(tsym->sec)->picked) {
		if (!sym_is_data(tsym) || !tsym->size) {
			pr_err("%s: %s: reference to %s, which is no record of the section", d->display,
			       tsym->sec->name, tsym->name);
			return -EINVAL;
		}
		ref->sec = tsym->sec;
		ref->anchor = tsym;
		ref->addend = addend;
		return pick(d, tsym);
	}
	if (tsym->sec && in_output(tsym->sec)) {
		ref->sec = tsym->sec;
		ref->addend = (int64_t)((uint64_t)addend + tsym->offset);	/* wraps, no UB */
		return 0;
	}
	ref->sym = tsym;
	ref->addend = addend;
	return klp_resolve(d, tsym);
}

static int resolve_reloc(struct differ *d, struct reloc *r, struct out_ref **refp)
{
	struct symbol *s = r->sym;
	struct out_ref *ref;
	struct target t;
	int ret;

	if (r->priv) {
		*refp = r->priv;
		return 0;
	}
	ref = mem_calloc(1, sizeof(*ref));
	if (!ref)
		return -ENOMEM;
	r->priv = ref;
	*refp = ref;
	if (s->sec && sym_is_label(s) && in_output(s->sec) && !DS(s->sec)->picked) {
		/* into an included section: same place, its section symbol */
		ref->sec = s->sec;
		ref->addend = (int64_t)(s->offset + (uint64_t)r->addend);
		return 0;
	}
	if (!sym_is_label(s))
		return resolve_symbol(d, s, r->addend, ref);
	ret = reloc_target(r, &t);
	if (ret)
		return ret;
	if (t.sym)
		/* section symbol + addend -> the real symbol + rebased addend */
		return resolve_symbol(d, t.sym,
				      (int64_t)(s->offset + (uint64_t)r->addend - t.sym->offset), ref);
	if (t.sec && !special_section_name(t.sec->name) &&
	    !(sec_is_text(t.sec) && sec_has_symbols(t.sec))) {
		ret = carry_late(d, t.sec);
		ref->sec = t.sec;
		ref->addend = (int64_t)(s->offset + (uint64_t)r->addend);
		return ret;
	}
	pr_err("%s: %s+0x%lx: relocation into %s+0x%lx, which is neither included nor a symbol "
	       "the kernel knows; rebuild with -ffunction-sections -fdata-sections", d->display,
	       r->sec->base->name, (unsigned long)r->offset, t.sec ? t.sec->name : "?",
	       (long)t.off);
	return -EINVAL;
}

/* The facts of the included symbols, in the order emit copies them. */
static int resolve_symbols(struct differ *d)
{
	struct symbol *p;
	int ret;

	for_each_symbol(d->patched, p) {
		struct fact *f;

		if (!D(p)->include || !p->sec)
			continue;
		if (sym_is_func(p) && p->parent)
			continue;
		if (D(p)->include == INC_PATCH) {
			char *c;

			f = fact_new(p->twin ? p->twin->name : p->name);
			if (!f)
				return -ENOMEM;
			fact_add(&d->functions, f);
			f->alias = mem_asprintf("%s%s", d->alias_prefix, p->name);
			f->verdict = mem_strdup("changed");
			f->reason = mem_strdup(D(p)->reason ? D(p)->reason : "code bytes");
			f->cu = d->cu ? mem_strdup(d->cu) : NULL;
			if (!f->alias || !f->verdict || !f->reason || (d->cu && !f->cu))
				return -ENOMEM;
			/* The module source names the alias in C: "do_sysinfo.isra.0" cannot be. */
			for (c = f->alias; *c; c++)
				if (!isalnum((unsigned char)*c) && *c != '_')
					*c = '_';
			D(p)->fact = f;
			ret = klp_func_sympos(d, p, f);
			if (ret)
				return ret;
		} else if (D(p)->include == INC_NEW && sym_is_func(p)) {
			f = fact_new(p->name);
			if (!f)
				return -ENOMEM;
			fact_add(&d->new_functions, f);
			f->reason = mem_strdup("new");
			if (!f->reason)
				return -ENOMEM;
		} else if (sym_is_data(p) && (D(p)->include == INC_NEW || p->status == V_CHANGED)) {
			f = fact_new(p->name);
			if (!f)
				return -ENOMEM;
			fact_add(&d->data, f);
			f->verdict = mem_strdup(p->status == V_NEW ? "new" : "changed constant");
			if (!f->verdict)
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * A static key or static call key the module loader cannot see in time:
 * one living in a module is reached through a klp relocation, applied only
 * after the module's jump labels / static calls are initialized.
 */
static int check_key(struct differ *d, struct special_out *so, struct out_ref *ref)
{
	const char *n = ref->sym ? D(ref->sym)->ext : NULL;
	struct klp_symname klp;
	struct fact *f;

	if (!n || klp_parse_symname(n, &klp) || !strcmp(klp.obj, "vmlinux"))
		return 0;
	/* one refusal per key and section, however many sites use it */
	for (f = d->refusals.head; f; f = f->next)
		if (f->symbol && f->section && !strcmp(f->symbol, n) &&
		    !strcmp(f->section, so->sec->name))
			return 0;
	return refuse_named(d, so->sec->name, n,
			    "jump label or static call keyed in a module: the key is resolved "
			    "through a klp relocation only after the module's jump labels / "
			    "static calls are initialized",
			    "use a key exported by vmlinux, or replace static_branch_*()/"
			    "static_call() with a plain test/call in the patched code");
}

/* The symbol a key field points at (through a section symbol + addend), or NULL. */
static struct symbol *key_symbol(struct reloc *r)
{
	struct target t;

	if (r->sym->type != STT_SECTION)
		return r->sym;
	if (reloc_target(r, &t))
		return NULL;
	return t.sym;
}

/* "__tracepoint_foo" (jump label) or "__SCK__tp_func_foo" (its static call): "foo". */
static const char *tracepoint_of(const struct symbol *key)
{
	if (!key)
		return NULL;
	if (!strncmp(key->name, "__tracepoint_", 13))
		return key->name + 13;
	if (!strncmp(key->name, "__SCK__tp_func_", 15))
		return key->name + 15;
	return NULL;
}

static int tracepoint_off(struct differ *d, struct special_out *so, const char *name)
{
	struct fact *f;

	for (f = d->tracepoints_off.head; f; f = f->next)
		if (!strcmp(f->name, name))
			return 0;
	f = fact_new(name);
	if (!f)
		return -ENOMEM;
	fact_add(&d->tracepoints_off, f);
	f->section = mem_strdup(so->sec->name);
	f->object = mem_strdup(d->objname);
	f->reason = mem_asprintf("tracepoint keyed in module %s: it stays off in the patched "
				 "functions (their jump sites are left as no-ops)", d->objname);
	if (!f->section || !f->object || !f->reason)
		return -ENOMEM;
	pr_warn("%s: %s: tracepoint %s stays off in the patched functions: its key lives in the "
		"module %s and is reachable only through a klp relocation, applied after the "
		"patch's jump labels and static calls are set up", d->display, so->sec->name, name,
		d->objname);
	return 0;
}

/*
 * A tracepoint keyed in a module is left off: its jump entry (and the
 * static call site behind it) are not carried, so the site stays the no-op
 * the compiler emitted and the tracing path is never entered.  Any other
 * key living in a module is refused (check_key).
 */
/*
 * *@dropp: which kept entries of @so to drop (NULL: none; the caller frees
 * it).  0 or -ENOMEM.
 */
static int tracepoint_entries(struct differ *d, struct special_out *so, bool **dropp)
{
	bool *drop = NULL;
	size_t i;
	int ret;

	for (i = 0; i < so->nr_rels; i++) {
		struct special_rel *sr = &so->rels[i];
		struct symbol *key = sr->key ? key_symbol(sr->src) : NULL;
		const char *tp = tracepoint_of(key);

		if (!tp || !klp_in_module(d, key))
			continue;
		if (!drop)
			drop = mem_calloc(so->nr_entries, sizeof(*drop));
		if (!drop)
			return -ENOMEM;
		*dropp = drop;
		drop[sr->entry] = true;
		ret = tracepoint_off(d, so, tp);
		if (ret)
			return ret;
	}
	return 0;
}

static int resolve_special(struct differ *d)
{
	struct special_out *so;
	size_t i;
	int ret;

	for (so = d->special_out; so; so = so->next) {
		bool *drop = NULL;

		ret = tracepoint_entries(d, so, &drop);
		if (!ret && drop)
			ret = special_drop(so, drop);
		free(drop);
		if (ret)
			return ret;
		for (i = 0; i < so->nr_rels; i++) {
			struct special_rel *sr = &so->rels[i];
			struct out_ref *ref;

			if (sr->to_repl)
				continue;
			ret = resolve_reloc(d, sr->src, &ref);
			if (ret) {
				if (ret != -ENOMEM)	/* main reports that */
					pr_err("%s: %s: cannot resolve the entries of the included "
					       "functions", d->display, so->sec->name);
				return ret;
			}
			if (sr->key) {
				ret = check_key(d, so, ref);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

/* Lay out each picked section's records in their order, keeping their alignment. */
static void lay_out_picked(struct differ *d)
{
	struct section *sec;

	for_each_section(d->patched, sec) {
		uint64_t at = 0, align;
		size_t i;

		if (!DS(sec)->picked)
			continue;
		align = sec->sh.sh_addralign ? sec->sh.sh_addralign : 1;
		for (i = 0; i < sec->nr_sym_by_off; i++) {
			struct symbol *s = sec->sym_by_off[i];

			if (!D(s)->include || !sym_is_data(s))
				continue;
			at = (at + align - 1) / align * align;
			D(s)->out_off = at;
			at += s->size;
		}
		DS(sec)->out_size = at;
		if (sec->rela) {
			struct reloc *r;

			for_each_reloc(sec->rela, r) {
				struct out_ref *ref = r->priv;
				struct symbol *s;

				if (!ref)
					continue;
				s = sec_find_symbol_containing(sec, r->offset);
				ref->at = D(s)->out_off + (r->offset - s->offset);
			}
		}
	}
}

int resolve(struct differ *d)
{
	struct section *sec;
	int ret;

	for_each_section(d->patched, sec)
		DS(sec)->picked = DS(sec)->include && special_section_picked(sec->name);
	ret = resolve_symbols(d);
	for_each_section(d->patched, sec) {
		if (ret)
			break;
		if (DS(sec)->include && !sec_is_rela(sec))
			ret = resolve_section_relocs(d, sec);
	}
	ret = ret ?: special_keep(d);
	ret = ret ?: resolve_special(d);
	if (!ret)
		lay_out_picked(d);
	return ret;
}

void resolve_free(struct differ *d)
{
	struct section *sec;
	struct symbol *p;

	if (!d->patched)
		return;
	for_each_section(d->patched, sec) {
		struct reloc *r;

		if (!sec_is_rela(sec))
			continue;
		for_each_reloc(sec, r) {
			free(r->priv);
			r->priv = NULL;
		}
	}
	for_each_symbol(d->patched, p) {
		if (!D(p))
			continue;
		free(D(p)->ext);
		D(p)->ext = NULL;
	}
}
