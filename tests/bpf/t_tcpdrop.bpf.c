// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test object: a TC ingress program that drops IPv4 TCP packets arriving
 * on its interface and counts them in `hits`, so a test knows exactly how
 * many segments the network "lost" (the tcpretrans tests: sch_netem is not
 * built into every kernel, this kernel's included). What it drops is set
 * by the test in `mode`: nothing (0, at load), every TCP packet (1), or
 * only segments that carry data (2: handshakes and ACKs pass, so a
 * connection opens and then loses what it sends).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "hits.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} mode SEC(".maps");

#ifndef TC_ACT_OK
#define TC_ACT_OK	0	/* uapi macros: not in vmlinux.h */
#define TC_ACT_SHOT	2
#endif
#define ETH_P_IP	0x0800
#define ETH_HLEN	14

SEC("tc")
int drop_tcp(struct __sk_buff *skb)
{
	__u32 zero = 0, *m = bpf_map_lookup_elem(&mode, &zero);
	__u8 ip[20], doff;
	__u32 ihl;

	if (!m || !*m || skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, ip, sizeof(ip)) || ip[9] != IPPROTO_TCP)
		return TC_ACT_OK;
	if (*m == 2) {
		/* Data: IP total length past the IP and TCP headers. */
		ihl = (ip[0] & 0xf) * 4;
		if (bpf_skb_load_bytes(skb, ETH_HLEN + ihl + 12, &doff, 1))
			return TC_ACT_OK;
		if (((__u32)ip[2] << 8 | ip[3]) <= ihl + (doff >> 4) * 4)
			return TC_ACT_OK;
	}
	count_hit();
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
