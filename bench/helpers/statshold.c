// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * statshold
 *
 * Keeps BPF run-time statistics (run_time_ns, run_cnt) on until killed,
 * by holding the file descriptor of BPF_ENABLE_STATS; prints "held" once
 * it does. Unlike the kernel.bpf_stats_enabled sysctl, which anyone may
 * set back to 0 (another benchmark ending and restoring what it found),
 * the kernel keeps statistics on while any such descriptor is open: a
 * window of the per-event cost benchmarks is never cut short.
 */
#include <unistd.h>
#include <bpf/bpf.h>

static const char *prog = "statshold";
#include "helper.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s\n"
		"  keep BPF run-time statistics on until killed; print \"held\" once they are\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 1)
		usage();
	(void)argv;
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0) {
		errno = -fd;
		die("BPF_ENABLE_STATS");
	}
	printf("held\n");
	if (fflush(stdout))
		die("stdout");
	for (;;)
		pause();	/* until a signal ends us; the kernel closes fd */
}
