// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * exitsnoop: one PROCEVENT_EXIT record per process exit, into the ring
 * buffer shared with execsnoop. The tracepoint fires for every exiting
 * thread; only the thread-group leader's exit stands for the process.
 *
 * tp_btf, not the classic tracepoint, which misses events while map
 * syscalls run (README, "Backends"). Its arguments are the exiting task (and, on newer kernels,
 * whether the group is dead): unused, the current task is the exiting one.
 */
/* Brings vmlinux.h, the libbpf headers and the shared ring buffer. */
#include "procevents.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct procevent_stats);
} exit_stats SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("Exits seen, and of those the ones dropped (ring buffer full)");

SEC("tp_btf/sched_process_exit")
int exitsnoop_exit(__u64 *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *task;
	struct procevent *e;

	if ((__u32)pid_tgid != pid_tgid >> 32)
		return 0;

	e = procevent_reserve(PROCEVENT_EXIT);
	if (!e) {
		procevent_count(&exit_stats, 1);
		return 0;
	}
	/* do_exit() has stored the wait(2) status by now: the exit status is
	 * in bits 8-15 (a killing signal, in bits 0-6, is not reported). */
	task = (struct task_struct *)bpf_get_current_task();
	e->exit_code = BPF_CORE_READ(task, exit_code) >> 8;
	bpf_ringbuf_submit(e, 0);
	procevent_count(&exit_stats, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
