/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whether a backend still is what its meta record says. `list` and `show`
 * check before they repeat the record (docs/ebpf-loader.8, "STATE"):
 *
 *   ok        every attachment that can be checked is in place;
 *   detached  the pins are there (readers still read the maps) but an
 *             attachment is gone: its holder is not running, its link pin
 *             is missing, or the kernel detached the link (interface,
 *             namespace or cgroup gone, another program on the link);
 *   broken    not a backend: not a directory, or no valid meta record.
 */
#ifndef EBPF_HEALTH_H
#define EBPF_HEALTH_H

#include <linux/types.h>
#include "meta.h"

enum backend_state { BACKEND_OK, BACKEND_DETACHED, BACKEND_BROKEN };
enum attach_state { ATTACH_ATTACHED, ATTACH_DETACHED, ATTACH_UNKNOWN };
/* stale: the recorded pid no longer names the holder; unknown: it lives
 * in another pid namespace, where this process cannot look it up. */
enum holder_state { HOLDER_NONE, HOLDER_RUNNING, HOLDER_STALE, HOLDER_UNKNOWN };

struct attach_health {
	enum attach_state state;
	const char *why;        /* static text when not attached, else NULL */
	__u64 netns_ino;        /* interface attachments: their netns, 0 if unknown */
	char netns[64];         /* its name under /run/netns, "" if it has none */
};

struct backend_health {
	enum backend_state state;
	int err;                /* broken: -errno of reading the meta record */
	enum holder_state holder;
	struct attach_health attach[EBPF_META_MAX_ATTACH];
};

/* Read DIR's meta record into *m and check it against the kernel and
 * /proc. Cannot fail: what cannot be read is a broken backend. */
void backend_health_check(const char *dir, struct ebpf_meta *m, struct backend_health *h);

const char *backend_state_str(enum backend_state s);
const char *attach_state_str(enum attach_state s);
const char *holder_state_str(enum holder_state s);
/* Why a broken backend is broken, from its err. */
const char *backend_broken_reason(int err);

/* Inode of /proc/self/ns/KIND ("net", "pid"): names the namespace. */
int ns_self_inode(const char *kind, __u64 *ino);

#endif
