// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * forkstorm N
 *
 * Fork N children that exit at once, one after the other, reaping each:
 * N short-lived processes, each with a pid of its own that makes one
 * syscall (exit_group), as a busy host churns through them. Silent on
 * success; exits 1 if a fork or a child fails.
 *
 * vfork: the child shares our memory until it exits, so no page tables
 * are copied; a fork() each took ~6 ms on a loaded 2-CPU VM, too slow for
 * a test of 50000. _exit is all a vfork child may do, and all it does.
 */
#include <sys/wait.h>
#include <unistd.h>

static const char *prog = "forkstorm";
#include "helper.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s N\n  fork N children that exit at once\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long n, i;
	int status;
	pid_t pid;

	if (argc != 2)
		usage();
	n = parse_num(argv[1], "N", 1, 10000000);
	for (i = 0; i < n; i++) {
		pid = vfork();
		if (pid < 0)
			die("vfork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) < 0)
			die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "%s: child %lu of %lu did not exit 0\n", prog, i + 1, n);
			return 1;
		}
	}
	return 0;
}
