// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* biolatencyfloor: a bench backend, the floor (floor.bpf.h) on the hooks
 * of bpf/biolatency.bpf.c: a clock read at block_rq_issue, another at
 * block_rq_complete. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_tags.h"
#include "floor.bpf.h"

SEC("tp_btf/block_rq_issue")
int floor_rq_issue(__u64 *ctx)
{
	return floor_stamp_now(0);
}

SEC("tp_btf/block_rq_complete")
int floor_rq_complete(__u64 *ctx)
{
	return floor_stamp_now(1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
