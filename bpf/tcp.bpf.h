/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* BPF-side helpers of the TCP backends (tcpstates, tcpretrans). */
#ifndef TCP_BPF_H
#define TCP_BPF_H

#ifndef AF_INET
#define AF_INET		2	/* uapi macros: not in vmlinux.h */
#define AF_INET6	10
#endif

/*
 * Copy a tracepoint's address pair into 16-byte fields: the IPv6 ones as
 * they are, IPv4 ones v4-mapped (::ffff:a.b.c.d). Both sock/inet_sock_set_state
 * and tcp/tcp_retransmit_skb carry family, saddr[4], daddr[4], saddr_v6[16]
 * and daddr_v6[16] (for IPv4, the kernel fills the _v6 fields v4-mapped too,
 * but only when built with IPv6: map the four bytes ourselves). A macro,
 * since the two records are different types. dst must be zeroed.
 * bpf_probe_read_kernel(), not memcpy: with CO-RE the array's offset is
 * computed into a register, and the verifier refuses loads through a
 * tracepoint context pointer that was moved.
 */
#define TCP_COPY_ADDRS(dst_s, dst_d, ctx)					\
	do {									\
		if ((ctx)->family == AF_INET6) {				\
			bpf_probe_read_kernel(dst_s, 16, (ctx)->saddr_v6);	\
			bpf_probe_read_kernel(dst_d, 16, (ctx)->daddr_v6);	\
		} else {							\
			(dst_s)[10] = 0xff; (dst_s)[11] = 0xff;			\
			(dst_d)[10] = 0xff; (dst_d)[11] = 0xff;			\
			bpf_probe_read_kernel((dst_s) + 12, 4, (ctx)->saddr);	\
			bpf_probe_read_kernel((dst_d) + 12, 4, (ctx)->daddr);	\
		}								\
	} while (0)

#endif /* TCP_BPF_H */
