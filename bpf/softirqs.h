/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/softirqs.bpf.c and user space (__u32/__u64 only). */
#ifndef SOFTIRQS_H
#define SOFTIRQS_H

/*
 * The softirq vectors, numbered as the kernel numbers them (HI_SOFTIRQ = 0
 * .. RCU_SOFTIRQ = 9 in include/linux/interrupt.h, the numbers the
 * irq/softirq_entry tracepoint reports and prints). The kernel's enum has
 * no name, so readers could not name the vectors from it (docs/tags.md,
 * "Anonymous kernel enums"): this one does, and readers show its
 * enumerators without the common prefix, as hi, timer, net_tx, ...
 */
enum softirq_vec {
	SOFTIRQ_VEC_HI = 0,
	SOFTIRQ_VEC_TIMER = 1,
	SOFTIRQ_VEC_NET_TX = 2,
	SOFTIRQ_VEC_NET_RX = 3,
	SOFTIRQ_VEC_BLOCK = 4,
	SOFTIRQ_VEC_IRQ_POLL = 5,
	SOFTIRQ_VEC_TASKLET = 6,
	SOFTIRQ_VEC_SCHED = 7,
	SOFTIRQ_VEC_HRTIMER = 8,
	SOFTIRQ_VEC_RCU = 9,
};

/* NR_SOFTIRQS. Not an enumerator, so that readers never show it as one. */
#define SOFTIRQ_VECS 10

/* Times are stored in nanoseconds (no division per event; readers scale
 * by 1e-9 to seconds). 32 buckets reach 2^31 ns (2.1 s): softirq runs are
 * bounded by the kernel (__do_softirq hands over to ksoftirqd after 2 ms),
 * so the last bucket only catches the pathological. */
#define SOFTIRQS_BUCKETS 32

/* Value of softirq_time, per vector. bucket 0 counts zero times, bucket
 * i > 0 times in [2^(i-1), 2^i - 1] ns; sum is the total time in ns. */
struct softirqs_hist {
	__u64 buckets[SOFTIRQS_BUCKETS];
	__u64 sum;
};

#endif /* SOFTIRQS_H */
