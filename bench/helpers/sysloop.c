// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysloop SECONDS | sysloop -n CALLS
 *
 * The fixed syscall workload of the per-event overhead benchmark: issue
 * getppid(2) through syscall(2) (so no libc caching can skip the kernel)
 * in a tight loop, for SECONDS of wall time or for CALLS calls, then print
 * "CALLS_PER_S CALLS SECONDS" on one line. getppid is about the cheapest
 * syscall there is, so what a sys_enter program costs shows up in the rate.
 * The clock is read from the vDSO every 1024 calls: no syscall of its own.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *prog = "sysloop";
#include "helper.h"
#include "util.h"

#define BATCH 1024

static void usage(void)
{
	fprintf(stderr, "usage: %s SECONDS | %s -n CALLS\n"
		"  getppid() in a loop; print \"CALLS_PER_S CALLS SECONDS\"\n", prog, prog);
	exit(2);
}


int main(int argc, char **argv)
{
	unsigned long calls = 0, max_calls = 0, i;
	double secs = 0, t0, t1;

	if (argc == 3 && !strcmp(argv[1], "-n"))
		max_calls = parse_num(argv[2], "CALLS", 1, 1UL << 40);
	else if (argc == 2 && strcmp(argv[1], "--help"))
		secs = parse_num(argv[1], "SECONDS", 1, 3600);
	else
		usage();

	t0 = monotonic_s();
	if (max_calls) {
		for (i = 0; i < max_calls; i++)
			syscall(SYS_getppid);
		calls = max_calls;
		t1 = monotonic_s();
	} else {
		for (;;) {
			for (i = 0; i < BATCH; i++)
				syscall(SYS_getppid);
			calls += BATCH;
			t1 = monotonic_s();
			if (t1 - t0 >= secs)
				break;
		}
	}
	printf("%.0f %lu %.6f\n", calls / (t1 - t0), calls, t1 - t0);
	return 0;
}
