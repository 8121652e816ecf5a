/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The floor under a backend's per-event cost, for bench/60-backends.sh:
 * NAMEfloor.bpf.c attaches to NAME's hooks programs that do only what any
 * per-event timing must, one clock read each (the start of the event, its
 * end). Each stamp goes to a per-CPU slot so that the reads are not
 * optimised away. What one event costs it is the program dispatch (and
 * bpf_stats' own timing) plus the two clock reads: with kvm-clock, each
 * bpf_ktime_get_ns() is a pvclock read. Timed in the same runs as the
 * backend and its peer, it shows how much of their cost is left to save.
 */
#ifndef FLOOR_BPF_H
#define FLOOR_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} floor_stamp SEC(".maps")
	EBPF_HIDDEN;

/* slot 0: the start hook's stamp, 1: the end hook's */
static __always_inline int floor_stamp_now(__u32 slot)
{
	__u64 *ts = bpf_map_lookup_elem(&floor_stamp, &slot);

	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

#endif /* FLOOR_BPF_H */
