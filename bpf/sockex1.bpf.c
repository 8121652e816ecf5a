// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sockex1: IPv4 packets and bytes sent, by IP protocol. The libbpf-style
 * twin of bpf/classic/sockex1_classic.c (itself modelled on the kernel's
 * samples/bpf/sockex1_kern.c); both must count exactly the same things.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ebpf_tags.h"
#include "sockex1.h"

/* UAPI macros: vmlinux.h only carries types, not #defines. */
#ifndef ETH_HLEN
#define ETH_HLEN		14
#endif
#ifndef ETH_P_IP
#define ETH_P_IP		0x0800
#endif
#ifndef PACKET_OUTGOING
#define PACKET_OUTGOING		4
#endif
#ifndef EEXIST
#define EEXIST			17
#endif
/* offsetof(struct iphdr, protocol) */
#define IPHDR_PROTOCOL_OFF	9

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, enum ip_proto);
	__type(value, struct sockex1_value);
} proto_stats SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("IPv4 packets and bytes sent, by IP protocol")
	EBPF_LABEL("proto");

SEC("socket")
int sockex1_count(struct __sk_buff *skb)
{
	struct sockex1_value *val, init;
	enum ip_proto key;
	__u8 proto;

	/* On loopback every packet is seen twice (out, then in): counting
	 * only the outgoing copy counts each packet once. */
	if (skb->pkt_type != PACKET_OUTGOING)
		return 0;
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + IPHDR_PROTOCOL_OFF, &proto, 1))
		return 0;
	key = proto;

	/* Per-CPU values: plain increments, no atomics needed. */
	val = bpf_map_lookup_elem(&proto_stats, &key);
	if (val) {
		val->packets++;
		val->bytes += skb->len;
		return 0;
	}
	init.packets = 1;
	init.bytes = skb->len;
	if (bpf_map_update_elem(&proto_stats, &key, &init, BPF_NOEXIST) != -EEXIST)
		return 0;
	/* Another CPU inserted the key between our lookup and update. */
	val = bpf_map_lookup_elem(&proto_stats, &key);
	if (val) {
		val->packets++;
		val->bytes += skb->len;
	}
	/* The socket only counts; it never needs the packet itself. */
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
