// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * oomkill: one record per process the OOM killer kills (system-wide or in
 * a memory cgroup), with the memory figures the kernel reports, and a
 * counter of kills.
 *
 * Why oom/mark_victim: it fires once per kill, with the victim chosen, in
 * every kind of OOM (global, memcg, cpuset), and it is a stable tracepoint.
 * libbpf-tools' oomkill hooks oom_kill_process() with a kprobe, which
 * kernels without kprobes (this one) refuse.
 *
 * tp_btf, not the classic tracepoint, which misses events while map
 * syscalls run (README, "Backends"). It gets the tracepoint's
 * arguments, not its record: the figures are computed here as the
 * tracepoint computes them. Its arguments grew over the years (older
 * kernels pass the pid alone, newer ones the task and the uid, along with
 * the record's new fields): which ones the running kernel passes is told
 * by the record's fields (CO-RE checks), and a figure it lacks stays 0.
 *
 * OOM kills are rare: a plain array with atomic adds, and a small ring
 * buffer of this backend's own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
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

/*
 * Pages to KiB, as the tracepoint's PG_COUNT_TO_KB. The page size is not in
 * BTF, and it is not always 4 KiB: arm64 kernels run with 16 KiB (the
 * Raspberry Pi 5's) or 64 KiB pages. ebpf-loader sets CONFIG_PAGE_SHIFT
 * from the running system's page size, so no kernel config file is needed
 * (loader/object.c); another loader finds it in the kernel's config (Linux
 * 6.7 and later), and 12 is assumed when nothing says.
 */
extern int CONFIG_PAGE_SHIFT __kconfig __weak;

static __always_inline int page_to_kb_shift(void)
{
	int shift = CONFIG_PAGE_SHIFT;

	return shift >= 12 && shift <= 20 ? shift - 10 : 12 - 10;
}

/* get_mm_counter(mm, MEMBER): percpu_counter_read_positive() of rss_stat. */
static __always_inline __u64 rss_kb(struct mm_struct *mm, int member)
{
	__s64 pages = BPF_CORE_READ(mm, rss_stat[member].count);

	return pages > 0 ? (__u64)pages << page_to_kb_shift() : 0;
}

/* What the tracepoint records of the victim TASK (and UID), into e (zeroed). */
static __always_inline void fill_victim(struct oomkill_event *e, __u64 *ctx)
{
	struct task_struct *task;
	struct mm_struct *mm;

	/* Older kernels pass the pid alone, and record nothing else. */
	if (!bpf_core_field_exists(struct trace_event_raw_mark_victim, __data_loc_comm)) {
		e->pid = (int)ctx[0];
		return;
	}
	task = (struct task_struct *)ctx[0];
	e->pid = BPF_CORE_READ(task, pid);
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	if (bpf_core_field_exists(struct trace_event_raw_mark_victim, uid))
		e->uid = (__u32)ctx[1];
	if (bpf_core_field_exists(struct trace_event_raw_mark_victim, oom_score_adj))
		e->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	/* The victim's mm is still there: mark_victim runs before the kill. */
	mm = BPF_CORE_READ(task, mm);
	if (!mm || !bpf_core_field_exists(struct trace_event_raw_mark_victim, total_vm))
		return;
	e->total_vm_kb = BPF_CORE_READ(mm, total_vm) << page_to_kb_shift();
	e->anon_rss_kb = rss_kb(mm, MM_ANONPAGES);
	e->file_rss_kb = rss_kb(mm, MM_FILEPAGES);
	e->shmem_rss_kb = rss_kb(mm, MM_SHMEMPAGES);
	if (bpf_core_field_exists(struct trace_event_raw_mark_victim, pgtables))
		e->pgtables_kb = BPF_CORE_READ(mm, pgtables_bytes.counter) >> 10;
}

SEC("tp_btf/mark_victim")
int oomkill_mark_victim(__u64 *ctx)
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
