/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A backend's BTF, readable without CAP_SYS_ADMIN.
 *
 * The kernel hands out a map's BTF only by id (BPF_BTF_GET_FD_BY_ID), which
 * needs CAP_SYS_ADMIN, and bpffs cannot pin a BTF object. So the loader also
 * pins the object's BTF as the value of a one-entry array, <root>/<backend>/btf:
 * readers that keep only CAP_BPF read it like any map (docs/design.md).
 */
#ifndef EBPF_BTFPIN_H
#define EBPF_BTFPIN_H

#include <linux/types.h>

#define EBPF_BTFPIN_MAGIC 0x30465442u /* "BTF0" */
#define EBPF_BTFPIN_NAME  "btf"

struct ebpf_btfpin_hdr {
	__u32 magic;
	__u32 btf_id;   /* the kernel's id of this BTF: map_info.btf_id */
	__u32 size;     /* bytes of raw BTF after this header */
	__u32 _pad;
};

struct btf;

/* Create the (unpinned) map holding raw BTF data of kernel BTF btf_id. */
int btfpin_create(const void *raw, __u32 size, __u32 btf_id, int *fd_out);
/* The BTF of kernel id btf_id: from the btf pin of a backend under root
 * that carries it, else by id (needs CAP_SYS_ADMIN). NULL with errno set. */
struct btf *btfpin_load(const char *root, __u32 btf_id);

/* The BTF pinned with a backend, whatever its id: for maps the kernel keeps
 * no BTF for (ring buffers have no key/value types), whose decl tags and
 * record struct are still in their object's BTF. NULL with errno set. */
struct btf *btfpin_load_backend(const char *root, const char *backend);

#endif
