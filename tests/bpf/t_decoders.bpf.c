// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a map for each decoder (docs/tags.md), filled from real
 * events. Programs that see every process count only the test's own, a
 * process named "t_dec"; network events carry the netns inode, so that a
 * test picks its own namespace's entries. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "ebpf_tags.h"

#define AF_INET 2
#define AF_INET6 10
#define TCP_SYN_SENT 2

struct conn4_key {
	__u32 netns;
	__u8 saddr[4];
	__u8 daddr[4];
	__u8 raw[4];            /* daddr again, shown in hex */
	__u16 dport;            /* network order, as in struct sock */
	__u16 pad;
};

struct conn6_key {
	__u32 netns;
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 dport;
	__u16 pad;
};

struct drop_key {
	__u32 netns;
	__u32 reason;           /* enum skb_drop_reason, from the kernel's BTF */
	__u64 location;         /* where the kernel dropped it */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct conn4_key);
	__type(value, __u64);
} conn4 SEC(".maps") EBPF_COUNTER EBPF_DECODE("saddr", "inet_ip") EBPF_DECODE("daddr", "inet_ip")
	EBPF_DECODE("raw", "hex") EBPF_DECODE("dport", "port");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct conn6_key);
	__type(value, __u64);
} conn6 SEC(".maps") EBPF_COUNTER EBPF_DECODE("saddr", "inet_ip") EBPF_DECODE("daddr", "inet_ip")
	EBPF_DECODE("dport", "port");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct drop_key);
	__type(value, __u64);
} drops SEC(".maps") EBPF_COUNTER EBPF_DECODE("reason", "enum:skb_drop_reason")
	EBPF_DECODE("location", "ksym");

/* Scalar keys: "key" names the key itself. */
#define SCALAR_MAP(name, ktype, decoder)                                         \
	struct {                                                                \
		__uint(type, BPF_MAP_TYPE_HASH);                                \
		__uint(max_entries, 1024);                                      \
		__type(key, ktype);                                             \
		__type(value, __u64);                                           \
	} name SEC(".maps") EBPF_COUNTER EBPF_DECODE("key", decoder)

SCALAR_MAP(syscalls, __u32, "syscall");
SCALAR_MAP(errors, __s32, "errno");
SCALAR_MAP(signals, __u32, "signal");
SCALAR_MAP(cgroups, __u64, "cgroup");
SCALAR_MAP(disks, __u32, "majorminor");
SCALAR_MAP(ifaces, __u32, "ifname");
SCALAR_MAP(stacks, __u32, "kstack");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stack_map SEC(".maps");

static __always_inline void bump(void *map, const void *key)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(map, key);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
}

static __always_inline bool is_test_task(void)
{
	char comm[16] = {};

	bpf_get_current_comm(comm, sizeof(comm));
	return comm[0] == 't' && comm[1] == '_' && comm[2] == 'd' && comm[3] == 'e' &&
	       comm[4] == 'c' && comm[5] == '\0';
}

SEC("tp/sock/inet_sock_set_state")
int on_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	const struct sock *sk = ctx->skaddr;
	__u32 netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);

	if (ctx->newstate != TCP_SYN_SENT)
		return 0;
	if (ctx->family == AF_INET) {
		struct conn4_key k = { .netns = netns, .dport = bpf_htons(ctx->dport) };

		bpf_probe_read_kernel(k.saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(k.daddr, 4, ctx->daddr);
		bpf_probe_read_kernel(k.raw, 4, ctx->daddr);
		bump(&conn4, &k);
	} else if (ctx->family == AF_INET6) {
		struct conn6_key k = { .netns = netns, .dport = bpf_htons(ctx->dport) };

		bpf_probe_read_kernel(k.saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(k.daddr, 16, ctx->daddr_v6);
		bump(&conn6, &k);
	}
	return 0;
}

SEC("tp/skb/kfree_skb")
int on_drop(struct trace_event_raw_kfree_skb *ctx)
{
	const struct sk_buff *skb = ctx->skbaddr;
	struct drop_key k = {
		.netns = BPF_CORE_READ(skb, dev, nd_net.net, ns.inum),
		.reason = ctx->reason,
		.location = (__u64)ctx->location,
	};

	if (k.netns)
		bump(&drops, &k);
	return 0;
}

SEC("tp/raw_syscalls/sys_enter")
int on_syscall(struct trace_event_raw_sys_enter *ctx)
{
	__u32 nr = (__u32)ctx->id;

	if (is_test_task())
		bump(&syscalls, &nr);
	return 0;
}

SEC("tp/syscalls/sys_exit_openat")
int on_openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	__s32 err = (__s32)ctx->ret;

	if (err < 0 && is_test_task())
		bump(&errors, &err);
	return 0;
}

SEC("tp/signal/signal_generate")
int on_signal(struct trace_event_raw_signal_generate *ctx)
{
	__u32 sig = ctx->sig;

	if (is_test_task())
		bump(&signals, &sig);
	return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	__u64 cg;
	__u32 id;
	long r;

	if (!is_test_task())
		return 0;
	cg = bpf_get_current_cgroup_id();
	bump(&cgroups, &cg);
	r = bpf_get_stackid(ctx, &stack_map, 0);
	if (r >= 0) {
		id = (__u32)r;
		bump(&stacks, &id);
	}
	return 0;
}

SEC("tp/block/block_bio_queue")
int on_bio(struct trace_event_raw_block_bio *ctx)
{
	__u32 dev = ctx->dev;

	if (is_test_task())
		bump(&disks, &dev);
	return 0;
}

SEC("tp/net/net_dev_queue")
int on_xmit(struct trace_event_raw_net_dev_template *ctx)
{
	const struct sk_buff *skb = ctx->skbaddr;
	__u32 ifindex = BPF_CORE_READ(skb, dev, ifindex);

	if (is_test_task())
		bump(&ifaces, &ifindex);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
