// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * biolatency: block I/O latency, from the moment a request is issued to the
 * device driver until it completes, as a log2 histogram per disk and
 * operation (libbpf-tools' `biolatency -D -F`, by op only).
 *
 * Why tp_btf: issue and completion must be matched per request, and only
 * the BTF tracepoints hand over the struct request * itself (the classic
 * block_rq_* tracepoints carry a dev and a sector, not the request). They
 * also read the request with plain loads instead of bpf_probe_read calls.
 *
 * Per-event cost matters (this runs on every I/O of the machine), so:
 * - the issue time of a request is kept in an array slot chosen by the
 *   request's address, not in a hash map: a hash lookup at issue and
 *   another at completion were most of what we cost beyond the two clock
 *   reads (bench/60-backends.sh). A slot is claimed with one atomic
 *   compare-and-swap and released with one exchange, so two requests
 *   never share one; a request whose slot is taken by another in flight
 *   goes to the hash map instead, which is exact, only slower.
 * - the hash map is never written with update/delete on its fast path.
 *   blk-mq requests are preallocated per tag and reused: a request pointer
 *   issued once comes back. Issue overwrites its entry in place, completion
 *   zeroes it in place; only the first issue of a request inserts.
 * - the histogram is per CPU: plain adds, no atomics.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_tags.h"
#include "bits.bpf.h"
#include "biolatency.h"

/* REQ_OP_MASK: the operation is the low 8 bits of cmd_flags since v4.10. */
#define BIOLATENCY_REQ_OP_MASK	0xff
#define BIOLATENCY_MINORBITS	20	/* kernel dev_t: major << 20 | minor */

/*
 * Requests in flight by address: 4096 slots of 16 bytes (64 KiB), more
 * than the requests in flight on most machines, so that a collision (and
 * the slower hash map) is rare. owner is the request's address while it is
 * in flight, 0 when the slot is free; ts its issue time.
 */
#define BIOLATENCY_SLOT_BITS	12
#define BIOLATENCY_SLOTS	(1U << BIOLATENCY_SLOT_BITS)
struct rq_slot {
	__u64 owner;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BIOLATENCY_SLOTS);
	__type(key, __u32);
	__type(value, struct rq_slot);
} rq_slots SEC(".maps")
	EBPF_HIDDEN
	EBPF_HELP("Issue time of requests in flight, by request address (internal)");

/*
 * Issue time (bpf_ktime_get_ns()) by struct request *; 0 once counted.
 * Only for requests whose slot in rq_slots was taken by another one.
 * LRU, so that pointers of requests freed with their queue (a loop device
 * detached, a disk removed) age out instead of filling the map for good.
 * 10240 (libbpf-tools' size) is far more than the requests in flight
 * on any one machine, so an entry still in flight is never the least
 * recently used. About 100 bytes an entry: 1 MiB.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct request *);
	__type(value, __u64);
} rq_start SEC(".maps")
	EBPF_HIDDEN
	EBPF_HELP("Issue time of requests in flight, by request (internal)");

/*
 * One histogram per (disk, op). Keys are bounded by the disks of the
 * machine times the handful of operations, hence no LRU: an evicted
 * histogram would be a counter reset. 1024 = 170 disks doing all six named
 * operations. Per CPU values are allocated on first use
 * (BPF_F_NO_PREALLOC), so memory follows the disks in use, not 1024 x CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct biolatency_key);
	__type(value, struct biolatency_hist);
} io_latency SEC(".maps")
	EBPF_LOG2_HISTOGRAM
	EBPF_UNIT("seconds") EBPF_SCALE("1e-6")
	EBPF_DECODE("disk", "majorminor")
	EBPF_DECODE("op", "enum:biolatency_op")
	EBPF_HELP("Block I/O latency from issue to completion, by disk and operation");

/* enum biolatency_op in the object's BTF, where the enum: decoder looks. */
EBPF_EMIT_TYPE(enum biolatency_op);

#define READ_ONCE_OWNER(s)	(*(volatile __u64 *)&(s)->owner)

/* Resolved by libbpf at load time from the running kernel. */
extern int LINUX_KERNEL_VERSION __kconfig;

/* Before v5.16 (commit f3fa33acca9f) the disk hung off the request. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/*
 * The low 32 bits of the request's address, as a number: a 32-bit move,
 * which the verifier lets a CAP_PERFMON loader's tracing programs make of
 * a pointer (ALU on the pointer itself is refused). The slot index only:
 * owners are compared as whole addresses.
 */
static __always_inline __u32 rq_addr_lo(const struct request *rq)
{
	__u32 lo;

	asm volatile("%[lo] = %[p]" : [lo] "=w"(lo) : [p] "w"((__u32)(__u64)rq));
	return lo;
}

/* The request's slot: a multiplicative hash of its address, as requests
 * sit a few hundred bytes apart in their tag set's pages. */
static __always_inline struct rq_slot *slot_of(const struct request *rq)
{
	__u32 k = (rq_addr_lo(rq) >> 6) * 0x9E3779B1U >> (32 - BIOLATENCY_SLOT_BITS);

	return bpf_map_lookup_elem(&rq_slots, &k);
}

