// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol index reader: map the file, validate every offset once, and
 * turn disk records into struct symidx_entry lazily, one object at a
 * time (a differ run looks at vmlinux or one module, not all 4,000).
 *
 * Not thread-safe: lookups fill caches inside the handle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "format.h"
#include "symindex.h"

/* Runs of object == NULL lookups, cached by name until close. */
struct any_run {
	struct any_run *next;
	const char *name;
	size_t count;
	struct symidx_entry entries[];
};

#define ANY_BUCKETS 1024

struct symidx {
	char *path;
	const unsigned char *map;
	size_t size;
	const struct symidx_disk_header *hdr;
	const struct symidx_disk_object *objs;
	const struct symidx_disk_entry *ents;
	const struct symidx_disk_export *exps;
	const char *strs;
	struct symidx_entry **obj_entries;	/* per object, built on first use */
	struct any_run *any[ANY_BUCKETS];
};

static int bad(const char *path, const char *what)
{
	pr_err("%s: not a valid symbol index: %s; rebuild it with `hotpatch-index build` "
	       "(hotpatch-build.sh --setup does)", path, what);
	return -EINVAL;
}

static bool table_ok(const struct symidx *idx, uint64_t off, uint64_t n, size_t rec)
{
	const uint64_t end = idx->hdr->file_size;

	return off % 8 == 0 && off >= sizeof(*idx->hdr) && off <= end &&
	       n <= (end - off) / rec;
}

static int validate(struct symidx *idx)
{
	const struct symidx_disk_header *h = idx->hdr;
	uint64_t ssize;
	uint32_t i, next = 0;

	if (idx->size < SYMIDX_MAGIC_LEN || memcmp(h->magic, SYMIDX_MAGIC, SYMIDX_MAGIC_LEN))
		return bad(idx->path, "bad magic");
	if (idx->size < sizeof(*h))
		return bad(idx->path, "truncated header");
	if (h->version != SYMIDX_VERSION) {
		pr_err("%s: symbol index version %u, this hotpatch reads version %u; rebuild it "
		       "with `hotpatch-index build`", idx->path, h->version, SYMIDX_VERSION);
		return -EINVAL;
	}
	if (h->header_size != sizeof(*h))
		return bad(idx->path, "bad header size");
	if (h->file_size != idx->size)
		return bad(idx->path, h->file_size > idx->size ? "truncated" :
			   "trailing bytes after the index");
	if (!table_ok(idx, h->objects_off, h->nr_objects, sizeof(*idx->objs)) ||
	    !table_ok(idx, h->entries_off, h->nr_entries, sizeof(*idx->ents)) ||
	    !table_ok(idx, h->exports_off, h->nr_exports, sizeof(*idx->exps)) ||
	    h->strings_off > h->file_size || h->strings_size > h->file_size - h->strings_off)
		return bad(idx->path, "table outside the file");
	ssize = h->strings_size;
	idx->objs = (const void *)(idx->map + h->objects_off);
	idx->ents = (const void *)(idx->map + h->entries_off);
	idx->exps = (const void *)(idx->map + h->exports_off);
	idx->strs = (const char *)idx->map + h->strings_off;
	if (!ssize || idx->strs[ssize - 1] || idx->strs[0])
		return bad(idx->path, "string table not terminated");
	if (h->release >= ssize)
		return bad(idx->path, "release string outside the string table");

	for (i = 0; i < h->nr_objects; i++) {
		const struct symidx_disk_object *o = &idx->objs[i];

		if (o->name >= ssize || o->first != next || o->count > h->nr_entries - next)
			return bad(idx->path, "bad object table");
		if (i && strcmp(idx->strs + idx->objs[i - 1].name, idx->strs + o->name) >= 0)
			return bad(idx->path, "object table not sorted");
		next += o->count;
	}
	if (next != h->nr_entries)
		return bad(idx->path, "entries not covered by the object table");
	for (i = 0; i < h->nr_entries; i++)
		if (idx->ents[i].name >= ssize || idx->ents[i].cu >= ssize)
			return bad(idx->path, "entry string outside the string table");
	for (i = 0; i < h->nr_exports; i++) {
		if (idx->exps[i].name >= ssize || idx->exps[i].object >= ssize)
			return bad(idx->path, "export string outside the string table");
		if (i && strcmp(idx->strs + idx->exps[i - 1].name,
				idx->strs + idx->exps[i].name) >= 0)
			return bad(idx->path, "export table not sorted");
	}
	return 0;
}

struct symidx *symidx_open(const char *path)
{
	struct symidx *idx = calloc(1, sizeof(*idx));
	struct stat st;
	int fd = -1, ret;
	void *map;

