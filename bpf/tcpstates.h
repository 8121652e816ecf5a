/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by bpf/tcpstates.bpf.c, bpf/tcpretrans.bpf.c and user space
 * (__u8/__u16/__u32/__u64 only).
 */
#ifndef TCPSTATES_H
#define TCPSTATES_H

/*
 * The kernel's TCP states (include/net/tcp_states.h) are an anonymous enum,
 * which the enum:<name> decoder cannot find. This named copy, with the
 * kernel's values (stable ABI: the tracepoints print them by these numbers),
 * is what the decoders look up in the object's BTF; readers show its
 * enumerators lowercased without the common "TCP_STATE_" prefix:
 * "established", "close_wait". The kernel's TCP_ESTABLISHED... names are
 * taken by vmlinux.h, hence the longer prefix.
 */
enum tcp_state {
	TCP_STATE_ESTABLISHED = 1,
	TCP_STATE_SYN_SENT = 2,
	TCP_STATE_SYN_RECV = 3,
	TCP_STATE_FIN_WAIT1 = 4,
	TCP_STATE_FIN_WAIT2 = 5,
	TCP_STATE_TIME_WAIT = 6,
	TCP_STATE_CLOSE = 7,
	TCP_STATE_CLOSE_WAIT = 8,
	TCP_STATE_LAST_ACK = 9,
	TCP_STATE_LISTEN = 10,
	TCP_STATE_CLOSING = 11,
	TCP_STATE_NEW_SYN_RECV = 12,
	TCP_STATE_BOUND_INACTIVE = 13,	/* Linux 6.8 */
};

#define TCPSTATES_COMM_LEN	16	/* TASK_COMM_LEN */

/* Key of transitions: 8 bytes, no padding (hash keys compare bytewise). */
struct tcpstates_transition {
	__u32 oldstate;		/* enum tcp_state */
	__u32 newstate;		/* enum tcp_state */
};

/*
 * 56 buckets of nanoseconds: the last one starts at 2^54 ns (208 days), so
 * only lifetimes longer than that share it.
 */
#define TCPSTATES_LIFETIME_BUCKETS 56

/* Value of lifetime: bucket i > 0 counts lifetimes in [2^(i-1), 2^i - 1]
 * ns; sum is their total in ns. */
struct tcpstates_lifetime {
	__u64 buckets[TCPSTATES_LIFETIME_BUCKETS];
	__u64 sum;
};

/*
 * One record in closed per connection seen opening (SYN_SENT or SYN_RECV)
 * since the backend was loaded. 80 bytes, every field naturally aligned, no
 * padding. Addresses are 16 bytes for both families: IPv4 ones are stored
 * v4-mapped (::ffff:a.b.c.d), so the inet_ip decoder shows them as such and
 * one field serves both; family says which it was.
 */
struct tcpstates_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() at CLOSE: CLOCK_MONOTONIC */
	__u64 duration_ns;	/* from SYN_SENT / SYN_RECV to CLOSE */
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;		/* host order, as the tracepoint gives it */
	__u16 dport;		/* host order */
	__u16 family;		/* AF_INET (2) or AF_INET6 (10) */
	__u16 oldstate;		/* enum tcp_state: the state before CLOSE */
	__u32 pid;		/* tgid that connected or closed it; 0: unknown */
	__u32 netns;		/* inode of the socket's network namespace */
	char comm[TCPSTATES_COMM_LEN];	/* that task's name; "" when unknown */
};

/* Counters of closed (events), per CPU. */
struct tcpstates_stats {
	__u64 events;		/* records submitted to closed */
	__u64 dropped;		/* records lost: ring buffer full */
};

#endif /* TCPSTATES_H */
