// SPDX-License-Identifier: GPL-2.0
/*
 * account: the whole-object invariant after selection.  Every difference
 * between ORIG and PATCHED in an allocated section must be accounted for
 * by a verdict the run acts on:
 *   - a changed function is patched or refused; a new one is new;
 *   - changed data is copied (a constant the patched code reads), refused,
 *     an always-safe special static, or referenced by nothing at all (read
 *     only by a special section: refused, nothing carries it);
 *   - anonymous contents (constants, switch tables) that differ are
 *     referenced by something changed or new; what nothing in the object
 *     reads (asm tables such as .pci_fixup_*, local entries of a section
 *     of their own) is walked through linker-made bounds and refused when
 *     it differs, grows, shrinks, or is on one side only; bytes no
 *     symbol covers in a section with symbols (gaps) that differ are read
 *     only by changed or new code and data (else refused, but for data an
 *     unchanged reader reads: an error);
 *   - code without a function symbol that nothing refers to, and what
 *     sits behind a label without a type, are unchanged (else refused:
 *     livepatch replaces whole functions, compare judges typed symbols);
 * and the kinds compared elsewhere are left to their passes: special
 * sections (their entries follow the functions owning them; entries of
 * no function are compared by special_account()), string literals
 * (compared by content where they are used), __LINE__ values (compare's
 * line-only verdict), exports (select), debug info (not allocated).
 * Anything else is an error naming the section and symbol: the run must
 * never say "no change", or write a patch, while a difference is unexplained.
 * Such an error is ours (a pass missed something), so it asks for a report;
 * a difference the fix itself causes and no verdict can carry is refused,
 * with what the user can do.
 * What the kernel or its tools read only at boot, module load or link
 * time is compared too, and a difference there is a refusal: the load
 * tables (__param, initcalls, __setup, constructors, tracepoints, trace
 * events and enum maps, the kprobe blacklist), a module's init_module and
 * cleanup_module, .modinfo (but for the entries that only describe the
 * module, and import_ns) and .BTF_ids.  HACKING.md's "Section kinds" lists
 * who accounts for what.
 * Runs only when nothing was refused (a refusal already stops the run).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "differ.h"
#include "log.h"
#include "strbuf.h"

static bool compared_here(const struct section *sec)
{
	return (sec->sh.sh_flags & SHF_ALLOC) && !sec_is_rela(sec) && !sec_is_string(sec) &&
	       !special_section_name(sec->name) && strncmp(sec->name, ".discard", 8);
}

static const char table_hint[] =
	"a table the kernel reads through linker-made bounds (__start_/__stop_ symbols or the "
	"linker script's), at boot, at module load or when it adds a device, cannot be "
	"extended, shrunk or changed by a live patch: the running kernel walks its own copy. "
	"Ship this part of the fix in the updated package (it takes effect at the next boot or "
	"module load) and leave the table unchanged in the live patch, or do the work from a "
	"function the fix changes or from a livepatch callback";

static bool judged_whole(const struct section *s);

static int unaccounted(struct differ *d, const struct section *sec, const struct symbol *sym,
		       const char *what)
{
	pr_err("%s: %s: %s: unaccounted difference in %s (%s): no verdict explains it; this is "
	       "a hotpatch-diff bug, please report it with both objects", d->display, sec->name,
	       sym ? sym->name : "-", sec->name, what);
	return -EINVAL;
}

/*
 * Changed data (@sym, or with @sym NULL the contents of @sec) that only @by,
 * a special section, reads: alternative replacement code or a table whose
 * entries follow the functions that own them.  A live patch carries data
 * with the changed functions that read it, and no function does here.
 */
static int refuse_special_reader(struct differ *d, struct section *sec, struct symbol *sym,
				 const struct section *by)
{
	char *hint = mem_asprintf("a live patch carries changed data with the changed functions "
				  "that read it, and only %s's entries read this (replacement "
				  "code or a table the kernel walks), which no function carries: "
				  "leave it unchanged, or read it from the function the fix "
				  "changes", by->name);
	int ret;

	if (!hint)
		return -ENOMEM;
	if (sym)
		ret = refusef(d, sec, sym, hint, "changed data that only %s reads", by->name);
	else {
		char *reason = mem_asprintf("changed contents that only %s reads", by->name);

		ret = reason ? refuse_named(d, sec->name, sec->name, reason, hint) : -ENOMEM;
		free(reason);
	}
	free(hint);
	return ret;
}

/*
 * The special section (not a .discard one) whose entries point at @p (or,
 * @p NULL, into the anonymous contents of @in), or NULL.  select counts only
 * references from code and ordinary data, so a changed constant that only
 * a table entry or replacement code reads looks referenced by nothing.
 */
static int read_by_special(struct symbol *p, struct section *in, struct section **by)
{
	struct section *s;

	*by = NULL;
	for_each_section(in->obj, s) {
		struct reloc **rs;
		size_t nr, i;

		if (!sec_is_rela(s) || !s->base || !(s->base->sh.sh_flags & SHF_ALLOC) ||
		    !special_section_name(s->base->name) || !strncmp(s->base->name, ".discard", 8))
			continue;
		if (sec_relocs_by_offset(s->base, &rs, &nr))
			return -ENOMEM;
		for (i = 0; i < nr; i++) {
			struct target t;
			int ret = reloc_target(rs[i], &t);

			if (ret == -ENOMEM)
				return ret;
			/* an entry it cannot follow may read @p as well */
			if (ret || (p ? t.sym == p : !t.sym && !t.str && t.sec == in)) {
				*by = s->base;
				return 0;
			}
		}
	}
	return 0;
}

