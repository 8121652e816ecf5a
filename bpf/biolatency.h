/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/biolatency.bpf.c and user space (__u32/__u64 only). */
#ifndef BIOLATENCY_H
#define BIOLATENCY_H

/*
 * Latency is bucketed in microseconds: 28 buckets reach 2^26 us (67 s), so
 * the last bucket counts every I/O of 67 s or more. Nothing finer: a block
 * device takes microseconds at the least, and nanosecond buckets would
 * only add empty series to every scrape.
 */
#define BIOLATENCY_BUCKETS 28

/*
 * The request operation (rq->cmd_flags & REQ_OP_MASK), named. These are the
 * kernel's REQ_OP_* values that have not moved since v4.10 (the zone
 * operations have, more than once: they stay numbers). A named enum of our
 * own, so readers name the values (EBPF_DECODE "enum:biolatency_op")
 * whatever the running kernel calls its enum.
 */
enum biolatency_op {
	BIOLATENCY_OP_READ = 0,
	BIOLATENCY_OP_WRITE = 1,
	BIOLATENCY_OP_FLUSH = 2,
	BIOLATENCY_OP_DISCARD = 3,
	BIOLATENCY_OP_SECURE_ERASE = 5,
	BIOLATENCY_OP_WRITE_ZEROES = 9,
};

/* Key of io_latency: one histogram per disk and operation. */
struct biolatency_key {
	__u32 disk;		/* dev_t of the whole disk: major << 20 | minor */
	__u32 op;		/* enum biolatency_op, or another REQ_OP_* number */
};

/*
 * An I/O's latency in whole microseconds, rounded up. The readers label
 * bucket i with 2^i - 1 us (le="..." in Prometheus): with the latency
 * rounded up, every I/O counted there took at most that long. Cut down
 * (ns / 1000), a 15.9 us I/O was counted under le=15 us, and one of
 * 0.9 us under le=0.
 */
static inline __u64 biolatency_us(__u64 ns)
{
	return (ns + 999) / 1000;
}

/* Value of io_latency: bucket i > 0 counts I/Os of (2^(i-1) - 1, 2^i - 1]
 * us, bucket 0 none (a latency is never 0); sum is the total latency, each
 * I/O's rounded up to the microsecond (biolatency_us()). */
struct biolatency_hist {
	__u64 buckets[BIOLATENCY_BUCKETS];
	__u64 sum;
};

#endif /* BIOLATENCY_H */
