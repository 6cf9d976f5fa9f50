/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IBT check of a patch module for a kernel built with X86_KERNEL_IBT
 * (Debian's 6.12: also CALL_PADDING and RETHUNK).  Every patched function
 * of the facts, found in the module by its alias,
 *   - starts with endbr64 whenever the running kernel's original does (an
 *     indirect call into a function without ENDBR is a #CP fault on a CPU
 *     that enforces IBT; where the kernel's copy has none, gcc proved it is
 *     only called directly, and an ENDBR more does no harm);
 *   - is preceded by 16 bytes of NOP padding and its 16-byte __pfx_<alias>
 *     function symbol (call depth thunks and FineIBT are written into that
 *     padding at load);
 *   - has a .return_sites entry for every jump to __x86_return_thunk in it
 *     (apply_returns() rewrites them into the return sequence the kernel
 *     chose; an unlisted one WARNs and stays unmitigated);
 *   - is covered by ORC entries (an .orc_unwind_ip entry of its section at or
 *     before its first instruction): reliable stack traces, which livepatch
 *     transitions need.
 * The original's first bytes come from the dbg vmlinux at the symbol
 * index's address, or from the target module's .ko(.xz) in the modules
 * directory (its symbol of that name at the index's offset).
 *
 * Why static: qemu's TCG shows the guest no IBT, so a module with a
 * missing ENDBR would pass a VM test and fault on real hardware.
 */
#ifndef HOTPATCH_KMOD_IBTCHECK_H
#define HOTPATCH_KMOD_IBTCHECK_H

#include <stddef.h>

struct object;
struct symidx;
struct input;

struct ibt_sources {
	const struct symidx *idx;	/* where each original is (address or offset) */
	const char *vmlinux;		/* the target's dbg vmlinux: its code bytes */
	const char *moddir;		/* lib/modules/<release>: modules.dep and modules */
};

/*
 * Check the functions of @nr inputs (facts_load()ed) in the linked module
 * @ko.  0, or -errno after reporting every problem found, each naming the
 * module, section and function.
 */
int ibt_check(struct object *ko, const struct ibt_sources *src, const struct input *in,
	      size_t nr);

#endif
