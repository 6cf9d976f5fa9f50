/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way every hotpatch C tool reports a problem.
 *
 * Library code never exits: it reports through pr_err()/pr_warn() and
 * returns -errno or NULL.  Only main() decides the exit code.  A tool
 * that wants its messages elsewhere (a test capturing them, the JSON
 * report) installs a hook with log_set_hook().
 *
 * Messages name the object, then the section and symbol when there is
 * one, then what went wrong, then what the user can do about it:
 *   hotpatch-diff: fs/proc/meminfo.o: .text.meminfo_proc_show: changed __init code ...
 */
#ifndef HOTPATCH_LOG_H
#define HOTPATCH_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

typedef void (*log_hook_t)(enum log_level level, const char *msg, void *arg);

/* Program name used as the message prefix ("hotpatch-diff"). */
void log_set_progname(const char *name);
/* Messages above this level are dropped (default LOG_INFO). */
void log_set_level(enum log_level level);
/* Replace the default stderr writer; NULL restores it. */
void log_set_hook(log_hook_t hook, void *arg);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define pr_err(fmt, ...)   log_msg(LOG_ERROR, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)  log_msg(LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  log_msg(LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) log_msg(LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif
