/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The counter every attach-kind test object bumps: the tests read it to see
 * that the program ran (map `hits`: one u64 in an array). */
#ifndef TEST_HITS_BPF_H
#define TEST_HITS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline void count_hit(void)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
}

#endif
