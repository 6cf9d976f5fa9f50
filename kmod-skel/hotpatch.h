/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hotpatch.h - what a source diff cannot say by itself.
 *
 * Include it from a hooks file (hotpatch-build --hooks FILE.c) to run code
 * around patching an object, and from a hooks file or the patched kernel
 * source to keep new per-object state in shadow variables.
 *
 * Callbacks (Documentation/livepatch/callbacks.rst), per patched object:
 *
 *   HOTPATCH_PRE_PATCH(obj, fn)     int  fn(struct klp_object *)  may refuse (-errno)
 *   HOTPATCH_POST_PATCH(obj, fn)    void fn(struct klp_object *)
 *   HOTPATCH_PRE_UNPATCH(obj, fn)   void fn(struct klp_object *)
 *   HOTPATCH_POST_UNPATCH(obj, fn)  void fn(struct klp_object *)
 *
 * obj is vmlinux or a module name as the kernel spells it (ext4, nf_tables),
 * written as a bare identifier.  The object must be one the patch changes,
 * or be named with hotpatch-build --object so it gets a klp_object of its
 * own; a callback for any other name is never called.  One callback of each
 * kind per object.  For a module, callbacks run when the module is loaded or
 * unloaded while the patch is enabled, too.
 *
 * Shadow variables (Documentation/livepatch/shadow-vars.rst): a new field of
 * an existing structure, attached to each instance by address:
 *
 *   HOTPATCH_SHADOW(name, type, id)
 *
 * defines static inline helpers
 *
 *   type *name_get(void *obj)                       NULL when not attached
 *   type *name_alloc(void *obj, gfp_t gfp)          zeroed; NULL if already attached
 *   type *name_get_or_alloc(void *obj, gfp_t gfp)   zeroed when new
 *   type *name_get_or_alloc_init(void *obj, gfp_t gfp, const type *init)
 *   void  name_free(void *obj)                      detach and free
 *   void  name_free_all(void)                       every instance (post-unpatch)
 *
 * id is an unsigned long unique across every livepatch that may be loaded
 * at once; a cumulative (--replace) patch that keeps using the state must
 * keep the id.  Free what you attach: typically name_free() where the object
 * dies (a patched destructor) and name_free_all() in a post-unpatch callback.
 */
#ifndef HOTPATCH_H
#define HOTPATCH_H

#include <linux/gfp.h>
#include <linux/livepatch.h>
#include <linux/string.h>

/*
 * The patch module's klp records (hp-klp.o) refer to these names weakly:
 * an object without a definition gets no callback of that kind.
 */
#define HOTPATCH_PRE_PATCH(obj, fn)						\
	int __hotpatch_cb_pre_patch__##obj(struct klp_object *klp_obj);	\
	int __hotpatch_cb_pre_patch__##obj(struct klp_object *klp_obj)		\
	{									\
		return fn(klp_obj);						\
	}

#define __HOTPATCH_VOID_CB(kind, obj, fn)					\
	void __hotpatch_cb_##kind##__##obj(struct klp_object *klp_obj);	\
	void __hotpatch_cb_##kind##__##obj(struct klp_object *klp_obj)		\
	{									\
		fn(klp_obj);							\
	}

#define HOTPATCH_POST_PATCH(obj, fn)	__HOTPATCH_VOID_CB(post_patch, obj, fn)
#define HOTPATCH_PRE_UNPATCH(obj, fn)	__HOTPATCH_VOID_CB(pre_unpatch, obj, fn)
#define HOTPATCH_POST_UNPATCH(obj, fn)	__HOTPATCH_VOID_CB(post_unpatch, obj, fn)

#define HOTPATCH_SHADOW(name, type, id)						\
	static inline __maybe_unused type *name##_get(void *obj)		\
	{									\
		return klp_shadow_get(obj, (id));				\
	}									\
	static inline __maybe_unused type *name##_alloc(void *obj, gfp_t gfp)	\
	{									\
		return klp_shadow_alloc(obj, (id), sizeof(type), gfp,		\
					NULL, NULL);				\
	}									\
	static inline __maybe_unused type *name##_get_or_alloc(void *obj,	\
								gfp_t gfp)	\
	{									\
		return klp_shadow_get_or_alloc(obj, (id), sizeof(type), gfp,	\
					       NULL, NULL);			\
	}									\
	static inline __maybe_unused int name##_init_ctor(void *obj,		\
							   void *shadow,	\
							   void *init)		\
	{									\
		memcpy(shadow, init, sizeof(type));				\
		return 0;							\
	}									\
	static inline __maybe_unused type *					\
	name##_get_or_alloc_init(void *obj, gfp_t gfp, const type *init)	\
	{									\
		return klp_shadow_get_or_alloc(obj, (id), sizeof(type), gfp,	\
					       name##_init_ctor, (void *)init);	\
	}									\
	static inline __maybe_unused void name##_free(void *obj)		\
	{									\
		klp_shadow_free(obj, (id), NULL);				\
	}									\
	static inline __maybe_unused void name##_free_all(void)			\
	{									\
		klp_shadow_free_all((id), NULL);				\
	}

#endif
