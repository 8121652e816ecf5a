/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Decoders that look a value up in the running system (docs/tags.md):
 * `ksym`, `kstack`, `cgroup`, `majorminor`, `ifname`. Each writes
 * NUL-terminated text into buf and returns 0, or returns -errno: -ENOENT
 * when the value is unknown (the caller shows it raw), -ENOSPC when buf is
 * too small. Values come from maps an attacker may shape: nothing is
 * trusted, nothing crashes. Caches are bounded; a value missing from a
 * cache makes at most one re-read of /proc or /sys per refresh period.
 * Not thread-safe (the caches are process-wide; the readers are
 * single-threaded).
 */
#ifndef EBPF_SYSNAMES_H
#define EBPF_SYSNAMES_H

#include <stddef.h>
#include <stdint.h>

/* Call once before dropping capabilities (caps_keep_only): opens
 * /proc/kallsyms while the kernel still shows us its addresses (it decides
 * at open, by the opener's CAP_SYSLOG) and keeps it open; ksym and kstack
 * read the table through it on their first lookup and reread it there.
 * -errno (the lookups then say -ENOENT) when it cannot be opened; nothing
 * else needs it. */
int sysnames_prepare(void);
/* Kernel address -> the name of the function holding it, without an
 * offset, as ebpf_exporter prints it (/proc/kallsyms, reread at most every
 * 5 s on a miss; -ENOENT when kallsyms shows no addresses to us). */
int ksym_lookup(uint64_t addr, char *buf, size_t size);
/* Stack id in a BPF_MAP_TYPE_STACK_TRACE map (fd readable) -> folded
 * frames, outermost first as flame graphs want: "sym1;sym2;...". A frame
 * with no symbol is "0x..."; -ENOENT when the id holds no stack or no frame
 * has a name; -ENOSPC when the text does not fit (never cut); -EINVAL when
 * fd is no stack map. */
int kstack_lookup(int stack_map_fd, uint32_t stack_id, char *buf, size_t size);
/* cgroup v2 id (the directory's inode number) -> path under the cgroup v2
 * mount, "/" for the root, "/system.slice/x.service". */
int cgroup_lookup(uint64_t cgroup_id, char *buf, size_t size);
/* Kernel dev_t (major << 20 | minor, as in struct gendisk / bio) -> block
 * device name: "sda", "loop0", "nvme0n1" (/sys/dev/block). */
int blockdev_lookup(uint64_t kernel_dev, char *buf, size_t size);
/* ifindex -> interface name in this process's network namespace. */
int ifname_lookup(uint64_t ifindex, char *buf, size_t size);

#endif
