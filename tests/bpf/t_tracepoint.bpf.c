// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a classic (perf) tracepoint program, attached by the loader
 * through tracefs; the test calls getppid() a known number of times. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "hits.bpf.h"

SEC("tp/syscalls/sys_enter_getppid")
int count_getppid(void *ctx)
{
	count_hit();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
