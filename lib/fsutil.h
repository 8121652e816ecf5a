/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The filesystems the pipeline lives on: bpffs for pins, tracefs for
 * tracepoint ids. */
#ifndef EBPF_FSUTIL_H
#define EBPF_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "diag.h"

/* 1 if path is on a bpffs, 0 if on another filesystem, -errno if unreadable. */
int fs_is_bpffs(const char *path);
/* The same for a cgroup v2 filesystem (cgroup BPF programs attach there). */
int fs_is_cgroup2(const char *path);
/* Every command that uses an existing pin root (the readers, the loader's
 * list, show and unload) checks it here, so they all refuse a directory on
 * another filesystem the same way: 0 when path is on bpffs, else -EXDEV
 * ("pin root PATH is not on a BPF filesystem (bpffs)") or the -errno of
 * statfs, with the message in d. */
int pin_root_check_bpffs(const char *path, struct diag *d);
/* Mount bpffs at /sys/fs/bpf when nothing (or not bpffs) is mounted there. */
int bpffs_ensure_mounted(void);
/* Find tracefs (mounting it at /sys/kernel/tracing when needed); its path
 * is written to buf. */
int tracefs_find(char *buf, size_t size);
/* Find the cgroup v2 mount point. */
int cgroup2_find(char *buf, size_t size);
/* mkdir -p for bpffs trees; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);
/* kernel.bpf_stats_enabled is 1: programs' run_cnt/run_time_ns count. */
bool bpf_stats_enabled(void);
/* True when path is under (or equal to) dir, textually. */
bool path_is_under(const char *path, const char *dir);

#endif
