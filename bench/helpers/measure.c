// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * measure [-o FILE] CMD [ARG...]
 *
 * Run CMD with its stdout sent to FILE (default /dev/null) and print
 * "WALL_SECONDS MAXRSS_KB USER_SECONDS SYS_SECONDS" of that one run: the
 * peak resident set from wait4(2), which /usr/bin/time would give too but
 * is not on every machine. Exits with CMD's status (128+N for a signal).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *prog = "measure";
#include "helper.h"
#include "util.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s [-o FILE] CMD [ARG...]\n"
		"  print \"WALL_S MAXRSS_KB USER_S SYS_S\" of one run of CMD\n", prog);
	exit(2);
}


static double tv_s(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	const char *out = "/dev/null";
	struct rusage ru;
	double t0, t1;
	int status, argi = 1;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "--help"))
		usage();
	if (argc > 2 && !strcmp(argv[1], "-o")) {
		out = argv[2];
		argi = 3;
	}
	if (argi >= argc)
		usage();
	t0 = monotonic_s();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			die(out);
		execvp(argv[argi], argv + argi);
		die(argv[argi]);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		die("wait4");
	t1 = monotonic_s();
	printf("%.6f %ld %.6f %.6f\n", t1 - t0, ru.ru_maxrss, tv_s(ru.ru_utime), tv_s(ru.ru_stime));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
