// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ifname` decoder: ifindex -> interface name in this process's network
 * namespace. Interfaces come and go and indexes are reused, so an answer
 * (or its absence) is kept one second only: long enough that a snapshot
 * of many entries asks the kernel once per index, short enough that a
 * renamed or new interface shows on the next refresh.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "syscache.h"
#include "sysnames.h"

static struct namecache ifcache = { .ttl_ms = 1000 };

/* The kernel's ifindex is a positive int. */
static int ifname_query(uint64_t ifindex, char name[IF_NAMESIZE])
{
	if (ifindex == 0 || ifindex > 0x7fffffff)
		return -ENOENT;
	if (!if_indextoname((unsigned int)ifindex, name))
		return errno == ENXIO || errno == ENODEV ? -ENOENT : -errno;
	return 0;
}

int ifname_lookup(uint64_t ifindex, char *buf, size_t size)
{
	const struct namecache_slot *s = namecache_get(&ifcache, ifindex);
	char name[IF_NAMESIZE];
	int err;

	if (s)
		return namecache_copy(s, buf, size);
	err = ifname_query(ifindex, name);
	/* Only "no such interface" is an answer; a failed socket() is not. */
	if (err && err != -ENOENT)
		return -ENOENT;
	namecache_put(&ifcache, ifindex, err, name);
	s = namecache_get(&ifcache, ifindex);
	return s ? namecache_copy(s, buf, size) : -ENOENT;
}
