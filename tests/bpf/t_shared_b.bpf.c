// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: pins shared_counts by name with a 16-byte struct value.
 * t_shared_a.bpf.c and t_shared_b.bpf.c declare the same pinned map with
 * different value sizes, so loading both into one pin root must fail on
 * the second, cleanly. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* 16 bytes, where t_shared_a.bpf.c has 8: the maps cannot be shared. */
struct shared_value {
	__u64 count;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct shared_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counts SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int shared_b(void *ctx)
{
	__u32 zero = 0;
	struct shared_value *v = bpf_map_lookup_elem(&shared_counts, &zero);

	if (v)
		__sync_fetch_and_add(&v->count, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
