// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a kernel stack taken at the getppid() syscall tracepoint,
 * for the kstack lookup. The stack goes into `stacks`; its id into
 * `last_stack` (one u32), where the test reads it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define PERF_MAX_STACK_DEPTH 127

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 64);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PERF_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} last_stack SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int stack_getppid(void *ctx)
{
	__u32 zero = 0, *slot;
	long id = bpf_get_stackid(ctx, &stacks, 0);

	slot = bpf_map_lookup_elem(&last_stack, &zero);
	if (slot && id >= 0)
		*slot = (__u32)id;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
