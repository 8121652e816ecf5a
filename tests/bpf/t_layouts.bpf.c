// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: maps whose keys and values are arrays, filled by the test
 * (bpftool map update), for how readers print and count them. The program
 * is only there because the loader wants one; it does nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* __type() needs a type name to take a pointer to. */
typedef __u32 u32_pair[2];
typedef __u64 u64_pair[2];
typedef __u64 u64_64k[8192];

/* Keys that differ only past their first element. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, u32_pair);
	__type(value, u64_pair);
} pairs SEC(".maps");

/* Four 64 KiB values: 8192 series each in the exporter. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, u64_64k);
} wide SEC(".maps");

/* A task renaming itself is rare: the program hardly ever runs. */
SEC("raw_tp/task_rename")
int layouts_task_rename(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
