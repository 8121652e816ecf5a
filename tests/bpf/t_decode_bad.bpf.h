/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Test objects whose one decode tag the readers could not apply: each
 * t_decode_bad_*.bpf.c defines BAD_DECODE, and ebpf-loader load must refuse
 * the object, naming the tag and what is wrong with it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_tags.h"

struct bad_key {
	__u8 saddr[4];
	__u16 dport;
	__u16 pad;
	struct {
		__u32 ifindex;
	} dev;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct bad_key);
	__type(value, __u64);
} conns SEC(".maps")
	EBPF_COUNTER
	EBPF_DECODE("saddr", "inet_ip")
	EBPF_DECODE("dev.ifindex", "ifname")
	BAD_DECODE;

SEC("tp/syscalls/sys_enter_getppid")
int bad_decode_getppid(void *ctx)
{
	struct bad_key k = {};
	__u64 one = 1;

	bpf_map_update_elem(&conns, &k, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
