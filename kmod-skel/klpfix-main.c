// SPDX-License-Identifier: GPL-2.0
/*
 * hotpatch-klpfix: the livepatch post-link step as a command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "object.h"
#include "symindex.h"
#include "klp.h"
#include "symvers.h"
#include "klpfix.h"
#include "mkmod.h"
#include "ibtcheck.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: hotpatch-klpfix --index SYMINDEX --symvers Module.symvers [--release REL] [-v]\n"
"                       [--ibt-check FACTS.json... --vmlinux VMLINUX --moddir DIR]\n"
"                       IN.ko -o OUT.ko\n"
"\n"
"Rewrites a kbuild-linked livepatch module into the livepatch ELF format\n"
"(.klp.rela.<obj>.<section> sections with SHF_RELA_LIVEPATCH | SHF_ALLOC,\n"
".klp.sym.<obj>.<name>,<pos> symbols with st_shndx SHN_LIVEPATCH) after proving\n"
"that every undefined symbol is exported by the target or a klp symbol of the\n"
"index, that __versions carries the target's CRCs and .modinfo says livepatch=Y.\n"
"  --release REL        vermagic to require (default: the index's release)\n"
"  --ibt-check FACTS    (repeatable) for a kernel with X86_KERNEL_IBT: also prove that\n"
"                       each function FACTS (the differ's FACTS.json) patches starts\n"
"                       with endbr64 whenever the kernel's original does, is preceded\n"
"                       by 16 bytes of NOP padding and its __pfx_ symbol, has a\n"
"                       .return_sites entry for every __x86_return_thunk jump and\n"
"                       ORC entries; needs:\n"
"  --vmlinux VMLINUX    the target's dbg vmlinux (the originals' bytes, at the index's\n"
"                       addresses)\n"
"  --moddir DIR         the target's lib/modules/RELEASE (modules.dep; .ko or .ko.xz)\n"
"Exit: 0 written, 1 refused or error (nothing written).\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "symvers", required_argument, NULL, 's' },
		{ "release", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "ibt-check", required_argument, NULL, 'b' },
		{ "vmlinux", required_argument, NULL, 'x' },
		{ "moddir", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *index = NULL, *symvers = NULL, *release = NULL, *out = NULL;
	struct klpfix_stats st;
	struct symidx *idx = NULL;
	struct ksymvers *sv = NULL;
	struct object *obj = NULL;
	struct ibt_sources ibt = { 0 };
	struct input *facts = NULL;
	size_t nr_facts = 0, i;
	int opt, ret = 1, err = 0, fix;

	log_set_progname(argv[0]);
	while ((opt = getopt_long(argc, argv, "o:vh", lopts, NULL)) != -1) {
		switch (opt) {
		case 'i': index = optarg; break;
		case 's': symvers = optarg; break;
		case 'r': release = optarg; break;
		case 'o': out = optarg; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'x': ibt.vmlinux = optarg; break;
		case 'm': ibt.moddir = optarg; break;
		case 'b': {
			struct input *n = realloc(facts, (nr_facts + 1) * sizeof(*facts));

			if (!n) {
				pr_err("out of memory");
				goto out;
			}
			facts = n;
			memset(&facts[nr_facts], 0, sizeof(*facts));
			facts[nr_facts].facts_path = facts[nr_facts].obj_path = optarg;
			nr_facts++;
			break;
		}
		case 'h': usage(stdout); return 0;
		case 'V': printf("hotpatch-klpfix %s\n", HOTPATCH_VERSION); return 0;
		default: usage(stderr); goto out;
		}
	}
	if (!index || !symvers || !out || optind != argc - 1 ||
	    (nr_facts && (!ibt.vmlinux || !ibt.moddir))) {
		usage(stderr);
		goto out;
	}
	idx = symidx_open(index);
	if (!idx)
		goto out;
	ibt.idx = idx;
	for (i = 0; i < nr_facts; i++)
		if (facts_load(&facts[i], idx))
			goto out;
	sv = ksymvers_load(symvers);
	if (!sv) {
		err = -errno;
		goto out;
	}
	obj = obj_open(argv[optind], 0);
	if (!obj) {
		err = -errno;	/* elf/ said why, but running out of memory */
		goto out;
	}
	if (!release)
		release = symidx_release(idx);
	/* the checks of the module as linked; klpfix_object() leaves what they read alone */
	err = nr_facts ? ibt_check(obj, &ibt, facts, nr_facts) : 0;
	fix = klpfix_object(obj, idx, sv, release, &st);
	if (fix == -ENOMEM || err == -ENOMEM) {
		err = -ENOMEM;
		goto out;
	}
	if (fix || err) {
		pr_err("%s: refused; no module written to %s", argv[optind], out);
		goto out;
	}
	err = obj_write(obj, out);
	if (err)
		goto out;
	pr_debug("%s: %zu klp symbols, %zu relocations in %zu .klp.rela sections, "
		 "%zu exported symbols", out, st.klp_syms, st.klp_relocs, st.klp_secs,
		 st.exported);
	ret = 0;
out:
	if (err == -ENOMEM)	/* the one report of it, wherever it happened */
		pr_err("%s: out of memory; no module written to %s; free memory or raise the "
		       "process's limit (ulimit -v) and run again", argv[optind], out);
	if (obj)
		obj_close(obj);
	ksymvers_free(sv);
	if (idx)
		symidx_close(idx);
	for (i = 0; i < nr_facts; i++)
		facts_free(&facts[i]);
	free(facts);
	return ret;
}
