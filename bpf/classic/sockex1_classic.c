// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sockex1, written the old way (as the kernel's samples/bpf/sockex1_kern.c):
 * a struct bpf_map_def in SEC("maps"), helpers called through function
 * pointers holding the helper id, packet bytes read with LD_ABS, no BTF.
 * It exists to exercise the loader's libelf path for such objects, so it
 * must count exactly what bpf/sockex1.bpf.c counts, with the same map.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <stddef.h>

#define SEC(name) __attribute__((section(name), used))

/* libbpf 1.x dropped this type; old loaders read it from SEC("maps"). */
struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

static void *(*bpf_map_lookup_elem)(void *map, const void *key) =
	(void *) BPF_FUNC_map_lookup_elem;
static long (*bpf_map_update_elem)(void *map, const void *key,
				   const void *value, __u64 flags) =
	(void *) BPF_FUNC_map_update_elem;

/* LD_ABS load, relative to the link-layer header. */
unsigned long long load_byte(void *skb, unsigned long long off)
	asm("llvm.bpf.load.byte");

/* skb->protocol is in network byte order; no bpf_endian.h here. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ETH_P_IP_BE __builtin_bswap16(ETH_P_IP)
#else
#define ETH_P_IP_BE ETH_P_IP
#endif

#define EEXIST 17

/* Same layout as struct sockex1_value in bpf/sockex1.h. */
struct sockex1_value {
	__u64 packets;
	__u64 bytes;
};

struct bpf_map_def SEC("maps") proto_stats = {
	.type = BPF_MAP_TYPE_PERCPU_HASH,
	.key_size = sizeof(__u32),		/* enum ip_proto */
	.value_size = sizeof(struct sockex1_value),
	.max_entries = 256,
};

SEC("socket1")
int sockex1_count(struct __sk_buff *skb)
{
	struct sockex1_value *val, init;
	__u32 key;

	/* Count each loopback packet once: its outgoing copy only. */
	if (skb->pkt_type != PACKET_OUTGOING)
		return 0;
	/* skb->protocol, not the Ethernet header's h_proto, as the modern
	 * twin does (they differ e.g. for VLAN-tagged frames). */
	if (skb->protocol != ETH_P_IP_BE)
		return 0;
	key = load_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol));

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
	return 0;
}

char _license[] SEC("license") = "Dual BSD/GPL";
__u32 _version SEC("version") = 0xFFFFFFFE;
