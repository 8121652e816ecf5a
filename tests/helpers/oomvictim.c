// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * oomvictim PROCS_FILE MB
 *
 * Move itself (alone: no shell or parent comes along) into a memory cgroup
 * by writing its pid to PROCS_FILE (that cgroup's cgroup.procs), then
 * allocate and touch MB MiB, one MiB at a time. In a cgroup limited below
 * MB it is OOM-killed (SIGKILL) on the way; if it ever gets to the end it
 * exits 1, so a test can tell "not killed" from "killed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *prog = "oomvictim";

#include "helper.h"

#define MIB (1024 * 1024)

static void usage(void)
{
	fprintf(stderr, "usage: %s PROCS_FILE MB\n", prog);
	exit(2);
}

static void join_cgroup(const char *procs)
{
	FILE *f = fopen(procs, "w");

	if (!f)
		die(procs);
	if (fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
		die(procs);
}

int main(int argc, char **argv)
{
	unsigned long mb, i, off;
	volatile char *p;

	if (argc != 3)
		usage();
	mb = parse_num(argv[2], "MB", 1, 4096);
	join_cgroup(argv[1]);
	for (i = 0; i < mb; i++) {
		p = malloc(MIB);
		if (!p)
			die("malloc");
		/*
		 * Touch every page: only resident memory counts against the
		 * limit. Through a volatile pointer, as a memset of a block
		 * never read again lets clang drop the malloc and the memset.
		 */
		for (off = 0; off < MIB; off += 4096)
			p[off] = 0x5a;
	}
	fprintf(stderr, "%s: %lu MiB allocated and not killed\n", prog, mb);
	return 1;
}
