// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: an XDP program counting received packets. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "hits.bpf.h"

SEC("xdp")
int count_xdp(struct xdp_md *ctx)
{
	count_hit();
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
