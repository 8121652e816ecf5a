/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The meta record: what the kernel does not record about a backend.
 *
 * bpffs cannot hold a plain file, so it is the value of a one-entry
 * BPF_MAP_TYPE_ARRAY pinned as <root>/<backend>/meta (key 0). The layout is
 * versioned: readers check magic and version and read at most `size` bytes.
 * A later version only appends fields. Documented in docs/design.md.
 */
#ifndef EBPF_META_H
#define EBPF_META_H

#include <linux/types.h>
#include <stddef.h>

#define EBPF_META_MAGIC        0x46504245u /* "EBPF" little-endian */
#define EBPF_META_VERSION      2  /* 2 appended netns_ino and pidns_ino */
#define EBPF_META_MAX_ATTACH   32
#define EBPF_META_MAP_NAME     "ebpf_meta"

/* struct ebpf_meta.flags */
#define EBPF_META_F_CLASSIC     (1u << 0) /* loaded from a classic (bpf_map_def) object */
#define EBPF_META_F_FOREGROUND  (1u << 1) /* holder is a foreground ebpf-loader */

/* struct ebpf_meta_attach.flags */
#define EBPF_ATTACH_F_LINK      (1u << 0) /* a bpf_link pinned at links/<prog> */
#define EBPF_ATTACH_F_HOLDER    (1u << 1) /* held by the holder process */
#define EBPF_ATTACH_F_TC_NETLINK (1u << 2) /* classic clsact filter: detach by handle */
#define EBPF_ATTACH_F_EGRESS    (1u << 3)

struct ebpf_meta_attach {
	char prog[64];        /* program name, as under progs/ */
	char kind[16];        /* tracepoint raw_tp tp_btf uprobe cgroup xdp tcx tc socket iter */
	char target[128];     /* "block/block_rq_complete", "lo", "/sys/fs/cgroup/x", ... */
	__u32 ifindex;
	__u32 tc_handle;      /* netlink tc only */
	__u32 tc_priority;    /* netlink tc only */
	__u32 flags;          /* EBPF_ATTACH_F_* */
};

struct ebpf_meta {
	__u32 magic;          /* EBPF_META_MAGIC */
	__u32 version;        /* EBPF_META_VERSION */
	__u32 size;           /* sizeof(struct ebpf_meta) of the writer */
	__u32 flags;          /* EBPF_META_F_* */
	__u64 load_time_ns;   /* CLOCK_REALTIME when published */
	__s32 holder_pid;     /* socket holder process, 0 if none */
	__u32 nr_attach;
	__u64 holder_start;   /* holder's start time (/proc/PID/stat field 22), to tell a reused pid */
	char name[64];        /* backend name */
	char object[256];     /* absolute path of the source object; a longer
			       * one is "..." and its last 252 characters */
	char sha256[72];      /* hex SHA-256 of the object file */
	char loader_version[32];
	char iface[16];       /* --iface, "" if none */
	struct ebpf_meta_attach attach[EBPF_META_MAX_ATTACH];
	/* Version 2. An interface name or a pid means something only in its
	 * namespace: these say which (inode of /proc/self/ns/net and
	 * /proc/self/ns/pid of the loader), 0 when unknown. */
	__u64 netns_ino;
	__u64 pidns_ino;
};

/* Create the meta map (not pinned) and store m in it. */
int meta_create(const struct ebpf_meta *m, int *fd_out);
int meta_write(int fd, const struct ebpf_meta *m);
/* Read and validate the record from an open meta map. */
int meta_read_fd(int fd, struct ebpf_meta *m);
/* Read <backend_dir>/meta, opened read-only; -ELOOP when the directory or
 * its meta is a symbolic link (never followed), -ENOTDIR when not a directory. */
int meta_read(const char *backend_dir, struct ebpf_meta *m);

#endif
