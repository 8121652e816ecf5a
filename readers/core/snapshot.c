// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Snapshots: every entry of a map, read with bpf_map_lookup_batch where the
 * kernel supports it (one syscall per chunk instead of two per entry), into
 * buffers that are reused from one snapshot to the next. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "reader.h"

#include "memcheck.h"

#define CHUNK_MAX (64 * 1024)

/* Room for want entries. Batch reads ask for what they will fill (exact);
 * entry-by-entry reads double, so that growing costs O(n) in all. */
static int ensure_cap(struct snapshot *s, size_t want, bool exact)
{
	uint8_t *k, *v;
	size_t cap;

	if (want <= s->cap)
		return 0;
	cap = exact || !s->cap ? want : s->cap * 2;
	if (cap < want)
		cap = want;
	k = realloc(s->keys, cap * (s->key_size ? s->key_size : 1));
	if (!k)
		return -ENOMEM;
	s->keys = k;
	v = realloc(s->values, cap * (s->value_size ? s->value_size : 1));
	if (!v)
		return -ENOMEM;
	s->values = v;
	if (ZERO_WHEN_GROWN) { /* no memcheck.h to say what the kernel wrote */
		memset(s->keys + s->cap * s->key_size, 0, (cap - s->cap) * s->key_size);
		memset(s->values + s->cap * s->value_size, 0, (cap - s->cap) * s->value_size);
	}
	s->cap = cap;
	return 0;
}

bool snapshot_batch_capable(__u32 type)
{
	switch (type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return true;
	default:
		return false;
	}
}

static int take_batch(const struct rmap *m, struct snapshot *s)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	/* Batch tokens: a bucket index for hashes, a key for arrays. */
	uint64_t tok_a[8] = { 0 }, tok_b[8] = { 0 };
	void *in = NULL, *out = tok_a;
	size_t max = m->info.max_entries, chunk = max < CHUNK_MAX ? max : CHUNK_MAX;
	/* The least one call may ask for: a hash bucket must fit whole. */
	size_t least = 64;
	int r;

	if (m->info.key_size > sizeof(tok_a))
		return -EOPNOTSUPP;
	for (;;) {
		/* No more than the map can still hold: once max_entries are
		 * read, only the call that says "the end" is left. Reading
		 * exactly a whole map must not double the buffers for it. */
		size_t want = s->n < max ? max - s->n : 0;
		__u32 count;

		if (want > chunk)
			want = chunk;
		if (want < least)
			want = least;
		r = ensure_cap(s, s->n + want, true);
		if (r)
			return r;
		count = want;
		r = bpf_map_lookup_batch(m->fd, in, out, s->keys + s->n * s->key_size,
					 s->values + s->n * s->value_size, &count, &opts);
		if (r < 0)
			r = -errno;
		MARK_DEFINED(s->keys + s->n * s->key_size, (size_t)count * s->key_size);
		MARK_DEFINED(s->values + s->n * s->value_size, (size_t)count * s->value_size);
		s->n += count;
		if (r == -ENOENT)
			return 0; /* walked to the end */
		if (r == -ENOSPC && count == 0) {
			/* One hash bucket holds more entries than we asked for. */
			least = want * 2;
			if (least > (1u << 24))
				return -ENOSPC;
			if (chunk < least)
				chunk = least;
			continue;
		}
		if (r)
			return r;
		in = out;
		out = out == tok_a ? tok_b : tok_a;
	}
}

/* qsort_r comparator of entry indexes by their keys' bytes; ctx is the
 * snapshot, so no state outlives the sort. */
static int cmp_idx(const void *a, const void *b, void *ctx)
{
	const struct snapshot *s = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return memcmp(s->keys + x * s->key_size, s->keys + y * s->key_size, s->key_size);
}

/* get_next_key restarts from the first key when the current one was deleted
 * meanwhile: drop the duplicates that can cause. */
static int dedupe(struct snapshot *s)
{
	size_t *idx, i, kept = 0;
	uint8_t *k, *v;

	if (s->n < 2)
		return 0;
	idx = malloc(s->n * sizeof(*idx));
	k = malloc(s->n * s->key_size);
	v = malloc(s->n * s->value_size);
	if (!idx || !k || !v) {
		free(idx);
		free(k);
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < s->n; i++)
		idx[i] = i;
	qsort_r(idx, s->n, sizeof(*idx), cmp_idx, s);
	for (i = 0; i < s->n; i++) {
		if (kept && !memcmp(k + (kept - 1) * s->key_size, s->keys + idx[i] * s->key_size,
				    s->key_size))
			continue;
		memcpy(k + kept * s->key_size, s->keys + idx[i] * s->key_size, s->key_size);
		memcpy(v + kept * s->value_size, s->values + idx[i] * s->value_size, s->value_size);
		kept++;
	}
	memcpy(s->keys, k, kept * s->key_size);
	memcpy(s->values, v, kept * s->value_size);
	s->n = kept;
	free(idx);
	free(k);
	free(v);
	return 0;
}

static int take_iterate(const struct rmap *m, struct snapshot *s)
{
	bool have_prev = false;
	int r;

	for (;;) {
		r = ensure_cap(s, s->n + 1, false);
		if (r)
			return r;
		/* Pointers only after ensure_cap: it may move the buffers. */
		uint8_t *key = s->keys + s->n * s->key_size;
		const void *prev = have_prev ? key - s->key_size : NULL;

		if (bpf_map_get_next_key(m->fd, prev, key) < 0)
			break;
		if (bpf_map_lookup_elem(m->fd, key, s->values + s->n * s->value_size) < 0) {
			if (errno == ENOENT)
				continue; /* deleted between the two calls; prev stays */
			return -errno;
		}
		have_prev = true;
		s->n++;
	}
	if (errno != ENOENT)
		return -errno;
	return dedupe(s);
}

int snapshot_take(const struct rmap *m, struct snapshot *s)
{
	size_t key_size = m->info.key_size, value_size = m->stride * m->nr_cpus;
	int r;

	if (!m->snapshottable)
		return -EOPNOTSUPP;
	if (s->key_size != key_size || s->value_size != value_size) {
		/* Another map's buffers: start afresh. */
		snapshot_free(s);
		s->key_size = key_size;
		s->value_size = value_size;
	}
	s->n = 0;
	s->batched = false;
	if (snapshot_batch_capable(m->info.type)) {
		r = take_batch(m, s);
		if (r == 0) {
			s->batched = true;
			return 0;
		}
		if (r != -EINVAL && r != -EOPNOTSUPP && r != -ENOTSUP)
			return r;
		s->n = 0; /* old kernel: fall back */
	}
	return take_iterate(m, s);
}

void snapshot_free(struct snapshot *s)
{
	free(s->keys);
	free(s->values);
	memset(s, 0, sizeof(*s));
}

int snapshot_sum_percpu(const struct rmap *m, const struct snapshot *s, size_t n,
			struct value_sums *sums)
{
	size_t one = m->info.value_size ? m->info.value_size : 1;

	if (sums->cap < n) {
		/* +1: a map of empty values still gets a buffer to point at. */
		uint8_t *b = realloc(sums->buf, n * one + 1);

		if (!b)
			return -ENOMEM;
		sums->buf = b;
		sums->cap = n;
	}
	for (size_t i = 0; i < n; i++)
		schema_sum_percpu(&m->value, snapshot_value(s, i), m->stride, m->nr_cpus,
				  sums->buf + i * one);
	return 0;
}

void value_sums_free(struct value_sums *sums)
{
	free(sums->buf);
	sums->buf = NULL;
	sums->cap = 0;
}
