// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "log.h"

static const char *progname = "hotpatch";
static enum log_level max_level = LOG_INFO;
static log_hook_t hook;
static void *hook_arg;

void log_set_progname(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_set_hook(log_hook_t fn, void *arg)
{
	hook = fn;
	hook_arg = arg;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const tag[] = {
		[LOG_ERROR] = "error: ",
		[LOG_WARN] = "warning: ",
		[LOG_INFO] = "",
		[LOG_DEBUG] = "debug: ",
	};
	char buf[4096];

	if (level > max_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (hook) {
		hook(level, buf, hook_arg);
		return;
	}
	fprintf(stderr, "%s: %s%s\n", progname, tag[level], buf);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
