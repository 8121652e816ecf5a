/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* BPF-side helpers of the TCP backends (tcpstates, tcpretrans). */
#ifndef TCP_BPF_H
#define TCP_BPF_H

#include <bpf/bpf_endian.h>

#ifndef AF_INET
#define AF_INET		2	/* uapi macros: not in vmlinux.h */
#define AF_INET6	10
#endif

/*
 * A socket's addresses into 16-byte fields, as the tcp and sock tracepoints
 * record them: the IPv6 ones as they are, IPv4 ones v4-mapped
 * (::ffff:a.b.c.d). dst must be zeroed. The tp_btf programs read the socket
 * themselves: a classic tracepoint's program is skipped whenever another
 * BPF program or a map system call (bpf_disable_instrumentation(), for
 * as long as the call lasts, even preempted) holds bpf_prog_active on that
 * CPU, which any process reading maps does: events were lost under load.
 */
static __always_inline void tcp_sk_addrs(const struct sock *sk, __u8 *saddr, __u8 *daddr)
{
	const struct inet_sock *inet = (const struct inet_sock *)sk;

	if (BPF_CORE_READ(sk, __sk_common.skc_family) == AF_INET6) {
		bpf_probe_read_kernel(saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(daddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		saddr[10] = saddr[11] = 0xff;
		daddr[10] = daddr[11] = 0xff;
		bpf_probe_read_kernel(saddr + 12, 4, &inet->inet_saddr);
		bpf_probe_read_kernel(daddr + 12, 4, &sk->__sk_common.skc_daddr);
	}
}

/* Its ports in host order, as the tracepoints give them. */
static __always_inline __u16 tcp_sk_sport(const struct sock *sk)
{
	return bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
}

static __always_inline __u16 tcp_sk_dport(const struct sock *sk)
{
	return bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

#endif /* TCP_BPF_H */
