// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-diff: libFuzzer harness of hotpatch-diff's passes.  The input is a
 * pair of objects: a little-endian u32 N, then N bytes of ORIG, then the
 * rest as PATCHED (seeds are real orig/patched pairs; mutations change
 * either side, their sizes, or the split).  The pair runs through
 * hotpatch-diff's pipeline (differ_open, differ_run: differ/run.c), then
 * emit_json.
 *
 * Without an index every local is taken as unique and every global as
 * exported.  HP_FUZZ_INDEX=FILE (a symbol index, e.g. the release's)
 * with HP_FUZZ_OBJECT (default vmlinux) and HP_FUZZ_CU routes the klp
 * lookups through it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "differ.h"
#include "fuzz-common.h"

static struct lookup *index_lookup;
static const char *objname = "vmlinux";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *index = getenv("HP_FUZZ_INDEX");

	(void)argc;
	(void)argv;
	if (fuzz_init() || arch_init())
		abort();
	/* without an index the differ takes entry sizes as kpatch-build passes them: Debian 6.1's */
	setenv("BUG_STRUCT_SIZE", "12", 0);
	setenv("EX_STRUCT_SIZE", "12", 0);
	setenv("ALT_STRUCT_SIZE", "12", 0);
	setenv("JUMP_STRUCT_SIZE", "16", 0);
	setenv("ORC_STRUCT_SIZE", "6", 0);
	setenv("STATIC_CALL_STRUCT_SIZE", "8", 0);
	setenv("PARA_STRUCT_SIZE", "16", 0);
	if (getenv("HP_FUZZ_OBJECT"))
		objname = getenv("HP_FUZZ_OBJECT");
	if (index && index[0]) {
		index_lookup = lookup_index_open(index, objname, getenv("HP_FUZZ_CU"), NULL);
		if (!index_lookup) {
			fprintf(stderr, "fuzz-diff: cannot open the index %s\n", index);
			abort();
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char orig[PATH_MAX_FUZZ], patched[PATH_MAX_FUZZ], out[PATH_MAX_FUZZ], json[PATH_MAX_FUZZ];
	struct differ d = { 0 };
	uint32_t n;

	if (size < 4)
		return 0;
	n = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
	    (uint32_t)data[3] << 24;
	data += 4;
	size -= 4;
	if (n > size)
		n %= size + 1;
	if (fuzz_path(orig, "orig.o") || fuzz_path(patched, "patched.o") ||
	    fuzz_path(out, "out.o") || fuzz_path(json, "facts.json") ||
	    fuzz_write_file(orig, data, n) || fuzz_write_file(patched, data + n, size - n))
		return 0;
	unlink(out);

	d.orig_path = orig;
	d.patched_path = patched;
	d.out_path = out;
	d.objname = objname;
	d.display = "fuzz.o";
	d.alias_prefix = mem_strdup("hp_fuzz_");
	if (!d.alias_prefix)
		abort();

	d.lookup = index_lookup;
	if (!differ_open(&d))
		differ_run(&d);
	emit_json(&d, json, "fuzz");
	differ_free(&d);
	return 0;
}
