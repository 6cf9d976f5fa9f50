// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cpu-per-process.c - an LD_PRELOAD object for bench/bench-triage-cpu.sh: every process
 * that exits normally appends one line to $HOTPATCH_CPULOG:
 *
 *   PID PPID COMM MICROSECONDS CWD ARGV
 *
 * MICROSECONDS is the process's own user + system time (getrusage RUSAGE_SELF at exit: its
 * children are not counted), ARGV its first 160 bytes with '|' between the words. The time
 * of an exec'd process counts in the program it became. A process that ends by _exit, a
 * signal or a static binary writes nothing; the triage's are dynamic and exit normally.
 * One write(2) per line, opened O_APPEND: concurrent processes never interleave a line.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void read_small(const char *path, char *buf, size_t size)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

static void __attribute__((destructor)) cpu_per_process_log(void)
{
	const char *log = getenv("HOTPATCH_CPULOG");
	char comm[64], args[161], cwd[4096], line[4600];
	struct rusage ru;
	size_t i, len;
	int fd, n;

	if (!log || getrusage(RUSAGE_SELF, &ru))
		return;
	read_small("/proc/self/comm", comm, sizeof(comm));
	comm[strcspn(comm, "\n")] = '\0';
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	len = 0;
	if (fd >= 0) {
		n = read(fd, args, sizeof(args) - 1);
		len = n > 0 ? (size_t)n : 0;
		close(fd);
	}
	args[len] = '\0';
	for (i = 0; i < len; i++)
		if (args[i] == '\0' || args[i] == '\n' || args[i] == ' ')
			args[i] = '|';
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "?");
	n = snprintf(line, sizeof(line), "%d %d %s %ld %s %s\n", (int)getpid(), (int)getppid(),
		     comm[0] ? comm : "?",
		     (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L +
			     ru.ru_utime.tv_usec + ru.ru_stime.tv_usec,
		     cwd, args);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, n) != n) {
		/* a lost line is a process not counted; the bench says how many it saw */
	}
	close(fd);
}
