/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The klp records of a patch module: what hotpatch-mkmod writes as data
 * (hp-klp.o, kmod-skel/records.c) and what the one fixed init file
 * (templates/livepatch.c, hp-main.c in the module) turns into a klp_patch
 * when the module loads.  This header is included by both sides -- the host
 * tool and the kernel module -- so it holds numbers only: the offsets below
 * are the layout, and livepatch.c checks its structures against them at
 * compile time.
 *
 * Every field is 8 bytes (a pointer, filled by an R_X86_64_64 relocation,
 * or an unsigned long).  The records are in .rodata.hotpatch_klp, the
 * strings they point to in .rodata.hotpatch_klp.str:
 *
 *   hotpatch_klp_patch (the one global symbol of hp-klp.o)
 *     objs, nr_objs, replace
 *   object records, vmlinux first, then modules by name
 *     name (NULL for vmlinux), funcs, nr_funcs,
 *     pre_patch, post_patch, pre_unpatch, post_unpatch
 *   function records, grouped by object, by name then sympos
 *     old_name, new_func (the differ's global alias), old_sympos
 *
 * A callback pointer refers to the weak undefined symbol
 * __hotpatch_cb_<kind>__<object>: a hooks file that uses hotpatch.h's
 * HOTPATCH_<KIND>(object, fn) defines it, else it stays NULL (no callback).
 */
#ifndef HOTPATCH_KLP_RECORDS_H
#define HOTPATCH_KLP_RECORDS_H

#define HOTPATCH_KLP_PATCH_SYMBOL	"hotpatch_klp_patch"
#define HOTPATCH_KLP_SECTION		".rodata.hotpatch_klp"
#define HOTPATCH_KLP_STR_SECTION	".rodata.hotpatch_klp.str"
/* __hotpatch_cb_<kind>__<object>, <kind> one of the four below */
#define HOTPATCH_CB_PREFIX		"__hotpatch_cb_"

#define HP_PATCH_REC_OBJS		0
#define HP_PATCH_REC_NR_OBJS		8
#define HP_PATCH_REC_REPLACE		16
#define HP_PATCH_REC_SIZE		24

#define HP_OBJ_REC_NAME			0
#define HP_OBJ_REC_FUNCS		8
#define HP_OBJ_REC_NR_FUNCS		16
#define HP_OBJ_REC_PRE_PATCH		24
#define HP_OBJ_REC_POST_PATCH		32
#define HP_OBJ_REC_PRE_UNPATCH		40
#define HP_OBJ_REC_POST_UNPATCH		48
#define HP_OBJ_REC_SIZE			56

#define HP_FUNC_REC_OLD_NAME		0
#define HP_FUNC_REC_NEW_FUNC		8
#define HP_FUNC_REC_OLD_SYMPOS		16
#define HP_FUNC_REC_SIZE		24

#endif
