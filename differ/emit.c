// SPDX-License-Identifier: GPL-2.0
/*
 * emit: the output object and the JSON account of every decision.
 *
 * The output is an ET_REL object holding the selected sections of
 * PATCHED (changed and new functions, copied data, strings, anonymous
 * constants), their symbols, one GLOBAL alias <prefix><name> per changed
 * function, the special-section entries of what is included, and their
 * relocations with every target mapped:
 *   - into an included section: its section symbol (offsets kept);
 *   - to an included symbol: its copy;
 *   - elsewhere: an undefined symbol from klp.c (exported name, or
 *     .klp.sym.<obj>.<name>,<sympos>), the addend rebased from section
 *     symbol to the real symbol.
 * Nothing is written when a refusal was recorded.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "differ.h"
#include "log.h"

static bool sym_is_label(const struct symbol *s)
{
	return s->type == STT_SECTION || (s->type == STT_NOTYPE && s->bind == STB_LOCAL && s->sec);
}

static int take_section(struct differ *d, struct section *sec);

/* The output symbol and addend for a reference to @tsym (+*addend from it). */
static int map_symbol(struct differ *d, struct symbol *tsym, struct symbol **os,
		      int64_t *addend)
{
	if (tsym->sec && DS(tsym->sec)->out) {
		*os = obj_get_section_symbol(d->out, DS(tsym->sec)->out);
		*addend = (int64_t)((uint64_t)*addend + tsym->offset);	/* wraps, no UB */
	} else {
		*os = klp_external(d, tsym);
	}
	return *os ? 0 : -ENOMEM;
}

int emit_reloc(struct differ *d, struct section *outsec, uint64_t outoff, struct reloc *r)
{
	struct symbol *s = r->sym, *os = NULL;
	int64_t addend = r->addend;
	struct target t;
	int ret;

	if (s->sec && sym_is_label(s) && DS(s->sec)->out) {
		/* into an included section: same place, its section symbol */
		os = obj_get_section_symbol(d->out, DS(s->sec)->out);
		addend = (int64_t)(s->offset + (uint64_t)r->addend);
		goto add;
	}
	if (!sym_is_label(s)) {
		ret = map_symbol(d, s, &os, &addend);
		if (ret)
			return ret;
		goto add;
	}
	ret = reloc_target(r, &t);
	if (ret)
		return ret;
	if (t.sym) {
		/* section symbol + addend -> the real symbol + rebased addend */
		addend = (int64_t)(s->offset + (uint64_t)r->addend - t.sym->offset);
		ret = map_symbol(d, t.sym, &os, &addend);
		if (ret)
			return ret;
		goto add;
	}
	if (t.sec && !special_section_name(t.sec->name) &&
	    !(sec_is_text(t.sec) && DS(t.sec)->nr_syms)) {
		/* a string or anonymous constant reached only from special entries */
		ret = take_section(d, t.sec);
		if (ret)
			return ret;
		os = obj_get_section_symbol(d->out, DS(t.sec)->out);
		addend = (int64_t)(s->offset + (uint64_t)r->addend);
		goto add;
	}
	pr_err("%s: %s+0x%lx: relocation into %s+0x%lx, which is neither included nor a symbol "
	       "the kernel knows; rebuild with -ffunction-sections -fdata-sections", d->display,
	       r->sec->base->name, (unsigned long)r->offset, t.sec ? t.sec->name : "?",
	       (long)t.off);
	return -EINVAL;
add:
	if (!os)
		return -ENOMEM;
	if (!obj_add_reloc(d->out, outsec, outoff, os, r->type, addend)) {
		pr_err("%s: %s: cannot add a relocation to the output", d->display, outsec->name);
		return -ENOMEM;
	}
	return 0;
}

static struct section *copy_section(struct differ *d, struct section *sec)
{
	struct section *out;

	out = obj_create_section(d->out, sec->name, sec->sh.sh_type,
				 sec->sh.sh_flags & ~(uint64_t)SHF_GROUP,
				 sec->sh.sh_entsize, sec->sh.sh_addralign,
				 sec->sh.sh_type == SHT_NOBITS ? NULL : sec_data(sec),
				 sec->size);
	if (!out)
		pr_err("%s: %s: cannot create the output section", d->display, sec->name);
	DS(sec)->out = out;
	return out;
}

static int take_section(struct differ *d, struct section *sec)
{
	struct reloc *r;
	int ret;

	if (DS(sec)->out)
		return 0;
	if (!copy_section(d, sec))
		return -ENOMEM;
	if (!sec->rela)
		return 0;
	for_each_reloc(sec->rela, r) {
		ret = emit_reloc(d, DS(sec)->out, r->offset, r);
		if (ret)
			return ret;
	}
	return 0;
}

static int copy_sections(struct differ *d)
{
	struct section *sec;

	for_each_section(d->patched, sec) {
		if (DS(sec)->include && !sec_is_rela(sec) && !copy_section(d, sec))
			return -ENOMEM;
	}
	return 0;
}

