// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a kprobe program. This machine has no kprobes, so the
 * loader must report the failure to attach (or load) clearly. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("kprobe/do_unlinkat")
int count_unlinkat(void *ctx)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
