// SPDX-License-Identifier: GPL-2.0
/*
 * select: what the output object carries, and what cannot be patched.
 *
 * Roots: changed functions (patched through klp_func), new functions and
 * new data.  From the roots, every relocation is followed once:
 *   - string literals and anonymous constants (switch tables) are copied;
 *   - always-safe special statics (__key, __warned, __already_done,
 *     __func__, CSWTCH ...) and new data are copied;
 *   - a changed constant that the code merely reads is copied (its readers
 *     are changed too);
 *   - everything else -- unchanged functions, existing data, undefined
 *     symbols -- stays external and is resolved by export or klp later.
 * Refusals: changed __init or __exit code, a changed function without an ftrace
 * entry, a changed initializer of existing writable or __ro_after_init
 * data (init code may have set it: a copy is no constant), a changed
 * function that no longer uses a static local its original used, and a
 * changed constant that a copy cannot stand in for: one holding function
 * pointers (an ops table), one whose address code or data keeps (objects
 * made before the patch point at the running kernel's copy), or a global
 * one (other objects read the running kernel's copy); an EXPORT_SYMBOL
 * added, removed, or changed between GPL and not or in its namespace (the
 * running kernel's export table is fixed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "differ.h"
#include "log.h"

struct work {
	struct symbol **v;
	size_t n, max;
	struct section **sv;
	size_t sn, smax;
	struct symbol **notrace;	/* changed local functions without an ftrace entry */
	size_t nn, nmax;
};

static int include_sym(struct work *w, struct symbol *s, enum incl why)
{
	if (D(s)->include)
		return 0;
	if (ARRAY_GROW(w->v, w->max, w->n + 1))
		return -ENOMEM;
	D(s)->include = why;
	DS(s->sec)->include = true;
	w->v[w->n++] = s;
	if (s->cold && s->cold->sec)	/* an undefined foo.cold has nothing to carry */
		return include_sym(w, s->cold, INC_NEEDED);
	return 0;
}

static int include_sec(struct work *w, struct section *sec)
{
	if (DS(sec)->include)
		return 0;
	if (ARRAY_GROW(w->sv, w->smax, w->sn + 1))
		return -ENOMEM;
	DS(sec)->include = true;
	w->sv[w->sn++] = sec;
	return 0;
}

/* Data the output copies rather than shares with the running kernel. */
static bool copied_data(struct symbol *s)
{
	if (D(s)->special_static || s->status == V_NEW)
		return true;
	return s->status == V_CHANGED && sec_is_readonly(s->sec) &&
	       s->sec->class != SEC_RO_AFTER_INIT;
}

/* A local function of ours the running kernel does not have as a symbol. */
static bool missing_in_target(struct differ *d, struct symbol *s)
{
	struct lookup_result res;
	struct symbol *o = s->twin;

	if (!d->lookup || !o || o->bind != STB_LOCAL || s->parent)
		return false;
	return lookup_local(d->lookup, o->name, &res) == -ENOENT;
}

