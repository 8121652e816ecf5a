/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The --publish buffer: frames waiting for NATS, oldest first, in one byte
 * ring of --publish-buffer bytes allocated once (its pages touched as it
 * first fills, then reused), instead of one allocation per frame. Not
 * locked: its owner's lock covers it.
 */
#ifndef EBPF_PUBRING_H
#define EBPF_PUBRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pubring {
	uint8_t *buf;
	size_t cap;             /* bytes, a multiple of 8 */
	uint64_t rd, wr;        /* ever growing offsets; at buf[off % cap] */
};

int pubring_init(struct pubring *r, size_t cap);
void pubring_free(struct pubring *r);
/* A copy of the frame at the newest end: 0, -ENOSPC (room for it once
 * older frames go) or -E2BIG (never fits). */
int pubring_push(struct pubring *r, const void *data, size_t len, bool event);
/* The oldest frame, or NULL when empty; stays until pubring_pop(). */
const uint8_t *pubring_peek(struct pubring *r, size_t *len, bool *event);
void pubring_pop(struct pubring *r);

static inline bool pubring_empty(const struct pubring *r)
{
	return r->rd == r->wr;
}

/* Bytes held, record headers and wrap padding included. */
static inline size_t pubring_used(const struct pubring *r)
{
	return (size_t)(r->wr - r->rd);
}

#endif
