// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Checks a backend's meta record against what is really there: the holder
 * process in /proc, the link pins and the kernel's link info. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "health.h"
#include "holder.h"
#include "pinlayout.h"
#include "util.h"

/* Where `ip netns add` bind-mounts named network namespaces. */
#define NETNS_RUN_DIR "/run/netns"

/* Link types newer than the uapi headers we build with (Linux 6.6, 6.7).
 * Their link info starts with the ifindex, like XDP's. */
#define LINK_TYPE_TCX    11
#define LINK_TYPE_NETKIT 13

const char *backend_state_str(enum backend_state s)
{
	switch (s) {
	case BACKEND_OK: return "ok";
	case BACKEND_DETACHED: return "detached";
	case BACKEND_BROKEN: return "broken";
	}
	return "unknown";
}

const char *attach_state_str(enum attach_state s)
{
	switch (s) {
	case ATTACH_ATTACHED: return "attached";
	case ATTACH_DETACHED: return "detached";
	case ATTACH_UNKNOWN: return "unknown";
	}
	return "unknown";
}

const char *holder_state_str(enum holder_state s)
{
	switch (s) {
	case HOLDER_NONE: return "none";
	case HOLDER_RUNNING: return "running";
	case HOLDER_STALE: return "stale";
	case HOLDER_UNKNOWN: return "unknown";
	}
	return "unknown";
}

const char *backend_broken_reason(int err)
{
	switch (-err) {
	case ENOENT: return "no meta record";
	case ENOTDIR: return "not a directory";
	case ELOOP: return "a symbolic link (not followed)";
	case EPROTO: return "meta record is not an ebpf_meta record";
	}
	return strerror(-err);
}

static int ns_inode(const char *path, __u64 *ino)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	*ino = st.st_ino;
	return 0;
}

int ns_self_inode(const char *kind, __u64 *ino)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	return ns_inode(path, ino);
}

/* The name `ip netns` knows the namespace INO by, as `ip netns identify`
 * finds it: the bind mount under /run/netns with that inode. */
static void netns_name(__u64 ino, char *buf, size_t size)
{
	DIR *d = opendir(NETNS_RUN_DIR);
	struct dirent *e;
	char path[PATH_MAX];
	__u64 i = 0;

	buf[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    path_join(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, e->d_name) ||
		    ns_inode(path, &i) || i != ino)
			continue;
		strscpy(buf, e->d_name, size);
		break;
	}
	closedir(d);
}

static enum holder_state holder_check(const struct ebpf_meta *m)
{
	__u64 start, pidns;

	if (m->holder_pid <= 0)
		return HOLDER_NONE;
	/* A holder in another pid namespace (a pod's) has another pid
	 * here, if any: it cannot be checked, nor called gone. */
	if (m->pidns_ino && (ns_self_inode("pid", &pidns) || pidns != m->pidns_ino))
		return HOLDER_UNKNOWN;
	if (proc_start_time(m->holder_pid, &start) || start != m->holder_start)
		return HOLDER_STALE;
	return HOLDER_RUNNING;
}

/* An interface index means something only in its network namespace: the
 * loader's, recorded at load (version 2 records), else a running
 * holder's, which is where its sockets were made. */
static void attach_netns(const struct ebpf_meta *m, enum holder_state holder,
			 const struct ebpf_meta_attach *rec, struct attach_health *a)
{
	char path[64];

	if (!rec->ifindex)
		return;
	a->netns_ino = m->netns_ino;
	if (!a->netns_ino && holder == HOLDER_RUNNING) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", m->holder_pid);
		if (ns_inode(path, &a->netns_ino))
			a->netns_ino = 0;
	}
	if (a->netns_ino)
		netns_name(a->netns_ino, a->netns, sizeof(a->netns));
}

static int pin_info(const char *dir, const char *sub, const char *name, void *info, __u32 len)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r;

	r = path_join(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	if (r)
		return r;
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, info, &len) < 0)
		return -errno;
	return 0;
}

/* Whether the link pinned for REC still attaches the program; *why says
 * why not. */
static enum attach_state link_check(const char *dir, const struct ebpf_meta_attach *rec,
				    const char **why)
{
	struct bpf_link_info link = {};
	struct bpf_prog_info prog = {};
	int r;

	r = pin_info(dir, PIN_DIR_LINKS, rec->prog, &link, sizeof(link));
	if (r) {
		/* A link opens read-write only: a --group reader may not. */
		*why = r == -ENOENT ? "link pin missing" : "link pin unreadable";
		return r == -ENOENT ? ATTACH_DETACHED : ATTACH_UNKNOWN;
	}
	*why = NULL;
	switch (link.type) {
	case BPF_LINK_TYPE_XDP:
	case LINK_TYPE_TCX:
	case LINK_TYPE_NETKIT:
		if (!link.xdp.ifindex)
			*why = "interface gone";
		break;
	case BPF_LINK_TYPE_CGROUP:
		if (!link.cgroup.cgroup_id)
			*why = "cgroup gone";
		break;
	case BPF_LINK_TYPE_NETNS:
		if (!link.netns.netns_ino)
			*why = "network namespace gone";
		break;
	}
	/* A failed XDP takeover can leave the link running another program. */
	if (!*why && !pin_info(dir, PIN_DIR_PROGS, rec->prog, &prog, sizeof(prog)) &&
	    prog.id != link.prog_id)
		*why = "link runs another program";
	return *why ? ATTACH_DETACHED : ATTACH_ATTACHED;
}

static void attach_check(const char *dir, enum holder_state holder,
			 const struct ebpf_meta_attach *rec, struct attach_health *a)
{
	if (rec->flags & EBPF_ATTACH_F_LINK) {
		a->state = link_check(dir, rec, &a->why);
	} else if (rec->flags & EBPF_ATTACH_F_HOLDER) {
		/* Its sockets live exactly as long as the holder. */
		a->state = holder == HOLDER_RUNNING ? ATTACH_ATTACHED :
			   holder == HOLDER_UNKNOWN ? ATTACH_UNKNOWN : ATTACH_DETACHED;
		a->why = holder == HOLDER_RUNNING ? NULL :
			 holder == HOLDER_UNKNOWN ? "holder in another pid namespace" :
			 "holder not running";
	} else {
		/* A netlink tc filter is looked up by ifindex, which names an
		 * interface only in the loader's network namespace. */
		a->state = ATTACH_UNKNOWN;
		a->why = "not checked";
	}
}

void backend_health_check(const char *dir, struct ebpf_meta *m, struct backend_health *h)
{
	memset(h, 0, sizeof(*h));
	h->err = meta_read(dir, m);
	if (h->err) {
		memset(m, 0, sizeof(*m));
		h->state = BACKEND_BROKEN;
		return;
	}
	h->state = BACKEND_OK;
	h->holder = holder_check(m);
	for (__u32 i = 0; i < m->nr_attach; i++) {
		attach_check(dir, h->holder, &m->attach[i], &h->attach[i]);
		attach_netns(m, h->holder, &m->attach[i], &h->attach[i]);
		if (h->attach[i].state == ATTACH_DETACHED)
			h->state = BACKEND_DETACHED;
	}
	/* A dead holder (or foreground loader) took all its sockets with it. */
	if (h->holder == HOLDER_STALE)
		h->state = BACKEND_DETACHED;
}
