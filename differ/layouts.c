// SPDX-License-Identifier: GPL-2.0
/*
 * layouts.c - refuse a patch that changes the layout of a structure.
 *
 * Objects that exist when the patch loads keep the layout they were
 * created with; patched code that reads them with another one reads the
 * wrong fields (or past their end).  The code difference alone does not
 * show it: a member added to a structure local to the .c file only moves
 * offsets in the functions that use it, and those then look like ordinary
 * changed functions.  So the layouts of both objects are compared, as
 * pahole prints them from each object's DWARF (build/diff.sh writes
 * them; `pahole -a OBJ`), and every named struct, union or typedef'd
 * anonymous struct that both objects define and whose printed layout
 * (member names, types, offsets, sizes, alignment) differs is refused.
 *
 * Only an object with some functional change is checked: a layout change
 * that no code of the object reflects cannot reach running instances
 * through this patch.  A renamed member is refused too: telling a rename
 * from a reuse needs more than the layout says, and refusing is the side
 * a live patch must err on.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "differ.h"
#include "fileio.h"
#include "log.h"

struct layout {
	char *name;		/* "struct foo", "union bar", "typedef Node" */
	char *text;		/* the block, whitespace runs collapsed */
	size_t seq;		/* print order, kept among same-named blocks */
};

struct layouts {
	struct layout *v;
	size_t nr, max;
	char *buf;
};

/* Collapse every run of blanks to one space and drop leading/trailing ones. */
static void collapse(char *s)
{
	char *w = s, *r = s;
	bool space = true;

	for (; *r; r++) {
		if (isspace((unsigned char)*r)) {
			space = true;
			continue;
		}
		if (space && w != s)
			*w++ = ' ';
		space = false;
		*w++ = *r;
	}
	*w = '\0';
}

/*
 * "} __attribute__((x)) Node;" -> *@name "typedef Node" (the last identifier
 * before ';'), left alone when there is none.  0 or -ENOMEM.
 */
static int typedef_name(const char *end, char **name)
{
	const char *semi = strrchr(end, ';'), *p;

	if (!semi)
		return 0;
	for (p = semi; p > end && (isalnum((unsigned char)p[-1]) || p[-1] == '_'); p--)
		;
	if (p == semi)
		return 0;
	*name = mem_asprintf("typedef %.*s", (int)(semi - p), p);
	return *name ? 0 : -ENOMEM;
}

static int layouts_add(struct layouts *ls, char *name, char *text)
{
	if (ARRAY_GROW(ls->v, ls->max, ls->nr + 1)) {
		free(name);
		free(text);
		return -ENOMEM;
	}
	ls->v[ls->nr].name = name;
	ls->v[ls->nr].text = text;
	ls->v[ls->nr].seq = ls->nr;
	ls->nr++;
	return 0;
}

static int layout_order(const void *x, const void *y)
{
	const struct layout *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

static int layout_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct layout *)elem)->name);
}

/* Sort by name; a name printed twice (two scopes) becomes one block, in print order. */
static int layouts_index(struct layouts *ls)
{
	size_t i, w = 0;

	qsort(ls->v, ls->nr, sizeof(*ls->v), layout_order);
	for (i = 0; i < ls->nr; i++) {
		char *both;

		if (!w || strcmp(ls->v[w - 1].name, ls->v[i].name)) {
			ls->v[w++] = ls->v[i];
			continue;
		}
		both = mem_asprintf("%s\n%s", ls->v[w - 1].text, ls->v[i].text);
		if (!both)
			return -ENOMEM;
		free(ls->v[w - 1].text);
		free(ls->v[i].name);
		free(ls->v[i].text);
		ls->v[w - 1].text = both;
	}
	ls->nr = w;
	return 0;
}

static void layouts_free(struct layouts *ls)
{
	size_t i;

	for (i = 0; i < ls->nr; i++) {
		free(ls->v[i].name);
		free(ls->v[i].text);
	}
	free(ls->v);
	free(ls->buf);
}

/*
 * pahole's blocks start in column 0 with "struct NAME {", "union NAME {"
 * or "typedef struct {" / "typedef union {" and end at the next line that
 * starts with '}'.  Anonymous blocks that no typedef names are skipped:
 * they are members of named ones, whose own blocks show them.
 */
