// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `majorminor` decoder: a kernel dev_t -> block device name. Inside the
 * kernel a dev_t is major << 20 | minor (MKDEV in include/linux/kdev_t.h),
 * not glibc's makedev() encoding, and that is what BPF programs read from
 * struct gendisk, bio or request. /sys/dev/block/MAJOR:MINOR is a symlink
 * whose last component is the name ("sda1", "loop0"). Devices come and go
 * (a loop device detached, a disk unplugged), so an answer is kept one
 * second, as ifname's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "syscache.h"
#include "sysnames.h"

#define KDEV_MINORBITS 20
#define KDEV_MINORMASK ((1u << KDEV_MINORBITS) - 1)

static struct namecache devcache = { .ttl_ms = 1000 };

/* Both numbers are formatted with %u into a fixed path: nothing from the
 * value can walk elsewhere in /sys. */
static int blockdev_query(uint64_t dev, char *name, size_t size)
{
	char path[64], target[256];
	const char *base;
	ssize_t n;

	if (dev > 0xffffffffu)
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u",
		 (unsigned int)(dev >> KDEV_MINORBITS), (unsigned int)(dev & KDEV_MINORMASK));
	n = readlink(path, target, sizeof(target));
	if (n < 0)
		return -ENOENT;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base || strlen(base) >= size)
		return -ENAMETOOLONG;
	strcpy(name, base);
	return 0;
}

int blockdev_lookup(uint64_t kernel_dev, char *buf, size_t size)
{
	const struct namecache_slot *s = namecache_get(&devcache, kernel_dev);
	char name[NAMECACHE_NAME];
	int err;

	if (s)
		return namecache_copy(s, buf, size);
	err = blockdev_query(kernel_dev, name, sizeof(name));
	if (err)
		err = -ENOENT;
	namecache_put(&devcache, kernel_dev, err, name);
	s = namecache_get(&devcache, kernel_dev);
	return s ? namecache_copy(s, buf, size) : -ENOENT;
}