/*
 * Data in a section the compiler and the kernel's linker script do not
 * place among ordinary data (.data*, .rodata*, .bss*, init, exit): a table
 * section of its own (__section("x"), asm-made), which the kernel walks
 * through linker-made bounds.  An entry there that nothing in the object
 * reads is reached that way only, never dead; a global one another object
 * names is still an entry the running kernel's walk never sees.
 */
static bool bounds_table(struct section *s)
{
	static const char *const placed[] = { ".data", ".rodata", ".bss", ".tdata", ".tbss",
					      ".init.", ".exit.", ".ref.", ".meminit." };
	size_t k;

	if (sec_is_text(s) || !compared_here(s) || judged_whole(s))
		return false;
	for (k = 0; k < sizeof(placed) / sizeof(placed[0]); k++)
		if (!strncmp(s->name, placed[k], strlen(placed[k])))
			return false;
	return true;
}

static int refuse_table_entry(struct differ *d, struct symbol *p, const char *verb)
{
	return refusef(d, p->sec, p, table_hint, "%s %s (%s), which nothing in the object reads",
		       verb, p->sec->name, p->name);
}

/* Whether code or data of @p's object but @p itself refers to @p. */
static int sym_read(struct symbol *p, bool *read)
{
	struct section *base;

	*read = false;
	for_each_section(p->obj, base) {
		struct reloc **rs;
		size_t nr, i;

		if (!reader_section(base))
			continue;
		if (sec_relocs_by_offset(base, &rs, &nr))
			return -ENOMEM;
		for (i = 0; i < nr; i++) {
			struct target t;
			int ret = reloc_target(rs[i], &t);

			if (ret == -ENOMEM)
				return ret;
			/* one it cannot follow may read @p */
			if (ret || (t.sym == p && sec_find_symbol_containing(base, rs[i]->offset) != p)) {
				*read = true;
				return 0;
			}
		}
	}
	return 0;
}

/*
 * Table entries only ORIG has, that nothing in ORIG read.  One a special
 * section's entry reads goes with that entry's function, which the differ
 * patches, copies or leaves: a btrfs_debug site's __dyndbg descriptor
 * (_dynamic_func_call_no_desc), which only its __jump_table entry keys, is
 * renamed or gone with its function's change, and the running kernel's
 * copy serves only its own code.
 */
static int account_removed_entries(struct differ *d)
{
	struct symbol *p;

	for_each_symbol(d->orig, p) {
		struct section *by = NULL;
		bool read;
		int ret;

		if (p->twin || !p->sec || !sym_is_data(p) || p->parent || !bounds_table(p->sec))
			continue;
		ret = sym_read(p, &read);
		ret = ret ?: read ? 0 : read_by_special(p, p->sec, &by);
		ret = ret ?: read || by ? 0 : refuse_table_entry(d, p, "removes an entry from");
		if (ret)
			return ret;
	}
	return 0;
}

static int account_symbol(struct differ *d, struct symbol *p)
{
	struct dsym *ds = D(p);
	struct symbol *by_sym;
	struct section *by;
	int ret;

	switch (p->status) {
	case V_SAME:
		return 0;
	case V_NEW:
		if (sym_is_data(p) && !ds->nr_refs && !ds->special_static && bounds_table(p->sec))
			return refuse_table_entry(d, p, "adds an entry to");
		return 0;
	case V_CHANGED:
		/* a value static's readers are changed: it is carried, or read by nothing */
		if (ds->include || ds->refused || (ds->special_static && !ds->value_static))
			return 0;
		by_sym = module_entry_alias_of(p);
		if (by_sym && (D(by_sym)->include || D(by_sym)->refused))
			return 0;	/* its code is patched (or refused) under that name */
		if (sym_is_data(p) && !ds->nr_refs && p->bind == STB_LOCAL) {
			ret = read_by_special(p, p->sec, &by);
			if (ret)
				return ret;
			if (by)
				return refuse_special_reader(d, p->sec, p, by);
			if (!ds->special_static && bounds_table(p->sec))
				return refuse_table_entry(d, p, "changes an entry of");
			return 0;	/* dead data: nothing can read it */
		}
		return unaccounted(d, p->sec, p, sym_is_func(p) ? "changed function neither "
				   "patched nor refused" : "changed data neither copied nor refused");
	default:
		return unaccounted(d, p->sec, p, "never compared");
	}
}

/*
 * Code without a function symbol that no code or data refers to (assembly
 * reached through a special table, say): livepatch replaces whole
 * functions, so a change there has nothing to carry it.
 */
static int account_anonymous_code(struct differ *d, struct section *s)
{
	struct section *o = s->twin;
	const char *why = NULL;
	int ret = 1;

	if (o && o->size == s->size) {
		ret = compare_range(d, o, 0, s, 0, s->size, &why);
		if (ret <= 0)
			return ret;
	}
	return refuse_named(d, s->name, s->name, o ? "changed code outside any function" :
			    "new code outside any function", "livepatch replaces whole functions, "
			    "and this code belongs to none: give it a function symbol "
			    "(SYM_FUNC_START/SYM_FUNC_END), or leave it unchanged");
}

static int refuse_table(struct differ *d, struct section *o, struct section *s, const char *why);

