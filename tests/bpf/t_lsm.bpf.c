// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: an LSM program. Like fentry, it runs on a BPF trampoline,
 * which this machine refuses (EPERM): the loader must say so before load. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("lsm/file_open")
int BPF_PROG(count_file_open, struct file *file)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
