// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a TC (sched_cls) program counting packets; on this kernel
 * the loader attaches it with tcx. */
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

#ifndef TC_ACT_OK
#define TC_ACT_OK 0	/* a uapi macro: not in vmlinux.h */
#endif

SEC("tc")
int count_tc(struct __sk_buff *skb)
{
	count_hit();
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
