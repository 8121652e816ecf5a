// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test object: a TC ingress program that drops every IPv4 TCP packet
 * arriving on its interface and counts them in `hits`, so a test knows
 * exactly how many segments the network "lost" (the tcpretrans tests:
 * sch_netem is not built into every kernel, this kernel's included).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "hits.bpf.h"

#ifndef TC_ACT_OK
#define TC_ACT_OK	0	/* uapi macros: not in vmlinux.h */
#define TC_ACT_SHOT	2
#endif
#define ETH_P_IP	0x0800
#define ETH_HLEN	14

SEC("tc")
int drop_tcp(struct __sk_buff *skb)
{
	__u8 proto;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	/* iphdr.protocol is byte 9 of the IPv4 header. */
	if (bpf_skb_load_bytes(skb, ETH_HLEN + 9, &proto, 1) || proto != IPPROTO_TCP)
		return TC_ACT_OK;
	count_hit();
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
