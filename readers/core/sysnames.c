// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Placeholder until the system lookups land: every value is unknown. */
#include <errno.h>
#include "sysnames.h"

int ksym_lookup(uint64_t addr, char *buf, size_t size) { (void)addr; (void)buf; (void)size; return -ENOENT; }
int kstack_lookup(int fd, uint32_t id, char *buf, size_t size) { (void)fd; (void)id; (void)buf; (void)size; return -ENOENT; }
int cgroup_lookup(uint64_t id, char *buf, size_t size) { (void)id; (void)buf; (void)size; return -ENOENT; }
int blockdev_lookup(uint64_t dev, char *buf, size_t size) { (void)dev; (void)buf; (void)size; return -ENOENT; }
int ifname_lookup(uint64_t idx, char *buf, size_t size) { (void)idx; (void)buf; (void)size; return -ENOENT; }