/* Follow the relocations of [off, off+size) of @sec. */
static int follow(struct differ *d, struct work *w, struct section *sec, uint64_t off,
		  uint64_t size)
{
	struct reloc **rs;
	size_t nr, i;

	if (sec_relocs_by_offset(sec, &rs, &nr))
		return -ENOMEM;
	for (i = reloc_lower_bound(rs, nr, off); i < nr && rs[i]->offset < off + size; i++) {
		struct target t;
		int ret = reloc_target(rs[i], &t);

		if (ret) {
			if (ret != -ENOMEM)	/* main reports that */
				pr_err("%s: %s+0x%lx: cannot resolve relocation target: %s",
				       d->display, sec->name, (unsigned long)rs[i]->offset,
				       strerror(-ret));
			return ret;
		}
		if (t.sym && t.sym->sec && sym_is_data(t.sym) && copied_data(t.sym)) {
			ret = include_sym(w, t.sym, t.sym->status == V_NEW ? INC_NEW : INC_NEEDED);
		} else if (t.sym && t.sym->sec && sym_is_func(t.sym) && t.sym->status == V_NEW) {
			ret = include_sym(w, t.sym, INC_NEW);
		} else if (t.sym && t.sym->sec && sym_is_func(t.sym) && !D(t.sym)->include &&
			   missing_in_target(d, t.sym)) {
			/* inlined everywhere in the distribution build: carry our copy */
			ret = include_sym(w, func_parent(t.sym), INC_NEEDED);
		} else if (!t.sym && t.sec) {
			if (sec_is_text(t.sec) && sec_has_symbols(t.sec))
				continue;	/* inside an excluded function: external */
			if (!special_section_name(t.sec->name))
				ret = include_sec(w, t.sec);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* A function of this object, or (undefined here) of the target kernel. */
static bool points_to_code(struct differ *d, const struct target *t)
{
	struct lookup_result res;

	if (t->sec)
		return sec_is_text(t->sec);
	return sym_is_func(t->sym) ||
	       (d->lookup && !lookup_global(d->lookup, t->sym->name, &res) &&
		res.type == STT_FUNC);
}

/*
 * Who refers to what, over every allocated non-special section of PATCHED:
 * how often each symbol and anonymous section is referenced, which function
 * each constant points to, and who takes or stores a constant's address
 * (data holding it, or an instruction that does not access memory through
 * it: lea, mov $sym ...).
 */
/* The use record of changed constant @sym, or NULL when it is not one. */
static struct const_use *const_use_of(struct differ *d, struct symbol *sym)
{
	size_t i;

	for (i = 0; i < d->nr_const_uses; i++)
		if (d->const_uses[i].sym == sym)
			return &d->const_uses[i];
	return NULL;
}

/* Changed constants the patch might copy: the ones refuse_shared_constants() judges. */
static bool judged_constant(struct symbol *p)
{
	return sym_is_data(p) && p->sec && p->status == V_CHANGED && !D(p)->special_static &&
	       sec_is_readonly(p->sec) && p->sec->class != SEC_RO_AFTER_INIT &&
	       (p->sec->sh.sh_flags & SHF_ALLOC) &&
	       !sec_is_init(p->sec) && !special_section_name(p->sec->name);
}

static int scan_references(struct differ *d)
{
	struct section *base;
	struct symbol *p;

	for_each_symbol(d->patched, p) {
		if (!judged_constant(p))
			continue;
		if (ARRAY_GROW(d->const_uses, d->max_const_uses, d->nr_const_uses + 1))
			return -ENOMEM;
		d->const_uses[d->nr_const_uses++].sym = p;
	}

	for_each_section(d->patched, base) {
		struct reloc **rs;
		size_t nr, i;

		if (!reader_section(base))
			continue;
		if (sec_relocs_by_offset(base, &rs, &nr))
			return -ENOMEM;
		for (i = 0; i < nr; i++) {
			struct symbol *user = func_parent(sec_find_symbol_containing(base, rs[i]->offset));
			struct const_use *use = NULL, *holder = NULL;
			struct target t;
			bool access = true;
			int ret = reloc_target(rs[i], &t);

			if (!ret && d->nr_const_uses) {
				use = t.sym ? const_use_of(d, t.sym) : NULL;
				holder = user ? const_use_of(d, user) : NULL;
			}
			/* only a changed constant's address users matter: decode for those */
			if (!ret && sec_is_text(base) && use)
				ret = arch_reloc_accesses_memory(sec_data(base), base->size,
								 &DS(base)->insns, rs[i]->offset,
								 &access);
			if (ret) {
				if (ret != -ENOMEM)	/* main reports that */
					pr_err("%s: %s+0x%lx: cannot resolve relocation target: %s",
					       d->display, base->name, (unsigned long)rs[i]->offset,
					       strerror(-ret));
				return ret;
			}
			if (t.sym && t.sym->sec) {
				if (t.sym == user)
					continue;
				D(t.sym)->nr_refs++;
				if (use && (!access || !sec_is_text(base)))
					use->addr_user = user ? user->name : base->name;
			} else if (!t.sym && t.sec && !t.str) {
				DS(t.sec)->nr_refs++;
				if (!user || user->status != V_SAME)
					DS(t.sec)->ref_changed = true;
			}
			if (holder && t.sym && !holder->func_ptr && points_to_code(d, &t))
				holder->func_ptr = t.sym;
		}
	}
	return 0;
}

/* A changed constant a copy in the patch cannot stand in for (see the top). */
static int refuse_shared_constants(struct differ *d)
{
	static const char hint[] =
		"objects made before the patch keep using the running kernel's copy, so the "
		"patch cannot replace it: leave it unchanged and patch the functions it points "
		"to, keep the new state in a shadow variable (klp_shadow_get_or_alloc), or "
		"switch existing objects over from a livepatch callback";
	size_t i;

	for (i = 0; i < d->nr_const_uses; i++) {
		struct const_use *u = &d->const_uses[i];
		struct symbol *p = u->sym;
		int ret = 0;

		if (u->func_ptr)
			ret = refusef(d, p->sec, p, hint,
				      "changed constant (%s) holding function pointers (%s)",
				      D(p)->reason ? D(p)->reason : "content",
				      u->func_ptr->name[0] ? u->func_ptr->name :
				      u->func_ptr->sec->name);
		else if (u->addr_user)
			ret = refusef(d, p->sec, p, hint, "changed constant (%s) whose address %s keeps",
				      D(p)->reason ? D(p)->reason : "content", u->addr_user);
		else if (p->bind != STB_LOCAL)
			ret = refusef(d, p->sec, p, hint, "changed global constant (%s): other objects "
				      "read the running kernel's copy",
				      D(p)->reason ? D(p)->reason : "content");
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * One EXPORT_SYMBOL* of an object: 6.1 writes a section ___ksymtab+NAME
 * (___ksymtab_gpl+NAME) holding { value, name, namespace } as PC32
 * offsets; 6.5 and later write an entry __export_symbol_NAME in
 * .export_symbol: "LICENSE\0NAMESPACE\0", then the symbol's address.
 */
struct export {
	const char *name;
	bool gpl;
	const char *ns;			/* "" for none, NULL when unreadable */
	struct section *sec;
};

static int cmp_export(const void *a, const void *b)
{
	return strcmp(((const struct export *)a)->name, ((const struct export *)b)->name);
}

/* The namespace string a 6.1 ___ksymtab entry's third field points to (NULL: none found). */
static int ksymtab_ns(struct section *sec, const char **ns)
{
	struct reloc **rs;
	struct target t;
	size_t nr, i;

	*ns = NULL;
	if (sec_relocs_by_offset(sec, &rs, &nr))
		return -ENOMEM;
	i = reloc_lower_bound(rs, nr, 8);
	if (i < nr && rs[i]->offset == 8 && !reloc_target(rs[i], &t))
		*ns = t.str;
	return 0;
}

static int add_export(struct export **v, size_t *n, size_t *max, struct export e)
{
	if (ARRAY_GROW(*v, *max, *n + 1))
		return -ENOMEM;
	(*v)[(*n)++] = e;
	return 0;
}

/* Every export of @obj, sorted by name, in *@out (the caller frees it). */
static int exports_of(struct object *obj, struct export **out, size_t *n)
{
	struct section *s;
	struct symbol *sym;
	size_t max = 0;
	int ret = 0;

	*out = NULL;
	*n = 0;
	for_each_section(obj, s) {
		bool gpl = !strncmp(s->name, "___ksymtab_gpl+", 15);
		const char *name = gpl ? s->name + 15 :
				   !strncmp(s->name, "___ksymtab+", 11) ? s->name + 11 : NULL;
		const char *ns;

		if (!name || sec_is_rela(s))
			continue;
		ret = ksymtab_ns(s, &ns);
		ret = ret ?: add_export(out, n, &max, (struct export){ name, gpl, ns, s });
		if (ret)
			return ret;
	}
	for_each_symbol(obj, sym) {
		const unsigned char *data;
		const char *lic, *ns = NULL;
		size_t left;

		if (!sym->sec || strcmp(sym->sec->name, ".export_symbol") ||
		    strncmp(sym->name, "__export_symbol_", 16))
			continue;
		data = sec_data(sym->sec);
		if (!data)
			return -EINVAL;		/* elf/ said why */
		if (sym->offset >= sym->sec->size)
			continue;
		lic = (const char *)data + sym->offset;
		left = sym->sec->size - sym->offset;
		if (memchr(lic, 0, left) && memchr(lic + strlen(lic) + 1, 0, left - strlen(lic) - 1))
			ns = lic + strlen(lic) + 1;
		ret = add_export(out, n, &max, (struct export){ sym->name + 16,
							       ns && !strcmp(lic, "GPL"), ns,
							       sym->sec });
		if (ret)
			return ret;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_export);
	return 0;
}

static int refuse_export(struct differ *d, struct object *obj, const struct section *sec,
			 const char *name, const char *what)
{
	return refusef(d, sec, obj_find_symbol_by_name(obj, name),
		       "a live patch cannot change the running kernel's export table: keep the "
		       "EXPORT_SYMBOL as it is, and reach new code through existing exports",
		       "%s export %s", what, name);
}

static bool same_ns(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* Refuse each export added, removed, or changed in license or namespace. */
static int compare_exports(struct differ *d, struct export *a, size_t na, struct export *b,
			   size_t nb)
{
	size_t i = 0, k = 0;
	int ret = 0;

	while (!ret && (i < na || k < nb)) {
		int c = i == na ? 1 : k == nb ? -1 : strcmp(a[i].name, b[k].name);
		char *what;

		if (c < 0) {
			ret = refuse_export(d, d->orig, a[i].sec, a[i].name, "removed");
			i++;
		} else if (c > 0) {
			ret = refuse_export(d, d->patched, b[k].sec, b[k].name, "new");
			k++;
		} else {
			if (a[i].gpl != b[k].gpl) {
				ret = refuse_export(d, d->patched, b[k].sec, b[k].name, b[k].gpl ?
						    "EXPORT_SYMBOL_GPL instead of EXPORT_SYMBOL "
						    "for the" : "EXPORT_SYMBOL instead of "
						    "EXPORT_SYMBOL_GPL for the");
			} else if (!same_ns(a[i].ns, b[k].ns)) {
				what = mem_asprintf("changed namespace (\"%s\" -> \"%s\") of the",
						    a[i].ns ? a[i].ns : "?",
						    b[k].ns ? b[k].ns : "?");
				ret = what ? refuse_export(d, d->patched, b[k].sec, b[k].name, what) :
					     -ENOMEM;
				free(what);
			}
			i++;
			k++;
		}
	}
	return ret;
}

static int check_exports(struct differ *d)
{
	struct export *a, *b = NULL;
	size_t na, nb;
	int ret;

	ret = exports_of(d->orig, &a, &na);
	ret = ret ?: exports_of(d->patched, &b, &nb);
	ret = ret ?: compare_exports(d, a, na, b, nb);
	free(a);
	free(b);
	return ret;
}

/* Each function using an orig static local must still use its twin. */
static int check_static_locals(struct differ *d)
{
	struct symbol *o;

	for_each_symbol(d->orig, o) {
		unsigned int i;

		if (!o->numbered || !sym_is_data(o) || !o->sec || D(o)->special_static)
			continue;
		for (i = 0; i < D(o)->nr_users; i++) {
			struct symbol *ou = D(o)->users[i], *pu = ou->twin;
			unsigned int k;
			bool kept = false;

			if (!pu || pu->status != V_CHANGED || !sym_is_func(pu))
				continue;
			if (o->twin)
				for (k = 0; k < D(o->twin)->nr_users; k++)
					if (D(o->twin)->users[k] == pu)
						kept = true;
			if (!kept) {
				int ret = refusef(d, pu->sec, pu,
						  "a removed or renamed static local cannot be "
						  "correlated with the running kernel's: keep the "
						  "reference, or use new data with a different name",
						  "no longer uses the static local %s of the original",
						  o->name);

				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

/* Follow everything included until nothing new is reached. */
static int drain(struct differ *d, struct work *w)
{
	int ret = 0;

	while (!ret && (w->n || w->sn)) {
		if (w->n) {
			struct symbol *s = w->v[--w->n];

			if (s->sec->sh.sh_type != SHT_NOBITS)
				ret = follow(d, w, s->sec, s->offset, s->size ? s->size : s->sec->size);
		} else {
			struct section *sec = w->sv[--w->sn];

			ret = follow(d, w, sec, 0, sec->size);
		}
	}
	return ret;
}

static int refuse_notrace(struct differ *d, struct symbol *p)
{
	return refusef(d, p->sec, p,
		       "notrace functions cannot be live patched: patch their callers instead, or "
		       "drop notrace",
		       "changed function (%s) without an ftrace entry (no call __fentry__ / "
		       "__mcount_loc entry)", D(p)->reason ? D(p)->reason : "code");
}

/*
 * Whether everything in PATCHED that refers to @p is carried by the output,
 * and something is: every relocation to it outside its own section and the
 * tables about code (special sections) lies in a carried symbol.  Code in
 * .altinstr_replacement has no symbol to tell its owner, so a reference from
 * there, or from any other place without a symbol, counts as not carried.
 */
static int refs_carried(struct differ *d, struct symbol *p, bool *ok)
{
	struct section *base;
	bool any = false;

	*ok = false;
	for_each_section(d->patched, base) {
		struct reloc **rs;
		size_t nr, i;

		if (sec_is_rela(base) || !(base->sh.sh_flags & SHF_ALLOC) || base == p->sec ||
		    (special_section_name(base->name) && strcmp(base->name, ".altinstr_replacement")))
			continue;
		if (sec_relocs_by_offset(base, &rs, &nr))
			return -ENOMEM;
		for (i = 0; i < nr; i++) {
			struct symbol *user;
			struct target t;
			int ret = reloc_target(rs[i], &t);

			if (ret) {
				pr_err("%s: %s+0x%lx: cannot resolve relocation target: %s", d->display,
				       base->name, (unsigned long)rs[i]->offset, strerror(-ret));
				return ret;
			}
			if (t.sym != p)
				continue;
			user = sec_find_symbol_containing(base, rs[i]->offset);
			user = user ? func_parent(user) : NULL;
			if (user == p)
				continue;
			if (!user || !D(user)->include)
				return 0;
			any = true;
		}
	}
	*ok = any;
	return 0;
}

/*
 * A changed local function without an ftrace entry -- an out-of-line clone
 * of a static inline (zero_user_segments.constprop.0), which is notrace --
 * cannot be patched, but when only carried code refers to it, a copy serves
 * those callers and nothing else sees the change: it is carried like a new
 * function.  One that anything left unpatched still refers to is refused.
 */
static int carry_notrace(struct differ *d, struct work *w)
{
	bool more = true;
	size_t i;
	int ret;

	while (more) {
		more = false;
		for (i = 0; i < w->nn; i++) {
			struct symbol *p = w->notrace[i];
			bool ok;

			if (D(p)->include)
				continue;
			ret = refs_carried(d, p, &ok);
			if (ret)
				return ret;
			if (!ok)
				continue;
			ret = include_sym(w, p, INC_NEEDED);
			ret = ret ?: drain(d, w);
			if (ret)
				return ret;
			more = true;
		}
	}
	for (i = 0; i < w->nn; i++) {
		if (D(w->notrace[i])->include)
			continue;
		ret = refuse_notrace(d, w->notrace[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* One new function or datum nothing reaches, for the facts and the message. */
static int add_unused_new(struct differ *d, struct symbol *p)
{
	bool func = sym_is_func(p);
	struct fact *f = fact_new(p->name);

	if (!f)
		return -ENOMEM;
	f->section = mem_strdup(p->sec->name);
	f->reason = mem_strdup(func ? "new function that nothing in the patch calls" :
			       "new data that nothing in the patch uses");
	f->hint = mem_strdup(func ? "a live patch of it alone changes nothing the running "
			     "kernel runs: build it together with the change that calls it" :
			     "a live patch of it alone changes nothing the running kernel "
			     "runs: build it together with the change that uses it");
	if (!f->section || !f->reason || !f->hint) {
		fact_free(f);
		return -ENOMEM;
	}
	fact_add(&d->unused_new, f);
	return 0;
}

/*
 * New functions and data that no changed function reaches and no other
 * object of the patch names (--patch-refs), in an object that patches
 * nothing: the running kernel would never run them, so a module of them
 * alone changes nothing -- a verdict of its own (unused_new: exit 3 with
 * each of them named), not an empty module.  Only here is that certain:
 * every other difference of the object still gets its verdict from
 * account, and a new function something does reach is carried as before.
 * Those named are the ones nothing in the object refers to: a helper only
 * they call is theirs.  kpatch's front end keeps new globals, as
 * create-diff-object does (its other objects may call them).
 */
static int judge_unused_new(struct differ *d)
{
	struct symbol *p;
	int ret;

	if (d->kpatch || d->nr_changed || (!d->nr_new && !d->nr_new_data))
		return 0;
	for_each_symbol(d->patched, p)
		if (D(p)->include == INC_NEW && p->bind != STB_LOCAL &&
		    names_has(d->patch_refs, d->nr_patch_refs, p->name))
			return 0;
	for_each_symbol(d->patched, p) {
		if (D(p)->include != INC_NEW || p->parent || D(p)->nr_refs)
			continue;
		ret = add_unused_new(d, p);
		if (ret)
			return ret;
	}
	if (d->unused_new.head)
		return 0;
	/* new code and data that only refer to each other: name all of it */
	for_each_symbol(d->patched, p) {
		if (D(p)->include != INC_NEW || p->parent)
			continue;
		ret = add_unused_new(d, p);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * module_init(fn) and module_exit(fn) make init_module and cleanup_module
 * GLOBAL aliases of fn, which modpost points struct module at.  The code
 * is fn's: it is patched once, under fn's name (the running module's
 * alias then reaches the new code too), and the alias is not carried: the
 * patch module has an init_module and cleanup_module of its own.
 * Returns the function @p is such an alias of, else NULL.
 */
struct symbol *module_entry_alias_of(struct symbol *p)
{
	struct symbol **syms;
	size_t i, nr;

	if (!sym_is_func(p) || p->bind == STB_LOCAL ||
	    (strcmp(p->name, "init_module") && strcmp(p->name, "cleanup_module")))
		return NULL;
	if (sec_symbols_by_offset(p->sec, &syms, &nr))
		return NULL;
	for (i = 0; i < nr; i++)
		if (syms[i] != p && !syms[i]->deleted && sym_is_func(syms[i]) &&
		    syms[i]->offset == p->offset && syms[i]->size == p->size)
			return syms[i];
	return NULL;
}

int select_symbols(struct differ *d)
{
	struct work w = { 0 };
	struct symbol *p;
	int ret;

	ret = scan_references(d);
	if (ret)
		return ret;
	ret = refuse_shared_constants(d);
	ret = ret ?: check_exports(d);
	if (ret)
		return ret;
	for_each_symbol(d->patched, p) {
		if (!p->sec || p->parent)
			continue;
		if (sym_is_func(p) && p->status == V_CHANGED) {
			if (module_entry_alias_of(p))
				continue;	/* patched as the function it names */
			if (sec_is_init(p->sec) && !strncmp(p->sec->name, ".exit.", 6)) {
				ret = refuse(d, p->sec, p, "changed __exit code",
					     "__exit functions are notrace, so livepatch cannot "
					     "redirect them, and run only when the module is unloaded "
					     "(a built-in object's are discarded): leave it unchanged, "
					     "or move the work into a function the exit code calls and "
					     "patch that");
			} else if (sec_is_init(p->sec)) {
				ret = refuse(d, p->sec, p, "changed __init code",
					     "init code has run already and is freed: leave it "
					     "unchanged, or apply the change through a livepatch "
					     "callback");
			} else if (!(D(p)->has_fentry = arch_has_fentry(p))) {
				if (p->bind != STB_LOCAL)
					ret = refuse_notrace(d, p);
				else if (ARRAY_GROW(w.notrace, w.nmax, w.nn + 1))
					ret = -ENOMEM;
				else
					w.notrace[w.nn++] = p;
			} else {
				ret = include_sym(&w, p, INC_PATCH);
				d->nr_changed++;
			}
		} else if (sym_is_func(p) && p->status == V_NEW) {
			if (sec_is_init(p->sec) || special_section_name(p->sec->name))
				continue;
			ret = include_sym(&w, p, INC_NEW);
		} else if (sym_is_data(p) && p->status == V_NEW) {
			if (special_section_name(p->sec->name) || sec_is_init(p->sec) ||
			    !(p->sec->sh.sh_flags & SHF_ALLOC) || D(p)->special_static)
				continue;
			ret = include_sym(&w, p, INC_NEW);
		} else if (sym_is_data(p) && p->status == V_CHANGED && !D(p)->special_static &&
			   !sec_is_readonly(p->sec) && !special_section_name(p->sec->name)) {
			ret = refusef(d, p->sec, p,
				      "the running kernel keeps its own copy: leave the initializer "
				      "alone and set the new value from a livepatch callback, or add "
				      "new data",
				      "changed initializer of existing data (%s)",
				      D(p)->reason ? D(p)->reason : "content");
		} else if (sym_is_data(p) && p->status == V_CHANGED && !D(p)->special_static &&
			   p->sec->class == SEC_RO_AFTER_INIT) {
			ret = refusef(d, p->sec, p,
				      "init code may have set it while the kernel booted or the "
				      "module loaded, so a copy with the new initializer would lose "
				      "the running value, and it is read-only now: leave the "
				      "initializer alone",
				      "changed initializer of __ro_after_init data (%s)",
				      D(p)->reason ? D(p)->reason : "content");
		} else if (sym_is_data(p) && p->status == V_CHANGED && !D(p)->special_static &&
			   sec_is_init(p->sec) && !special_section_name(p->sec->name)) {
			ret = refuse(d, p->sec, p, "changed __init constant",
				     "init code has run already and its data is freed: leave it "
				     "unchanged, or apply the change through a livepatch callback");
		}
		if (ret)
			goto out;
	}
	ret = check_static_locals(d);
	if (ret)
		goto out;

	ret = drain(d, &w);
	ret = ret ?: carry_notrace(d, &w);
out:
	free(w.v);
	free(w.sv);
	free(w.notrace);
	for_each_symbol(d->patched, p) {
		if (D(p)->include == INC_NEW && sym_is_func(p) && !p->parent)
			d->nr_new++;
		else if (D(p)->include == INC_NEW && sym_is_data(p))
			d->nr_new_data++;
	}
	return ret ?: judge_unused_new(d);
}
