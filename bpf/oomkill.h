/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/oomkill.bpf.c and user space (__u32/__u64 only). */
#ifndef OOMKILL_H
#define OOMKILL_H

#define OOMKILL_COMM_LEN	16	/* TASK_COMM_LEN */

/*
 * One record per OOM kill, in the ring buffer oom_events. The memory
 * figures are those the oom/mark_victim tracepoint records, in KiB; a
 * field the running kernel's tracepoint lacks is 0 (older kernels give the
 * pid alone). 96 bytes, every field naturally aligned: no padding.
 */
struct oomkill_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 total_vm_kb;	/* the victim's virtual memory */
	__u64 anon_rss_kb;	/* resident anonymous memory */
	__u64 file_rss_kb;	/* resident file pages */
	__u64 shmem_rss_kb;	/* resident shared memory */
	__u64 pgtables_kb;	/* page tables */
	__u32 pid;		/* the victim: the task the kernel marked (its
				 * thread id; the pid of a single-threaded one) */
	__u32 uid;		/* its uid */
	__u32 trigger_pid;	/* pid (tgid) whose allocation ran into the OOM */
	__s32 oom_score_adj;	/* the victim's, -1000..1000 */
	char comm[OOMKILL_COMM_LEN];		/* the victim's */
	char trigger_comm[OOMKILL_COMM_LEN];	/* the trigger's */
};

/* Value of oom_stats. kills counts every kill, recorded or not. */
struct oomkill_stats {
	__u64 kills;		/* OOM kills seen */
	__u64 dropped;		/* of those, records lost: ring buffer full */
};

_Static_assert(sizeof(struct oomkill_event) == 96, "struct oomkill_event layout");

#endif /* OOMKILL_H */
