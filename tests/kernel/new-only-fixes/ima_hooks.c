// SPDX-License-Identifier: GPL-2.0
/* Before the patch is enabled, check that the first MiB past 1 MiB lies in mapped RAM. */
#include "hotpatch.h"

int ima_validate_range(phys_addr_t phys, size_t size);

static int check_range(struct klp_object *obj)
{
	return ima_validate_range(0x100000, 0x100000);
}

HOTPATCH_PRE_PATCH(vmlinux, check_range)
