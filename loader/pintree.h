/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The loader's side of the pin layout: the locked pin root, staging trees,
 * atomic publish, and removing a backend tree with everything it attached.
 */
#ifndef EBPF_PINTREE_H
#define EBPF_PINTREE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include "diag.h"

struct pin_root {
	char path[PATH_MAX];
	int fd;                 /* the root directory, flock()ed: one loader at a time */
	bool group;             /* --group: pins 0640, dirs 0750, owned by gid */
	bool nowait;            /* pin_root_open: -EWOULDBLOCK if locked, no waiting */
	gid_t gid;
};

/* Open (creating with create=true) and lock the pin root, which must pass
 * pin_root_check() (lib/pinlayout.h). Mounts bpffs at
 * /sys/fs/bpf when the root is under it and nothing is mounted. A root
 * removed while this waited for the lock is made again (create), or is
 * -ENOENT. Whoever removes a root does it with the lock held. */
int pin_root_open(struct pin_root *r, const char *path, bool create, struct diag *d);
void pin_root_close(struct pin_root *r);
/* Lock r->path without waiting: -EWOULDBLOCK when a loader holds it. */
int pin_root_try_lock(struct pin_root *r);
/* Remove what a killed loader left in staging/ (entries named and shaped as
 * the loader makes them; anything else there is left alone), and shared maps
 * that no backend uses any more. Needs the lock. */
int pin_root_cleanup(struct pin_root *r);
int shared_gc(struct pin_root *r);
/* Remove the layout's own directories (staging/, shared/) and the root at
 * path, each only if empty: what `load` made, once nothing is in it. */
void pin_root_remove_if_empty(const char *path);

/* mkdir with the layout's mode and group. */
int pin_mkdir(const struct pin_root *r, const char *path);
/* Pin fd at path with the layout's mode and group. */
int pin_fd(const struct pin_root *r, int fd, const char *path);
/* Detach what a backend tree attached (per its meta), stop its holder and
 * remove every pin and directory in it. A symbolic link is refused
 * (-ELOOP), not followed; a tree that is not there is no error. */
int pintree_remove(const char *tree);
/* A fresh staging path: <root>/staging/<name>-<pid>-<tag>. */
int pintree_staging_path(const struct pin_root *r, const char *name, const char *tag,
			 char *out, size_t size);

#endif
