/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Attach one loaded program where its section says, so that the attachment
 * can outlive the loader: as a bpf_link to pin, or as a socket for the holder
 * (docs/design.md, "Attachments that outlive the loader").
 */
#ifndef EBPF_ATTACH_H
#define EBPF_ATTACH_H

#include "diag.h"
#include "meta.h"
#include "object.h"

struct attach_opts {
	const char *iface;      /* socket, xdp, tc */
	int ifindex;
	const char *cgroup;     /* cgroup programs; NULL: the cgroup2 root */
	/* --replace: links/ of the backend being replaced, whose exclusive
	 * attachments (XDP) are taken over with bpf_link_update. */
	const char *replace_links;
};

struct attach_result {
	int link_fd;            /* >= 0: pin as links/<prog> */
	int sock_fd;            /* >= 0: a socket filter, for the holder */
	/* >= 0: the link was taken over from the backend replaced (XDP, one
	 * program per interface), and this is the program it ran, to give it
	 * back should the load fail before it is published. */
	int old_prog_fd;
	struct ebpf_meta_attach rec;
};

/* Programs in sections with no attach point (e.g. a bare "tc" helper called
 * via tail calls is still attached; only unknown sections are refused). */
int attach_prog(const struct obj_prog *p, const struct attach_opts *o,
		struct attach_result *res, struct diag *d);
/* Undo what the kernel does not undo by itself when the last fd or pin
 * goes: netlink tc filters (classic clsact, kernels before tcx). */
int attach_detach_record(const struct ebpf_meta_attach *rec);

#endif
