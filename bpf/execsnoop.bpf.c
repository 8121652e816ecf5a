// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * execsnoop: one PROC_EVENT_EXEC record per successful execve(), into the
 * ring buffer shared with exitsnoop. sched_process_exec fires only once
 * the new program is in place, so failed execs are not reported and comm
 * is already the new program's.
 */
/* Brings vmlinux.h and the libbpf headers, minus a name clash. */
#include "procevents.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct proc_event_stats);
} exec_stats SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("Exec events submitted and dropped (ring buffer full)");

SEC("tp/sched/sched_process_exec")
int execsnoop_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct proc_event *e;
	/* __data_loc: low 16 bits are the string's offset in the record. */
	unsigned int off = ctx->__data_loc_filename & 0xFFFF;

	e = proc_event_reserve(PROC_EVENT_EXEC);
	if (!e) {
		proc_event_count(&exec_stats, 1);
		return 0;
	}
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
				  (void *)ctx + off);
	bpf_ringbuf_submit(e, 0);
	proc_event_count(&exec_stats, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
