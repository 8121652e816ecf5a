// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The --publish buffer as a byte ring (pubring.h). Each frame is a record:
 * an 8-byte header (length, flags), the frame, padding to 8 bytes. A record
 * never wraps: when it does not fit before the end, a wrap record fills the
 * rest and it starts again at 0.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "pubring.h"

struct rec {
	uint32_t len;           /* of the frame after this header */
	uint32_t flags;
};

#define REC_EVENT 1u
#define REC_WRAP 2u

static size_t rec_size(size_t len)
{
	return (sizeof(struct rec) + len + 7) & ~(size_t)7;
}

int pubring_init(struct pubring *r, size_t cap)
{
	r->cap = cap & ~(size_t)7;
	r->rd = r->wr = 0;
	/* Untouched pages cost nothing (and reserve nothing): a large
	 * --publish-buffer only takes memory as far as an outage or a burst
	 * fills it. */
	r->buf = r->cap ? mmap(NULL, r->cap, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) : MAP_FAILED;
	if (r->buf == MAP_FAILED) {
		r->buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

void pubring_free(struct pubring *r)
{
	if (r->buf)
		munmap(r->buf, r->cap);
	r->buf = NULL;
}

int pubring_push(struct pubring *r, const void *data, size_t len, bool event)
{
	size_t need = rec_size(len), off, pad;
	struct rec *h;

	if (need > r->cap || len > UINT32_MAX)
		return -E2BIG;
	off = (size_t)(r->wr % r->cap);
	pad = off + need > r->cap ? r->cap - off : 0;
	if (r->wr + pad + need - r->rd > r->cap)
		return -ENOSPC;
	if (pad) {
		h = (struct rec *)(r->buf + off);
		h->len = 0;
		h->flags = REC_WRAP;
		r->wr += pad;
		off = 0;
	}
	h = (struct rec *)(r->buf + off);
	h->len = (uint32_t)len;
	h->flags = event ? REC_EVENT : 0;
	memcpy(h + 1, data, len);
	r->wr += need;
	return 0;
}

const uint8_t *pubring_peek(struct pubring *r, size_t *len, bool *event)
{
	struct rec *h;

	if (pubring_empty(r))
		return NULL;
	h = (struct rec *)(r->buf + r->rd % r->cap);
	if (h->flags & REC_WRAP) {
		r->rd += r->cap - r->rd % r->cap;
		h = (struct rec *)r->buf;
	}
	*len = h->len;
	*event = h->flags & REC_EVENT;
	return (const uint8_t *)(h + 1);
}

void pubring_pop(struct pubring *r)
{
	size_t len;
	bool event;

	if (!pubring_peek(r, &len, &event))
		return;
	r->rd += rec_size(len);
	if (pubring_empty(r))
		r->rd = r->wr = 0; /* the next record starts at 0: no wrap */
}
