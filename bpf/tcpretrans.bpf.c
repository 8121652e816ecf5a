// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tcpretrans: TCP segments retransmitted, by connection (addresses, ports)
 * and the socket's state then, as libbpf-tools tcpretrans counts them.
 *
 * tcp/tcp_retransmit_skb is the stable interface at the retransmission
 * itself (no kprobe). It covers the retransmission timer, fast
 * retransmit, tail loss probes and SYN retransmits; a listener's SYN-ACK
 * retransmits have their own tracepoint (tcp/tcp_retransmit_synack) and are
 * not counted here. Where the tracepoint has an err argument (6.18 does),
 * it also fires for attempts that sent nothing (err != 0: the segment still
 * in a qdisc, no memory): those are skipped, so the count is the segments
 * that went out again, as the kernel's own TcpRetransSegs counts them (for
 * segments that are not GSO bursts).
 *
 * Attached as tp_btf (a raw tracepoint with BTF), reading addresses, ports
 * and state from the socket: a classic tracepoint program is skipped while
 * any process on that CPU is inside a map system call (tcp.bpf.h), and
 * lost most retransmissions while readers scraped big maps.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_tags.h"
#include "tcp.bpf.h"
#include "tcpretrans.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/*
 * One entry per connection and state: unbounded keys, so LRU. 4096 entries
 * (x (40 + 8 bytes + ~50 of overhead): ~400 KiB) keep every connection that
 * retransmitted recently; the exporter shows at most as many series, under
 * its default --max-series of 10000. Retransmissions are rare next to
 * packets: a shared counter with an atomic add, not a per-CPU one, which
 * would multiply the memory by the CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tcpretrans_key);
	__type(value, __u64);
} retransmits SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("TCP segments retransmitted, by connection and state")
	EBPF_DECODE("saddr", "inet_ip")
	EBPF_DECODE("daddr", "inet_ip")
	EBPF_DECODE("state", "enum:tcp_state");

/* In the object's BTF, where the enum:tcp_state decoder looks for it. */
EBPF_EMIT_TYPE(enum tcp_state);

static __always_inline void count_key(const struct tcpretrans_key *key)
{
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(&retransmits, key);
	if (count) {
		__sync_fetch_and_add(count, 1);
		return;
	}
	if (bpf_map_update_elem(&retransmits, key, &one, BPF_NOEXIST) != -EEXIST)
		return;
	/* Another CPU inserted the key between our lookup and update. */
	count = bpf_map_lookup_elem(&retransmits, key);
	if (count)
		__sync_fetch_and_add(count, 1);
}

/*
 * Arguments (sk, skb, err) since the tracepoint records err (its own
 * record type, as on 6.18), (sk, skb) before, when it only fired for
 * segments sent: err is read only where the kernel has it (the branch is
 * resolved at load time, the verifier never sees the other).
 */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcpretrans_retransmit, const struct sock *sk)
{
	struct tcpretrans_key key = {};

	/* Nothing went out: not a retransmission. */
	if (bpf_core_type_exists(struct trace_event_raw_tcp_retransmit_skb) && (int)ctx[2])
		return 0;
	tcp_sk_addrs(sk, key.saddr, key.daddr);
	key.sport = tcp_sk_sport(sk);
	key.dport = tcp_sk_dport(sk);
	key.state = BPF_CORE_READ(sk, __sk_common.skc_state);
	count_key(&key);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
