/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/skbdrop.bpf.c and user space (__u32 only). */
#ifndef SKBDROP_H
#define SKBDROP_H

/*
 * The link-layer protocol of a dropped packet: skb->protocol in host order,
 * i.e. the ETH_P_* value (linux/if_ether.h). Our own enum, not the kernel's
 * #defines, which are not in BTF: readers name the well-known values from
 * it; any other value is still counted and shown as its number. 0 is a
 * packet that never had one set: locally made skbs (AF_UNIX, a TCP segment
 * dropped on output before the IP layer).
 */
enum skbdrop_proto {
	SKBDROP_PROTO_NONE    = 0x0000,
	SKBDROP_PROTO_IP      = 0x0800,
	SKBDROP_PROTO_ARP     = 0x0806,
	SKBDROP_PROTO_8021Q   = 0x8100,
	SKBDROP_PROTO_IPV6    = 0x86DD,
	SKBDROP_PROTO_MPLS_UC = 0x8847,
	SKBDROP_PROTO_MPLS_MC = 0x8848,
	SKBDROP_PROTO_PPP_SES = 0x8864,
	SKBDROP_PROTO_8021AD  = 0x88A8,
	SKBDROP_PROTO_LLDP    = 0x88CC,
};

/* Key of packets: 8 bytes, no padding (hash keys are compared bytewise). */
struct skbdrop_key {
	__u32 reason;		/* enum skb_drop_reason, the running kernel's */
	__u32 protocol;		/* enum skbdrop_proto, or any other ETH_P_* */
};

#endif /* SKBDROP_H */
