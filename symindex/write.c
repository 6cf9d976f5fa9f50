// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol index writer: an interning string pool, the entries in memory,
 * and one sorted, atomic write of the format described in format.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "fileio.h"
#include "log.h"
#include "format.h"
#include "symindex-write.h"

#define CHUNK_SIZE	(1u << 20)

struct pool_chunk {
	struct pool_chunk *next;
	size_t used, size;
	char data[];
};

struct pool_str {
	const char *s;
	uint32_t off;
	uint32_t hash;
	bool object;		/* declared as an object */
};

struct wentry {
	const struct pool_str *name, *object, *cu;
	uint64_t addr, size;
	uint32_t sympos;
	uint8_t type, bind, flags;
};

struct wexport {
	const struct pool_str *name, *object;
};

struct symidx_writer {
	/* string pool: chunks in interning order, offsets are running totals */
	struct pool_chunk *first, *last;
	uint64_t pool_size;
	struct pool_str *strs;
	size_t nr_strs, alloc_strs;
	uint32_t *table;	/* open addressing: index + 1 into strs, 0 free */
	size_t table_size;

	const struct pool_str *release;
	struct wentry *ents;
	size_t nr_ents, alloc_ents;
	struct wexport *exps;
	size_t nr_exps, alloc_exps;
	const struct pool_str **objs;
	size_t nr_objs, alloc_objs;
};

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int table_rehash(struct symidx_writer *w, size_t size)
{
	uint32_t *t = calloc(size, sizeof(*t));
	size_t i;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < w->nr_strs; i++) {
		size_t j = w->strs[i].hash & (size - 1);

		while (t[j])
			j = (j + 1) & (size - 1);
		t[j] = i + 1;
	}
	free(w->table);
	w->table = t;
	w->table_size = size;
	return 0;
}

static char *pool_copy(struct symidx_writer *w, const char *s, size_t len)
{
	struct pool_chunk *c = w->last;
	char *p;

	if (!c || c->size - c->used < len + 1) {
		size_t size = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = NULL;
		c->used = 0;
		c->size = size;
		if (w->last)
			w->last->next = c;
		else
			w->first = c;
		w->last = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len + 1);
	c->used += len + 1;
	return p;
}

/*
 * Pointers into w->strs move when it grows, so callers keep indexes
 * until all strings of an element are interned.
 */
static long intern_idx(struct symidx_writer *w, const char *s)
{
	uint32_t h = str_hash(s);
	size_t len = strlen(s), j;
	struct pool_str *ps;
	char *copy;

	if ((w->nr_strs + 1) * 2 > w->table_size &&
	    table_rehash(w, w->table_size ? w->table_size * 2 : 1024))
		return -ENOMEM;
	for (j = h & (w->table_size - 1); w->table[j]; j = (j + 1) & (w->table_size - 1)) {
		ps = &w->strs[w->table[j] - 1];
		if (ps->hash == h && !strcmp(ps->s, s))
			return w->table[j] - 1;
	}
	if (w->pool_size + len + 1 > UINT32_MAX) {
		pr_err("symbol index: string table exceeds 4 GiB");
		return -EFBIG;
	}
	if (ARRAY_GROW(w->strs, w->alloc_strs, w->nr_strs + 1))
		return -ENOMEM;
	copy = pool_copy(w, s, len);
	if (!copy)
		return -ENOMEM;
	ps = &w->strs[w->nr_strs];
	ps->s = copy;
	ps->off = w->pool_size;
	ps->hash = h;
	ps->object = false;
	w->pool_size += len + 1;
	w->table[j] = ++w->nr_strs;
	return w->nr_strs - 1;
}

const char *symidx_writer_intern(struct symidx_writer *w, const char *s)
{
	long i = intern_idx(w, s ? s : "");

	if (i < 0) {
		errno = -i;
		return NULL;
	}
	return w->strs[i].s;
}

struct symidx_writer *symidx_writer_new(const char *release)
{
	struct symidx_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	/* offset 0 is the empty string */
	if (intern_idx(w, "") < 0 || intern_idx(w, release ? release : "") < 0) {
		symidx_writer_free(w);
		errno = ENOMEM;
		return NULL;
	}
	return w;
}

