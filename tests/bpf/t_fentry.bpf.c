// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: an fentry program. fentry/fexit fail with EPERM on this
 * machine, so the loader must report the failure clearly. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("fentry/do_unlinkat")
int BPF_PROG(count_unlinkat, int dfd, struct filename *name)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