	if (!idx || !(idx->path = strdup(path))) {
		free(idx);
		errno = ENOMEM;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		pr_err("%s: cannot open the symbol index: %s; build it with `hotpatch-build.sh --setup`",
		       path, strerror(errno));
		goto fail;
	}
	if (st.st_size < (off_t)sizeof(struct symidx_disk_header)) {
		/* still check the magic first for a clearer message */
		char magic[SYMIDX_MAGIC_LEN];

		if (st.st_size < SYMIDX_MAGIC_LEN ||
		    pread(fd, magic, sizeof(magic), 0) != sizeof(magic) ||
		    memcmp(magic, SYMIDX_MAGIC, SYMIDX_MAGIC_LEN))
			ret = bad(path, st.st_size ? "bad magic" : "empty file");
		else
			ret = bad(path, "truncated header");
		goto fail;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		pr_err("%s: cannot map the symbol index: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	idx->map = map;
	idx->size = st.st_size;
	idx->hdr = map;
	ret = validate(idx);
	if (ret)
		goto fail;
	idx->obj_entries = calloc(idx->hdr->nr_objects ? idx->hdr->nr_objects : 1,
				  sizeof(*idx->obj_entries));
	if (!idx->obj_entries) {
		ret = -ENOMEM;
		goto fail;
	}
	return idx;
fail:
	if (fd >= 0)
		close(fd);
	symidx_close(idx);
	errno = -ret;
	return NULL;
}

void symidx_close(struct symidx *idx)
{
	struct any_run *r, *next;
	size_t i;

	if (!idx)
		return;
	if (idx->obj_entries)
		for (i = 0; i < idx->hdr->nr_objects; i++)
			free(idx->obj_entries[i]);
	free(idx->obj_entries);
	for (i = 0; i < ANY_BUCKETS; i++)
		for (r = idx->any[i]; r; r = next) {
			next = r->next;
			free(r);
		}
	if (idx->map)
		munmap((void *)idx->map, idx->size);
	free(idx->path);
	free(idx);
}

const char *symidx_release(const struct symidx *idx)
{
	return idx->strs + idx->hdr->release;
}

static long find_object(const struct symidx *idx, const char *object)
{
	long lo = 0, hi = (long)idx->hdr->nr_objects - 1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		int c = strcmp(object, idx->strs + idx->objs[mid].name);

		if (!c)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

bool symidx_has_object(const struct symidx *idx, const char *object)
{
	return find_object(idx, object) >= 0;
}

static void fill_entry(const struct symidx *idx, struct symidx_entry *e,
		       const struct symidx_disk_entry *d, const char *object)
{
	e->name = idx->strs + d->name;
	e->object = object;
	e->cu = idx->strs + d->cu;
	e->addr = d->addr;
	e->size = d->size;
	e->type = d->type;
	e->bind = d->bind;
	e->exported = d->flags & SYMIDX_ENTRY_EXPORTED;
	e->sympos = d->sympos;
}

static struct symidx_entry *object_entries(struct symidx *idx, long oi)
{
	const struct symidx_disk_object *o = &idx->objs[oi];
	struct symidx_entry *arr;
	uint32_t i;

	if (idx->obj_entries[oi])
		return idx->obj_entries[oi];
	arr = malloc((o->count ? o->count : 1) * sizeof(*arr));
	if (!arr)
		return NULL;
	for (i = 0; i < o->count; i++)
		fill_entry(idx, &arr[i], &idx->ents[o->first + i], idx->strs + o->name);
	idx->obj_entries[oi] = arr;
	return arr;
}

struct name_key {
	const char *strs;
	const char *name;
};

static int cmp_entry_name(const void *key, const void *elem)
{
	const struct name_key *k = key;

	return strcmp(k->name, k->strs + ((const struct symidx_disk_entry *)elem)->name);
}

/* First entry named @name in object @oi and how many there are. */
static size_t object_run(const struct symidx *idx, long oi, const char *name, uint32_t *first)
{
	const struct symidx_disk_object *o = &idx->objs[oi];
	struct name_key key = { idx->strs, name };
	size_t n;

	*first = o->first + sorted_lower_bound(&key, &idx->ents[o->first], o->count,
					       sizeof(*idx->ents), cmp_entry_name);
	sorted_find(&key, &idx->ents[*first], o->first + o->count - *first, sizeof(*idx->ents),
		    cmp_entry_name, &n);
	return n;
}

static size_t lookup_any(struct symidx *idx, const char *name,
			 const struct symidx_entry **entries)
{
	uint32_t h = 2166136261u, first, i;
	size_t total = 0, n;
	struct any_run *r;
	const char *s;
	long oi;

	for (s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h %= ANY_BUCKETS;
	for (r = idx->any[h]; r; r = r->next)
		if (!strcmp(r->name, name))
			goto found;

	for (oi = 0; oi < (long)idx->hdr->nr_objects; oi++)
		total += object_run(idx, oi, name, &first);
	r = malloc(sizeof(*r) + total * sizeof(r->entries[0]) + strlen(name) + 1);
	if (!r)
		return 0;
	r->count = 0;
	for (oi = 0; oi < (long)idx->hdr->nr_objects; oi++) {
		n = object_run(idx, oi, name, &first);
		for (i = 0; i < n; i++)
			fill_entry(idx, &r->entries[r->count++], &idx->ents[first + i],
				   idx->strs + idx->objs[oi].name);
	}
	r->name = strcpy((char *)&r->entries[r->count], name);
	r->next = idx->any[h];
	idx->any[h] = r;
found:
	*entries = r->count ? r->entries : NULL;
	return r->count;
}

size_t symidx_lookup(const struct symidx *cidx, const char *object,
		     const char *name, const struct symidx_entry **entries)
{
	struct symidx *idx = (struct symidx *)cidx;	/* caches only */
	struct symidx_entry *arr;
	uint32_t first;
	size_t n;
	long oi;

	*entries = NULL;
	if (!object)
		return lookup_any(idx, name, entries);
	oi = find_object(idx, object);
	if (oi < 0)
		return 0;
	n = object_run(idx, oi, name, &first);
	if (!n)
		return 0;
	arr = object_entries(idx, oi);
	if (!arr)
		return 0;
	*entries = arr + (first - idx->objs[oi].first);
	return n;
}

const char *const symidx_layout_structs[] = {
	"bug_entry", "exception_table_entry", "alt_instr", "jump_entry", "orc_entry",
	"static_call_site", "paravirt_patch_site", NULL,
};

/* The end of the last member of struct @name: what an entry holds before its padding. */
static int layout_used(const struct symidx *cidx, const char *name, uint64_t *used)
{
	struct symidx *idx = (struct symidx *)cidx;	/* caches only */
	long oi = find_object(idx, SYMIDX_LAYOUTS);
	struct symidx_entry *arr;
	char prefix[256];
	size_t i, plen;
	bool any = false;

	if (oi < 0 || !(arr = object_entries(idx, oi)))
		return -ENOENT;
	plen = (size_t)snprintf(prefix, sizeof(prefix), "struct %s.", name);
	if (plen >= sizeof(prefix))
		return -ENOENT;
	*used = 0;
	for (i = 0; i < idx->objs[oi].count; i++) {
		if (strncmp(arr[i].name, prefix, plen))
			continue;
		any = true;
		if (arr[i].addr + arr[i].size > *used)
			*used = arr[i].addr + arr[i].size;
	}
	return any ? 0 : -ENOENT;
}

int symidx_layout(const struct symidx *idx, const char *name, const char *member,
		  uint64_t *off, uint64_t *size)
{
	const struct symidx_entry *e;
	char key[256];
	int n;

	if (member && !*member) {
		if (off)
			*off = 0;
		return layout_used(idx, name, size);
	}

	n = member ? snprintf(key, sizeof(key), "struct %s.%s", name, member) :
		     snprintf(key, sizeof(key), "struct %s", name);
	if (n < 0 || (size_t)n >= sizeof(key) || symidx_lookup(idx, SYMIDX_LAYOUTS, key, &e) != 1)
		return -ENOENT;
	if (off)
		*off = e->addr;
	if (size)
		*size = e->size;
	return 0;
}

static const char *skip_dot_slash(const char *s)
{
	while (s[0] == '.' && s[1] == '/')
		s += 2;
	return s;
}

/*
 * Module CUs come from STT_FILE symbols, which hold only the file's base
 * name: a stored CU without '/' matches the base name of @cu.
 */
static bool cu_matches(const char *stored, const char *cu)
{
	const char *base;

	cu = skip_dot_slash(cu);
	if (!strcmp(stored, cu))
		return true;
	if (!*stored || strchr(stored, '/'))
		return false;
	base = strrchr(cu, '/');
	return base && !strcmp(stored, base + 1);
}

const struct symidx_entry *symidx_find_in_cu(const struct symidx *idx,
					     const char *object,
					     const char *name, const char *cu)
{
	const struct symidx_entry *run, *found = NULL;
	size_t n, i;

	n = symidx_lookup(idx, object, name, &run);
	for (i = 0; i < n; i++) {
		if (!cu_matches(run[i].cu, cu))
			continue;
		if (found) {
			errno = ENOTUNIQ;
			return NULL;
		}
		found = &run[i];
	}
	if (!found)
		errno = ENOENT;
	return found;
}

const char *symidx_exporter(const struct symidx *idx, const char *name)
{
	long lo = 0, hi = (long)idx->hdr->nr_exports - 1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		int c = strcmp(name, idx->strs + idx->exps[mid].name);

		if (!c)
			return idx->strs + idx->exps[mid].object;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Iteration for `hotpatch-index info` and tests. */
size_t symidx_nr_objects(const struct symidx *idx)
{
	return idx->hdr->nr_objects;
}

const char *symidx_object_name(const struct symidx *idx, size_t i, size_t *nr_entries)
{
	if (i >= idx->hdr->nr_objects)
		return NULL;
	if (nr_entries)
		*nr_entries = idx->objs[i].count;
	return idx->strs + idx->objs[i].name;
}

const struct symidx_entry *symidx_object_entries(const struct symidx *cidx, const char *object)
{
	struct symidx *idx = (struct symidx *)cidx;	/* caches only */
	long oi = find_object(idx, object);

	if (oi < 0) {
		errno = ENOENT;
		return NULL;
	}
	return object_entries(idx, oi);
}

size_t symidx_nr_entries(const struct symidx *idx)
{
	return idx->hdr->nr_entries;
}

size_t symidx_nr_exports(const struct symidx *idx)
{
	return idx->hdr->nr_exports;
}
