// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: an XDP program counting received packets. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* The test reads this to see that the program ran. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline void count_hit(void)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int count_xdp(struct xdp_md *ctx)
{
	count_hit();
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
