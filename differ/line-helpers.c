// SPDX-License-Identifier: GPL-2.0
/*
 * line-helpers: kernel functions that take a line number, passed
 * __LINE__ by their wrapper macros (might_sleep, WARN, printk, lockdep,
 * the ext4/jbd2/btrfs/xfs/f2fs error helpers ...).  An immediate handed
 * to one of them is a line number, so a difference in it is a moved line,
 * not a change (lines.c).  A table, so adding a helper is one line.
 */
#include <string.h>

#include "differ.h"

static const char *const line_helpers[] = {
	"__might_sleep", "__might_resched", "__might_fault", "__cant_sleep", "__cant_migrate",
	"__warn_printk", "warn_slowpath_fmt", "__warn", "lockdep_rcu_suspicious", "_printk",
	"printk", "__dynamic_pr_debug", "__might_sleep_precision", "___might_sleep",
	"__ext4_journal_start_sb", "__ext4_journal_stop", "__ext4_journal_get_write_access",
	"__ext4_journal_get_create_access", "__ext4_handle_dirty_metadata", "__ext4_forget",
	"__ext4_error", "__ext4_error_inode", "__ext4_error_file", "__ext4_std_error",
	"__ext4_warning", "__ext4_warning_inode", "__ext4_grp_locked_error", "__ext4_new_inode",
	"__ext4_ext_dirty", "__ext4_mark_inode_dirty", "__ext4_journal_ensure_credits",
	"ext4_journal_abort_handle", "__ext4_journal_start_reserved",
	"__btrfs_handle_fs_error", "__btrfs_abort_transaction", "btrfs_assertfail",
	"xfs_error_report", "xfs_corruption_error", "assfail", "xfs_buf_corruption_error",
	"__jbd2_debug", "__nfs_debug", "__xfs_printk", "__ocfs2_error", "__ocfs2_abort",
	"__f2fs_bug_on", "f2fs_printk", "usercopy_abort", "__ubsan_handle_out_of_bounds",
};

bool is_line_helper(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(line_helpers) / sizeof(line_helpers[0]); i++)
		if (!strcmp(name, line_helpers[i]))
			return true;
	return false;
}
