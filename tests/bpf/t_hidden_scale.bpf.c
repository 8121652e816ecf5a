// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: what readers keep out of sight and what they scale. Global
 * variables give it .rodata, .data and .bss maps (hidden by default); a
 * start-timestamp hash is tagged EBPF_HIDDEN; a histogram and a counter
 * store microseconds and are presented in seconds. Each getppid() records
 * SAMPLE_US microseconds (bucket 10 of the histogram: [512, 1023]). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_tags.h"
#include "bits.bpf.h"

#define SAMPLE_US 1000
#define NR_BUCKETS 16

const volatile __u64 sample_us = SAMPLE_US;     /* .rodata */
__u64 seen_calls;                               /* .bss */
__u64 last_pid = 1;                             /* .data */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} start_ts SEC(".maps") EBPF_HIDDEN;

struct sample_hist {
	__u64 buckets[NR_BUCKETS];
	__u64 sum;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sample_hist);
} sample_seconds SEC(".maps")
	EBPF_LOG2_HISTOGRAM EBPF_UNIT("seconds") EBPF_SCALE("1e-6")
	EBPF_HELP("Recorded samples");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} busy_seconds SEC(".maps")
	EBPF_COUNTER EBPF_UNIT("seconds") EBPF_SCALE("1e-6")
	EBPF_HELP("Recorded time");

SEC("tp/syscalls/sys_enter_getppid")
int record_getppid(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32, zero = 0, i;
	__u64 now = bpf_ktime_get_ns(), v = sample_us;
	struct sample_hist *h;
	__u64 *busy;

	bpf_map_update_elem(&start_ts, &pid, &now, BPF_ANY);
	__sync_fetch_and_add(&seen_calls, 1);
	last_pid = pid;
	h = bpf_map_lookup_elem(&sample_seconds, &zero);
	busy = bpf_map_lookup_elem(&busy_seconds, &zero);
	if (!h || !busy)
		return 0;
	i = log2_bucket(v, NR_BUCKETS);
	if (i >= NR_BUCKETS)
		return 0;
	__sync_fetch_and_add(&h->buckets[i], 1);
	__sync_fetch_and_add(&h->sum, v);
	__sync_fetch_and_add(busy, v);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
