// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A map read piece by piece for a streamed scrape: one bpf_map_lookup_batch
 * call per piece into buffers of a fixed size, so that a scrape holds a
 * piece of the map, never the whole map. Map types (or kernels) without
 * batch lookups are read whole, once, as snapshot_take reads them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "exporter.h"
#include "memcheck.h"

/* Entries per piece: big enough that the syscall is a small part of a
 * piece's cost, small enough that a piece is a few hundred KiB at most. */
#define PIECE_ENTRIES 4096u
/* A hash bucket must fit a piece whole; past this one is corrupt, not big. */
#define PIECE_MAX (1u << 24)

static int piece_cap(struct snapshot *s, size_t want)
{
	uint8_t *k, *v;

	if (want <= s->cap)
		return 0;
	k = realloc(s->keys, want * (s->key_size ? s->key_size : 1));
	if (!k)
		return -ENOMEM;
	s->keys = k;
	v = realloc(s->values, want * (s->value_size ? s->value_size : 1));
	if (!v)
		return -ENOMEM;
	s->values = v;
	s->cap = want;
	return 0;
}

void mapwalk_start(struct mapwalk *w, const struct rmap *m)
{
	size_t key_size = m->info.key_size, value_size = m->stride * m->nr_cpus;

	if (w->piece.key_size != key_size || w->piece.value_size != value_size) {
		snapshot_free(&w->piece);
		w->piece.key_size = key_size;
		w->piece.value_size = value_size;
	}
	w->piece.n = 0;
	w->started = false;
	w->ended = false;
	w->whole = !snapshot_batch_capable(m->info.type) || key_size > sizeof(w->tok[0]);
	w->want = PIECE_ENTRIES;
}

/* One batch call; -EINVAL and the like when the kernel has no batch lookups. */
static int next_batch(struct mapwalk *w, const struct rmap *m)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct snapshot *s = &w->piece;

	for (;;) {
		__u32 count = (__u32)w->want;
		int r = piece_cap(s, w->want);

		if (r)
			return r;
		r = bpf_map_lookup_batch(m->fd, w->started ? w->tok[w->cur] : NULL,
					 w->tok[!w->cur], s->keys, s->values, &count, &opts);
		r = r < 0 ? -errno : 0;
		MARK_DEFINED(s->keys, (size_t)count * s->key_size);
		MARK_DEFINED(s->values, (size_t)count * s->value_size);
		s->n = count;
		if (r == -ENOSPC && count == 0) {
			/* One hash bucket holds more entries than a piece. */
			if (w->want * 2 > PIECE_MAX)
				return -ENOSPC;
			w->want *= 2;
			continue;
		}
		if (r == -ENOENT) {
			w->ended = true; /* this piece is the last */
			return 0;
		}
		if (r)
			return r;
		w->started = true;
		w->cur = !w->cur; /* the token out is the next call's token in */
		return 0;
	}
}

int mapwalk_next(struct mapwalk *w, const struct rmap *m)
{
	int r;

	if (w->ended)
		return 0;
	if (!w->whole) {
		r = next_batch(w, m);
		if (r == 0 || w->started || (r != -EINVAL && r != -EOPNOTSUPP && r != -ENOTSUP))
			return r ? r : (int)(w->piece.n > 0 || !w->ended ? 1 : 0);
		w->whole = true; /* no batch lookups in this kernel: read it whole */
	}
	r = snapshot_take(m, &w->piece);
	w->ended = true;
	return r ? r : w->piece.n > 0;
}

void mapwalk_free(struct mapwalk *w)
{
	snapshot_free(&w->piece);
	value_sums_free(&w->sums);
}
