// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * oomkill: one record per process the OOM killer kills (system-wide or in
 * a memory cgroup), with the memory figures the kernel reports, and a
 * counter of kills.
 *
 * Why oom/mark_victim: it fires once per kill, with the victim chosen, in
 * every kind of OOM (global, memcg, cpuset), and it is a stable tracepoint.
 * libbpf-tools' oomkill hooks oom_kill_process() with a kprobe, which
 * kernels without kprobes (this one) refuse. The tracepoint's fields grew
 * over the years (older kernels give the pid alone): each is read only if
 * the running kernel has it (CO-RE field checks) and left 0 otherwise.
 *
 * OOM kills are rare: a plain array with atomic adds, and a small ring
 * buffer of this backend's own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_tags.h"
#include "oomkill.h"

/* 16 KiB: about 170 records, more than any burst of OOM kills. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024);
} oom_events SEC(".maps")
	EBPF_RECORD("oomkill_event")
	EBPF_HELP("Processes killed by the OOM killer");

/* The record type named by EBPF_RECORD, in the object's BTF. */
EBPF_EMIT_TYPE(struct oomkill_event);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oomkill_stats);
} oom_stats SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("OOM kills, and their records lost (ring buffer full)");

/* Copy what the running kernel's tracepoint has into e (zeroed). */
static __always_inline void fill_victim(struct oomkill_event *e,
					struct trace_event_raw_mark_victim *ctx)
{
	e->pid = ctx->pid;
	if (bpf_core_field_exists(ctx->__data_loc_comm)) {
		/* __data_loc: low 16 bits are the string's offset in the record. */
		unsigned int off = BPF_CORE_READ(ctx, __data_loc_comm) & 0xFFFF;

		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), (void *)ctx + off);
	}
	if (bpf_core_field_exists(ctx->total_vm))
		e->total_vm_kb = BPF_CORE_READ(ctx, total_vm);
	if (bpf_core_field_exists(ctx->anon_rss))
		e->anon_rss_kb = BPF_CORE_READ(ctx, anon_rss);
	if (bpf_core_field_exists(ctx->file_rss))
		e->file_rss_kb = BPF_CORE_READ(ctx, file_rss);
	if (bpf_core_field_exists(ctx->shmem_rss))
		e->shmem_rss_kb = BPF_CORE_READ(ctx, shmem_rss);
	if (bpf_core_field_exists(ctx->pgtables))
		e->pgtables_kb = BPF_CORE_READ(ctx, pgtables);
	if (bpf_core_field_exists(ctx->uid))
		e->uid = BPF_CORE_READ(ctx, uid);
	if (bpf_core_field_exists(ctx->oom_score_adj))
		e->oom_score_adj = BPF_CORE_READ(ctx, oom_score_adj);
}

SEC("tp/oom/mark_victim")
int oomkill_mark_victim(struct trace_event_raw_mark_victim *ctx)
{
	struct oomkill_stats *s;
	struct oomkill_event *e;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&oom_stats, &zero);
	if (s)
		__sync_fetch_and_add(&s->kills, 1);
	e = bpf_ringbuf_reserve(&oom_events, sizeof(*e), 0);
	if (!e) {
		if (s)
			__sync_fetch_and_add(&s->dropped, 1);
		return 0;
	}
	/* Reserved space holds old records: no stale bytes after a NUL. */
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	fill_victim(e, ctx);
	/* The OOM killer runs in the task whose allocation failed. */
	e->trigger_pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->trigger_comm, sizeof(e->trigger_comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
