// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The clock and the bounded name cache of the system lookups (syscache.h). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "syscache.h"

uint64_t sys_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1: a stamp of 0 means "empty slot", even right after boot. */
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1;
}

/* Fibonacci hashing: consecutive keys (ifindex 1, 2, 3) spread out. */
static unsigned int slot_of(uint64_t key)
{
	return (unsigned int)((key * 0x9E3779B97F4A7C15ull) >> 56) % NAMECACHE_SLOTS;
}

const struct namecache_slot *namecache_get(const struct namecache *c, uint64_t key)
{
	const struct namecache_slot *s = &c->slot[slot_of(key)];

	if (!s->stamp_ms || s->key != key)
		return NULL;
	if (sys_mono_ms() - s->stamp_ms >= c->ttl_ms)
		return NULL;
	return s;
}

void namecache_put(struct namecache *c, uint64_t key, int err, const char *name)
{
	struct namecache_slot *s = &c->slot[slot_of(key)];
	size_t len = err ? 0 : strlen(name);

	/* A name longer than a slot is not remembered as a wrong one. */
	if (len >= sizeof(s->name)) {
		s->stamp_ms = 0;
		return;
	}
	s->key = key;
	s->err = err;
	memcpy(s->name, err ? "" : name, len + 1);
	s->stamp_ms = sys_mono_ms();
}

int namecache_copy(const struct namecache_slot *s, char *buf, size_t size)
{
	size_t len;

	if (s->err)
		return s->err;
	len = strlen(s->name);
	if (len >= size)
		return -ENOSPC;
	memcpy(buf, s->name, len + 1);
	return 0;
}
