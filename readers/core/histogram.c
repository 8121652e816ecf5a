// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What makes a map a histogram and where its buckets start and end: one
 * answer for every reader, so print, JSON and the exporter's `le` agree. */
#include "reader.h"

/* The field names of the histogram contract (docs/tags.md): an array of
 * bucket counts, and the sum of the values counted. */
const struct field *histogram_buckets(const struct rmap *m)
{
	return schema_field(&m->value, "buckets");
}

const struct field *histogram_sum(const struct rmap *m)
{
	return schema_field(&m->value, "sum");
}

bool rmap_is_histogram(const struct rmap *m)
{
	const struct field *b = histogram_buckets(m);

	return (m->tags.kind == KIND_LOG2_HIST || m->tags.kind == KIND_LINEAR_HIST) && b &&
	       field_is_numeric(b) && b->count > 1;
}

void histogram_bucket(const struct map_tags *h, uint32_t i, uint64_t *lo, uint64_t *hi)
{
	if (h->kind == KIND_LINEAR_HIST) {
		*lo = (uint64_t)i * h->bucket_width;
		*hi = *lo + h->bucket_width - 1;
		return;
	}
	/* log2 (bpf/bits.bpf.h): bucket 0 is the value 0, bucket i holds
	 * [2^(i-1), 2^i - 1]. */
	*lo = i ? (i > 64 ? UINT64_MAX : 1ull << (i - 1)) : 0;
	*hi = i ? (i >= 64 ? UINT64_MAX : (1ull << i) - 1) : 0;
}
