// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ringflood: a bench backend. Execsnoop-sized records, one per system call
 * of one process (the producer, bench/helpers/ringflood), as fast as it can
 * issue them, or a burst of several per call (flood_cfg.burst: a syscall
 * costs ~1 us in this VM, the consumer is what is measured):
 * raw_tp/sys_enter filtered on the tgid and syscall number the
 * producer writes into flood_cfg. Submitted records and failed reservations
 * are counted per CPU, so a bench can tell kernel-side drops (ring buffer
 * full) from records lost further down.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_tags.h"
#include "ringflood.h"

/* 64 MiB: about 600 000 records, a few hundred ms of a full-speed burst. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024 * 1024);
} events SEC(".maps")
	EBPF_RECORD("flood_event")
	EBPF_HELP("One record per system call of the producer");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flood_cfg);
} flood_cfg SEC(".maps")
	EBPF_HELP("Producer tgid and syscall number (written by the producer)");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flood_stats);
} flood_stats SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("Records submitted and dropped (ring buffer full)");

/*
 * Not inlined: its parameter puts struct flood_event in the object's BTF,
 * where readers look up the record tag (see bpf/procevents.bpf.h).
 * The task is read through BTF (plain loads) rather than with helpers and
 * probe reads, and there is no clock read (a pvclock read in a VM costs as
 * much as the rest): the producer's rate is the point of this backend.
 */
static __noinline void flood_fill(struct flood_event *e, __u64 seq)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 *f = (__u64 *)e->filename;   /* 8-aligned: offset 32 */
	__u64 *c = (__u64 *)e->comm;

	e->seq = seq;
	e->pid = task->tgid;
	e->ppid = task->real_parent->tgid;
	c[0] = *(__u64 *)&task->comm[0];
	c[1] = *(__u64 *)&task->comm[8];
	/* A path of a typical length, "/usr/local/lib/ebpf/bench/ringflood",
	 * NUL-padded: stored as words, so no .rodata string map is needed. */
	f[0] = 0x636f6c2f7273752fULL;
	f[1] = 0x652f62696c2f6c61ULL;
	f[2] = 0x636e65622f667062ULL;
	f[3] = 0x6c66676e69722f68ULL;
	f[4] = 0x0000000000646f6fULL;
	for (int i = 5; i < FLOOD_FILENAME_LEN / 8; i++)
		f[i] = 0;
}

SEC("raw_tp/sys_enter")
int ringflood_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct flood_stats *s;
	struct flood_cfg *cfg;
	struct flood_event *e;
	__u32 zero = 0, burst;

	cfg = bpf_map_lookup_elem(&flood_cfg, &zero);
	if (!cfg || !cfg->tgid)
		return 0;
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != cfg->tgid || ctx->args[1] != cfg->nr)
		return 0;
	s = bpf_map_lookup_elem(&flood_stats, &zero);
	if (!s)
		return 0;
	burst = cfg->burst ? cfg->burst : 1;
	for (__u32 i = 0; i < FLOOD_BURST_MAX && i < burst; i++) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (!e) {
			s->dropped++;
			continue;
		}
		flood_fill(e, ++s->produced);
		bpf_ringbuf_submit(e, (cfg->flags & FLOOD_F_WAKEUP) ? BPF_RB_FORCE_WAKEUP : 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
