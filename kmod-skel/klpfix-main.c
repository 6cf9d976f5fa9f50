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

static void usage(FILE *f)
{
	fprintf(f,
"Usage: hotpatch-klpfix --index SYMINDEX --symvers Module.symvers [--release REL] [-v] IN.ko -o OUT.ko\n"
"\n"
"Rewrites a kbuild-linked livepatch module into the livepatch ELF format\n"
"(.klp.rela.<obj>.<section> sections with SHF_RELA_LIVEPATCH | SHF_ALLOC,\n"
".klp.sym.<obj>.<name>,<pos> symbols with st_shndx SHN_LIVEPATCH) after proving\n"
"that every undefined symbol is exported by the target or a klp symbol of the\n"
"index, that __versions carries the target's CRCs and .modinfo says livepatch=Y.\n"
"  --release REL   vermagic to require (default: the index's release)\n"
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
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *index = NULL, *symvers = NULL, *release = NULL, *out = NULL;
	struct klpfix_stats st;
	struct symidx *idx = NULL;
	struct ksymvers *sv = NULL;
	struct object *obj = NULL;
	int opt, ret = 1;

	log_set_progname(argv[0]);
	while ((opt = getopt_long(argc, argv, "o:vh", lopts, NULL)) != -1) {
		switch (opt) {
		case 'i': index = optarg; break;
		case 's': symvers = optarg; break;
		case 'r': release = optarg; break;
		case 'o': out = optarg; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("hotpatch-klpfix %s\n", HOTPATCH_VERSION); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (!index || !symvers || !out || optind != argc - 1) {
		usage(stderr);
		return 1;
	}
	idx = symidx_open(index);
	if (!idx)
		goto out;
	sv = ksymvers_load(symvers);
	if (!sv)
		goto out;
	obj = obj_open(argv[optind], 0);
	if (!obj)
		goto out;
	if (!release)
		release = symidx_release(idx);
	if (klpfix_object(obj, idx, sv, release, &st)) {
		pr_err("%s: refused; no module written to %s", argv[optind], out);
		goto out;
	}
	if (obj_write(obj, out))
		goto out;
	pr_debug("%s: %zu klp symbols, %zu relocations in %zu .klp.rela sections, "
		 "%zu exported symbols", out, st.klp_syms, st.klp_relocs, st.klp_secs,
		 st.exported);
	ret = 0;
out:
	if (obj)
		obj_close(obj);
	ksymvers_free(sv);
	if (idx)
		symidx_close(idx);
	return ret;
}
