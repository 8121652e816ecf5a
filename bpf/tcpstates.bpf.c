// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tcpstates: TCP state transitions by old and new state, how long
 * connections live, and one record per closed connection (addresses, ports,
 * duration, the process), as libbpf-tools tcpstates and tcplife show them.
 *
 * sock/inet_sock_set_state is the stable interface every state change of an
 * inet socket goes through (tcp_set_state(), and inet_csk_clone_lock() for
 * the child of a listener): no kprobe. It fires for SCTP and MPTCP sockets
 * too, hence the protocol filter. Attached as tp_btf, with the socket as
 * its argument (read only at CLOSE for the record): a classic tracepoint
 * program is skipped while any process on that CPU is inside a map system
 * call (tcp.bpf.h), which lost transitions while readers read maps.
 *
 * Cost per transition: one per-CPU hash increment, plus one LRU hash
 * operation on the transitions that open or close a connection. A record
 * goes to the ring buffer only at CLOSE, once per connection (libbpf-tools
 * tcpstates writes a perf event for every transition).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_tags.h"
#include "bits.bpf.h"
#include "tcp.bpf.h"
#include "tcpstates.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/* 13 states: at most 169 (old, new) pairs, far fewer happen. Per CPU: a
 * plain increment on the hot path, no atomic. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, struct tcpstates_transition);
	__type(value, __u64);
} transitions SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("TCP state transitions, by old and new state")
	EBPF_DECODE("oldstate", "enum:tcp_state")
	EBPF_DECODE("newstate", "enum:tcp_state");

/* When a connection opened, and who opened or closed it, by socket. */
struct tcpstates_start {
	__u64 ts_ns;
	char comm[TCPSTATES_COMM_LEN];
	__u32 pid;		/* 0 until a process-context transition */
};

/*
 * Connections open now, keyed by the socket's address, from SYN_SENT or
 * SYN_RECV to CLOSE (a CLOSE without a start, of a connection opened before
 * the backend was loaded, gives no record). LRU, so that starts whose CLOSE
 * is never seen cannot fill it: when more than 16384 connections are open,
 * the least recently used are forgotten and close without a record.
 * 16384 x (8 + 32 bytes + ~50 of overhead) is ~1.5 MiB.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct tcpstates_start);
} starts SEC(".maps")
	EBPF_HIDDEN
	EBPF_HELP("Open time of TCP connections, by socket (internal)");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcpstates_lifetime);
} lifetime SEC(".maps")
	EBPF_LOG2_HISTOGRAM
	EBPF_UNIT("seconds") EBPF_SCALE("1e-9")
	EBPF_HELP("Lifetime of TCP connections, from SYN_SENT or SYN_RECV to CLOSE");

/* 256 KiB: 3276 records of 80 bytes between two reads of a consumer. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} closed SEC(".maps")
	EBPF_RECORD("tcpstates_event")
	EBPF_HELP("One record per closed TCP connection")
	EBPF_DECODE("saddr", "inet_ip")
	EBPF_DECODE("daddr", "inet_ip")
	EBPF_DECODE("oldstate", "enum:tcp_state");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcpstates_stats);
} closed_stats SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("Closed-connection records submitted and dropped (ring buffer full)");

/* In the object's BTF, where readers look for them (only locals use them). */
EBPF_EMIT_TYPE(struct tcpstates_event);
EBPF_EMIT_TYPE(enum tcp_state);

static __always_inline void count_transition(int oldstate, int newstate)
{
	struct tcpstates_transition key = { .oldstate = oldstate, .newstate = newstate };
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(&transitions, &key);
	if (count) {
		(*count)++;
		return;
	}
	/* First time on any CPU; another CPU may insert it meanwhile. */
	if (bpf_map_update_elem(&transitions, &key, &one, BPF_NOEXIST) != -EEXIST)
		return;
	count = bpf_map_lookup_elem(&transitions, &key);
	if (count)
		(*count)++;
}

/* The current task, as who connected (SYN_SENT: connect()) or closed
 * (FIN_WAIT1, LAST_ACK: close() or shutdown()) the socket. */
static __always_inline void owner_fill(struct tcpstates_start *s)
{
	s->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
}

/*
 * A connection opens: SYN_SENT runs in the connecting process; SYN_RECV (the
 * child of a listener) in softirq, where the current task is whoever was
 * interrupted, so its owner is left for the close.
 */
static __always_inline void start_record(__u64 sk, bool process)
{
	struct tcpstates_start s = {};

	s.ts_ns = bpf_ktime_get_ns();
	if (process)
		owner_fill(&s);
	bpf_map_update_elem(&starts, &sk, &s, BPF_ANY);
}

/* The process closes a connection it did not open (accepted ones). */
static __always_inline void start_owner(__u64 sk)
{
	struct tcpstates_start *s = bpf_map_lookup_elem(&starts, &sk);

	if (s && !s->pid)
		owner_fill(s);
}

static __always_inline void lifetime_add(__u64 ns)
{
	struct tcpstates_lifetime *h;
	__u32 zero = 0, i;

	h = bpf_map_lookup_elem(&lifetime, &zero);
	if (!h)
		return;
	i = log2_bucket(ns, TCPSTATES_LIFETIME_BUCKETS);
	/* Redundant for the logic, but tells the verifier i is in bounds. */
	if (i >= TCPSTATES_LIFETIME_BUCKETS)
		return;
	h->buckets[i]++;
	h->sum += ns;
}

static __always_inline void stats_count(int dropped)
{
	struct tcpstates_stats *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&closed_stats, &zero);
	if (!s)
		return;
	if (dropped)
		s->dropped++;
	else
		s->events++;
}

static __always_inline void emit_closed(const struct sock *sk, int oldstate,
					const struct tcpstates_start *s, __u64 now)
{
	struct tcpstates_event *e;

	e = bpf_ringbuf_reserve(&closed, sizeof(*e), 0);
	if (!e) {
		stats_count(1);
		return;
	}
	/* Reserved space holds old records: no stale bytes to readers. */
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = now;
	e->duration_ns = now - s->ts_ns;
	tcp_sk_addrs(sk, e->saddr, e->daddr);
	e->sport = tcp_sk_sport(sk);
	e->dport = tcp_sk_dport(sk);
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->oldstate = oldstate;
	e->pid = s->pid;
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	__builtin_memcpy(e->comm, s->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	stats_count(0);
}

/* CLOSE: the connection's lifetime and record, if we saw it open. */
static __always_inline void closed_conn(const struct sock *sk, int oldstate)
{
	__u64 key = (__u64)sk;
	struct tcpstates_start *s;
	__u64 now;

	s = bpf_map_lookup_elem(&starts, &key);
	if (!s)
		return;
	now = bpf_ktime_get_ns();
	lifetime_add(now - s->ts_ns);
	emit_closed(sk, oldstate, s, now);
	/* Last: a deleted element may be reused by another CPU at once. */
	bpf_map_delete_elem(&starts, &key);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcpstates_set_state, const struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk;

	/* A bitfield before 5.6, a plain field since: read either way. */
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	count_transition(oldstate, newstate);
	switch (newstate) {
	case TCP_SYN_SENT:
		start_record(key, true);
		break;
	case TCP_SYN_RECV:
		start_record(key, false);
		break;
	case TCP_FIN_WAIT1:
	case TCP_LAST_ACK:
		start_owner(key);
		break;
	case TCP_CLOSE:
		closed_conn(sk, oldstate);
		break;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
