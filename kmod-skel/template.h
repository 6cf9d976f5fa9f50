/* SPDX-License-Identifier: GPL-2.0 */
/* The text files of a patch module that come from templates/ (Kbuild.in). */
#ifndef HOTPATCH_KMOD_TEMPLATE_H
#define HOTPATCH_KMOD_TEMPLATE_H

/*
 * Copy template @tmpl to @dst, replacing every @KEY@ by its value.  An
 * unknown @KEY@ is an error; a '@' not followed by KEY@ is copied as is.
 */
struct subst {
	const char *key;
	const char *value;
};
int expand_template(const char *tmpl, const struct subst *subst, const char *dst);

#endif
