// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a BTF-enabled raw tracepoint (BPF_PROG_TYPE_TRACING with
 * expected attach type BPF_TRACE_RAW_TP): typed arguments, no trampoline. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hits.bpf.h"

SEC("tp_btf/sys_enter")
int BPF_PROG(count_sys_enter_btf, struct pt_regs *regs, long id)
{
	count_hit();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
