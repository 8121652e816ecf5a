// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * execsnoop: one PROCEVENT_EXEC record per successful execve(), into the
 * ring buffer shared with exitsnoop. sched_process_exec fires only once
 * the new program is in place, so failed execs are not reported, comm is
 * already the new program's, and the new mm holds the arguments the
 * kernel has just copied (mm->arg_start..arg_end): argv is read from
 * there, in one read, with no need to pair a sys_enter_execve with it.
 *
 * tp_btf, not the classic tracepoint, which misses events while map
 * syscalls run (README, "Backends"): on a preemptible kernel, an exec on a
 * CPU where such a syscall is preempted.
 */
#include "procevents.bpf.h"
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct procevent_stats);
} exec_stats SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("Execs seen, and of those the ones dropped (ring buffer full)");

/* bpf_loop's state while it walks e->args. */
struct args_walk {
	struct procevent *e;
	__u32 nargs;		/* NULs seen: arguments complete so far */
};

/* One byte of args: count the argument it ends, or zero it once
 * PROCEVENT_MAX_ARGS are complete. A bpf_loop callback is verified once,
 * where a plain loop that counts would be verified for each count. */
static long walk_args_byte(__u64 i, void *data)
{
	struct args_walk *w = data;
	char *c;

	/* bpf_loop keeps i below len; this bound is for the verifier. */
	if (i >= PROCEVENT_ARGS_LEN)
		return 1;
	c = &w->e->args[i];
	if (w->nargs >= PROCEVENT_MAX_ARGS)
		*c = 0;
	else if (!*c)
		w->nargs++;
	return 0;
}

/*
 * The new program's argv, NUL-separated as the kernel lays it out, cut at
 * PROCEVENT_ARGS_LEN bytes and after PROCEVENT_MAX_ARGS arguments.
 * e->args is zero on entry (procevent_fill).
 */
static __always_inline void read_args(struct procevent *e)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	struct args_walk w = { .e = e };
	__u32 len;

	if (end <= start)
		return;
	e->args_size = end - start > 0xffffffffUL ? 0xffffffffU : (__u32)(end - start);
	len = e->args_size < PROCEVENT_ARGS_LEN ? e->args_size : PROCEVENT_ARGS_LEN;
	/* The pages were written by this exec: a fault is not expected, but
	 * a failed read must leave no partial bytes behind. */
	if (bpf_probe_read_user(e->args, len, (void *)start)) {
		__builtin_memset(e->args, 0, sizeof(e->args));
		return;
	}
	/* Only the bytes read: the rest of args is zero already. */
	bpf_loop(len, walk_args_byte, &w, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(execsnoop_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct procevent *e;

	e = procevent_reserve(PROCEVENT_EXEC);
	if (!e) {
		procevent_count(&exec_stats, 1);
		return 0;
	}
	/* The path as given to execve(), as the classic tracepoint's
	 * filename field has it. */
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
				  BPF_CORE_READ(bprm, filename));
	read_args(e);
	bpf_ringbuf_submit(e, 0);
	procevent_count(&exec_stats, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
