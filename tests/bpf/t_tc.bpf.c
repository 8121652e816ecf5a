// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a TC (sched_cls) program counting packets; on this kernel
 * the loader attaches it with tcx. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "hits.bpf.h"

#ifndef TC_ACT_OK
#define TC_ACT_OK 0	/* a uapi macro: not in vmlinux.h */
#endif

SEC("tc")
int count_tc(struct __sk_buff *skb)
{
	count_hit();
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
