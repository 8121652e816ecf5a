// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: an freplace program. It replaces a function of another,
 * already loaded program, which must be named before load: the loader has
 * no way to name it, and must say so. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("freplace/handler")
int new_handler(struct __sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
