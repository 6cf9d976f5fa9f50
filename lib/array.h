/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arrays: the one way to grow one and the one way to search a sorted one.
 *
 * Every tool keeps its tables in plain C arrays (symbols, relocations,
 * exports, index entries) that grow while an input is read and are sorted
 * once.  These helpers keep the two loops that everyone used to write by
 * hand -- double-and-realloc, and the lower-bound binary search -- in one
 * place, with the error policy of lib/: -errno, never abort().
 */
#ifndef HOTPATCH_ARRAY_H
#define HOTPATCH_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Test hook, for proving that running out of memory is handled: with
 * HOTPATCH_FAIL_ALLOC=N in the environment, the Nth allocation asked of
 * alloc_fails() -- by array_grow() and by hotpatch-diff's mem_*() -- fails
 * as if memory had run out (N counts from 1; unset or 0: never).  Whether
 * the Nth one is now (true: fail it; errno is then ENOMEM).
 */
bool alloc_fails(void);

/*
 * Make room for @need elements of @elem_size bytes in *@arr, whose capacity
 * is *@cap elements: the capacity doubles, starting at 16, and the new
 * elements are zeroed.  0, or -ENOMEM with *@arr and *@cap unchanged (the
 * caller still owns and frees *@arr).
 */
int array_grow(void **arr, size_t *cap, size_t need, size_t elem_size);

/* array_grow() for a typed pointer: ARRAY_GROW(w->ents, w->alloc, w->nr + 1). */
#define ARRAY_GROW(arr, cap, need) \
	array_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/*
 * Index of the first element of the sorted @base[@nr] that is not below
 * @key (@nr when every element is): @cmp(key, elem) < 0, 0, > 0 like
 * bsearch()'s.  With several equal elements, the first of them.
 */
size_t sorted_lower_bound(const void *key, const void *base, size_t nr, size_t elem_size,
			  int (*cmp)(const void *key, const void *elem));

/* Index of the first element above @key (@nr when none is). */
size_t sorted_upper_bound(const void *key, const void *base, size_t nr, size_t elem_size,
			  int (*cmp)(const void *key, const void *elem));

/*
 * The elements equal to @key: [*@first, return value), empty (and *@first
 * where @key would go) when there is none.  Two binary searches, so a
 * long run of equal elements costs no more than a short one.
 */
size_t sorted_equal_range(const void *key, const void *base, size_t nr, size_t elem_size,
			  int (*cmp)(const void *key, const void *elem), size_t *first);

/*
 * The first element equal to @key, or NULL; *@count (when not NULL) gets
 * how many equal elements follow from there.
 */
void *sorted_find(const void *key, const void *base, size_t nr, size_t elem_size,
		  int (*cmp)(const void *key, const void *elem), size_t *count);

#endif
