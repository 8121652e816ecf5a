/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/bitehist.bpf.c and user space (__u32/__u64 only). */
#ifndef BITEHIST_H
#define BITEHIST_H

/* 40 buckets reach 2^38 bytes (256 GiB): more than any single request. */
#define BITEHIST_BUCKETS 40

/* Value of io_size. bucket 0 counts 0-byte requests (e.g. flushes), bucket
 * i > 0 counts sizes in [2^(i-1), 2^i - 1]; sum is the total in bytes. */
struct bitehist_hist {
	__u64 buckets[BITEHIST_BUCKETS];
	__u64 sum;
};

#endif /* BITEHIST_H */
