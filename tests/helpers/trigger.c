// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * trigger getppid N | trigger sockets N
 *
 * Make a known number of events for the test programs to count:
 *   getppid N   call getppid() N times, through the libc function (so a
 *               uprobe on libc's getppid sees them as well as the syscall
 *               tracepoints)
 *   sockets N   create and close N UDP sockets (cgroup/sock_create)
 * Prints "pid=PID" first, so a test can match per-process counts.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

static const char *prog = "trigger";

static void usage(void)
{
	fprintf(stderr, "usage: %s getppid N | %s sockets N | %s exit CODE\n"
		"  getppid N  call getppid() N times (via libc)\n"
		"  sockets N  create and close N UDP sockets\n"
		"  exit CODE  exit with status CODE at once\n", prog, prog, prog);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long n, i;
	char *end;

	if (argc != 3)
		usage();
	errno = 0;
	n = strtoul(argv[2], &end, 10);
	if (errno || end == argv[2] || *end || argv[2][0] == '-') {
		fprintf(stderr, "%s: bad count '%s'\n", prog, argv[2]);
		usage();
	}
	if (!strcmp(argv[1], "exit")) {
		/* exit CODE: an exit status for exit-event tests. */
		if (n > 255) {
			fprintf(stderr, "%s: exit code %lu out of range\n", prog, n);
			usage();
		}
		return (int)n;
	}
	if (strcmp(argv[1], "getppid") && strcmp(argv[1], "sockets")) {
		fprintf(stderr, "%s: unknown event '%s'\n", prog, argv[1]);
		usage();
	}

	/* Flushed now: a pipe reader may need the pid before we are done. */
	if (printf("pid=%d\n", (int)getpid()) < 0 || fflush(stdout)) {
		fprintf(stderr, "%s: write pid: %s\n", prog, strerror(errno));
		return 1;
	}

	if (!strcmp(argv[1], "getppid")) {
		/* volatile: the calls must happen even if the result is unused. */
		volatile pid_t sink;

		for (i = 0; i < n; i++)
			sink = getppid();
		(void)sink;
		return 0;
	}

	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0) {
			fprintf(stderr, "%s: socket %lu of %lu: %s\n",
				prog, i + 1, n, strerror(errno));
			return 1;
		}
		if (close(fd)) {
			fprintf(stderr, "%s: close: %s\n", prog, strerror(errno));
			return 1;
		}
	}
	return 0;
}
