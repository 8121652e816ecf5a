/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The holder: a tiny process that keeps socket filters attached after the
 * loader exits, since a socket cannot be pinned. It is the loader re-executed
 * as `ebpf-loader __hold NAME N` with a commit pipe on fd 3 and N sockets on
 * fds 4...: until the loader commits (writes 'C'), the holder exits when the
 * pipe closes, so a loader killed mid-load leaves no holder behind.
 */
#ifndef EBPF_HOLDER_H
#define EBPF_HOLDER_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

struct holder {
	pid_t pid;
	__u64 start;       /* /proc/PID/stat starttime: pid + start names one process */
	int commit_fd;
};

int holder_spawn(const char *backend, const int *socks, size_t n, struct holder *h);
/* Tell the holder the load is complete: from now on it holds until stopped. */
int holder_commit(struct holder *h);
/* Abandon an uncommitted holder (it exits on its own) and wait for it. */
void holder_abort(struct holder *h);
/* Stop a committed holder, if pid + start still name it. */
int holder_stop(pid_t pid, __u64 start);
int proc_start_time(pid_t pid, __u64 *start);

#endif
