// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - the differ's pipeline, shared by hotpatch-diff (main.c) and the
 * fuzz-diff harness: open both objects, run the passes in order (the
 * list is differ_run), write the output object, and free everything the
 * passes allocated.
 */
#include <errno.h>
#include <stdlib.h>

#include "differ.h"
#include "log.h"

int differ_open(struct differ *d)
{
	d->orig = obj_open(d->orig_path, 0);
	if (!d->orig) {
		d->err = -errno;	/* reported by elf/, but running out of memory: main */
		return -1;
	}
	d->patched = obj_open(d->patched_path, 0);
	if (!d->patched) {
		d->err = -errno;
		return -1;
	}
	d->err = differ_attach(d->orig) ?: differ_attach(d->patched);
	return d->err ? -1 : 0;
}

/*
 * d->err, else a lookup's failure that elf/ kept in an object (obj_error):
 * it answered "absent", so what was decided since cannot be trusted.
 */
static int run_error(struct differ *d)
{
	d->err = d->err ?: obj_error(d->orig) ?: obj_error(d->patched) ?:
		 d->out ? obj_error(d->out) : 0;
	return d->err;
}

static void report_unused_new(struct differ *d)
{
	struct fact *f;

	for (f = d->unused_new.head; f; f = f->next)
		pr_info("%s: %s: %s: %s; %s", d->display, f->section, f->name, f->reason, f->hint);
	pr_info("%s: no functional change: it only adds code and data nothing in the patch "
		"reaches", d->display);
}

/*
 * The pass list.  Each pass reads what the previous ones decided (fields of
 * struct dsym/dsec, the facts); refusals stop the run before anything is
 * written, and emit only writes.
 */
int differ_run(struct differ *d)
{
	int err;

	err = correlate(d);		/* sym->twin: ORIG <-> PATCHED */
	err = err ?: special_index(d);	/* the owning function of every special entry */
	err = err ?: compare(d);	/* sym->status, with a reason */
	err = err ?: select_symbols(d);	/* include: changed, new, needed; refusals */
	err = err ?: account(d);	/* every difference has a verdict, or an error */
	err = err ?: check_layouts(d);	/* no structure changes its layout */
	d->err = err ?: d->err;		/* or what a yes/no comparison ran out of */
	if (run_error(d))
		return EXIT_ERROR;
	if (d->refusals.head)
		return EXIT_REFUSED;
	if (!d->nr_changed && !d->nr_new && !d->nr_new_data) {
		pr_info("%s: no functional change", d->display);
		return EXIT_NOCHANGE;
	}
	if (d->unused_new.head) {	/* select_symbols: new, and nothing reaches it */
		report_unused_new(d);
		return EXIT_NOCHANGE;
	}
	d->err = resolve(d);		/* kept entries, relocation targets, klp, facts */
	if (run_error(d))
		return EXIT_ERROR;
	if (d->refusals.head)
		return EXIT_REFUSED;
	d->err = emit_object(d);	/* d->out, as decided */
	if (run_error(d))
		return EXIT_ERROR;
	d->err = obj_write(d->out, d->out_path);
	if (d->err) {
		if (d->err != -ENOMEM)	/* main reports that */
			pr_err("%s: cannot write the output object", d->out_path);
		return EXIT_ERROR;
	}
	return EXIT_WRITTEN;
}

void differ_free(struct differ *d)
{
	special_free(d);
	resolve_free(d);
	klp_free_patch_globals(d);
	free_names(&d->patch_refs, &d->nr_patch_refs);
	free_names(&d->made_global, &d->nr_made_global);
	differ_detach(d->orig);
	differ_detach(d->patched);
	if (d->out)
		obj_close(d->out);
	if (d->patched)
		obj_close(d->patched);
	if (d->orig)
		obj_close(d->orig);
	facts_free(d);
	free(d->lines);
	while (d->nr_anon_entries)
		free(d->anon_entries[--d->nr_anon_entries].off);
	free(d->anon_entries);
	free(d->const_uses);
	free(d->alias_prefix);
}
