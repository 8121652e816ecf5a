// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The self-check, test code: with EBPF_STREAM_SELFCHECK=1, every Snapshot
 * and Event frame the direct encoders (snapenc.c, evenc.c) write is built
 * again the plain protobuf-c way (refframes.c) from the same data and
 * timestamp, and the two must be the same bytes. A difference is told on
 * stderr and ends the stream. Linked into the ebpf-stream the tests build
 * (tests/lib.bash stream_selfcheck_build) and into encfuzz.c; the shipped
 * binary has neither this nor refframes.c (stream.h: weak symbols).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "refframes.h"

int selfcheck_snapshot_ref(struct arena *a, const struct rmap *m, const struct snapshot *s,
			   bool per_cpu, const struct snap_frame *sf, struct strbuf *ref)
{
	uint8_t *summed = NULL;
	Frame *f;

	sb_reset(ref);
	if (m->percpu && !per_cpu) {
		/* As the stream did before snapenc.c: the sums in an array of
		 * their own, from the per-CPU values as read. */
		size_t one = m->info.value_size;

		summed = calloc(s->n + 1, one);
		if (!summed)
			return -ENOMEM;
		for (size_t k = 0; k < s->n; k++)
			schema_sum_percpu(&m->value, snapshot_value(s, k), m->stride, m->nr_cpus,
					  summed + k * one);
	}
	f = frame_snapshot(a, m, s, summed, per_cpu);
	if (f) {
		f->snapshot->timestamp_ns = sf->ts;
		f->snapshot->more = sf->more;
		f->snapshot->seq = sf->seq;
		f->snapshot->part = sf->part;
		frame_pack(f, ref);
	}
	arena_reset(a);
	free(summed);
	return f && !ref->oom ? 0 : -ENOMEM;
}

int selfcheck_event_ref(struct arena *a, const struct rmap *m, const struct schema *record,
			const void *data, size_t size, uint64_t seq, uint64_t ts,
			struct strbuf *ref)
{
	Frame *f = frame_event(a, m, record, data, size, seq);

	sb_reset(ref);
	if (f) {
		f->event->timestamp_ns = ts;
		frame_pack(f, ref);
	}
	arena_reset(a);
	return f && !ref->oom ? 0 : -ENOMEM;
}

int selfcheck_compare(const char *what, const struct rmap *m, const struct strbuf *ref,
		      const void *got, size_t len)
{
	const uint8_t *g = got, *w = (const uint8_t *)ref->buf;
	size_t i = 0;

	if (len == ref->len && !memcmp(got, ref->buf, len))
		return 0;
	while (i < len && i < ref->len && g[i] == w[i])
		i++;
	fprintf(stderr, "ebpf-stream: self-check: %s frame of %s/%s: %zu bytes, protobuf-c's %zu, "
		"first difference at byte %zu\n", what, m->backend, m->name, len, ref->len, i);
	return -EPROTO;
}
