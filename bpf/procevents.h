/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by the process-event backends (execsnoop, exitsnoop) and
 * user space (__u32/__u64 only). Both backends write struct proc_event
 * records into the one ring buffer proc_events (bpf/procevents.bpf.h).
 */
#ifndef PROCEVENTS_H
#define PROCEVENTS_H

#define PROC_EVENT_COMM_LEN	16	/* TASK_COMM_LEN */
#define PROC_EVENT_FILENAME_LEN	128

enum proc_event_type {
	PROC_EVENT_EXEC = 1,
	PROC_EVENT_EXIT = 2,
};

/* 176 bytes, every field naturally aligned: no hidden padding, so BPF and
 * user space agree on the layout and no uninitialised bytes are sent. */
struct proc_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 type;		/* enum proc_event_type */
	__u32 pid;		/* tgid */
	__u32 ppid;		/* tgid of real_parent */
	__u32 uid;		/* real uid, in the initial user namespace */
	__s32 exit_code;	/* EXIT: exit status (0-255); EXEC: 0 */
	__u32 _pad;		/* zero; keeps comm and the size 8-aligned */
	char comm[PROC_EVENT_COMM_LEN];		/* NUL-padded */
	char filename[PROC_EVENT_FILENAME_LEN];	/* EXEC: path run; EXIT: "" */
};

/* Counters of each backend (exec_stats, exit_stats), per CPU. */
struct proc_event_stats {
	__u64 events;		/* records submitted to proc_events */
	__u64 dropped;		/* records lost: ring buffer full */
};

_Static_assert(sizeof(struct proc_event) == 176, "struct proc_event layout");

#endif /* PROCEVENTS_H */
