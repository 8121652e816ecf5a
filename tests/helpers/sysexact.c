// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysexact NAME N
 *
 * A process whose thread named NAME makes exactly N syscalls, all
 * getppid(), and no other: what a per-(pid, comm) syscall counter must
 * show as N. Prints "pid=PID" first.
 *
 * Every process makes syscalls of its own (the loader's, exit_group), so
 * the count is made exact by the thread's name, which the counter keys on:
 * the main thread renames itself (the prctl is entered under the old name),
 * makes the N calls, then tells a second thread so through memory, no
 * syscall, and spins; the second thread, still under the program's name,
 * ends the process with exit_group, which takes the spinning thread along
 * without it entering the kernel again.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "sysexact";
#include "helper.h"

static atomic_int done;

static void usage(void)
{
	fprintf(stderr, "usage: %s NAME N\n"
		"  as thread NAME (at most 15 bytes), call getppid() N times and\n"
		"  make no other syscall; print \"pid=PID\" first\n", prog);
	exit(2);
}

/* Under the program's name: wait for the N calls, then end the process. */
static void *reaper(void *arg)
{
	const struct timespec tick = { .tv_nsec = 1000000 };

	while (!atomic_load_explicit(&done, memory_order_acquire))
		nanosleep(&tick, NULL);
	_exit(0);
}

int main(int argc, char **argv)
{
	unsigned long n, i;
	pthread_t t;
	int r;

	if (argc != 3 || !argv[1][0] || strlen(argv[1]) > 15)
		usage();
	n = parse_num(argv[2], "N", 1, 1UL << 40);
	if (printf("pid=%d\n", (int)getpid()) < 0 || fflush(stdout))
		die("write pid");
	r = pthread_create(&t, NULL, reaper, NULL);
	if (r) {
		errno = r;
		die("pthread_create");
	}
	if (prctl(PR_SET_NAME, argv[1]))
		die("prctl PR_SET_NAME");
	/* From here on this thread enters the kernel only for these. */
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	atomic_store_explicit(&done, 1, memory_order_release);
	for (;;)
		;
}
