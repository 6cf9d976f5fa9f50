// SPDX-License-Identifier: GPL-2.0
/*
 * hotpatch-ppcmp ORIG.i PATCHED.i - can a translation unit whose only
 * change is in the headers it includes compile to another object?  Exit 0:
 * it cannot (identical tokens, or only unused function declarations and
 * static inline functions differ), the reason on stdout; 2: it may (the
 * first difference that may matter on stdout); 1: error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "log.h"
#include "ppcmp.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hotpatch-ppcmp ORIG.i PATCHED.i\n"
		"Compare the preprocessed original and patched forms (gcc -E) of one translation unit\n"
		"whose own source is unchanged, and say whether its object may change.\n"
		"Exit status: 0 it cannot (the tokens, line markers and whitespace aside, are identical,\n"
		"or every difference is a function declaration or a static inline function that nothing\n"
		"in the unit uses, with attributes known to be neutral), 2 it may, 1 error.\n"
		"stdout: one line, \"identical\", \"unused: NAME...\" or \"differs: WHY\" (ORIG.i's line or\n"
		"PATCHED.i's).\n"
		"\n"
		"  --help       this text\n"
		"  --version    the version\n");
}

int main(int argc, char **argv)
{
	struct ppcmp_result res;
	char *a = NULL, *b = NULL;
	size_t alen, blen;
	int ret;

	log_set_progname("hotpatch-ppcmp");
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("hotpatch-ppcmp %s\n", HOTPATCH_VERSION);
		return 0;
	}
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		usage(stderr);
		return 1;
	}
	ret = read_whole_file(argv[1], &a, &alen);
	if (!ret)
		ret = read_whole_file(argv[2], &b, &blen);
	if (!ret)
		ret = ppcmp_compare(a, alen, b, blen, &res);
	free(a);
	free(b);
	if (ret == -ENOMEM) {
		pr_err("%s: out of memory; compile the unit instead (HOTPATCH_PREFILTER=0)", argv[2]);
		return 1;
	}
	if (ret)
		return 1;
	switch (res.verdict) {
	case PPCMP_IDENTICAL:
		printf("identical\n");
		break;
	case PPCMP_UNUSED:
		printf("unused: %s\n", res.why);
		break;
	default:
		printf("differs: %s\n", res.why);
		break;
	}
	if (fflush(stdout) || ferror(stdout)) {
		pr_err("writing the verdict: %s", strerror(errno));
		return 1;
	}
	return res.verdict == PPCMP_DIFFERS ? 2 : 0;
}