/* A section without symbols of its own: switch tables, unnamed constants. */
static int account_anonymous(struct differ *d, struct section *s)
{
	struct section *o = s->twin;
	const char *why = NULL;
	int ret;

	if (DS(s)->include || DS(s)->ref_changed)
		return 0;
	if (!DS(s)->nr_refs && sec_is_text(s))
		return s->size ? account_anonymous_code(d, s) : 0;
	if (!DS(s)->nr_refs) {
		/*
		 * Read by no code or data of the object: by a special section's
		 * entries (nothing there carries a change), or by nothing the
		 * differ sees -- a table the kernel walks through linker-made
		 * bounds, which no function carries either.
		 */
		struct section *by;

		if (!s->size && (!o || !o->size))
			return 0;
		if (o && o->size == s->size) {
			ret = compare_range(d, o, 0, s, 0, s->size, &why);
			if (ret <= 0)
				return ret;
		}
		ret = read_by_special(NULL, s, &by);
		if (ret)
			return ret;
		if (by && !o)
			return 0;	/* new: its readers are new entries, of changed code */
		if (by)
			return refuse_special_reader(d, s, NULL, by);
		return refuse_table(d, o, s, why);
	}
	if (!o)
		return unaccounted(d, s, NULL, "new contents that unchanged code uses");
	if (o->size != s->size)
		return unaccounted(d, s, NULL, "size");
	ret = compare_range(d, o, 0, s, 0, s->size, &why);
	if (ret < 0)
		return ret;
	return ret ? unaccounted(d, s, NULL, why ? why : "contents") : 0;
}

static const char load_hint[] = "the kernel reads this table only at boot or module load: "
				"leave it unchanged";
static const char load_hint_cb[] = "the kernel reads this table only at boot or module load: "
				   "leave it unchanged, and do the work from a livepatch callback";
static const char trace_hint[] = "the kernel registers tracepoints, trace events and their enum "
				 "maps from this table only at boot or module load, so a live patch "
				 "cannot add or remove one: leave the trace definitions unchanged (the "
				 "updated package brings them)";
static const char kprobe_hint[] = "the kernel reads the kprobe blacklist only at boot or module "
				  "load, so a live patch cannot add or remove an entry for a running "
				  "function: leave NOKPROBE_SYMBOL as it is";

static const struct {
	const char *prefix;
	const char *what;
	const char *hint;		/* NULL: load_hint (and a callback can do the work) */
} load_tables[] = {
	{ "__param", "module parameter", NULL },
	{ ".initcall", "initcall", NULL },
	{ ".con_initcall", "console initcall", NULL },
	{ ".init.setup", "boot parameter (__setup, early_param)", NULL },
	{ ".init_array", "constructor", NULL },
	{ "__tracepoints_ptrs", "tracepoint", trace_hint },
	{ "_ftrace_events", "trace event", trace_hint },
	{ "_ftrace_eval_map", "trace enum map (TRACE_DEFINE_ENUM)", trace_hint },
	{ "_kprobe_blacklist", "kprobe blacklist entry (NOKPROBE_SYMBOL)", kprobe_hint },
};

/*
 * Whether relocation @r of one table (ORIG's when @r_orig) points where one
 * of @v[@n], the other table's, does.
 */
static int entry_in(struct differ *d, struct reloc *r, bool r_orig, struct reloc **v, size_t n,
		    bool *in)
{
	struct target a, b;
	size_t k;
	int ret = reloc_target(r, &a);

	*in = false;
	for (k = 0; !ret && k < n && !*in; k++) {
		ret = reloc_target(v[k], &b);
		*in = !ret && (r_orig ? targets_equal(d, &a, &b) : targets_equal(d, &b, &a));
	}
	return ret == -ENOMEM ? ret : 0;
}

/*
 * The function (else symbol, else section) where relocation @r points, or
 * NULL when it cannot be followed.  Asm table entries point at local
 * functions through their section symbols.
 */
static int target_name(struct reloc *r, const char **name)
{
	struct target t;
	struct symbol *sym;
	int ret = reloc_target(r, &t);

	*name = NULL;
	if (ret)
		return ret == -ENOMEM ? ret : 0;
	sym = t.sym;
	if (!sym && t.sec && t.off >= 0)
		sym = sec_find_symbol_containing(t.sec, (uint64_t)t.off);
	*name = sym ? sym->name : t.sec ? t.sec->name : r->sym ? r->sym->name : NULL;
	return 0;
}

/*
 * Append to @sb, as ", NAME", the targets of @in's entries (ORIG's when
 * @in_orig) that @other's (NULL: none) lack, each once; *@n counts them.
 * Entries are matched one to one, so a second entry for the same hook (a
 * quirk extended to another device) is one @other lacks.
 */
static int table_targets(struct differ *d, struct section *in, bool in_orig,
			 struct section *other, struct sbuf *sb, size_t *n)
{
	struct reloc **ra, **rb = NULL;
	size_t na, nb = 0, i, k;
	const char *seen[8];
	size_t nseen = 0;
	bool *used;
	int ret = 0;

	if (sec_relocs_by_offset(in, &ra, &na) || (other && sec_relocs_by_offset(other, &rb, &nb)))
		return -ENOMEM;
	used = mem_calloc(nb + 1, sizeof(*used));
	if (!used)
		return -ENOMEM;
	for (i = 0; i < na; i++) {
		const char *name;
		struct target a, b;
		bool found = false;

		ret = reloc_target(ra[i], &a);
		if (ret == -ENOMEM)
			goto out;
		for (k = 0; !ret && k < nb && !found; k++) {
			if (used[k] || reloc_target(rb[k], &b))
				continue;
			found = in_orig ? targets_equal(d, &a, &b) : targets_equal(d, &b, &a);
			used[k] = found;
		}
		ret = target_name(ra[i], &name);
		if (ret)
			goto out;
		if (found || !name)
			continue;
		for (k = 0; k < nseen && strcmp(seen[k], name); k++)
			;
		if (k < nseen)
			continue;
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = name;
		if ((*n)++ < 4)
			sbuf_printf(sb, ", %s", name);
		else if (*n == 5)
			sbuf_printf(sb, ", ...");
	}
	ret = sbuf_failed(sb) ? -ENOMEM : 0;
out:
	free(used);
	return ret;
}

