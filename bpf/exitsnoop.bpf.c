// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * exitsnoop: one PROCEVENT_EXIT record per process exit, into the ring
 * buffer shared with execsnoop. The tracepoint fires for every exiting
 * thread; the process is gone when the last of its threads goes, which is
 * not always the leader: a leader that calls pthread_exit() leaves the
 * others running (and the process's exit status is the last one's).
 * do_exit() has counted the thread out of signal->live before the
 * tracepoint: 0 there is the whole group dead (the kernel's own
 * group_dead, which older kernels do not pass to the tracepoint).
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
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct procevent *e;
	int status;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0; /* other threads of the process live on */

	e = procevent_reserve(PROCEVENT_EXIT);
	if (!e) {
		procevent_count(&exit_stats, 1);
		return 0;
	}
	/* do_exit() has stored the wait(2) status by now: a killing signal
	 * in bits 0-6, else the exit status in bits 8-15. A signal is told
	 * as its negated number, as Python's returncode does: -9 (SIGKILL)
	 * never passes for a clean exit 0. */
	status = BPF_CORE_READ(task, exit_code);
	e->exit_code = status & 0x7f ? -(status & 0x7f) : (status >> 8) & 0xff;
	/* The process's name: the last thread may be one named otherwise. */
	BPF_CORE_READ_STR_INTO(&e->comm, task, group_leader, comm);
	bpf_ringbuf_submit(e, 0);
	procevent_count(&exit_stats, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
