// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * runqlat: run-queue latency, the time a runnable task waits for a CPU, as
 * a log2 histogram (libbpf-tools' runqlat, whole-machine view).
 *
 * A task joins a run queue when it is woken (sched_wakeup), when it is new
 * (sched_wakeup_new), or when it loses its CPU while still runnable
 * (sched_switch with prev preempted or still TASK_RUNNING); it leaves when
 * sched_switch picks it as next. The delay is the time between the two.
 *
 * tp_btf only: the task_struct pointers come straight from the tracepoint
 * as trusted BTF pointers, so fields are plain CO-RE-relocated loads and
 * task storage can hang off them; no kprobes (this kernel has none) and no
 * perf-buffer setup as a classic tracepoint pays. sched_switch runs on
 * every context switch of the machine: its fast path is a few loads, one
 * task-storage lookup (no hash), one clock read and an add on a per-CPU
 * histogram (no atomics).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_tags.h"
#include "bits.bpf.h"
#include "runqlat.h"

#define TASK_RUNNING 0

/*
 * When each task was enqueued, in ns (bpf_ktime_get_ns()); 0 once it ran.
 * Task storage rather than libbpf-tools' 10240-entry hash keyed by tid: it
 * is sized by the kernel, one u64 per task that has been enqueued while
 * this is loaded, and freed with the task, so it can neither fill up on a
 * host with many threads (a full hash loses every later wakeup) nor keep
 * entries of tasks that exited; and a lookup is a pointer walk from the
 * task, not a hash. max_entries must be 0 for this map type.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} start SEC(".maps")
	EBPF_HIDDEN;

/* One histogram, per CPU: a plain add, no cache line bouncing. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct runqlat_hist);
} run_queue_latency SEC(".maps")
	EBPF_LOG2_HISTOGRAM
	EBPF_UNIT("seconds") EBPF_SCALE("1e-9")
	EBPF_HELP("Time runnable tasks waited on a run queue for a CPU");

/* task_struct.state was renamed __state (and became unsigned int) in 5.14. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline unsigned int task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return t->__state;
	return ((struct task_struct___pre514 *)t)->state;
}

static __always_inline void enqueue(struct task_struct *p, __u64 now)
{
	__u64 *ts;

	/* The idle tasks (pid 0, one per CPU) never wait: they run when
	 * nothing else can. */
	if (!p->pid)
		return;
	ts = bpf_task_storage_get(&start, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts)
		*ts = now;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(runqlat_wakeup, struct task_struct *p)
{
	enqueue(p, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(runqlat_wakeup_new, struct task_struct *p)
{
	enqueue(p, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(runqlat_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	struct runqlat_hist *h;
	__u64 now = 0, *ts, delta;
	__u32 zero = 0, i;

	/*
	 * prev stays on the run queue unless it is blocking: __schedule()
	 * dequeues it only when it was not preempted and its state is not
	 * TASK_RUNNING. A preempted task waits again from now.
	 */
	if (preempt || task_state(prev) == TASK_RUNNING) {
		now = bpf_ktime_get_ns();
		enqueue(prev, now);
	}

	/* No storage: next was enqueued before we were loaded, or is idle. */
	ts = bpf_task_storage_get(&start, next, 0, 0);
	if (!ts || !*ts)
		return 0;
	if (!now)
		now = bpf_ktime_get_ns();
	/* A stamp from another CPU may be a little ahead of this clock. */
	delta = now > *ts ? now - *ts : 0;
	*ts = 0;

	h = bpf_map_lookup_elem(&run_queue_latency, &zero);
	if (!h)
		return 0;
	i = log2_bucket(delta, RUNQLAT_BUCKETS);
	/* Redundant for the logic, but tells the verifier i is in bounds. */
	if (i >= RUNQLAT_BUCKETS)
		return 0;
	h->buckets[i]++;
	h->sum += delta;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
