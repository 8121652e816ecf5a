// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a uprobe on a shared library function, named by library
 * file name (libbpf searches the library paths for it); the test calls
 * getppid() through libc a known number of times. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "hits.bpf.h"

SEC("uprobe/libc.so.6:getppid")
int count_libc_getppid(void *ctx)
{
	count_hit();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
