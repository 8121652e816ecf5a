// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* softirqsfloor: a bench backend, the floor (floor.bpf.h) on the hooks of
 * bpf/softirqs.bpf.c: a clock read at softirq_entry, another at exit. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_tags.h"
#include "floor.bpf.h"

SEC("tp_btf/softirq_entry")
int BPF_PROG(floor_sirq_entry, unsigned int vec)
{
	return floor_stamp_now(0);
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(floor_sirq_exit, unsigned int vec)
{
	return floor_stamp_now(1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