/* Issue: stamp the request's slot if it is ours (a request issued again
 * before we saw its requeue: loaded meanwhile) or free; false if another
 * request in flight holds it. */
static __always_inline bool slot_claim(const struct request *rq, __u64 ts)
{
	__u64 addr = (__u64)rq;
	struct rq_slot *s = slot_of(rq);

	if (!s)
		return false;
	if (READ_ONCE_OWNER(s) != addr &&
	    __sync_val_compare_and_swap(&s->owner, 0, addr) != 0)
		return false;
	s->ts = ts;
	return true;
}

/* Completion: the request's issue time, its slot released; 0 if the slot
 * is not the request's (it went to rq_start, or a partial completion of a
 * request already counted). The exchange orders the read of ts before the
 * release: the next owner's stamp is never read as ours. */
static __always_inline __u64 slot_take(const struct request *rq)
{
	__u64 addr = (__u64)rq, ts;
	struct rq_slot *s = slot_of(rq);

	if (!s || READ_ONCE_OWNER(s) != addr)
		return 0;
	ts = s->ts;
	__sync_lock_test_and_set(&s->owner, 0);
	return ts;
}

/* The request block_rq_issue and block_rq_requeue hand over. */
static __always_inline struct request *rq_of(__u64 *ctx)
{
	/* Kernels before v5.11 (commit a54895fa) passed (q, rq). */
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		return (struct request *)ctx[1];
	return (struct request *)ctx[0];
}

SEC("tp_btf/block_rq_issue")
int biolatency_rq_issue(__u64 *ctx)
{
	struct request *rq;
	__u64 ts, *tsp;

	rq = rq_of(ctx);
	ts = bpf_ktime_get_ns();
	if (slot_claim(rq, ts))
		return 0;
	tsp = bpf_map_lookup_elem(&rq_start, &rq);
	if (tsp) {
		*tsp = ts;
		return 0;
	}
	/* First issue of this request. Fails only if the map is broken. */
	bpf_map_update_elem(&rq_start, &rq, &ts, BPF_ANY);
	return 0;
}

/*
 * A request put back to be issued again (the driver was busy) is no longer
 * in flight: forget its issue time, so that its next issue starts afresh
 * and only one of its slot and rq_start ever holds a time for it (else a
 * time left in rq_start could be counted by a later partial completion).
 * Rare: its cost is not per I/O.
 */
SEC("tp_btf/block_rq_requeue")
int biolatency_rq_requeue(__u64 *ctx)
{
	struct request *rq;
	__u64 *tsp;

	rq = rq_of(ctx);
	slot_take(rq);
	tsp = bpf_map_lookup_elem(&rq_start, &rq);
	if (tsp)
		*tsp = 0;
	return 0;
}

/* dev_t of the request's whole disk, as the block tracepoints give it. */
static __always_inline __u32 rq_disk_dev(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(((struct request___old *)rq)->rq_disk))
		disk = ((struct request___old *)rq)->rq_disk;
	else
		disk = rq->q->disk;
	if (!disk)
		return 0;
	return (__u32)disk->major << BIOLATENCY_MINORBITS | disk->first_minor;
}

/* This CPU's histogram of key, made on its first I/O. */
static __always_inline struct biolatency_hist *
hist_of(const struct biolatency_key *key)
{
	struct biolatency_hist *h, zero;

	h = bpf_map_lookup_elem(&io_latency, key);
	if (h)
		return h;
	__builtin_memset(&zero, 0, sizeof(zero));
	/* NOEXIST: another CPU may have made it meanwhile; either way it's there. */
	bpf_map_update_elem(&io_latency, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&io_latency, key);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(biolatency_rq_complete, struct request *rq, int error,
	     unsigned int nr_bytes)
{
	struct biolatency_key key;
	struct biolatency_hist *h;
	__u64 *tsp, ts;
	__s64 delta;
	__u32 i;

	ts = slot_take(rq);
	if (!ts) {
		tsp = bpf_map_lookup_elem(&rq_start, &rq);
		if (!tsp)
			return 0;	/* issued before we were loaded */
		ts = *tsp;
		/* 0: a partial completion of a request already counted. */
		if (!ts)
			return 0;
		*tsp = 0;
	}
	delta = (__s64)(bpf_ktime_get_ns() - ts);
	if (delta < 0)
		return 0;

	key.disk = rq_disk_dev(rq);
	key.op = rq->cmd_flags & BIOLATENCY_REQ_OP_MASK;
	h = hist_of(&key);
	if (!h)
		return 0;	/* map full: 1024 (disk, op) pairs */
	delta = biolatency_us(delta);
	i = log2_bucket(delta, BIOLATENCY_BUCKETS);
	/* Redundant for the logic, but tells the verifier i is in bounds. */
	if (i >= BIOLATENCY_BUCKETS)
		return 0;
	h->buckets[i]++;
	h->sum += delta;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
