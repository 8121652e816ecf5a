// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a raw tracepoint program (attached by name, no tracefs).
 * sys_enter fires for every syscall of the machine, so hits only grows. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "hits.bpf.h"

SEC("raw_tp/sys_enter")
int count_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	count_hit();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
