/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/biolatency.bpf.c and user space (__u32/__u64 only). */
#ifndef BIOLATENCY_H
#define BIOLATENCY_H

/*
 * Latency is bucketed in microseconds: 28 buckets reach 2^26 us (67 s), so
 * the last bucket counts every I/O of 67 s or more. Bucket 0 is "under
 * 1 us", which a block device does not do; finer buckets would only add
 * empty series to every scrape.
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

/* Value of io_latency: bucket 0 counts I/Os under 1 us, bucket i > 0 those
 * of [2^(i-1), 2^i - 1] us; sum is the total latency in us. */
struct biolatency_hist {
	__u64 buckets[BIOLATENCY_BUCKETS];
	__u64 sum;
};

#endif /* BIOLATENCY_H */
