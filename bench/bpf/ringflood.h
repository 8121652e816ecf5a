/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types of the ringflood bench backend, shared by BPF and the bench helpers
 * (__u32/__u64 only): bench/bpf/ringflood.bpf.c, bench/helpers/ringflood.c.
 */
#ifndef RINGFLOOD_H
#define RINGFLOOD_H

#define FLOOD_COMM_LEN		16
#define FLOOD_FILENAME_LEN	72

/* 104 bytes, execsnoop-sized, no hidden padding. */
struct flood_event {
	__u64 seq;		/* this CPU's produced count, from 1 */
	__u32 pid;		/* tgid */
	__u32 ppid;		/* tgid of real_parent */
	char comm[FLOOD_COMM_LEN];
	char filename[FLOOD_FILENAME_LEN];
};

/* flood_cfg[0], written by the producer (tgid 0: off). */
struct flood_cfg {
	__u32 tgid;		/* the producer's */
	__u32 nr;		/* the syscall it issues */
	__u32 flags;		/* FLOOD_F_* */
	__u32 burst;		/* records per call, 1 to FLOOD_BURST_MAX (0: 1) */
};

#define FLOOD_F_WAKEUP	1	/* BPF_RB_FORCE_WAKEUP on every record (the peer) */
#define FLOOD_BURST_MAX	16

/* flood_stats[0], per CPU. */
struct flood_stats {
	__u64 produced;		/* records submitted */
	__u64 dropped;		/* reservations that failed: ring buffer full */
};

#endif /* RINGFLOOD_H */