void symidx_writer_free(struct symidx_writer *w)
{
	struct pool_chunk *c, *next;

	if (!w)
		return;
	for (c = w->first; c; c = next) {
		next = c->next;
		free(c);
	}
	free(w->strs);
	free(w->table);
	free(w->ents);
	free(w->exps);
	free(w->objs);
	free(w);
}

static int add_object_idx(struct symidx_writer *w, long i)
{
	if (w->strs[i].object)
		return 0;
	if (ARRAY_GROW(w->objs, w->alloc_objs, w->nr_objs + 1))
		return -ENOMEM;
	w->strs[i].object = true;
	/* resolved to pointers at write time: strs may still move */
	w->objs[w->nr_objs++] = (const struct pool_str *)(uintptr_t)i;
	return 0;
}

int symidx_writer_add_object(struct symidx_writer *w, const char *object)
{
	long i = intern_idx(w, object);

	return i < 0 ? (int)i : add_object_idx(w, i);
}

int symidx_writer_add(struct symidx_writer *w, const struct symidx_entry *e)
{
	long name = intern_idx(w, e->name);
	long obj = intern_idx(w, e->object);
	long cu = intern_idx(w, e->cu ? e->cu : "");
	struct wentry *we;
	int ret;

	if (name < 0 || obj < 0 || cu < 0)
		return -ENOMEM;
	ret = add_object_idx(w, obj);
	if (ret)
		return ret;
	if (ARRAY_GROW(w->ents, w->alloc_ents, w->nr_ents + 1))
		return -ENOMEM;
	we = &w->ents[w->nr_ents++];
	we->name = (const struct pool_str *)(uintptr_t)name;
	we->object = (const struct pool_str *)(uintptr_t)obj;
	we->cu = (const struct pool_str *)(uintptr_t)cu;
	we->addr = e->addr;
	we->size = e->size;
	we->sympos = e->sympos;
	we->type = e->type;
	we->bind = e->bind;
	we->flags = e->exported ? SYMIDX_ENTRY_EXPORTED : 0;
	return 0;
}

int symidx_writer_add_export(struct symidx_writer *w, const char *name,
			     const char *object)
{
	long n = intern_idx(w, name);
	long o = intern_idx(w, object);

	if (n < 0 || o < 0)
		return -ENOMEM;
	if (ARRAY_GROW(w->exps, w->alloc_exps, w->nr_exps + 1))
		return -ENOMEM;
	w->exps[w->nr_exps].name = (const struct pool_str *)(uintptr_t)n;
	w->exps[w->nr_exps].object = (const struct pool_str *)(uintptr_t)o;
	w->nr_exps++;
	return 0;
}

