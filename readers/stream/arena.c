// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "stream.h"

#define ARENA_BLOCK (64 * 1024)

void *arena_alloc(struct arena *a, size_t size)
{
	char **blocks;
	size_t bs;

	size = (size + 15) & ~(size_t)15;
	if (a->nblocks && a->used + size <= a->block_size) {
		void *p = a->blocks[a->nblocks - 1] + a->used;

		a->used += size;
		memset(p, 0, size);
		return p;
	}
	bs = size > ARENA_BLOCK ? size : ARENA_BLOCK;
	blocks = realloc(a->blocks, (a->nblocks + 1) * sizeof(*blocks));
	if (!blocks)
		return NULL;
	a->blocks = blocks;
	a->blocks[a->nblocks] = calloc(1, bs);
	if (!a->blocks[a->nblocks])
		return NULL;
	a->nblocks++;
	a->block_size = bs;
	a->used = size;
	return a->blocks[a->nblocks - 1];
}

void arena_reset(struct arena *a)
{
	/* Blocks after the first are freed; the first is kept when it has the
	 * standard size, so a warm arena allocates nothing per frame. */
	size_t keep = 0;

	if (a->nblocks && a->nblocks == 1 && a->block_size == ARENA_BLOCK)
		keep = 1;
	while (a->nblocks > keep)
		free(a->blocks[--a->nblocks]);
	a->used = 0;
	a->block_size = keep ? ARENA_BLOCK : 0;
}

void arena_free(struct arena *a)
{
	while (a->nblocks)
		free(a->blocks[--a->nblocks]);
	free(a->blocks);
	memset(a, 0, sizeof(*a));
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);

	if (p)
		memcpy(p, s, n);
	return p;
}
