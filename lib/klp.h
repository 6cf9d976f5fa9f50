/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The livepatch naming rules of Documentation/livepatch/module-elf-format.rst,
 * in one place for the differ and the patch-module tools:
 *
 *   .klp.sym.<objname>.<name>,<sympos>     SHN_LIVEPATCH symbol
 *   .klp.rela.<objname>.<section>          SHF_RELA_LIVEPATCH | SHF_ALLOC
 *
 * The kernel parses them with sscanf(".klp.sym.%55[^.].%511[^,],%lu") and
 * sscanf(".klp.rela.%55[^.]") (kernel/livepatch/core.c); klp_parse_symname()
 * accepts exactly what that accepts and is stricter about the rest (no sign,
 * no space, nothing after the position).
 */
#ifndef HOTPATCH_KLP_H
#define HOTPATCH_KLP_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define KLP_SYM_PREFIX		".klp.sym."
#define KLP_RELA_PREFIX		".klp.rela."
#define KLP_OBJNAME_MAX		55	/* MODULE_NAME_LEN - 1 on the smallest arch */
#define KLP_SYMNAME_MAX		511	/* KSYM_NAME_LEN - 1 */

struct klp_symname {
	char obj[KLP_OBJNAME_MAX + 1];
	char name[KLP_SYMNAME_MAX + 1];
	unsigned long pos;
};

static inline bool klp_is_symname(const char *s)
{
	return s && !strncmp(s, KLP_SYM_PREFIX, sizeof(KLP_SYM_PREFIX) - 1);
}

/* 0, or -EINVAL when @s is not a well-formed .klp.sym name. */
int klp_parse_symname(const char *s, struct klp_symname *out);
/* malloc'd ".klp.sym.<obj>.<name>,<pos>", NULL + errno. */
char *klp_make_symname(const char *obj, const char *name, unsigned long pos);
/*
 * malloc'd ".klp.rela.<obj><section>" (".klp.rela.<obj>.<section>" when the
 * section name does not start with a dot), NULL + errno.
 */
char *klp_make_relaname(const char *obj, const char *secname);
/* Whether @name can be a klp object name: "vmlinux" or a module name. */
bool klp_valid_objname(const char *name);

/*
 * Whether a reference from code patching @target to a symbol exported by
 * @exporter ("vmlinux" or a module name; NULL when nobody exports it) can
 * stay an ordinary relocation, resolved by the module loader.  Exports of
 * vmlinux and of other modules can; anything else needs a .klp.sym symbol,
 * and so does an export of the patched module itself: an ordinary
 * relocation would make the patch depend on that module (modpost's
 * depends=, __versions), so the patch could neither load before it nor
 * patch it when it loads later.  The differ (differ/klp.c) and
 * hotpatch-mkmod's pre-link check (kmod-skel/prelink.c) both ask this.
 */
bool klp_resolved_by_export(const char *exporter, const char *target);

#endif
