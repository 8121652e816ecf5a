// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object that compiles but that the verifier must reject: it uses a
 * map lookup result without the NULL check. The loader has to fail cleanly
 * and show the verifier log. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* A hash, not an array: recent kernels (6.14+) know that an array lookup
 * with a constant in-bounds key cannot return NULL, and would accept this. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int reject_getppid(void *ctx)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &zero);

	/* BUG on purpose: v may be NULL ("invalid mem access 'map_value_or_null'"). */
	__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