size_t symidx_writer_nr_entries(const struct symidx_writer *w)
{
	return w->nr_ents;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct wentry *x = a, *y = b;
	int c;

	if (x->object != y->object) {
		c = strcmp(x->object->s, y->object->s);
		if (c)
			return c;
	}
	if (x->name != y->name) {
		c = strcmp(x->name->s, y->name->s);
		if (c)
			return c;
	}
	if (x->sympos != y->sympos)
		return x->sympos < y->sympos ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_export(const void *a, const void *b)
{
	const struct wexport *x = a, *y = b;

	return strcmp(x->name->s, y->name->s);
}

static int cmp_object(const void *a, const void *b)
{
	const struct pool_str *const *x = a, *const *y = b;

	return strcmp((*x)->s, (*y)->s);
}

/* Turn the interned indexes into pointers, once strs no longer moves. */
static void resolve_indexes(struct symidx_writer *w)
{
#define RESOLVE(p) ((p) = &w->strs[(uintptr_t)(p)])
	size_t i;

	for (i = 0; i < w->nr_ents; i++) {
		RESOLVE(w->ents[i].name);
		RESOLVE(w->ents[i].object);
		RESOLVE(w->ents[i].cu);
	}
	for (i = 0; i < w->nr_exps; i++) {
		RESOLVE(w->exps[i].name);
		RESOLVE(w->exps[i].object);
	}
	for (i = 0; i < w->nr_objs; i++)
		RESOLVE(w->objs[i]);
#undef RESOLVE
}

static int write_all(FILE *f, const void *p, size_t len)
{
	return fwrite(p, 1, len, f) == len ? 0 : -EIO;
}

static int write_pad(FILE *f, uint64_t *pos)
{
	static const char zero[8];
	size_t pad = (8 - (*pos & 7)) & 7;

	*pos += pad;
	return pad ? write_all(f, zero, pad) : 0;
}

static int write_index(struct symidx_writer *w, FILE *f)
{
	struct symidx_disk_header h = { 0 };
	struct symidx_disk_object o = { 0 };
	struct symidx_disk_export x;
	uint64_t pos = sizeof(h);
	struct pool_chunk *c;
	size_t i, j;
	int ret;

	memcpy(h.magic, SYMIDX_MAGIC, SYMIDX_MAGIC_LEN);
	h.version = SYMIDX_VERSION;
	h.header_size = sizeof(h);
	h.release = w->strs[1].off;
	h.nr_objects = w->nr_objs;
	h.nr_entries = w->nr_ents;
	h.nr_exports = w->nr_exps;
	h.objects_off = pos;
	pos += w->nr_objs * sizeof(struct symidx_disk_object);
	h.entries_off = pos;
	pos += w->nr_ents * sizeof(struct symidx_disk_entry);
	h.exports_off = pos;
	pos += w->nr_exps * sizeof(struct symidx_disk_export);
	h.strings_off = pos;
	h.strings_size = w->pool_size;
	pos += w->pool_size;
	h.file_size = (pos + 7) & ~7ull;

	ret = write_all(f, &h, sizeof(h));
	/* entries are sorted by object first: each object is one run */
	for (i = 0, j = 0; !ret && i < w->nr_objs; i++) {
		o.name = w->objs[i]->off;
		o.first = j;
		while (j < w->nr_ents && w->ents[j].object == w->objs[i])
			j++;
		o.count = j - o.first;
		ret = write_all(f, &o, sizeof(o));
	}
	for (i = 0; !ret && i < w->nr_ents; i++) {
		const struct wentry *e = &w->ents[i];
		struct symidx_disk_entry d = {
			.name = e->name->off, .cu = e->cu->off,
			.addr = e->addr, .size = e->size, .sympos = e->sympos,
			.type = e->type, .bind = e->bind, .flags = e->flags,
		};

		ret = write_all(f, &d, sizeof(d));
	}
	for (i = 0; !ret && i < w->nr_exps; i++) {
		x.name = w->exps[i].name->off;
		x.object = w->exps[i].object->off;
		ret = write_all(f, &x, sizeof(x));
	}
	for (c = w->first; !ret && c; c = c->next)
		ret = write_all(f, c->data, c->used);
	if (!ret)
		ret = write_pad(f, &pos);
	return ret;
}

static void dedup_exports(struct symidx_writer *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->nr_exps; i++) {
		if (n && w->exps[n - 1].name == w->exps[i].name) {
			if (w->exps[n - 1].object != w->exps[i].object)
				pr_warn("symbol index: '%s' is exported by both %s and %s; keeping %s",
					w->exps[i].name->s, w->exps[n - 1].object->s,
					w->exps[i].object->s, w->exps[n - 1].object->s);
			continue;
		}
		w->exps[n++] = w->exps[i];
	}
	w->nr_exps = n;
}

/* write_file_atomic()'s filler: the index through a stdio stream on @fd. */
static int fill_index(int fd, void *arg)
{
	struct symidx_writer *w = arg;
	int ret, dfd = dup(fd);
	FILE *f = dfd < 0 ? NULL : fdopen(dfd, "wb");

	if (!f) {
		ret = -errno;
		if (dfd >= 0)
			close(dfd);
	} else {
		ret = write_index(w, f);
		if (fclose(f) && !ret)
			ret = -errno;
	}
	if (ret && ret != -ENOMEM)	/* main reports that */
		pr_err("cannot write the symbol index: %s", strerror(-ret));
	return ret;
}

int symidx_writer_write(struct symidx_writer *w, const char *path)
{
	if (w->nr_ents > UINT32_MAX || w->nr_exps > UINT32_MAX) {
		pr_err("%s: too many entries for the index format", path);
		return -EFBIG;
	}
	resolve_indexes(w);
	if (w->nr_ents)
		qsort(w->ents, w->nr_ents, sizeof(*w->ents), cmp_entry);
	if (w->nr_objs)
		qsort(w->objs, w->nr_objs, sizeof(*w->objs), cmp_object);
	if (w->nr_exps)
		qsort(w->exps, w->nr_exps, sizeof(*w->exps), cmp_export);
	dedup_exports(w);
	return write_file_atomic(path, WRITE_DURABLE, fill_index, w);
}
