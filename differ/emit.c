// SPDX-License-Identifier: GPL-2.0
/*
 * emit: the output object and the JSON account, written from decisions
 * already taken (select: what is included; special_keep: which entries;
 * resolve: where each relocation points, the klp names, the facts).
 *
 * The output is an ET_REL object holding the selected sections of
 * PATCHED (changed and new functions, copied data, strings, anonymous
 * constants), their symbols, one GLOBAL alias <prefix><name> per changed
 * function, the kept special-section entries, and their relocations:
 *   - into a carried section: its section symbol (offsets kept);
 *   - elsewhere: the undefined symbol resolve named (exported name, or
 *     .klp.sym.<obj>.<name>,<sympos>).
 * Sections and symbols are created on first use, so the output's order
 * is the order of the walk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "differ.h"
#include "fileio.h"
#include "log.h"

static int take_section(struct differ *d, struct section *sec);

static struct symbol *undefined(struct differ *d, const char *name, unsigned char type)
{
	struct symbol *s = obj_find_symbol_by_name(d->out, name);

	if (s && !s->sec)
		return s;
	return obj_create_symbol(d->out, name, type == STT_SECTION ? STT_NOTYPE : type,
				 STB_GLOBAL, NULL, 0, 0);
}

/* Write PATCHED relocation @r at @outsec+@outoff as resolve decided. */
static int emit_reloc(struct differ *d, struct section *outsec, uint64_t outoff, struct reloc *r)
{
	struct out_ref *ref = r->priv;
	struct symbol *os;
	int64_t addend;
	int ret;

	if (!ref || (!ref->sec && (!ref->sym || (!D(ref->sym)->ext && !D(ref->sym)->out)))) {
		pr_err("%s: %s+0x%lx: no decision for this relocation", d->display,
		       r->sec->base->name, (unsigned long)r->offset);
		return -EINVAL;
	}
	addend = ref->addend;
	if (ref->sec) {
		if (!DS(ref->sec)->out) {
			ret = take_section(d, ref->sec);
			if (ret)
				return ret;
		}
		os = obj_get_section_symbol(d->out, DS(ref->sec)->out);
		if (ref->anchor)
			addend = (int64_t)(D(ref->anchor)->out_off + (uint64_t)ref->addend);
	} else if (D(ref->sym)->out) {
		os = D(ref->sym)->out;
	} else {
		os = undefined(d, D(ref->sym)->ext, ref->sym->type);
		D(ref->sym)->out = os;
	}
	if (!os)
		return -ENOMEM;
	/* out of memory, or elf/ said what is wrong */
	return obj_add_reloc(d->out, outsec, outoff, os, r->type, addend) ? 0 : -errno;
}

/* The records resolve picked, at the offsets it gave them. */
static struct section *copy_picked(struct differ *d, struct section *sec)
{
	unsigned char *data = sec_data(sec), *buf;
	struct section *out;
	size_t i;

	buf = mem_calloc(1, DS(sec)->out_size);
	if (!buf || !data) {
		free(buf);
		return NULL;
	}
	for (i = 0; i < sec->nr_sym_by_off; i++) {
		struct symbol *s = sec->sym_by_off[i];

		if (D(s)->include && sym_is_data(s))
			memcpy(buf + D(s)->out_off, data + s->offset, s->size);
	}
	out = obj_create_section(d->out, sec->name, sec->sh.sh_type,
				 sec->sh.sh_flags & ~(uint64_t)SHF_GROUP, sec->sh.sh_entsize,
				 sec->sh.sh_addralign, buf, DS(sec)->out_size);
	free(buf);
	DS(sec)->out = out;
	return out;
}

static struct section *copy_section(struct differ *d, struct section *sec)
{
	struct section *out;

	if (DS(sec)->picked)
		return copy_picked(d, sec);
	out = obj_create_section(d->out, sec->name, sec->sh.sh_type,
				 sec->sh.sh_flags & ~(uint64_t)SHF_GROUP,
				 sec->sh.sh_entsize, sec->sh.sh_addralign,
				 sec->sh.sh_type == SHT_NOBITS ? NULL : sec_data(sec),
				 sec->size);
	DS(sec)->out = out;
	return out;
}

