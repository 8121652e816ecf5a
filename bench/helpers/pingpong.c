// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pingpong ROUNDS
 *
 * The scheduler workload of the backends benchmark (bench/60-backends.sh):
 * two processes pass one byte back and forth over a pair of pipes, ROUNDS
 * times each way, then the parent prints "HANDOFFS_PER_S HANDOFFS SECONDS".
 * Both are pinned to one CPU, so every hand-off is a wakeup
 * (sched_wakeup) of the blocked peer followed by a switch to it
 * (sched_switch): the path run-queue latency tools measure, at a steady
 * rate and the same for every subject.
 */
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *prog = "pingpong";
#include "helper.h"
#include "util.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s ROUNDS\n"
		"  pass a byte back and forth ROUNDS times between two processes on\n"
		"  one CPU; print \"HANDOFFS_PER_S HANDOFFS SECONDS\"\n", prog);
	exit(2);
}

/* Read one byte from IN and write it to OUT, ROUNDS times (or the reverse
 * order when FIRST_WRITE): one side of the game. */
static int play(int in, int out, unsigned long rounds, int first_write)
{
	unsigned long i;
	char c = 0;

	for (i = 0; i < rounds; i++) {
		if (first_write && write(out, &c, 1) != 1)
			return -1;
		if (read(in, &c, 1) != 1)
			return -1;
		if (!first_write && write(out, &c, 1) != 1)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long rounds;
	int ping[2], pong[2], status;
	double t0, t1;
	cpu_set_t cpus;
	pid_t child;

	if (argc != 2 || !strcmp(argv[1], "--help"))
		usage();
	rounds = parse_num(argv[1], "ROUNDS", 1, 1UL << 32);

	/* One CPU for both, the one we run on now: inherited by the child. */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity");
	if (pipe(ping) || pipe(pong))
		die("pipe");

	t0 = monotonic_s();
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0)
		_exit(play(ping[0], pong[1], rounds, 0) ? 1 : 0);
	if (play(pong[0], ping[1], rounds, 1))
		die("pipe hand-off");
	t1 = monotonic_s();
	if (waitpid(child, &status, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "%s: the other side failed\n", prog);
		return 1;
	}
	printf("%.0f %lu %.6f\n", 2 * rounds / (t1 - t0), 2 * rounds, t1 - t0);
	return 0;
}
