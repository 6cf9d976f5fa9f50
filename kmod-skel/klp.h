/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the patch-module tools (hotpatch-mkmod, hotpatch-klpfix) share:
 * the livepatch naming rules of Documentation/livepatch/module-elf-format.rst
 * and a reader of the target's Module.symvers with CRCs and namespaces.
 *
 *   .klp.sym.<objname>.<name>,<sympos>     SHN_LIVEPATCH symbol
 *   .klp.rela.<objname>.<section>          SHF_RELA_LIVEPATCH | SHF_ALLOC
 *
 * The kernel parses them with sscanf(".klp.sym.%55[^.].%511[^,],%lu") and
 * sscanf(".klp.rela.%55[^.]") (kernel/livepatch/core.c); klp_parse_symname()
 * accepts exactly what that accepts and is stricter about the rest (no sign,
 * no space, nothing after the position).
 */
#ifndef HOTPATCH_KMOD_KLP_H
#define HOTPATCH_KMOD_KLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* Module.symvers: "0x<crc>\t<symbol>\t<module path|vmlinux>\t<type>\t<namespace>" */
struct ksym_export {
	const char *name;
	const char *object;	/* "vmlinux" or the module name (basename of the path) */
	const char *ns;		/* "" when none */
	uint32_t crc;
	bool gpl;
};

struct ksymvers;

/* NULL + errno, with a message naming the file and line, on error. */
struct ksymvers *ksymvers_load(const char *path);
void ksymvers_free(struct ksymvers *sv);
const struct ksym_export *ksymvers_find(const struct ksymvers *sv, const char *name);

#endif
