// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bitehist: log2 histogram of block I/O request sizes, as BCC's bitehist,
 * counted when a request completes.
 *
 * tp_btf, not the classic tracepoint, which misses events while map
 * syscalls run (README, "Backends"): completions run in interrupts that
 * land in such syscalls, and I/Os went uncounted while maps were read.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_tags.h"
#include "bits.bpf.h"
#include "bitehist.h"

/* One histogram, per CPU: no atomics on the hot path. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bitehist_hist);
} io_size SEC(".maps")
	EBPF_LOG2_HISTOGRAM
	EBPF_UNIT("bytes")
	EBPF_HELP("Block I/O request sizes");

SEC("tp_btf/block_rq_complete")
int BPF_PROG(bitehist_rq_complete, struct request *rq, int error,
	     unsigned int nr_bytes)
{
	/* Whole 512-byte sectors, as the classic tracepoint's nr_sector
	 * (nr_bytes >> 9) counted them: the same buckets as before. */
	__u64 bytes = (__u64)(nr_bytes >> 9) * 512;
	struct bitehist_hist *h;
	__u32 zero = 0, i;

	h = bpf_map_lookup_elem(&io_size, &zero);
	if (!h)
		return 0;
	i = log2_bucket(bytes, BITEHIST_BUCKETS);
	/* Redundant for the logic, but tells the verifier i is in bounds. */
	if (i >= BITEHIST_BUCKETS)
		return 0;
	h->buckets[i]++;
	h->sum += bytes;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
