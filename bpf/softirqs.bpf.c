// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * softirqs: time spent in softirq handlers, by vector (timer, net_rx,
 * rcu, ...), as a log2 histogram per vector (libbpf-tools' softirqs -d).
 *
 * irq/softirq_entry and irq/softirq_exit bracket each vector's handler run
 * in handle_softirqs(), on one CPU, with softirqs off: runs on a CPU never
 * nest, so one start stamp per CPU is enough. tp_btf rather than the
 * classic tracepoint: the vector is the first argument, no perf-buffer
 * setup per event. These fire thousands of times a second on a busy host:
 * both maps are per-CPU arrays, whose lookups the verifier inlines (no
 * helper call, no hash, no lock, no atomic add).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_tags.h"
#include "bits.bpf.h"
#include "softirqs.h"

/* Readers name the key by this enum: it must be in the object's BTF. */
EBPF_EMIT_TYPE(enum softirq_vec);

/* When the current softirq run began on this CPU, in ns; 0 until the
 * first entry seen (an exit of a run begun before we were loaded). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} softirq_start SEC(".maps")
	EBPF_HIDDEN;

/* One histogram per vector, per CPU: 10 * (32 + 1) * 8 bytes per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SOFTIRQ_VECS);
	__type(key, __u32);
	__type(value, struct softirqs_hist);
} softirq_time SEC(".maps")
	EBPF_LOG2_HISTOGRAM
	EBPF_UNIT("seconds") EBPF_SCALE("1e-9")
	EBPF_LABEL("vector")
	EBPF_KEY_ENUM("softirq_vec")
	EBPF_HELP("Time spent in softirq handlers, by vector");

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirqs_entry, unsigned int vec)
{
	__u32 zero = 0;
	__u64 *ts;

	ts = bpf_map_lookup_elem(&softirq_start, &zero);
	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirqs_exit, unsigned int vec)
{
	struct softirqs_hist *h;
	__u64 *ts, delta;
	__u32 zero = 0, i;

	ts = bpf_map_lookup_elem(&softirq_start, &zero);
	if (!ts || !*ts)
		return 0;
	delta = bpf_ktime_get_ns() - *ts;
	/* vec < SOFTIRQ_VECS is the map's own bound: the lookup checks it. */
	h = bpf_map_lookup_elem(&softirq_time, &vec);
	if (!h)
		return 0;
	i = log2_bucket(delta, SOFTIRQS_BUCKETS);
	/* Redundant for the logic, but tells the verifier i is in bounds. */
	if (i >= SOFTIRQS_BUCKETS)
		return 0;
	h->buckets[i]++;
	h->sum += delta;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
