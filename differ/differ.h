/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hotpatch-diff internals: the state the passes share.
 *
 *   correlate  pair sections and symbols of ORIG and PATCHED (sym->twin)
 *   normalize  turn every relocation into a canonical target (symbol+offset,
 *              string content, anonymous section+offset)
 *   compare    per-symbol verdict (sym->status) with a reason
 *   select     what the output carries, what is refused
 *   account    every difference in an allocated section has a verdict, or an error
 *   special    the special-section table: compare entries, keep those of
 *              included functions (struct special_out, data for emit)
 *   resolve    every remaining decision: each output relocation's target
 *              (struct out_ref), klp symbols and sympos (klp.c), facts,
 *              static-key checks and the refusals they raise
 *   emit       writes what resolve decided: the output object, the JSON
 *   kpatch     --kpatch-compat: klp references as kpatch dynrelas, .kpatch.* tables
 *
 * Per-symbol pass data lives in sym->priv (struct dsym), per-section data
 * in sec->priv (struct dsec); both are allocated once by differ_attach().
 */
#ifndef HOTPATCH_DIFFER_H
#define HOTPATCH_DIFFER_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "mem.h"
#include "object.h"

struct lookup;
struct special_geom;
struct special_state;
struct symidx;

/* sym->status / sec->status */
enum verdict {
	V_UNKNOWN = 0,
	V_SAME,
	V_CHANGED,
	V_NEW,
};

/* Why a symbol was included in the output. */
enum incl {
	INC_NO = 0,
	INC_PATCH,		/* changed function: patched through klp_func */
	INC_NEW,		/* new function or data */
	INC_NEEDED,		/* needed by included code (special static, strings ...) */
};

struct dsym {
	const char *reason;		/* of the verdict (static string or strdup'd) */
	char *reason_buf;
	struct symbol **users;		/* patched/orig functions referencing a local object */
	unsigned int nr_users;
	size_t max_users;
	enum incl include;
	bool special_static;		/* always-safe static (__key, __warned, CSWTCH ...) */
	bool value_static;		/* a special static whose contents the code reads as
					 * values (CSWTCH, compound literals, _rs): changed
					 * contents change its readers */
	bool refused;			/* a refusal names it */
	struct symbol *out;		/* the symbol standing for it in the output */
	char *ext;			/* resolve: the undefined name the output uses for it */
	uint64_t out_off;		/* resolve: its offset in a picked section's copy */
	struct fact *fact;		/* resolve: its "functions" fact (alias) */
	bool has_fentry;
	bool line_only;			/* differs only in __LINE__ values */
	unsigned int mark;		/* scratch for correlate */
	struct line_pair *maybe_lines;	/* immediates that may be __LINE__ values */
	unsigned int nr_maybe_lines;
	size_t max_maybe_lines;
	unsigned int nr_refs;		/* select: references from code and data of the object */
};

struct dsec {
	/* keep in step with differ_detach() */
	struct section *out;		/* copy in the output object */
	bool include;
	bool late;			/* resolve: carried because an entry or copy reaches it */
	bool picked;			/* resolve: only its included symbols are carried */
	uint64_t out_size;		/* resolve: the size of a picked section's copy */
	bool anon_checked;
	bool anon_same;
	bool piece_busy;		/* normalize: a piece of it is being compared */
	bool ref_changed;		/* select: referenced from changed or new code or data */
	unsigned int nr_refs;		/* select: references into it (anonymous contents) */
	struct arch_insns insns;	/* text: instruction starts (arch) */
};

/* A line number in ORIG and in PATCHED. */
struct line_pair {
	uint32_t a, b;
};

/* A canonical relocation target. */
struct target {
	struct symbol *sym;		/* non-section symbol, or NULL */
	struct section *sec;		/* section the target lies in (NULL: undefined) */
	int64_t off;			/* from sym (or from sec when sym == NULL) */
	const char *str;		/* string literal when sec is SHF_STRINGS */
};

/*
 * How emit writes one PATCHED relocation (reloc->priv, set by resolve):
 * against the output copy of @sec (its section symbol), or against @sym
 * (its copy, or the undefined D(sym)->ext); plus the new addend.
 */
