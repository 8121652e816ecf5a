/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by the process-event backends (execsnoop, exitsnoop) and
 * user space (__u32/__u64 only). Both backends write struct procevent
 * records into the one ring buffer proc_events (bpf/procevents.bpf.h).
 *
 * The names are not the kernel's: vmlinux.h has the proc connector's
 * struct proc_event and enum proc_cn_event (PROC_EVENT_EXEC, ...), and
 * readers look records and enums up by name in BTF.
 */
#ifndef PROCEVENTS_H
#define PROCEVENTS_H

#define PROCEVENT_COMM_LEN	16	/* TASK_COMM_LEN */
#define PROCEVENT_FILENAME_LEN	128
/* argv as libbpf-tools execsnoop shows it by default: the first 20
 * arguments, in at most 256 bytes. */
#define PROCEVENT_ARGS_LEN	256
#define PROCEVENT_MAX_ARGS	20

/* Readers show the type field by name (EBPF_DECODE enum:procevent_type):
 * "exec", "exit". */
enum procevent_type {
	PROCEVENT_EXEC = 1,
	PROCEVENT_EXIT = 2,
};

/* 432 bytes, every field naturally aligned and named: no padding, so BPF
 * and user space agree on the layout, no uninitialised bytes are sent and
 * readers show no filler field. */
struct procevent {
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 type;		/* enum procevent_type */
	__u32 pid;		/* tgid */
	__u32 ppid;		/* tgid of real_parent */
	__u32 uid;		/* real uid, in the initial user namespace */
	__s32 exit_code;	/* EXIT: exit status (0-255), or -N when
				 * killed by signal N; EXEC: 0 */
	/* EXEC: bytes of the program's whole argument list (its argv
	 * strings, each with its NUL), of which args holds the start: args
	 * was cut when this is more than the bytes up to its last NUL.
	 * EXIT: 0. */
	__u32 args_size;
	char comm[PROCEVENT_COMM_LEN];		/* NUL-padded */
	char filename[PROCEVENT_FILENAME_LEN];	/* EXEC: path run; EXIT: "" */
	/* EXEC: argv[0], argv[1], ... each NUL-terminated, at most
	 * PROCEVENT_MAX_ARGS of them; the last may be cut (no NUL) at
	 * PROCEVENT_ARGS_LEN; the rest is zero. EXIT: all zero. */
	char args[PROCEVENT_ARGS_LEN];
};

/* Counters of each backend (exec_stats, exit_stats), per CPU. */
struct procevent_stats {
	__u64 events;		/* every event seen, whether recorded or not */
	__u64 dropped;		/* of those, records lost: ring buffer full */
};

_Static_assert(sizeof(struct procevent) == 432, "struct procevent layout");

#endif /* PROCEVENTS_H */
