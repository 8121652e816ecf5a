// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object with a map but no program: the loader must refuse it (or
 * at least not pretend something is running). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

char LICENSE[] SEC("license") = "Dual BSD/GPL";
