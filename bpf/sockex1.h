/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by bpf/sockex1.bpf.c and user space. Only __u32/__u64 so the
 * header works under vmlinux.h (BPF side) and <linux/types.h> (user side).
 */
#ifndef SOCKEX1_H
#define SOCKEX1_H

/* Key of proto_stats: the IPv4 header's protocol byte. An enum (4 bytes)
 * rather than a __u8 so readers can name the well-known values from BTF;
 * any other byte value is still a valid key. */
enum ip_proto {
	IP_PROTO_ICMP   = 1,
	IP_PROTO_IGMP   = 2,
	IP_PROTO_TCP    = 6,
	IP_PROTO_UDP    = 17,
	IP_PROTO_GRE    = 47,
	IP_PROTO_ESP    = 50,
	IP_PROTO_AH     = 51,
	IP_PROTO_ICMPV6 = 58,
	IP_PROTO_SCTP   = 132,
	IP_PROTO_RAW    = 255,
};

/* Value of proto_stats, per CPU. bytes is skb->len, i.e. including the
 * link-layer header, as the classic samples/bpf sockex1 counts it. */
struct sockex1_value {
	__u64 packets;
	__u64 bytes;
};

#endif /* SOCKEX1_H */
