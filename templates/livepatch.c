// SPDX-License-Identifier: GPL-2.0
/*
 * The init code of every hotpatch livepatch module (copied as hp-main.c).
 * It is the same file for every patch: what to patch is data that
 * hotpatch-mkmod wrote into hp-klp.o -- one record per patched object and
 * per function, laid out as klp-records.h says -- and this file turns the
 * records into the klp_patch / klp_object / klp_func structures that
 * klp_enable_patch() wants.
 *
 * The structures are allocated rather than static so that the records can
 * stay plain data; they live as long as the module, which livepatch keeps
 * loaded while the patch is enabled.
 *
 * Nothing here may depend on the module's name (no MODULE_DESCRIPTION with
 * KBUILD_MODNAME, no pr_fmt, no pr_debug): build/module.sh compiles this
 * file once per target and ships the object in every module.  The
 * description is in hp-klp.o's .modinfo.
 */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stddef.h>

#include "klp-records.h"

struct hotpatch_func_rec {
	const char *old_name;
	void *new_func;
	unsigned long old_sympos;
};

struct hotpatch_object_rec {
	const char *name;		/* NULL: vmlinux */
	const struct hotpatch_func_rec *funcs;
	unsigned long nr_funcs;
	int (*pre_patch)(struct klp_object *obj);
	void (*post_patch)(struct klp_object *obj);
	void (*pre_unpatch)(struct klp_object *obj);
	void (*post_unpatch)(struct klp_object *obj);
};

struct hotpatch_patch_rec {
	const struct hotpatch_object_rec *objs;
	unsigned long nr_objs;
	unsigned long replace;		/* --replace: supersede every earlier livepatch */
};

#define CHECK_FIELD(type, field, off) \
	static_assert(offsetof(struct type, field) == (off), #type "." #field)
CHECK_FIELD(hotpatch_patch_rec, objs, HP_PATCH_REC_OBJS);
CHECK_FIELD(hotpatch_patch_rec, nr_objs, HP_PATCH_REC_NR_OBJS);
CHECK_FIELD(hotpatch_patch_rec, replace, HP_PATCH_REC_REPLACE);
static_assert(sizeof(struct hotpatch_patch_rec) == HP_PATCH_REC_SIZE, "patch record");
CHECK_FIELD(hotpatch_object_rec, name, HP_OBJ_REC_NAME);
CHECK_FIELD(hotpatch_object_rec, funcs, HP_OBJ_REC_FUNCS);
CHECK_FIELD(hotpatch_object_rec, nr_funcs, HP_OBJ_REC_NR_FUNCS);
CHECK_FIELD(hotpatch_object_rec, pre_patch, HP_OBJ_REC_PRE_PATCH);
CHECK_FIELD(hotpatch_object_rec, post_patch, HP_OBJ_REC_POST_PATCH);
CHECK_FIELD(hotpatch_object_rec, pre_unpatch, HP_OBJ_REC_PRE_UNPATCH);
CHECK_FIELD(hotpatch_object_rec, post_unpatch, HP_OBJ_REC_POST_UNPATCH);
static_assert(sizeof(struct hotpatch_object_rec) == HP_OBJ_REC_SIZE, "object record");
CHECK_FIELD(hotpatch_func_rec, old_name, HP_FUNC_REC_OLD_NAME);
CHECK_FIELD(hotpatch_func_rec, new_func, HP_FUNC_REC_NEW_FUNC);
CHECK_FIELD(hotpatch_func_rec, old_sympos, HP_FUNC_REC_OLD_SYMPOS);
static_assert(sizeof(struct hotpatch_func_rec) == HP_FUNC_REC_SIZE, "function record");

/* Defined in hp-klp.o, under the name HOTPATCH_KLP_PATCH_SYMBOL. */
extern const struct hotpatch_patch_rec hotpatch_klp_patch;

static struct klp_patch *patch;

static void free_patch(void)
{
	struct klp_object *obj;

	if (!patch)
		return;
	for (obj = patch->objs; obj && obj->funcs; obj++)
		kfree(obj->funcs);
	kfree(patch->objs);
	kfree(patch);
	patch = NULL;
}

static int __init make_object(struct klp_object *obj, const struct hotpatch_object_rec *rec)
{
	unsigned long i;

	/* klp_func and klp_object arrays end with a zeroed entry */
	obj->funcs = kcalloc(rec->nr_funcs + 1, sizeof(*obj->funcs), GFP_KERNEL);
	if (!obj->funcs)
		return -ENOMEM;
	for (i = 0; i < rec->nr_funcs; i++) {
		obj->funcs[i].old_name = rec->funcs[i].old_name;
		obj->funcs[i].new_func = rec->funcs[i].new_func;
		obj->funcs[i].old_sympos = rec->funcs[i].old_sympos;
	}
	obj->name = rec->name;
	obj->callbacks.pre_patch = rec->pre_patch;
	obj->callbacks.post_patch = rec->post_patch;
	obj->callbacks.pre_unpatch = rec->pre_unpatch;
	obj->callbacks.post_unpatch = rec->post_unpatch;
	return 0;
}

static int __init hotpatch_init(void)
{
	const struct hotpatch_patch_rec *rec = &hotpatch_klp_patch;
	unsigned long i;
	int ret = -ENOMEM;

	patch = kzalloc(sizeof(*patch), GFP_KERNEL);
	if (!patch)
		goto fail;
	patch->objs = kcalloc(rec->nr_objs + 1, sizeof(*patch->objs), GFP_KERNEL);
	if (!patch->objs)
		goto fail;
	for (i = 0; i < rec->nr_objs; i++) {
		ret = make_object(&patch->objs[i], &rec->objs[i]);
		if (ret)
			goto fail;
	}
	patch->mod = THIS_MODULE;
	patch->replace = rec->replace != 0;
	ret = klp_enable_patch(patch);
	if (ret)
		goto fail;
	return 0;
fail:
	/* klp_enable_patch() said why; -ENOMEM needs no words */
	free_patch();
	return ret;
}

static void __exit hotpatch_exit(void)
{
	free_patch();
}

module_init(hotpatch_init);
module_exit(hotpatch_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
