// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a cgroup program, counting socket creations in the cgroup
 * it is attached to. */
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

SEC("cgroup/sock_create")
int count_sock_create(struct bpf_sock *sk)
{
	count_hit();
	return 1;	/* allow: the test must still get its socket */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
