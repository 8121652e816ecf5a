// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ringflood [-w] [-b BURST] [-s SECONDS] MAPS_DIR RECORDS
 *
 * The producer of the ringflood bench backend (bench/bpf/ringflood.bpf.c):
 * writes its tgid and the syscall it issues into MAPS_DIR/flood_cfg, then
 * calls getppid(2) in a tight loop, RECORDS times (or for SECONDS, whichever
 * comes first); each call is one record in MAPS_DIR/events. Then switches
 * the backend off again and prints, on one line:
 *
 *   sent=N produced=P dropped=D seconds=T rate=R start=S
 *
 * N calls issued, P records the kernel submitted and D reservations it
 * failed (ring buffer full) during the run (deltas of flood_stats, summed
 * over CPUs), T the loop's wall time, R = N / T, S the CLOCK_MONOTONIC
 * seconds when the loop started.
 * -w: the BPF side submits every record with BPF_RB_FORCE_WAKEUP (the
 * per-record wakeup peer), instead of the kernel's adaptive notification.
 * -b BURST: each call makes BURST records (1 to FLOOD_BURST_MAX; RECORDS a
 * multiple of it), for a rate above the VM's syscall rate. N, P, D and R
 * count records, not calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../bpf/ringflood.h"

static const char *prog = "ringflood";
#include "helper.h"
#include "util.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s [-w] [-b BURST] [-s SECONDS] MAPS_DIR RECORDS\n", prog);
	exit(2);
}


static int open_map(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		die(path);
	return fd;
}

/* Sum of flood_stats[0] over the possible CPUs. */
static struct flood_stats read_stats(int fd, int ncpu)
{
	struct flood_stats sum = {}, *v = calloc(ncpu, sizeof(*v));
	__u32 zero = 0;

	if (!v || bpf_map_lookup_elem(fd, &zero, v))
		die("flood_stats");
	for (int c = 0; c < ncpu; c++) {
		sum.produced += v[c].produced;
		sum.dropped += v[c].dropped;
	}
	free(v);
	return sum;
}

int main(int argc, char **argv)
{
	struct flood_cfg cfg = { .nr = SYS_getppid, .burst = 1 };
	struct flood_stats before, after;
	unsigned long records, sent = 0;
	double seconds = 0, t0, t1, deadline;
	int opt, cfg_fd, stats_fd, ncpu;
	__u32 zero = 0;

	while ((opt = getopt(argc, argv, "wb:s:")) != -1) {
		switch (opt) {
		case 'w': cfg.flags |= FLOOD_F_WAKEUP; break;
		case 'b': cfg.burst = parse_num(optarg, "burst", 1, FLOOD_BURST_MAX); break;
		case 's': seconds = parse_num(optarg, "seconds", 1, 3600); break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	records = parse_num(argv[optind + 1], "records", 1, 1ul << 40);
	if (records % cfg.burst)
		usage();
	cfg_fd = open_map(argv[optind], "flood_cfg");
	stats_fd = open_map(argv[optind], "flood_stats");
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		die("possible cpus");

	before = read_stats(stats_fd, ncpu);
	cfg.tgid = getpid();
	if (bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY))
		die("flood_cfg");
	t0 = monotonic_s();
	deadline = seconds ? t0 + seconds : 0;
	while (sent < records) {
		unsigned long chunk = records - sent < 4096ul * cfg.burst ? records - sent :
				      4096ul * cfg.burst;

		for (unsigned long i = 0; i < chunk; i += cfg.burst)
			syscall(SYS_getppid);
		sent += chunk;
		if (deadline && monotonic_s() >= deadline)
			break;
	}
	t1 = monotonic_s();
	cfg.tgid = 0;
	if (bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY))
		die("flood_cfg");
	after = read_stats(stats_fd, ncpu);
	printf("sent=%lu produced=%llu dropped=%llu seconds=%.6f rate=%.0f start=%.6f\n", sent,
	       (unsigned long long)(after.produced - before.produced),
	       (unsigned long long)(after.dropped - before.dropped), t1 - t0, sent / (t1 - t0), t0);
	return 0;
}
