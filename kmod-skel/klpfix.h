/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The livepatch post-link step: turn a kbuild-linked patch module into the
 * ELF form of Documentation/livepatch/module-elf-format.rst, and prove it
 * will load.
 *
 * - every undefined ".klp.sym.<obj>.<name>,<pos>" symbol is checked against
 *   the symbol index (the object exists, the name occurs there, the
 *   position is valid the way klp_find_object_symbol() counts) and becomes
 *   an SHN_LIVEPATCH symbol;
 * - every relocation against one, in a section the module loader keeps
 *   (SHF_ALLOC), moves to ".klp.rela.<obj>.<section>" (SHT_RELA,
 *   SHF_ALLOC | SHF_RELA_LIVEPATCH, sh_info = the section), one per
 *   (symbol object, section), because klp_resolve_symbols() wants every
 *   symbol of a section to belong to the section's object; emptied
 *   ".rela" sections disappear;
 * - a module object's klp relocations may not touch sections the loader
 *   interprets before livepatch resolves them (jump tables, alternatives,
 *   exception tables ...): those are applied only when that module loads;
 * - every other undefined symbol must be exported by the target kernel
 *   (Module.symvers), weak, or it is refused by name;
 * - __versions must carry the target's CRC of every symbol it lists, and
 *   .modinfo must say livepatch=Y, a GPL license and the target's vermagic.
 *
 * Nothing is written unless every check passes.
 */
#ifndef HOTPATCH_KMOD_KLPFIX_H
#define HOTPATCH_KMOD_KLPFIX_H

#include <stddef.h>

struct object;
struct symidx;
struct ksymvers;

struct klpfix_stats {
	size_t klp_syms;	/* symbols made SHN_LIVEPATCH */
	size_t klp_relocs;	/* relocations moved into .klp.rela sections */
	size_t klp_secs;	/* .klp.rela sections created */
	size_t exported;	/* undefined symbols resolved by export */
};

/*
 * Rewrite @obj in memory.  @release ("6.1.0-56-amd64") is checked against
 * the vermagic when not NULL.  0, or -errno after reporting every problem
 * found (not just the first).
 */
int klpfix_object(struct object *obj, const struct symidx *idx,
		  const struct ksymvers *sv, const char *release,
		  struct klpfix_stats *stats);

#endif
