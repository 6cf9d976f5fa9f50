// SPDX-License-Identifier: GPL-2.0
/*
 * The differ's FACTS.json of each object, checked against the target's symbol
 * index: hotpatch-mkmod's inputs, and the functions hotpatch-klpfix's IBT check
 * looks at.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "klp.h"
#include "log.h"
#include "object.h"
#include "symindex.h"
#include "mkmod.h"

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int facts_load(struct input *in, const struct symidx *idx)
{
	json_object *root, *funcs, *f, *v;
	const char *s;
	size_t i, n;
	int ret = -EINVAL;

	root = json_object_from_file(in->facts_path);
	if (!root) {
		pr_err("%s: cannot read the differ's facts: %s", in->facts_path,
		       json_util_get_last_err() ? json_util_get_last_err() : "not JSON");
		return -EINVAL;
	}
	s = jstr(root, "verdict");
	if (!s || strcmp(s, "changed")) {
		pr_err("%s: verdict is \"%s\", not \"changed\": the differ made no module input "
		       "from this object", in->facts_path, s ? s : "(none)");
		goto out;
	}
	s = jstr(root, "target");
	if (!s || !klp_valid_objname(s)) {
		pr_err("%s: \"target\" must be vmlinux or a module name, saw \"%s\"",
		       in->facts_path, s ? s : "(none)");
		goto out;
	}
	in->target = strdup(s);
	s = jstr(root, "object");
	in->object = strdup(s ? s : in->obj_path);
	if (!in->target || !in->object) {
		ret = -ENOMEM;
		goto out;
	}
	if (idx && !symidx_has_object(idx, in->target)) {
		pr_err("%s: target \"%s\" is neither vmlinux nor a module of release %s",
		       in->facts_path, in->target, symidx_release(idx));
		goto out;
	}
	if (!json_object_object_get_ex(root, "functions", &funcs) ||
	    !json_object_is_type(funcs, json_type_array)) {
		pr_err("%s: no \"functions\" array", in->facts_path);
		goto out;
	}
	n = json_object_array_length(funcs);
	in->funcs = calloc(n ? n : 1, sizeof(*in->funcs));
	if (!in->funcs) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct func *fn = &in->funcs[i];
		const char *name, *alias;
		int64_t pos;

		f = json_object_array_get_idx(funcs, i);
		name = jstr(f, "name");
		alias = jstr(f, "alias");
		if (!name || !*name || strlen(name) > KLP_SYMNAME_MAX || !alias || !*alias ||
		    !json_object_object_get_ex(f, "sympos", &v) ||
		    !json_object_is_type(v, json_type_int) ||
		    (pos = json_object_get_int64(v)) < 0) {
			pr_err("%s: functions[%zu]: want \"name\", \"alias\" and \"sympos\" >= 0",
			       in->facts_path, i);
			goto out;
		}
		fn->name = strdup(name);
		fn->alias = strdup(alias);
		fn->sympos = (unsigned long)pos;
		fn->in = in;
		in->nr_funcs++;
		if (!fn->name || !fn->alias) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = 0;
out:
	json_object_put(root);
	return ret;
}

int facts_check_func(const struct symidx *idx, const struct func *fn)
{
	const struct symidx_entry *e;
	size_t n = symidx_lookup(idx, fn->in->target, fn->name, &e);

	if (!n) {
		pr_err("%s: %s: function %s is not in %s (release %s): the facts do not match "
		       "the target kernel", fn->in->facts_path, fn->in->object, fn->name,
		       fn->in->target, symidx_release(idx));
		return -ENOENT;
	}
	if (fn->sympos == 0 && n > 1) {
		pr_err("%s: %s: function %s occurs %zu times in %s but sympos is 0: the kernel "
		       "would refuse the patch", fn->in->facts_path, fn->in->object, fn->name, n,
		       fn->in->target);
		return -EINVAL;
	}
	if (fn->sympos > n) {
		pr_err("%s: %s: function %s has sympos %lu but occurs only %zu time(s) in %s",
		       fn->in->facts_path, fn->in->object, fn->name, fn->sympos, n,
		       fn->in->target);
		return -EINVAL;
	}
	e += fn->sympos ? fn->sympos - 1 : 0;
	if (e->type != STT_FUNC) {
		pr_err("%s: %s: %s,%lu of %s is not a function in the symbol index",
		       fn->in->facts_path, fn->in->object, fn->name, fn->sympos, fn->in->target);
		return -EINVAL;
	}
	return 0;
}

void facts_free(struct input *in)
{
	size_t i;

	for (i = 0; i < in->nr_funcs; i++) {
		free(in->funcs[i].name);
		free(in->funcs[i].alias);
	}
	free(in->funcs);
	free(in->target);
	free(in->object);
	in->funcs = NULL;
	in->nr_funcs = 0;
	in->target = in->object = NULL;
}
