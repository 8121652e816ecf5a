// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Arithmetic the backends share with user space (the headers in bpf/), checked against
 * what the readers make of it: a log2 histogram's bucket i is labelled with
 * the bound 2^i - 1 (its le), which must hold for every value counted there. */
#include <sys/cdefs.h>
#include <linux/types.h>
#include "bits.bpf.h"
#include "biolatency.h"
#include "unit.h"

/* The bound the readers give bucket i of a log2 histogram, unscaled. */
static __u64 le_of(__u32 i)
{
	return i ? (1ull << i) - 1 : 0;
}

static void test_biolatency_bounds(void)
{
	static const __u64 ns[] = {
		1, 999, 1000, 1001, 1999, 15000, 15001, 15900, 16000, 16001, 999999, 1000000,
		123456789, (1ull << 25) * 1000 + 1,
	};

	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		__u32 i = log2_bucket(biolatency_us(ns[k]), BIOLATENCY_BUCKETS);

		CHECK(i > 0); /* le=0 claims a latency of 0 */
		/* In its bucket: at most its le, more than the one below's. */
		CHECK(ns[k] <= le_of(i) * 1000);
		CHECK(ns[k] > le_of(i - 1) * 1000);
		if (ns[k] > le_of(i) * 1000 || ns[k] <= le_of(i - 1) * 1000)
			fprintf(stderr, "    %llu ns in bucket %u (le %llu us)\n",
				(unsigned long long)ns[k], i, (unsigned long long)le_of(i));
	}
	/* Past the last bucket's bound: the last bucket (its le is +Inf). */
	CHECK_INT(log2_bucket(biolatency_us(100ull * 1000 * 1000 * 1000), BIOLATENCY_BUCKETS),
		  BIOLATENCY_BUCKETS - 1);
}

int main(void)
{
	unit_start();
	test_biolatency_bounds();
	return UNIT_END();
}
