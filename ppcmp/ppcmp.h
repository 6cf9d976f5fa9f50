/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Can a header change alter a translation unit's object?  The two
 * preprocessed forms of the TU (gcc -E of the original and of the patched
 * tree) are compared as C token streams, line markers and whitespace left
 * out.  The answer "it cannot" is given only when it is proven:
 *   - the token streams are identical; or
 *   - every differing top-level unit (a declaration up to its depth-0 `;`,
 *     a function definition up to its closing `}`) is a function
 *     declaration without body or a static inline function definition,
 *     whose attributes are all known to change no code of an unused
 *     function, and the name each declares appears in no other unit of
 *     either stream: nothing in the TU uses it, so gcc emits nothing of it.
 * Anything else (types, variables, asm, pragmas, a reordering, a used
 * function) may change the object: the TU is compiled.
 */
#ifndef HOTPATCH_PPCMP_H
#define HOTPATCH_PPCMP_H

#include <stddef.h>

enum ppcmp_verdict {
	PPCMP_IDENTICAL,	/* same tokens */
	PPCMP_UNUSED,		/* only unused declarations / static inlines differ */
	PPCMP_DIFFERS,		/* the object may change: keep the TU */
};

struct ppcmp_result {
	enum ppcmp_verdict verdict;
	/* why (PPCMP_DIFFERS), or the unused names (PPCMP_UNUSED); "" else */
	char why[512];
};

/*
 * Compare the preprocessed texts @a[@alen] (original) and @b[@blen]
 * (patched), NUL-terminated.  0 with *@res filled, or -ENOMEM (not
 * reported).
 */
int ppcmp_compare(const char *a, size_t alen, const char *b, size_t blen,
		  struct ppcmp_result *res);

#endif
