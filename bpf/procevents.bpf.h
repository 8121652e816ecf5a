/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * BPF side of the process-event backends: the ring buffer both write to and
 * the code that fills a record.
 */
#ifndef PROCEVENTS_BPF_H
#define PROCEVENTS_BPF_H

#include "vmlinux.h"
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
	EBPF_RECORD("procevent")
	EBPF_DECODE("type", "enum:procevent_type")
	EBPF_DECODE("args", "argv:args_size")
	EBPF_HELP("Process exec and exit events");

/*
 * The record type named by EBPF_RECORD, and enum procevent_type (to name
 * its type field), in the object's BTF, where readers look for them: clang
 * emits no BTF for types that only locals use.
 */
EBPF_EMIT_TYPE(struct procevent);
EBPF_EMIT_TYPE(enum procevent_type);

/*
 * Fill what exec and exit records have in common, for the current task.
 * The record is zeroed first: reserved space holds old records, and readers
 * should never see stale bytes after a string's NUL.
 */
static __always_inline void procevent_fill(struct procevent *e,
					     enum procevent_type type)
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
static __always_inline struct procevent *
procevent_reserve(enum procevent_type type)
{
	struct procevent *e;

	e = bpf_ringbuf_reserve(&proc_events, sizeof(*e), 0);
	if (e)
		procevent_fill(e, type);
	return e;
}

/*
 * Count an event in a backend's stats map: every event the backend saw,
 * and apart, those the ring buffer had no room for. A reader then tells
 * activity (events) from loss (dropped), whether or not anyone consumes.
 */
static __always_inline void procevent_count(void *stats_map, int dropped)
{
	struct procevent_stats *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(stats_map, &zero);
	if (!s)
		return;
	s->events++;
	if (dropped)
		s->dropped++;
}

#endif /* PROCEVENTS_BPF_H */
