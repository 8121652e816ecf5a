// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a cgroup program, counting socket creations in the cgroup
 * it is attached to. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "hits.bpf.h"

SEC("cgroup/sock_create")
int count_sock_create(struct bpf_sock *sk)
{
	count_hit();
	return 1;	/* allow: the test must still get its socket */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