/*
 * Section @s (PATCHED's; NULL: only ORIG has it) or @o (ORIG's; NULL: only
 * PATCHED has it) differs (@why: how, when compared in place), and no code
 * or data of the object reads it: an asm-made table (DECLARE_PCI_FIXUP_*
 * and the like) that the kernel walks through linker-made bounds.  No
 * function carries it, so the live patch would lack it: refused, naming
 * the entries' targets (the new ones when it grew, the removed ones when it
 * shrank, either when changed in place).
 */
static int refuse_table(struct differ *d, struct section *o, struct section *s, const char *why)
{
	struct section *in = s ? s : o;
	struct sbuf added = { 0 }, removed = { 0 };
	size_t nadd = 0, nrem = 0;
	const char *verb, *list, *first;
	char *reason = NULL, *name = NULL;
	int ret;

	ret = s ? table_targets(d, s, false, o, &added, &nadd) : 0;
	ret = ret ?: o ? table_targets(d, o, true, s, &removed, &nrem) : 0;
	if (ret)
		goto out;
	/* either side may be missing: only ORIG's when @s is NULL */
	if (!o || (s && s->size > o->size && nadd)) {
		verb = o ? "adds entries to" : "adds entries to a new table";
		list = sbuf_str(&added);
	} else if (!s || (s->size < o->size && nrem)) {
		verb = s ? "removes entries from" : "removes the table";
		list = sbuf_str(&removed);
	} else {
		verb = "changes entries of";
		list = nadd ? sbuf_str(&added) : sbuf_str(&removed);
	}
	if (why && !strcmp(why, "code bytes"))
		why = "bytes";
	if (*list) {
		first = list + 2;
		name = mem_strdup(first);
		if (!name) {
			ret = -ENOMEM;
			goto out;
		}
		name[strcspn(name, ",")] = '\0';
		reason = mem_asprintf("%s %s (-> %s)", verb, in->name, first);
	} else {
		reason = mem_asprintf("%s %s (%s)", verb, in->name, why ? why :
				      s && o ? (s->size > o->size ? "grown" : s->size < o->size ?
						"shrunk" : "contents") : "no relocations");
	}
	ret = reason ? refuse_named(d, in->name, name ? name : in->name, reason, table_hint) :
		-ENOMEM;
out:
	free(reason);
	free(name);
	sbuf_free(&added);
	sbuf_free(&removed);
	return ret;
}

/*
 * Refuse the entry where table @o and @s (either may be NULL) differ, with
 * @hint: "VERB WHAT (SECTION)" naming the function the entry points to (an
 * initcall's), else the entry's own symbol.  An entry pointing where none
 * of the other side's does is "new" (PATCHED's) or "removed" (ORIG's);
 * else the first entry that differs in place is @verb.  0 or -ENOMEM.
 */
