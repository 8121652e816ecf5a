/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * BPF side of the process-event backends: the ring buffer both write to and
 * the code that fills a record. Include it INSTEAD of vmlinux.h (see below).
 */
#ifndef PROCEVENTS_BPF_H
#define PROCEVENTS_BPF_H

/*
 * vmlinux.h carries the proc connector's own struct proc_event and enum
 * proc_cn_event (PROC_EVENT_EXEC = 2, PROC_EVENT_EXIT = 0x80000000), which
 * clash with ours. Our names are what the readers look up in BTF
 * (EBPF_RECORD("proc_event")), so the kernel's are renamed while vmlinux.h
 * is read. That only works if vmlinux.h was not included before.
 */
#ifdef __VMLINUX_H__
#error "include procevents.bpf.h instead of vmlinux.h, not after it"
#endif
#define proc_event	vmlinux_proc_event
#define PROC_EVENT_EXEC	VMLINUX_PROC_EVENT_EXEC
#define PROC_EVENT_EXIT	VMLINUX_PROC_EVENT_EXIT
#include "vmlinux.h"
#undef proc_event
#undef PROC_EVENT_EXEC
#undef PROC_EVENT_EXIT

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_tags.h"
#include "procevents.h"

/*
 * One ring buffer for both backends, so a reader sees exec and exit events
 * in one stream, in order. Pinned by name: whichever backend is loaded
 * first creates it, the other reuses it (same definition in both objects,
 * which is why it lives in this header).
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} proc_events SEC(".maps")
	EBPF_RECORD("proc_event")
	EBPF_HELP("Process exec and exit events");

/*
 * The record type named by EBPF_RECORD, and enum proc_event_type (to name
 * its type field), in the object's BTF, where readers look for them: clang
 * emits no BTF for types that only locals use.
 */
EBPF_EMIT_TYPE(struct proc_event);
EBPF_EMIT_TYPE(enum proc_event_type);

/*
 * Fill what exec and exit records have in common, for the current task.
 * The record is zeroed first: reserved space holds old records, and readers
 * should never see stale bytes after a string's NUL.
 */
static __always_inline void proc_event_fill(struct proc_event *e,
					      enum proc_event_type type)
{
	struct task_struct *task;

	__builtin_memset(e, 0, sizeof(*e));
	task = (struct task_struct *)bpf_get_current_task();
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* Reserve and fill a record; NULL when the ring buffer is full. */
static __always_inline struct proc_event *
proc_event_reserve(enum proc_event_type type)
{
	struct proc_event *e;

	e = bpf_ringbuf_reserve(&proc_events, sizeof(*e), 0);
	if (e)
		proc_event_fill(e, type);
	return e;
}

/* Count a submitted or dropped record in a backend's stats map. */
static __always_inline void proc_event_count(void *stats_map, int dropped)
{
	struct proc_event_stats *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(stats_map, &zero);
	if (!s)
		return;
	if (dropped)
		s->dropped++;
	else
		s->events++;
}

#endif /* PROCEVENTS_BPF_H */