/* A section resolve carried late: copied when first referenced. */
static int take_section(struct differ *d, struct section *sec)
{
	struct reloc *r;
	int ret;

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

	for_each_symbol(d->patched, p) {
		struct symbol *out;
		struct fact *f = D(p)->fact;

		if (!D(p)->include || !p->sec)
			continue;
		out = obj_create_symbol(d->out, p->name, p->type, p->bind, DS(p->sec)->out,
					DS(p->sec)->picked ? D(p)->out_off : p->offset, p->size);
		if (!out)
			return -ENOMEM;
		D(p)->out = out;
		if (!f)
			continue;
		f->out = out;
		if (!d->kpatch &&
		    !obj_create_symbol(d->out, f->alias, STT_FUNC, STB_GLOBAL, out->sec,
				       p->offset, p->size))
			return -ENOMEM;
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
			if (DS(sec)->picked && !r->priv)
				continue;	/* in a record left out */
			ret = emit_reloc(d, DS(sec)->out,
					 DS(sec)->picked ? ((struct out_ref *)r->priv)->at : r->offset, r);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static struct section *new_like(struct differ *d, struct section *like, uint64_t entsize,
				const void *data, size_t size)
{
	return obj_create_section(d->out, like->name, like->sh.sh_type,
				  like->sh.sh_flags & ~(uint64_t)SHF_GROUP, entsize,
				  like->sh.sh_addralign, data, size);
}

/* The kept entries of one special section, their parallel array and replacement code. */
static int write_special(struct differ *d, struct special_out *so)
{
	struct section *out, *gout = NULL, *rout = NULL;
	size_t i;
	int ret = 0;

	out = new_like(d, so->sec, so->sec->sh.sh_entsize, so->data, so->size);
	if (so->group)
		gout = new_like(d, so->group, so->group->sh.sh_entsize, so->gdata, so->gsize);
	if (!out || (so->group && !gout))
		return -ENOMEM;
	for (i = 0; i < so->nr_rels && !ret; i++) {
		struct special_rel *sr = &so->rels[i];

		if ((sr->to_repl || sr->in_repl) && !rout) {
			rout = obj_create_section(d->out, so->repl->name, so->repl->sh.sh_type,
						  so->repl->sh.sh_flags, 0,
						  so->repl->sh.sh_addralign, NULL, 0);
			if (!rout)
				return -ENOMEM;
		}
		if (sr->to_repl) {
			struct symbol *rsym = obj_get_section_symbol(d->out, rout);

			if (!rsym)
				ret = -ENOMEM;
			else if (!obj_add_reloc(d->out, out, sr->off, rsym, sr->src->type,
						sr->addend))
				ret = -errno;
		} else {
			ret = emit_reloc(d, sr->in_repl ? rout : out, sr->off, sr->src);
		}
	}
	if (rout && !ret) {
		unsigned char *copy = mem_calloc(1, so->rsize);

		if (!copy)
			return -ENOMEM;
		memcpy(copy, so->rdata, so->rsize);
		ret = sec_set_data(rout, copy, so->rsize);
	}
	return ret;
}

int emit_object(struct differ *d)
{
	struct special_out *so;
	int ret;

	d->out = obj_new(d->out_path);
	if (!d->out)
		return -ENOMEM;
	ret = copy_sections(d);
	ret = ret ?: copy_symbols(d);
	ret = ret ?: copy_relocs(d);
	for (so = d->special_out; so && !ret; so = so->next) {
		if (!so->nr_entries)
			continue;	/* every entry dropped (tracepoints left off) */
		ret = write_special(d, so);
		if (ret && ret != -ENOMEM)	/* main reports that */
			pr_err("%s: %s: cannot write the entries of the included functions",
			       d->display, so->sec->name);
	}
	if (!ret && d->kpatch)
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

struct json_out {
	struct differ *d;
	const char *path;
	const char *verdict;
};

/* write_file_atomic()'s filler: the facts through a stdio stream on @fd. */
static int fill_json(int fd, void *arg)
{
	const struct json_out *j = arg;
	struct differ *d = j->d;
	int ret = 0, dfd = dup(fd);
	FILE *f = dfd < 0 ? NULL : fdopen(dfd, "w");

	if (!f) {
		ret = -errno;
		if (dfd >= 0)
			close(dfd);
		if (ret != -ENOMEM)	/* main reports that */
			pr_err("%s: cannot write the facts: %s", j->path, strerror(-ret));
		return ret;
	}
	fputs("{ \"object\": ", f);
	json_str(f, d->display);
	fputs(", \"target\": ", f);
	json_str(f, d->objname);
	fputs(", \"verdict\": ", f);
	json_str(f, j->verdict);
	json_list(f, "functions", d->functions.head, true);
	json_list(f, "new_functions", d->new_functions.head, false);
	json_list(f, "data", d->data.head, false);
	json_list(f, "refusals", d->refusals.head, false);
	json_list(f, "klp_symbols", d->klp_symbols.head, true);
	if (d->tracepoints_off.head)
		json_list(f, "tracepoints_off", d->tracepoints_off.head, false);
	if (d->unused_new.head)
		json_list(f, "unused_new", d->unused_new.head, false);
	fputs("\n}\n", f);
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		pr_err("%s: cannot write the facts: %s", j->path, strerror(-ret));
	return ret;
}

int emit_json(struct differ *d, const char *path, const char *verdict)
{
	struct json_out j = { d, path, verdict };

	return write_file_atomic(path, 0, fill_json, &j);
}
