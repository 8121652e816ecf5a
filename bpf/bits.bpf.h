/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Branch-free integer log2 for BPF programs, in the style of libbpf-tools'
 * bits.bpf.h: no loops, so the verifier sees a short straight line.
 */
#ifndef BITS_BPF_H
#define BITS_BPF_H

/* floor(log2(v)) for v > 0; 0 for v == 0. Binary search on the bits. */
static __always_inline __u32 bits_log2_u32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 bits_log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	if (hi)
		return bits_log2_u32(hi) + 32;
	return bits_log2_u32(v);
}

/*
 * Bucket of v in a log2 histogram of nr_buckets buckets, as the readers
 * expect (EBPF_LOG2_HISTOGRAM): bucket 0 holds 0, bucket i > 0 holds
 * [2^(i-1), 2^i - 1], values past the end go to the last bucket.
 */
static __always_inline __u32 log2_bucket(__u64 v, __u32 nr_buckets)
{
	__u32 i;

	if (!v)
		return 0;
	i = bits_log2_u64(v) + 1;
	return i < nr_buckets ? i : nr_buckets - 1;
}

#endif /* BITS_BPF_H */
