// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

bool alloc_fails(void)
{
	static unsigned long fail_at, count;
	static bool read;

	if (!read) {
		const char *n = getenv("HOTPATCH_FAIL_ALLOC");

		fail_at = n ? strtoul(n, NULL, 10) : 0;
		read = true;
	}
	if (!fail_at || ++count != fail_at)
		return false;
	errno = ENOMEM;		/* as calloc() and strdup() leave it */
	return true;
}

int array_grow(void **arr, size_t *cap, size_t need, size_t elem_size)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	if (elem_size && n > SIZE_MAX / elem_size)
		return -ENOMEM;
	if (alloc_fails())
		return -ENOMEM;
	p = realloc(*arr, n * elem_size);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *cap * elem_size, 0, (n - *cap) * elem_size);
	*arr = p;
	*cap = n;
	return 0;
}

size_t sorted_lower_bound(const void *key, const void *base, size_t nr, size_t elem_size,
			  int (*cmp)(const void *key, const void *elem))
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(key, (const char *)base + mid * elem_size) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t sorted_upper_bound(const void *key, const void *base, size_t nr, size_t elem_size,
			  int (*cmp)(const void *key, const void *elem))
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(key, (const char *)base + mid * elem_size) >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t sorted_equal_range(const void *key, const void *base, size_t nr, size_t elem_size,
			  int (*cmp)(const void *key, const void *elem), size_t *first)
{
	*first = sorted_lower_bound(key, base, nr, elem_size, cmp);
	return *first + sorted_upper_bound(key, (const char *)base + *first * elem_size,
					   nr - *first, elem_size, cmp);
}

void *sorted_find(const void *key, const void *base, size_t nr, size_t elem_size,
		  int (*cmp)(const void *key, const void *elem), size_t *count)
{
	size_t first = sorted_lower_bound(key, base, nr, elem_size, cmp), end = first;

	while (end < nr && !cmp(key, (const char *)base + end * elem_size))
		end++;
	if (count)
		*count = end - first;
	return end > first ? (char *)base + first * elem_size : NULL;
}