static int layouts_read(const char *path, struct layouts *ls)
{
	char *line, *next, *start = NULL, *name = NULL;
	bool tdef = false;
	int ret;

	ret = read_whole_file(path, &ls->buf, NULL);
	if (ret)
		return ret;
	for (line = ls->buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!start) {
			char kind[8], id[256];

			tdef = !strncmp(line, "typedef struct {", 16) || !strncmp(line, "typedef union {", 15);
			if (tdef) {
				start = line;
				continue;
			}
			if (sscanf(line, "%7s %255s {", kind, id) == 2 &&
			    (!strcmp(kind, "struct") || !strcmp(kind, "union")) && strcmp(id, "{") &&
			    strchr(line, '{')) {
				name = mem_asprintf("%s %s", kind, id);
				if (!name)
					return -ENOMEM;
				start = line;
			}
			continue;
		}
		if (line[0] != '}')
			continue;
		if (tdef && typedef_name(line, &name))
			return -ENOMEM;
		if (name) {
			char *text;
			size_t len = (size_t)(line + strlen(line) - start);
			char *p;

			text = mem_calloc(1, len + 1);
			if (!text) {
				free(name);
				return -ENOMEM;
			}
			/* the block's lines were split at their '\n': join them back */
			memcpy(text, start, len);
			text[len] = '\0';
			for (p = text; p < text + len; p++)
				if (*p == '\0')
					*p = '\n';
			collapse(text);
			ret = layouts_add(ls, name, text);
			if (ret)
				return ret;
		}
		name = NULL;
		start = NULL;
	}
	free(name);
	ret = layouts_index(ls);
	if (ret)
		return ret;
	if (!ls->nr) {
		pr_err("%s: no structure layout in it: the object's types could not be read "
		       "(pahole -a OBJ printed none); was it compiled without debug info?", path);
		return -EINVAL;
	}
	return 0;
}

static const struct layout *layouts_find(const struct layouts *ls, const char *name)
{
	return sorted_find(name, ls->v, ls->nr, sizeof(*ls->v), layout_name_cmp, NULL);
}

/* "size: 200" of a collapsed block, or -1. */
static long block_size(const char *text)
{
	const char *p = strstr(text, "/* size: ");

	return p ? strtol(p + 9, NULL, 10) : -1;
}

/* The first member line (up to its comment) where @a and @b part. */
static void first_difference(const char *a, const char *b, char *out, size_t n)
{
	size_t i = 0, start = 0;

	while (a[i] && a[i] == b[i]) {
		if (a[i] == ';' || (i && a[i] == '/' && a[i - 1] == '*'))
			start = i + 1;
		i++;
	}
	while (b[start] == ' ')
		start++;
	snprintf(out, n, "%.*s", (int)strcspn(b + start, ";"), b + start);
}

int check_layouts(struct differ *d)
{
	struct layouts orig = { 0 }, patched = { 0 };
	size_t i;
	int ret;

	if (!d->orig_layouts || !d->patched_layouts)
		return 0;
	if (!d->nr_changed && !d->nr_new && !d->nr_new_data)
		return 0;
	ret = layouts_read(d->orig_layouts, &orig);
	ret = ret ?: layouts_read(d->patched_layouts, &patched);
	for (i = 0; !ret && i < patched.nr; i++) {
		const struct layout *o = layouts_find(&orig, patched.v[i].name);
		char reason[512], diff[160];
		long os, ps;

		if (!o || !strcmp(o->text, patched.v[i].text))
			continue;
		os = block_size(o->text);
		ps = block_size(patched.v[i].text);
		first_difference(o->text, patched.v[i].text, diff, sizeof(diff));
		if (os != ps)
			snprintf(reason, sizeof(reason), "layout of %s changed (size %ld -> %ld; first "
				 "difference at '%s')", patched.v[i].name, os, ps, diff);
		else
			snprintf(reason, sizeof(reason), "layout of %s changed (first difference at "
				 "'%s')", patched.v[i].name, diff);
		ret = refuse_named(d, "(types)", patched.v[i].name, reason,
				   "objects that exist when the patch loads keep the old layout and "
				   "the patched code would misread them: keep the structure as it is "
				   "and put new state in a shadow variable (klp_shadow_alloc/get, "
				   "Documentation/livepatch/shadow-vars.rst)");
	}
	layouts_free(&orig);
	layouts_free(&patched);
	return ret;
}
