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

/* Where a walk of batch lookups is: the kernel's token (a bucket index for
 * hashes, a key for arrays) from the last call, and the least entries one
 * call may ask for (a hash bucket must fit whole). */
struct batch_pos {
	uint64_t tok[2][8];
	int out;                /* tok[out] receives the next token */
	bool started;           /* tok[!out] holds a token to go on from */
	bool end;               /* the kernel said "the end" */
	size_t least;
};

/* One bpf_map_lookup_batch call, appending up to want entries (at least
 * p->least) to s. 0 (p->end once the walk is over), or -errno. */
static int batch_once(const struct rmap *m, struct batch_pos *p, struct snapshot *s, size_t want)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 count;
	int r;

	if (m->info.key_size > sizeof(p->tok[0]))
		return -EOPNOTSUPP;
	for (;;) {
		if (want < p->least)
			want = p->least;
		r = ensure_cap(s, s->n + want, true);
		if (r)
			return r;
		count = want;
		r = bpf_map_lookup_batch(m->fd, p->started ? p->tok[!p->out] : NULL, p->tok[p->out],
					 s->keys + s->n * s->key_size,
					 s->values + s->n * s->value_size, &count, &opts);
		if (r < 0)
			r = -errno;
		MARK_DEFINED(s->keys + s->n * s->key_size, (size_t)count * s->key_size);
		MARK_DEFINED(s->values + s->n * s->value_size, (size_t)count * s->value_size);
		s->n += count;
		if (r == -ENOENT) {
			p->end = true; /* walked to the end */
			return 0;
		}
		if (r == -ENOSPC && count == 0) {
			/* One hash bucket holds more entries than we asked for. */
			if (want > (1u << 23))
				return -ENOSPC;
			p->least = want * 2;
			continue;
		}
		if (r)
			return r;
		p->started = true;
		p->out = !p->out;
		return 0;
	}
}

static int take_batch(const struct rmap *m, struct snapshot *s)
{
	struct batch_pos p = { .least = 64 };
	size_t max = m->info.max_entries, chunk = max < CHUNK_MAX ? max : CHUNK_MAX;
	int r;

	while (!p.end) {
		/* No more than the map can still hold: once max_entries are
		 * read, only the call that says "the end" is left. Reading
		 * exactly a whole map must not double the buffers for it. */
		size_t want = s->n < max ? max - s->n : 0;

		r = batch_once(m, &p, s, want < chunk ? want : chunk);
		if (r)
			return r;
	}
	return 0;
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

/* Buffers for a chunk: a few thousand entries, so that a writer decodes
 * and formats each chunk while it is still in the cache. */
#define ITER_CHUNK_BYTES (128 * 1024)
#define ITER_CHUNK_MIN 64
#define ITER_CHUNK_MAX 8192

struct snapshot_iter_state {
	struct batch_pos pos;
	size_t chunk;           /* entries asked for per call */
	bool whole;             /* no batch lookups: one chunk of everything */
	bool done;
};

int snapshot_iter_open(struct snapshot_iter *it, const struct rmap *m)
{
	size_t key_size = m->info.key_size, value_size = m->stride * m->nr_cpus;
	size_t chunk = ITER_CHUNK_BYTES / (key_size + value_size + 1);

	if (!m->snapshottable)
		return -EOPNOTSUPP;
	if (!it->st && !(it->st = calloc(1, sizeof(*it->st))))
		return -ENOMEM;
	if (it->chunk.key_size != key_size || it->chunk.value_size != value_size) {
		snapshot_free(&it->chunk);
		it->chunk.key_size = key_size;
		it->chunk.value_size = value_size;
	}
	memset(it->st, 0, sizeof(*it->st));
	it->st->pos.least = ITER_CHUNK_MIN;
	it->st->chunk = chunk < ITER_CHUNK_MIN ? ITER_CHUNK_MIN :
			chunk > ITER_CHUNK_MAX ? ITER_CHUNK_MAX : chunk;
	it->st->whole = !snapshot_batch_capable(m->info.type);
	it->m = m;
	it->chunk.n = 0;
	it->chunk.batched = !it->st->whole;
	it->total = 0;
	return 0;
}

int snapshot_iter_next(struct snapshot_iter *it)
{
	struct snapshot_iter_state *st = it->st;
	int r;

	it->chunk.n = 0;
	if (st->done)
		return 0;
	if (st->whole) {
		st->done = true;
		r = snapshot_take(it->m, &it->chunk);
		if (r)
			return r;
		it->total = it->chunk.n;
		return it->chunk.n > 0;
	}
	while (!it->chunk.n && !st->pos.end) {
		r = batch_once(it->m, &st->pos, &it->chunk, st->chunk);
		if ((r == -EINVAL || r == -EOPNOTSUPP || r == -ENOTSUP) && !it->total &&
		    !st->pos.started) {
			/* old kernel: everything in one chunk, entry by entry */
			st->whole = true;
			it->chunk.batched = false;
			return snapshot_iter_next(it);
		}
		if (r)
			return r;
	}
	st->done = st->pos.end;
	it->total += it->chunk.n;
	return it->chunk.n > 0;
}

bool snapshot_iter_done(const struct snapshot_iter *it)
{
	return !it->st || it->st->done;
}

void snapshot_iter_close(struct snapshot_iter *it)
{
	snapshot_free(&it->chunk);
	free(it->st);
	memset(it, 0, sizeof(*it));
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

	/* +1: a map of empty values still gets a buffer to point at. */
	if (sums->cap < n * one + 1) {
		uint8_t *b = realloc(sums->buf, n * one + 1);

		if (!b)
			return -ENOMEM;
		sums->buf = b;
		sums->cap = n * one + 1;
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
