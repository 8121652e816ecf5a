/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/runqlat.bpf.c and user space (__u32/__u64 only). */
#ifndef RUNQLAT_H
#define RUNQLAT_H

/* Delays are stored in nanoseconds (no division on the hot path; the
 * readers scale by 1e-9 to seconds). 36 buckets reach 2^35 ns (34 s):
 * a task that waited longer than that for a CPU lands in the last
 * bucket, and its full delay is still in sum. */
#define RUNQLAT_BUCKETS 36

/* Value of run_queue_latency. bucket 0 counts zero delays, bucket i > 0
 * delays in [2^(i-1), 2^i - 1] ns; sum is the total delay in ns. */
struct runqlat_hist {
	__u64 buckets[RUNQLAT_BUCKETS];
	__u64 sum;
};

#endif /* RUNQLAT_H */
