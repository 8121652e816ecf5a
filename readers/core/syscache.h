/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the system lookups (sysnames.h) share: a monotonic clock for their
 * refresh periods, and a small bounded cache of short names with an age,
 * for lookups whose answer can change (ifname, majorminor): a name, or the
 * fact that there is none, is reused for one refresh period, so an unknown
 * value costs at most one read of /sys per period however often it comes.
 * Not thread-safe: the readers are single-threaded.
 */
#ifndef EBPF_SYSCACHE_H
#define EBPF_SYSCACHE_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC (never jumps with the wall clock). */
uint64_t sys_mono_ms(void);

/* Long enough for an interface (IFNAMSIZ 16) or a disk (DISK_NAME_LEN 32). */
#define NAMECACHE_NAME 40
/* Direct-mapped: a colliding key evicts the older one. Bounded by design. */
#define NAMECACHE_SLOTS 256

struct namecache_slot {
	uint64_t key;
	uint64_t stamp_ms;	/* when it was looked up; 0: empty slot */
	int err;		/* 0: name is valid; -errno: known unknown */
	char name[NAMECACHE_NAME];
};

struct namecache {
	uint64_t ttl_ms;
	struct namecache_slot slot[NAMECACHE_SLOTS];
};

/* The fresh slot of key, or NULL when it must be looked up again. */
const struct namecache_slot *namecache_get(const struct namecache *c, uint64_t key);
/* Remember the answer for key: err 0 with name, or a -errno. */
void namecache_put(struct namecache *c, uint64_t key, int err, const char *name);
/* Copy a cached answer out: 0, -ENOSPC, or the cached -errno. */
int namecache_copy(const struct namecache_slot *s, char *buf, size_t size);

#endif