static int copy_symbols(struct differ *d)
{
	struct symbol *p;
	int ret;

	for_each_symbol(d->patched, p) {
		struct symbol *out;
		struct fact *f;

		if (!D(p)->include || !p->sec)
			continue;
		out = obj_create_symbol(d->out, p->name, p->type, p->bind,
					DS(p->sec)->out, p->offset, p->size);
		if (!out)
			return -ENOMEM;
		D(p)->out = out;
		if (sym_is_func(p) && D(p)->parent)
			continue;
		if (D(p)->include == INC_PATCH) {
			char *alias = xasprintf("%s%s", d->alias_prefix, p->name);
			char *c;

			/* The module source names the alias in C: "do_sysinfo.isra.0" cannot be. */
			for (c = alias; *c; c++)
				if (!isalnum((unsigned char)*c) && *c != '_')
					*c = '_';

			f = fact_new(p->twin ? p->twin->name : p->name);
			f->verdict = xstrdup("changed");
			f->reason = xstrdup(D(p)->reason ? D(p)->reason : "code bytes");
			f->alias = alias;
			f->cu = d->cu ? xstrdup(d->cu) : NULL;
			f->out = out;
			ret = klp_func_sympos(d, p, f);
			fact_add(&d->functions, f);
			if (ret)
				return ret;
			if (!d->kpatch &&
			    !obj_create_symbol(d->out, alias, STT_FUNC, STB_GLOBAL, out->sec,
					       p->offset, p->size))
				return -ENOMEM;
		} else if (D(p)->include == INC_NEW && sym_is_func(p)) {
			f = fact_new(p->name);
			f->reason = xstrdup("new");
			fact_add(&d->new_functions, f);
		} else if (sym_is_data(p) && (D(p)->include == INC_NEW || p->status == V_CHANGED)) {
			f = fact_new(p->name);
			f->verdict = xstrdup(p->status == V_NEW ? "new" : "changed constant");
			fact_add(&d->data, f);
		}
	}
	return 0;
}

static int copy_relocs(struct differ *d)
{
	struct section *sec;
	int ret;

	for_each_section(d->patched, sec) {
		struct reloc *r;

		if (!DS(sec)->include || sec_is_rela(sec) || !sec->rela)
			continue;
		for_each_reloc(sec->rela, r) {
			ret = emit_reloc(d, DS(sec)->out, r->offset, r);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int emit_object(struct differ *d)
{
	int ret;

	d->out = obj_new(d->out_path);
	if (!d->out) {
		pr_err("%s: cannot create the output object", d->out_path);
		return -ENOMEM;
	}
	ret = copy_sections(d);
	if (!ret)
		ret = copy_symbols(d);
	if (!ret)
		ret = copy_relocs(d);
	if (!ret)
		ret = special_emit(d);
	if (!ret && d->kpatch && !d->refusals.head)
		ret = kpatch_emit(d);
	return ret;
}

/* ---- JSON ---- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_field(FILE *f, bool *first, const char *key, const char *val)
{
	if (!val)
		return;
	fprintf(f, "%s", *first ? "" : ", ");
	*first = false;
	json_str(f, key);
	fputs(": ", f);
	json_str(f, val);
}

static void json_list(FILE *f, const char *key, struct fact *head, bool with_pos)
{
	struct fact *x;

	fprintf(f, ",\n  ");
	json_str(f, key);
	fputs(": [", f);
	for (x = head; x; x = x->next) {
		bool first = true;

		fprintf(f, "%s\n    { ", x == head ? "" : ",");
		json_field(f, &first, "name", x->name);
		json_field(f, &first, "verdict", x->verdict);
		json_field(f, &first, "reason", x->reason);
		json_field(f, &first, "section", x->section);
		json_field(f, &first, "object", x->object);
		if (with_pos)
			fprintf(f, ", \"sympos\": %d", x->sympos);
		json_field(f, &first, "alias", x->alias);
		json_field(f, &first, "cu", x->cu);
		json_field(f, &first, "symbol", x->symbol);
		json_field(f, &first, "hint", x->hint);
		fputs(" }", f);
	}
	fputs(head ? "\n  ]" : "]", f);
}

int emit_json(struct differ *d, const char *path, const char *verdict)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int ret = 0;

	if (!f) {
		ret = -errno;
		pr_err("%s: cannot write the facts: %s", path, strerror(errno));
		free(tmp);
		return ret;
	}
	fputs("{ \"object\": ", f);
	json_str(f, d->display);
	fputs(", \"target\": ", f);
	json_str(f, d->objname);
	fputs(", \"verdict\": ", f);
	json_str(f, verdict);
	json_list(f, "functions", d->functions.head, true);
	json_list(f, "new_functions", d->new_functions.head, false);
	json_list(f, "data", d->data.head, false);
	json_list(f, "refusals", d->refusals.head, false);
	json_list(f, "klp_symbols", d->klp_symbols.head, true);
	fputs("\n}\n", f);
	if (fclose(f) || rename(tmp, path)) {
		ret = -errno;
		pr_err("%s: cannot write the facts: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return ret;
}