struct out_ref {
	struct section *sec;
	struct symbol *sym;
	int64_t addend;
	struct symbol *anchor;		/* picked section: addend is from this symbol's start */
	uint64_t at;			/* picked section: where the relocation itself goes */
};

/* One relocation of a kept special-section entry. */
struct special_rel {
	uint64_t off;			/* in the section it belongs to */
	struct reloc *src;		/* PATCHED relocation, written as resolve decided */
	bool in_repl;			/* belongs to the replacement section */
	bool to_repl;			/* instead: against the replacement section + addend */
	bool key;			/* a static key / static call key field */
	int64_t addend;			/* to_repl only */
	size_t entry;			/* the kept entry it belongs to */
};

/* The kept entries of one special section (special_keep): what emit writes. */
struct special_out {
	struct special_out *next;
	struct section *sec, *group, *repl;	/* of PATCHED: name and flags */
	unsigned int entsize, group_entsize;	/* of one entry of sec, of group */
	size_t nr_entries;
	unsigned char *data, *gdata, *rdata;
	size_t size, gsize, rsize;
	size_t cap, gcap, rcap;			/* allocated bytes of data, gdata, rdata */
	struct special_rel *rels;
	size_t nr_rels, max_rels;
};

struct fact {
	struct fact *next;
	char *name;
	char *verdict;
	char *reason;
	char *section;
	char *hint;
	char *object;
	char *cu;
	char *alias;
	char *symbol;
	int sympos;
	/* for the kpatch front end's .kpatch.* sections */
	struct symbol *out;		/* its symbol in the output object */
	uint64_t addr, size;		/* in the target's symbol table (symtab lookup) */
	unsigned char bind, type;	/* klp symbols: of the symbol referenced */
};

struct fact_list {
	struct fact *head, **tail;
};

struct differ {
	struct object *orig, *patched, *out;
	const char *orig_path, *patched_path, *out_path;
	const char *objname;		/* "vmlinux" or module name */
	const char *display;		/* object name used in messages and JSON */
	char *alias_prefix;
	const char *cu;			/* source file of this object, tree-relative */
	const char *orig_layouts;	/* pahole -a of each object: layouts.c */
	const char *patched_layouts;
	char **patch_globals;		/* new globals other objects of the patch define, sorted */
	size_t nr_patch_globals;
	char **patch_refs;		/* new globals objects of the patch refer to, sorted */
	size_t nr_patch_refs;
	char **made_global;		/* statics another object of the patch makes global, sorted */
	size_t nr_made_global;
	struct lookup *lookup;
	bool kpatch;
	bool strict_data;		/* reloc to changed constant data differs */
	bool entries_built;		/* normalize: entries of anonymous code indexed */
	/* normalize: where other sections jump into each anonymous code section */
	struct anon_entries {
		struct section *sec;
		uint64_t *off;		/* sorted, unique */
		size_t nr, max;
	} *anon_entries;
	size_t nr_anon_entries, max_anon_entries;
	/* select: what points into / out of each changed constant (few) */
	struct const_use {
		struct symbol *sym;
		struct symbol *func_ptr;	/* a function it points to */
		const char *addr_user;		/* who takes or stores its address */
	} *const_uses;
	size_t nr_const_uses, max_const_uses;

	struct special_state *sp_orig, *sp_patched;
	struct special_geom *sp_geom;		/* the target's entry layouts */
	struct special_out *special_out;	/* kept entries, in table order */

	/* certain __LINE__ moves (bug table entries, line helpers), sorted by .a at the end */
	struct line_pair *lines;
	size_t nr_lines, max_lines;

	unsigned int nr_changed, nr_new, nr_new_data;
	int err;			/* the failing step's -errno; also set by yes/no
					 * helpers (targets_equal) that run out of memory */
	struct fact_list functions, new_functions, data, refusals, klp_symbols;
	struct fact_list tracepoints_off;	/* module tracepoints left off (resolve) */
	struct fact_list unused_new;	/* new code and data nothing in the patch reaches (select) */
};