static int refuse_first_difference(struct differ *d, struct section *o, struct section *s,
				   const char *hint, const char *verb, const char *what)
{
	struct section *in = s ? s : o;
	struct reloc **ra = NULL, **rb = NULL, *r = NULL;
	size_t na = 0, nb = 0, i;
	const struct symbol *sym = NULL;
	struct target t;
	uint64_t off = 0;
	bool found;
	int ret;

	if ((o && sec_relocs_by_offset(o, &ra, &na)) || (s && sec_relocs_by_offset(s, &rb, &nb)))
		return -ENOMEM;
	for (i = 0; o && s && !r && i < nb; i++) {
		ret = entry_in(d, rb[i], false, ra, na, &found);
		if (ret)
			return ret;
		if (!found) {
			r = rb[i];
			verb = "new";
		}
	}
	for (i = 0; o && s && !r && i < na; i++) {
		ret = entry_in(d, ra[i], true, rb, nb, &found);
		if (ret)
			return ret;
		if (!found) {
			r = ra[i];
			in = o;
			verb = "removed";
		}
	}
	for (i = 0; !r && i < (s ? nb : na); i++) {
		struct target ta, tb;

		if (i >= na || i >= nb) {
			r = (s ? rb : ra)[i];
			break;
		}
		ret = reloc_target(ra[i], &ta);
		ret = ret ?: reloc_target(rb[i], &tb);
		if (ret == -ENOMEM)
			return ret;
		if (ret || ra[i]->offset != rb[i]->offset || !targets_equal(d, &ta, &tb))
			r = (s ? rb : ra)[i];
	}
	if (r) {
		off = r->offset;
		ret = reloc_target(r, &t);
		if (ret == -ENOMEM)
			return ret;
		if (!ret && t.sym && sym_is_func(t.sym))
			sym = t.sym;
	}
	if (!sym)
		sym = sec_find_symbol_containing(in, off);
	if (!sym && r)
		sym = r->sym;
	return refusef(d, in, sym, hint, "%s %s (%s)", verb, what, in->name);
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
			ret = refuse_first_difference(d, o, s, load_tables[k].hint ?: load_hint_cb,
						      o ? "changed" : "new", load_tables[k].what);
			if (ret)
				return ret;
		}
		for_each_section(d->orig, s) {
			int ret;

			if (sec_is_rela(s) || strncmp(s->name, pre, strlen(pre)) ||
			    obj_find_section_by_name(d->patched, s->name))
				continue;
			ret = refuse_first_difference(d, s, NULL, load_tables[k].hint ?: load_hint,
						      "removed", load_tables[k].what);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Assembly data or code behind a label without a type (NOTYPE: no .type or
 * .size) is compared by nobody else: compare judges functions and objects.
 * A labelled extent runs to the next symbol or the section's end.  None of
 * the Debian 6.1 and 6.12 objects measured has such a label outside the
 * tables checked elsewhere (exports, BTF IDs, load tables) and the
 * compiler's .L labels of merged constants.
 */
/*
 * Sections whose every byte another rule judges: constant pools (by the
 * value each reference reads), exports (select), BTF IDs, the load tables
 * and .modinfo (account).
 */
static bool judged_whole(const struct section *s)
{
	size_t k;

	if ((s->sh.sh_flags & SHF_MERGE) || !strncmp(s->name, "___ksymtab", 10) ||
	    !strcmp(s->name, ".BTF_ids") || !strcmp(s->name, ".export_symbol") ||
	    !strcmp(s->name, ".modinfo"))
		return true;
	for (k = 0; k < sizeof(load_tables) / sizeof(load_tables[0]); k++)
		if (!strncmp(s->name, load_tables[k].prefix, strlen(load_tables[k].prefix)))
			return true;
	return false;
}

static bool label_checked(struct symbol *p)
{
	const struct section *s = p->sec;

	return p->type == STT_NOTYPE && s && p->name[0] && strncmp(p->name, ".L", 2) &&
	       compared_here(s) && !judged_whole(s);
}

/* Bytes from @p to the next symbol of its section, or to the section's end. */
static uint64_t label_extent(struct symbol *p)
{
	uint64_t end = p->sec->size;
	struct symbol *q;

	for_each_symbol(p->obj, q)
		if (q->sec == p->sec && q->type != STT_SECTION && q->offset > p->offset &&
		    q->offset < end)
			end = q->offset;
	return end > p->offset ? end - p->offset : 0;
}

static int account_labels(struct differ *d)
{
	static const char hint[] = "hotpatch compares functions and objects: give the "
				   "assembly a symbol type and size (.type/.size, or "
				   "SYM_FUNC_START/SYM_DATA_START), or leave it unchanged";
	struct symbol *p;

	for_each_symbol(d->patched, p) {
		struct symbol *o;
		uint64_t len;
		const char *why = NULL;
		int ret;

		if (!label_checked(p))
			continue;
		len = label_extent(p);
		o = obj_find_symbol_by_name(d->orig, p->name);
		if (!o || !o->sec || o->type != STT_NOTYPE || strcmp(o->sec->name, p->sec->name)) {
			ret = len ? refuse(d, p->sec, p, "new contents behind a label without a "
					   "type", hint) : 0;
		} else if (label_extent(o) != len) {
			ret = refuse(d, p->sec, p, "changed size of the contents behind a label "
				     "without a type", hint);
		} else {
			ret = compare_range(d, o->sec, o->offset, p->sec, p->offset, len, &why);
			if (ret > 0 && (!why || (!sec_is_text(p->sec) && !strcmp(why, "code bytes"))))
				why = "bytes";
			if (ret > 0)
				ret = refusef(d, p->sec, p, hint, "changed contents (%s) behind a "
					      "label without a type", why);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Gaps: the bytes of a section with symbols that no function, object or
 * typeless label covers -- what gcc emits without a symbol next to named
 * objects (switch tables, unnamed constants reached through the section
 * symbol), code or data after a symbol without a size, and the padding
 * between symbols.  compare judges symbols and, through a reader's
 * relocation, the whole section when a reader points into a gap
 * (anon_same), so a gap nothing reads was compared by nobody.  Padding --
 * zeros, or the nops and int3 the assembler aligns code with, holding no
 * relocation -- is left out: its length follows the symbols around it.
 * What is left must be the same in both objects, gap by gap; where it
 * differs, every reader of the section's gaps must be changed (so it is
 * patched, copied or refused, and carries the new bytes), else the
 * difference has no verdict: code is refused (livepatch replaces whole
 * functions, and this code belongs to none), so is data nothing reads
 * (assembly data: the user can give it a symbol); data an unchanged reader
 * reads is an error, a hotpatch-diff bug (compare missed it).
 */
struct gap {
	uint64_t start, end;
};

static int gap_is_padding(struct section *sec, uint64_t start, uint64_t end, bool *pad)
{
	const unsigned char *data = sec_data(sec);
	struct reloc **rs;
	size_t nr, i;

	*pad = false;
	if (sec_relocs_by_offset(sec, &rs, &nr))
		return -ENOMEM;
	i = reloc_lower_bound(rs, nr, start);
	if (i < nr && rs[i]->offset < end)
		return 0;
	for (i = start; i < end && !data[i]; i++)
		;
	if (i == end) {
		*pad = true;
		return 0;
	}
	return sec_is_text(sec) ? arch_is_fill(data + start, end - start, pad) : 0;
}

/* The gaps of @sec but padding, in *@out (the caller frees it). */
static int gaps_of(struct section *sec, struct gap **out, size_t *n)
{
	struct symbol **syms;
	size_t nr, i, max = 0;
	uint64_t at = 0;
	int ret;

	*out = NULL;
	*n = 0;
	if (sec_symbols_by_offset(sec, &syms, &nr))
		return -ENOMEM;
	for (i = 0; i <= nr; i++) {
		uint64_t start = sec->size, end = sec->size;
		bool pad;

		if (i < nr) {
			struct symbol *p = syms[i];

			if (p->deleted)
				continue;
			start = p->offset < sec->size ? p->offset : sec->size;
			end = p->size ? p->offset + p->size : label_checked(p) ? p->offset +
			      label_extent(p) : start;
			if (end > sec->size || end < start)
				end = sec->size;
		}
		if (start > at) {
			ret = gap_is_padding(sec, at, start, &pad);
			if (ret)
				return ret;
			if (!pad) {
				if (ARRAY_GROW(*out, max, *n + 1))
					return -ENOMEM;
				(*out)[(*n)++] = (struct gap){ at, start };
			}
		}
		if (end > at)
			at = end;
	}
	return 0;
}

/*
 * Who reads the gaps of @sec (of either object): relocations of code and
 * data pointing into them; from the changed or new, from the unchanged.
 */
static int gap_readers(struct section *sec, unsigned int *changed, unsigned int *same)
{
	struct section *base;

	for_each_section(sec->obj, base) {
		struct reloc **rs;
		size_t nr, i;

		if (!reader_section(base))
			continue;
		if (sec_relocs_by_offset(base, &rs, &nr))
			return -ENOMEM;
		for (i = 0; i < nr; i++) {
			struct symbol *user;
			struct target t;
			int ret = reloc_target(rs[i], &t);

			if (ret)
				return ret;
			if (t.sym || t.str || t.sec != sec)
				continue;
			user = func_parent(sec_find_symbol_containing(base, rs[i]->offset));
			if (!user)
				continue;	/* from a gap: compared with it */
			if (user->status == V_SAME)
				(*same)++;
			else
				(*changed)++;
		}
	}
	return 0;
}

/*
 * A section without symbols that only ORIG has: its readers changed or are
 * gone (accounted with them), or nothing in the object read it -- a table
 * the kernel walks, whose entries a live patch cannot remove.
 */
static int account_removed_anonymous(struct differ *d, struct section *o)
{
	unsigned int changed = 0, same = 0;
	struct section *by;
	int ret = gap_readers(o, &changed, &same);

	if (ret)
		return ret;
	if (same)
		return unaccounted(d, o, NULL, "removed contents that unchanged code reads");
	if (changed)
		return 0;
	ret = read_by_special(NULL, o, &by);
	if (ret || by)
		return ret;	/* a special entry's: it follows its function */
	return refuse_table(d, o, NULL, NULL);
}

static int account_gaps(struct differ *d, struct section *s)
{
	struct section *o = s->twin;
	struct gap *ga = NULL, *gb = NULL;
	size_t na, nb, i;
	unsigned int changed = 0, same = 0;
	const struct section *in = s;
	uint64_t start = 0, end = 0;
	const char *why = NULL;
	char *what;
	int ret;

	if (!o || s->sh.sh_type == SHT_NOBITS || o->sh.sh_type == SHT_NOBITS || judged_whole(s))
		return 0;
	ret = gaps_of(o, &ga, &na);
	ret = ret ?: gaps_of(s, &gb, &nb);
	if (!ret && (na || nb))
		pr_debug("%s: %zu gaps but padding (original: %zu)", s->name, nb, na);
	for (i = 0; !ret && i < na && i < nb; i++) {
		if (ga[i].end - ga[i].start != gb[i].end - gb[i].start)
			break;
		ret = compare_range(d, o, ga[i].start, s, gb[i].start, gb[i].end - gb[i].start,
				    &why);
		if (ret > 0)
			break;
	}
	if (ret < 0 || (i == na && i == nb))
		goto out;
	if (i < nb) {
		start = gb[i].start;
		end = gb[i].end;
	} else {
		in = o;
		start = ga[i].start;
		end = ga[i].end;
	}
	ret = gap_readers(o, &changed, &same);
	ret = ret ?: gap_readers(s, &changed, &same);
	if (ret || (changed && !same))
		goto out;		/* the readers carry it */
	if (sec_is_text(s) && !same) {
		char *at = mem_asprintf("%s+0x%llx", in->name, (unsigned long long)start);

		what = mem_asprintf("changed code outside any function (bytes 0x%llx..0x%llx of "
				    "the %s object)", (unsigned long long)start,
				    (unsigned long long)end, in == s ? "patched" : "original");
		ret = at && what ? refuse_named(d, in->name, at, what, "livepatch replaces whole "
						"functions, and this code belongs to none: give "
						"it a function symbol (SYM_FUNC_START/"
						"SYM_FUNC_END), or leave it unchanged") : -ENOMEM;
		free(at);
		free(what);
		goto out;
	}
	if (why && !strcmp(why, "code bytes"))
		why = "bytes";
	if (!same) {
		/*
		 * No function or object reads them: data no symbol names, as an
		 * assembly file writes it.  Whatever reads it does so where the
		 * differ cannot see (a linker script, __start_/__stop_ bounds, an
		 * offset from another label), so the change cannot be proven safe:
		 * refused, as changed code outside any function and contents
		 * behind a typeless label are.  The user can name it.
		 */
		char *at = mem_asprintf("%s+0x%llx", in->name, (unsigned long long)start);

		what = mem_asprintf("changed data that no symbol covers and nothing reads (bytes "
				    "0x%llx..0x%llx of the %s object differ: %s)",
				    (unsigned long long)start, (unsigned long long)end,
				    in == s ? "patched" : "original", why ? why : "a gap added or "
				    "removed");
		ret = at && what ? refuse_named(d, in->name, at, what, "hotpatch compares "
						"functions and objects and cannot tell what "
						"reads this: give the data a symbol with a "
						"type and size (.type/.size, or SYM_DATA_START/"
						"SYM_DATA_END), or leave it unchanged") : -ENOMEM;
		free(at);
		free(what);
		goto out;
	}
	/* compare judges a reader of a differing gap changed: one that is not is ours */
	what = mem_asprintf("bytes 0x%llx..0x%llx of the %s object that no symbol covers differ "
			    "(%s), and unchanged code or data reads them", (unsigned long long)start,
			    (unsigned long long)end, in == s ? "patched" : "original",
			    why ? why : "a gap added or removed");
	ret = what ? unaccounted(d, in, NULL, what) : -ENOMEM;
	free(what);
out:
	free(ga);
	free(gb);
	return ret;
}

/*
 * A module's module_init()/module_exit() are the aliases init_module and
 * cleanup_module (modpost points struct module at them); the loader reads
 * them when the module loads, so a live patch cannot add or remove one.
 * Where they point is compared with the functions (changed __init/__exit
 * code is refused by select).
 */
static int account_module_entries(struct differ *d)
{
	static const char *const entries[][2] = {
		{ "init_module", "module_init" },
		{ "cleanup_module", "module_exit" },
	};
	size_t i;

	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		struct symbol *o = obj_find_symbol_by_name(d->orig, entries[i][0]);
		struct symbol *p = obj_find_symbol_by_name(d->patched, entries[i][0]);
		bool in_o = o && o->sec, in_p = p && p->sec;
		int ret;

		if (in_o == in_p)
			continue;
		ret = refusef(d, in_p ? p->sec : o->sec, in_p ? p : o,
			      "the module loader takes a module's init and exit functions when it "
			      "loads the module, and the running module keeps its own: leave "
			      "module_init/module_exit as they are",
			      "%s %s (%s)", in_p ? "new" : "removed", entries[i][1], entries[i][0]);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * .modinfo holds "tag=value" strings ("modname.tag=value" in built-in
 * objects): MODULE_ALIAS, MODULE_SOFTDEP, MODULE_FIRMWARE, MODULE_LICENSE
 * ...  modprobe, depmod, initramfs tools and the module loader read them
 * from the module file, never from the running kernel, so a live patch
 * cannot add, drop or change one: a fix that needs one is refused, even
 * when it also changes code (the patch would lack that part).  Not
 * refused: the tags that only describe the module to people, and
 * import_ns (MODULE_IMPORT_NS): the patched code's references to a
 * namespace's exports are the patch module's, and hotpatch-mkmod imports
 * the namespaces they need.
 */
static const char *const modinfo_kept_tags[] = { "author", "description", "parm", "version",
						"import_ns" };

struct modinfo_str {
	const char *s;
	uint64_t off;
};

static int cmp_modinfo(const void *a, const void *b)
{
	return strcmp(((const struct modinfo_str *)a)->s, ((const struct modinfo_str *)b)->s);
}

/* The strings of @sec (NULL: none), sorted, in *@out (the caller frees it). */
static int modinfo_strings(struct differ *d, struct object *obj, struct section *sec,
			   struct modinfo_str **out, size_t *n)
{
	const unsigned char *data;
	uint64_t off;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!sec || !sec->size)
		return 0;
	data = sec_data(sec);
	if (!data)
		return -EINVAL;		/* elf/ said why */
	if (data[sec->size - 1]) {
		pr_err("%s: %s: .modinfo is not NUL-terminated: check the object was compiled "
		       "by kbuild", d->display, obj->path);
		return -EINVAL;
	}
	for (off = 0; off < sec->size; off += strlen((const char *)data + off) + 1)
		if (data[off])
			k++;
	if (!k)
		return 0;
	*out = mem_calloc(k, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (off = 0; off < sec->size; off += strlen((const char *)data + off) + 1)
		if (data[off])
			(*out)[(*n)++] = (struct modinfo_str){ (const char *)data + off, off };
	qsort(*out, *n, sizeof(**out), cmp_modinfo);
	return 0;
}

/* The tag of "tag=value" or "modname.tag=value" is one a live patch need not change. */
static bool modinfo_kept(const char *s)
{
	const char *eq = strchr(s, '=');
	const char *tag = s;
	size_t len, i;

	if (!eq)
		return false;
	for (i = 0; s + i < eq; i++)
		if (s[i] == '.')
			tag = s + i + 1;
	len = (size_t)(eq - tag);
	for (i = 0; i < sizeof(modinfo_kept_tags) / sizeof(modinfo_kept_tags[0]); i++)
		if (strlen(modinfo_kept_tags[i]) == len && !strncmp(tag, modinfo_kept_tags[i], len))
			return true;
	return false;
}

static int refuse_modinfo(struct differ *d, struct section *sec, const struct modinfo_str *m,
			  const char *what)
{
	if (modinfo_kept(m->s))
		return 0;
	return refusef(d, sec, sec_find_symbol_containing(sec, m->off),
		       "modprobe, depmod and the module loader read .modinfo from the module file, "
		       "never from the running kernel: a live patch cannot add, drop or change "
		       "MODULE_ALIAS, MODULE_SOFTDEP, MODULE_FIRMWARE or MODULE_LICENSE; ship "
		       "that part in the updated package (it takes effect when the module is "
		       "next loaded) and leave it out of the live patch",
		       "%s .modinfo entry \"%s\"", what, m->s);
}

static int account_modinfo(struct differ *d)
{
	struct section *os = obj_find_section_by_name(d->orig, ".modinfo");
	struct section *ps = obj_find_section_by_name(d->patched, ".modinfo");
	struct modinfo_str *a = NULL, *b = NULL;
	size_t na, nb, i = 0, k = 0;
	int ret;

	ret = modinfo_strings(d, d->orig, os, &a, &na);
	ret = ret ?: modinfo_strings(d, d->patched, ps, &b, &nb);
	while (!ret && (i < na || k < nb)) {
		int c = i == na ? 1 : k == nb ? -1 : strcmp(a[i].s, b[k].s);

		if (c < 0)
			ret = refuse_modinfo(d, os, &a[i++], "removed");
		else if (c > 0)
			ret = refuse_modinfo(d, ps, &b[k++], "new");
		else {
			i++;
			k++;
		}
	}
	free(a);
	free(b);
	return ret;
}

/*
 * .BTF_ids: BTF_ID_LIST, BTF_SET and BTF_SET8 entries are zeros (and 6.x
 * kfunc flags) that resolve_btfids fills with BTF IDs when vmlinux or the
 * module is linked; the kernel reads the running image's lists.  A live
 * patch cannot add, drop or reorder an entry, or change its flags.  Entry
 * symbols are __BTF_ID__<kind>__<name>__<__COUNTER__><__LINE__>: compared
 * without the number, which moves with the lines above them.
 */
static const char btf_hint[] = "resolve_btfids fills BTF ID lists and sets when vmlinux or the "
			       "module is linked, and the kernel reads the running image's: a "
			       "live patch cannot add, drop or reorder an entry or change its "
			       "flags; leave the BTF_ID lists unchanged (the updated package "
			       "brings them)";

/* The length of @name without a trailing "__<digits>". */
static size_t btf_id_len(const char *name)
{
	size_t n = strlen(name), k = n;

	while (k && name[k - 1] >= '0' && name[k - 1] <= '9')
		k--;
	if (k < n && k >= 2 && name[k - 1] == '_' && name[k - 2] == '_')
		return k - 2;
	return n;
}

static int cmp_sym_offset(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol *const *)a, *y = *(struct symbol *const *)b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The __BTF_ID__ symbols of @sec in offset order, in *@out (the caller frees it). */
static int btf_ids(struct object *obj, struct section *sec, struct symbol ***out, size_t *n)
{
	struct symbol *sym;
	size_t max = 0;

	*out = NULL;
	*n = 0;
	if (!sec)
		return 0;
	for_each_symbol(obj, sym) {
		if (sym->sec != sec || strncmp(sym->name, "__BTF_ID__", 10))
			continue;
		if (ARRAY_GROW(*out, max, *n + 1))
			return -ENOMEM;
		(*out)[(*n)++] = sym;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_sym_offset);
	return 0;
}

static bool same_btf_id(const struct symbol *a, const struct symbol *b)
{
	size_t la = btf_id_len(a->name);

	return la == btf_id_len(b->name) && !strncmp(a->name, b->name, la);
}

/* The first of @v[@n] that no entry of @w[@m] names, or NULL. */
static struct symbol *btf_id_missing(struct symbol **v, size_t n, struct symbol **w, size_t m)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < m && !same_btf_id(v[i], w[k]); k++)
			;
		if (k == m)
			return v[i];
	}
	return NULL;
}

static int refuse_btf_id(struct differ *d, const struct symbol *sym, const char *what)
{
	return refusef(d, sym->sec, sym, btf_hint, "%s BTF ID %.*s (.BTF_ids)", what,
		       (int)btf_id_len(sym->name), sym->name);
}

static int account_btf_ids(struct differ *d)
{
	struct section *os = obj_find_section_by_name(d->orig, ".BTF_ids");
	struct section *ps = obj_find_section_by_name(d->patched, ".BTF_ids");
	struct symbol **a = NULL, **b = NULL, *sym;
	size_t na, nb, i;
	int ret;

	ret = btf_ids(d->orig, os, &a, &na);
	ret = ret ?: btf_ids(d->patched, ps, &b, &nb);
	if (ret)
		goto out;
	if ((sym = btf_id_missing(b, nb, a, na)))
		ret = refuse_btf_id(d, sym, "new");
	else if ((sym = btf_id_missing(a, na, b, nb)))
		ret = refuse_btf_id(d, sym, "removed");
	else if (os && ps) {
		const unsigned char *da = sec_data(os), *db = sec_data(ps);
		uint64_t off;

		for (i = 0; i < na && i < nb; i++)
			if (!same_btf_id(a[i], b[i]) || a[i]->offset != b[i]->offset)
				break;
		if (i < na && i < nb) {
			ret = refuse_btf_id(d, b[i], "reordered");
			goto out;
		}
		if (!da || !db) {
			ret = -EINVAL;		/* elf/ said why */
			goto out;
		}
		if (os->size != ps->size) {
			ret = nb ? refuse_btf_id(d, b[nb - 1], "changed") : 0;
			goto out;
		}
		for (off = 0; off < ps->size && da[off] == db[off]; off++)
			;
		for (i = nb; off < ps->size && i && b[i - 1]->offset > off; i--)
			;
		if (off < ps->size && i)
			ret = refuse_btf_id(d, b[i - 1], "changed flags of the");
	}
out:
	free(a);
	free(b);
	return ret;
}

int account(struct differ *d)
{
	struct section *s;
	struct symbol *p;
	int ret;

	if (d->refusals.head)
		return 0;
	ret = account_modinfo(d);
	ret = ret ?: account_module_entries(d);
	ret = ret ?: account_load_tables(d);
	ret = ret ?: account_labels(d);
	ret = ret ?: account_btf_ids(d);
	ret = ret ?: special_account(d);
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
		if (!compared_here(s))
			continue;
		ret = sec_has_symbols(s) ? account_gaps(d, s) : account_anonymous(d, s);
		if (ret)
			return ret;
	}
	ret = account_removed_entries(d);
	if (ret)
		return ret;
	for_each_section(d->orig, s) {
		if (!compared_here(s) || s->twin || !s->size || sec_has_symbols(s))
			continue;
		ret = account_removed_anonymous(d, s);
		if (ret)
			return ret;
	}
	return 0;
}
