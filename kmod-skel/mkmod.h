/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hotpatch-mkmod's model of one patch module, shared by its steps:
 *
 *   facts.c    read and check each differ output's FACTS.json against the index
 *   prelink.c  check each differ object and rewrite what the module link needs
 *   records.c  the klp records as data (hp-klp.o, see klp-records.h)
 *   mkmod.c    options, the order of the steps, the kbuild directory
 */
#ifndef HOTPATCH_KMOD_MKMOD_H
#define HOTPATCH_KMOD_MKMOD_H

#include <stdbool.h>
#include <stddef.h>

struct symidx;
struct ksymvers;

struct func {
	char *name;
	char *alias;
	unsigned long sympos;
	struct input *in;
};

/* One differ output: OUT.o + FACTS.json. */
struct input {
	const char *obj_path;
	const char *facts_path;
	char *object;		/* "object" of the facts: the source object path */
	char *target;		/* "vmlinux" or a module name */
	struct func *funcs;
	size_t nr_funcs;
	unsigned int n;		/* hp-obj-<n>.o after sorting */
};

struct mkmod {
	const char *name;		/* the module's */
	bool replace;
	struct input *in;
	size_t nr_in;
	const struct symidx *idx;	/* NULL: nothing checked against the index */
	const struct ksymvers *sv;	/* NULL: no Module.symvers */
	char **imports;			/* symbol namespaces to import */
	size_t nr_imports;
	char **targets;			/* sorted: vmlinux first */
	size_t nr_targets;
};

/* facts.c: 0 or -errno with a message naming the facts file. */
int facts_load(struct input *in, const struct symidx *idx);
/* The function the kernel will look up as (target, name, sympos) must exist. */
int facts_check_func(const struct symidx *idx, const struct func *fn);
/* What facts_load() allocated (also after it failed). */
void facts_free(struct input *in);

/*
 * prelink.c: check @in's object against its facts and write the copy the
 * module links to @dst (rewritten when a reference must become a .klp.sym
 * one; the namespaces it needs are added to m->imports).
 */
int prelink(struct mkmod *m, struct input *in, const char *dst);

/* records.c: the klp records of every input into the ET_REL object @path. */
int records_write(const struct mkmod *m, const char *path);

/* vmlinux first, then by name: the order of klp objects. */
int cmp_target(const char *a, const char *b);

#endif