/* run.c: the pipeline, shared by main.c and fuzz/fuzz-diff.c */
/* hotpatch-diff's exit codes (kpatch's create-diff-object uses the same). */
enum { EXIT_WRITTEN = 0, EXIT_ERROR = 1, EXIT_REFUSED = 2, EXIT_NOCHANGE = 3 };
/*
 * Open d->orig_path and d->patched_path and attach the differ's data: 0 or
 * -1 (d->err: -ENOMEM, or 0 when elf/ reported why it could not open one).
 */
int differ_open(struct differ *d);
/*
 * The passes, then d->out written to d->out_path: one of the EXIT_* codes;
 * on EXIT_ERROR, d->err is the failing pass's -errno (-ENOMEM: reported by
 * the caller, the other errors by the pass).
 */
int differ_run(struct differ *d);
/* Free what differ_open and the passes allocated (not d->lookup). */
void differ_free(struct differ *d);

/*
 * state.c: pass data, facts, refusals.
 *
 * Every allocation of the differ goes through lib's mem_*() or ARRAY_GROW: on
 * failure NULL (or -ENOMEM), and the caller returns -ENOMEM up through its
 * pass; differ_run() keeps it in d->err and main reports it once.
 */
static inline struct dsym *D(const struct symbol *sym) { return sym->priv; }
static inline struct dsec *DS(const struct section *sec) { return sec->priv; }
int differ_attach(struct object *obj);
void differ_detach(struct object *obj);
/* A file of names, one a line (--new-globals, --patch-refs), sorted into *@names. */
int read_names(const char *path, const char *what, char ***names, size_t *nr);
void free_names(char ***names, size_t *nr);
bool names_has(char *const *names, size_t nr, const char *name);
struct symbol *func_parent(struct symbol *sym);
int set_reason(struct symbol *sym, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fact_add(struct fact_list *list, struct fact *f);
/* A fact named @name, or NULL (out of memory). */
struct fact *fact_new(const char *name);
void fact_free(struct fact *f);
void facts_free(struct differ *d);
/*
 * Refusals: 0, or -ENOMEM (nothing recorded).  Relocations of a section by
 * offset come from elf/'s sec_relocs_by_offset() (kept current: the differ
 * never adds or deletes relocations of ORIG or PATCHED); never freed here.
 */
/* a refusal that names no section or symbol of the objects (a type, an export) */
int refuse_named(struct differ *d, const char *section, const char *symbol,
		 const char *reason, const char *hint);
int refuse(struct differ *d, const struct section *sec, const struct symbol *sym,
	   const char *reason, const char *hint);
/* refuse() with the reason formatted */
int refusef(struct differ *d, const struct section *sec, const struct symbol *sym,
	    const char *hint, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* correlate.c */
int correlate(struct differ *d);

/* normalize.c */
int reloc_target(struct reloc *r, struct target *t);
bool targets_equal(struct differ *d, const struct target *a, const struct target *b);
int compare_range(struct differ *d, struct section *a, uint64_t aoff,
		  struct section *b, uint64_t boff, uint64_t size, const char **why);
void normalize_names(struct differ *d);

/* compare.c */
int compare(struct differ *d);

/* special.c */
/*
 * Compare the entries owned by @a (orig) and @b (patched); 0 same, 1 differ,
 * -errno when an entry cannot be compared (reported here, but -ENOMEM).
 */
int special_compare_func(struct differ *d, struct symbol *a, struct symbol *b,
			 const char **why);
int special_index(struct differ *d);
/* entries of code outside any function: refused when they differ */
int special_account(struct differ *d);
/* d->special_out: the entries of included functions, their relocations and replacements. */
int special_keep(struct differ *d);
bool special_section_name(const char *name);
/*
 * An allocated section whose relocations are the reads of code and data: not
 * a relocation section, not a special one (its entries are the table's).
 */
bool reader_section(const struct section *sec);
/* A section of self-contained records, carried record by record (__dyndbg descriptors). */
bool special_section_picked(const char *name);
/* Remove the kept entries marked in @drop (nr_entries flags) from @so. */
int special_drop(struct special_out *so, const bool *drop);
void special_free(struct differ *d);

/* select.c */
int select_symbols(struct differ *d);
struct symbol *module_entry_alias_of(struct symbol *p);

/* account.c: every difference between the objects has a verdict, or an error */
int account(struct differ *d);

/* layouts.c: a structure whose layout the patch changes is refused */
int check_layouts(struct differ *d);

/* resolve.c */
/* After select: every decision emit needs (out_ref, ext names, facts), every refusal. */
int resolve(struct differ *d);
void resolve_free(struct differ *d);

/* klp.c */
/* Decide D(psym)->ext for a symbol the output does not carry; refuses what cannot be settled. */
int klp_resolve(struct differ *d, struct symbol *psym);
int klp_func_sympos(struct differ *d, struct symbol *p, struct fact *f);
/* --new-globals FILE: the new global names the patch's other objects define. */
int klp_read_patch_globals(struct differ *d, const char *path);
void klp_free_patch_globals(struct differ *d);
/* Whether @psym, not carried, lives in a module (this one or another), not in vmlinux. */
bool klp_in_module(struct differ *d, struct symbol *psym);

/* target-symbols.c: the target's symbols (index or kpatch symtab) */
struct lookup_result {
	const char *object;	/* object defining it ("vmlinux", module) */
	const char *cu;
	unsigned int sympos;
	bool exported;
	unsigned char type;	/* STT_FUNC, STT_OBJECT ... */
	uint64_t addr, size;	/* symtab backend: value and size in the parent */
};
/*
 * The target's symbols: the symbol index, or (kpatch front end) the parent
 * object's `readelf -s --wide` text plus a Module.symvers.  @cu is this
 * object's tree-relative source file ("" unknown), @file_sym its STT_FILE
 * name; both settle locals whose name is not unique in the target.
 */
struct lookup *lookup_index_open(const char *path, const char *objname, const char *cu,
				 const char *file_sym);
struct lookup *lookup_symtab_open(const char *symtab, const char *symvers,
				  const char *objname, const char *file_sym);
void lookup_close(struct lookup *l);
/* A local of this object in the target.  0 found, -ENOENT absent, -ENOTUNIQ ambiguous. */
int lookup_local_only(struct lookup *l, const char *name, struct lookup_result *res);
int lookup_local(struct lookup *l, const char *name, struct lookup_result *res);
/* A global: in this object, vmlinux, or a single other module. */
int lookup_global(struct lookup *l, const char *name, struct lookup_result *res);
/* The object exporting @name, or NULL. */
const char *lookup_exporter(struct lookup *l, const char *name);
/*
 * The target's layout of struct @type (@member NULL: its size) from the
 * index.  -ENODATA without an index (symtab backend), -ENOENT when absent.
 */
int lookup_layout(struct lookup *l, const char *type, const char *member, uint64_t *off,
		  uint64_t *size);

/* emit.c */
/* d->out from the decisions of select and resolve; decides and refuses nothing. */
int emit_object(struct differ *d);
int emit_json(struct differ *d, const char *path, const char *verdict);

/* kpatch.c */
/*
 * --kpatch-compat: turn the output's klp references into kpatch dynrelas
 * and add .kpatch.funcs/.relocations/.symbols/.strings (+ .kpatch.arch),
 * what kpatch's create-klp-module reads.
 */
int kpatch_emit(struct differ *d);

/* lines.c */
/*
 * The code of @a and @b (same size, same relocations) differs in bytes.
 * LINES_NO: some difference is not a __LINE__ immediate; LINES_CERTAIN:
 * every difference is an immediate passed with a line-taking helper (each
 * recorded as a certain line move); LINES_MAYBE: the rest are mov
 * immediates that look like lines, kept in D(b)->maybe_lines for
 * compare to check against the certain moves around them.  Or -ENOMEM.
 */
enum line_result { LINES_NO, LINES_CERTAIN, LINES_MAYBE };
int line_only_diff(struct differ *d, struct symbol *a, struct symbol *b);
int line_pair_add(struct differ *d, uint32_t a, uint32_t b);

/* line-helpers.c */
bool is_line_helper(const char *name);

#endif
