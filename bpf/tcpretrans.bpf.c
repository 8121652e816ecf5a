// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tcpretrans: TCP segments retransmitted, by connection (addresses, ports)
 * and the socket's state then, as libbpf-tools tcpretrans counts them.
 *
 * tcp/tcp_retransmit_skb is the stable interface at the retransmission
 * itself (no kprobe), with addresses, ports and state in the record. It
 * covers the retransmission timer, fast retransmit, tail loss probes and
 * SYN retransmits; a listener's SYN-ACK retransmits have their own
 * tracepoint (tcp/tcp_retransmit_synack) and are not counted here. Where
 * its record has an err field (its own record type, as on 6.18; older
 * kernels share tcp_event_sk_skb's), the tracepoint also fires for attempts
 * that sent nothing (err != 0: the segment still in a qdisc, no memory):
 * those are skipped,
 * so the count is the segments that went out again, as the kernel's own
 * TcpRetransSegs counts them (for segments that are not GSO bursts).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
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

/*
 * Older kernels give the record of the tcp_event_sk_skb class: the same
 * fields up to daddr_v6, no err, and the tracepoint only fires for segments
 * sent. CO-RE matches this flavour to that type. (Checked here by forcing
 * this branch against 6.18's type: same counts.)
 */
struct trace_event_raw_tcp_event_sk_skb___old {
	int state;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u8 saddr[4];
	__u8 daddr[4];
	__u8 saddr_v6[16];
	__u8 daddr_v6[16];
} __attribute__((preserve_access_index));

/* The key of a record of either type. */
#define TCPRETRANS_KEY(key, ctx)					\
	do {								\
		TCP_COPY_ADDRS((key)->saddr, (key)->daddr, ctx);	\
		(key)->sport = (ctx)->sport;				\
		(key)->dport = (ctx)->dport;				\
		(key)->state = (ctx)->state;				\
	} while (0)

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

SEC("tp/tcp/tcp_retransmit_skb")
int tcpretrans_retransmit(void *ctx)
{
	struct tcpretrans_key key = {};

	if (bpf_core_type_exists(struct trace_event_raw_tcp_retransmit_skb)) {
		struct trace_event_raw_tcp_retransmit_skb *r = ctx;

		/* Nothing went out: not a retransmission. */
		if (r->err)
			return 0;
		TCPRETRANS_KEY(&key, r);
	} else {
		struct trace_event_raw_tcp_event_sk_skb___old *r = ctx;

		/*
		 * Through bpf_probe_read_kernel() (BPF_CORE_READ), not plain
		 * loads: clang merges the two branches' loads into one at a
		 * computed offset, which the verifier refuses on a context.
		 */
		if (BPF_CORE_READ(r, family) == AF_INET6) {
			BPF_CORE_READ_INTO(&key.saddr, r, saddr_v6);
			BPF_CORE_READ_INTO(&key.daddr, r, daddr_v6);
		} else {
			key.saddr[10] = key.saddr[11] = 0xff;
			key.daddr[10] = key.daddr[11] = 0xff;
			bpf_core_read(key.saddr + 12, 4, &r->saddr);
			bpf_core_read(key.daddr + 12, 4, &r->daddr);
		}
		key.sport = BPF_CORE_READ(r, sport);
		key.dport = BPF_CORE_READ(r, dport);
		key.state = BPF_CORE_READ(r, state);
	}
	count_key(&key);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
