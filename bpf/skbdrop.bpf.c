// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * skbdrop: packets the kernel dropped, by drop reason and link-layer
 * protocol. The skb/kfree_skb tracepoint fires where the kernel frees an
 * skb it drops, with the reason it gives (enum skb_drop_reason, an argument
 * since 5.17); on 6.18 a consumed skb, no drop, goes to skb/consume_skb.
 * It is the one place all drops pass, from the NIC driver up to the socket
 * layer, and a stable interface, unlike kprobes on the dropping functions.
 *
 * tp_btf rather than the classic tracepoint: no perf-event record to fill,
 * and the arguments are read straight from the call. The skb is a trusted
 * BTF pointer, so its protocol is a plain (CO-RE relocated) load.
 *
 * Readers name the reason from the running kernel's enum skb_drop_reason
 * (its values change between kernels), so this object must not carry a copy
 * of that enum in its BTF: nothing here names the kernel's type, only the
 * flavoured local enum below, which has another name.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "ebpf_tags.h"
#include "skbdrop.h"

/*
 * Drops by {reason, protocol}. The reasons are ~130 on 6.18 (plus a few
 * per subsystem, e.g. mac80211), the protocols a handful on a real host;
 * but a sender on the link chooses the ethertype of an UNHANDLED_PROTO
 * drop, so the key space is not ours to bound: LRU, 1024 entries, far more
 * than a host shows, and far below the exporter's --max-series (10000).
 * Per-CPU: a drop storm (a SYN flood on a closed port) is exactly when
 * this runs most, and a per-CPU add never bounces a cache line.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct skbdrop_key);
	__type(value, __u64);
} packets SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("Packets the kernel dropped, by drop reason and link-layer protocol")
	EBPF_DECODE("reason", "enum:skb_drop_reason")
	EBPF_DECODE("protocol", "enum:skbdrop_proto");

/* Only the map's key struct names it (as __u32): put the enum in BTF. */
EBPF_EMIT_TYPE(enum skbdrop_proto);

/*
 * The kernel's enum skb_drop_reason, as far as we need it, under a
 * flavoured name: CO-RE matches it to the kernel's by the name before
 * "___", and its name in our BTF stays distinct (see the top comment).
 */
enum skb_drop_reason___skbdrop {
	SKB_CONSUMED___skbdrop = 1,
};

#ifndef EEXIST
#define EEXIST 17
#endif

SEC("tp_btf/kfree_skb")
int BPF_PROG(skbdrop_kfree_skb, struct sk_buff *skb, void *location, __u32 reason)
{
	struct skbdrop_key key;
	__u64 one = 1, *count;

	/*
	 * SKB_NOT_DROPPED_YET (0) and SKB_CONSUMED (1) are no drops. 6.18
	 * sends consumed skbs to consume_skb, not here, but a kernel between
	 * may pass them. Kernels before them number the reasons from
	 * SKB_DROP_REASON_NOT_SPECIFIED = 0, a drop: hence the CO-RE check
	 * rather than a constant.
	 */
	if (bpf_core_enum_value_exists(enum skb_drop_reason___skbdrop, SKB_CONSUMED___skbdrop) &&
	    reason <= bpf_core_enum_value(enum skb_drop_reason___skbdrop, SKB_CONSUMED___skbdrop))
		return 0;

	key.reason = reason;
	key.protocol = bpf_ntohs(skb->protocol);

	count = bpf_map_lookup_elem(&packets, &key);
	if (count) {
		(*count)++;
		return 0;
	}
	if (bpf_map_update_elem(&packets, &key, &one, BPF_NOEXIST) != -EEXIST)
		return 0;
	/* Another CPU inserted the key between our lookup and update. */
	count = bpf_map_lookup_elem(&packets, &key);
	if (count)
		(*count)++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
