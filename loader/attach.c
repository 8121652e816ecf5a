// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/perf_event.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "fsutil.h"
#include "probe.h"
#include "util.h"

/* Not in the 6.1 uapi header this system ships; values from Linux 6.6. */
#define TCX_INGRESS_ATTACH 46
#define TCX_EGRESS_ATTACH 47

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif

static const char *after_slash(const char *section)
{
	const char *s = strchr(section, '/');

	return s ? s + 1 : "";
}

static int attach_tracepoint(const struct obj_prog *p, struct attach_result *res, struct diag *d)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr),
					.sample_period = 1, .wakeup_events = 1 };
	const char *tp = after_slash(p->section);
	char tracefs[PATH_MAX], path[PATH_MAX], buf[32];
	_cleanup_close_ int fd = -1, pfd = -1;
	ssize_t n;
	int r;

	if (!strchr(tp, '/') || strstr(tp, "..") || strspn(tp, "abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/") != strlen(tp))
		return diag_set(d, -EINVAL, "section '%s': expected tp/CATEGORY/NAME", p->section);
	r = tracefs_find(tracefs, sizeof(tracefs));
	if (r)
		return diag_set(d, r, "section '%s': tracefs not available: %s", p->section, strerror(-r));
	r = path_join(path, sizeof(path), "%s/events/%s/id", tracefs, tp);
	if (r)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(d, -errno, "section '%s': no tracepoint %s in this kernel (%s)",
				p->section, tp, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return diag_set(d, -EIO, "section '%s': cannot read %s", p->section, path);
	buf[n] = '\0';
	attr.config = strtoull(buf, NULL, 10);
	pfd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return diag_set(d, -errno, "section '%s': perf_event_open: %s", p->section, strerror(errno));
	/* The link keeps its own reference to the perf event. */
	res->link_fd = bpf_link_create(p->fd, pfd, BPF_PERF_EVENT, NULL);
	if (res->link_fd < 0)
		return diag_set(d, -errno, "section '%s': attach to tracepoint %s: %s",
				p->section, tp, strerror(errno));
	strscpy(res->rec.kind, "tracepoint", sizeof(res->rec.kind));
	strscpy(res->rec.target, tp, sizeof(res->rec.target));
	return 0;
}

static int attach_raw_tp(const struct obj_prog *p, bool btf, struct attach_result *res,
			 struct diag *d)
{
	const char *name = after_slash(p->section);

	/* tp_btf programs carry their target in attach_btf_id from load time. */
	res->link_fd = bpf_raw_tracepoint_open(btf ? NULL : name, p->fd);
	if (res->link_fd < 0)
		return diag_set(d, -errno, "section '%s': attach to raw tracepoint %s: %s",
				p->section, name, strerror(errno));
	strscpy(res->rec.kind, btf ? "tp_btf" : "raw_tp", sizeof(res->rec.kind));
	strscpy(res->rec.target, name, sizeof(res->rec.target));
	return 0;
}

static int need_iface(const struct obj_prog *p, const struct attach_opts *o, struct diag *d)
{
	if (o->ifindex > 0)
		return 0;
	return diag_set(d, -ENODEV, "section '%s': needs an interface (--iface)", p->section);
}

/* The program link_fd runs, opened: -1 (errno set) when it cannot be. */
static int link_prog_fd(int link_fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(link_fd, &info, &len) < 0)
		return -1;
	return bpf_prog_get_fd_by_id(info.prog_id);
}

static int attach_xdp(const struct obj_prog *p, const struct attach_opts *o,
		      struct attach_result *res, struct diag *d)
{
	int r = need_iface(p, o, d);

	if (r)
		return r;
	res->link_fd = bpf_link_create(p->fd, o->ifindex, BPF_XDP, NULL);
	if (res->link_fd < 0 && errno == EBUSY && o->replace_links) {
		/* One XDP program per interface: a replacement takes over the
		 * old link, swapping programs atomically (no packet unseen). */
		char old[PATH_MAX];

		if (!path_join(old, sizeof(old), "%s/%s", o->replace_links, p->pin_name)) {
			res->link_fd = bpf_obj_get(old);
			if (res->link_fd >= 0)
				res->old_prog_fd = link_prog_fd(res->link_fd);
			if (res->link_fd >= 0 &&
			    (res->old_prog_fd < 0 || bpf_link_update(res->link_fd, p->fd, NULL) < 0)) {
				close(res->link_fd);
				if (res->old_prog_fd >= 0)
					close(res->old_prog_fd);
				res->link_fd = res->old_prog_fd = -1;
				errno = EBUSY;
			}
		}
	}
	if (res->link_fd < 0)
		return diag_set(d, -errno, "section '%s': attach XDP to %s: %s", p->section,
				o->iface, strerror(errno));
	strscpy(res->rec.kind, "xdp", sizeof(res->rec.kind));
	strscpy(res->rec.target, o->iface, sizeof(res->rec.target));
	res->rec.ifindex = o->ifindex;
	return 0;
}

static int attach_tc_netlink(const struct obj_prog *p, const struct attach_opts *o, bool egress,
			     struct attach_result *res, struct diag *d)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = o->ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = p->fd);
	int r;

	r = bpf_tc_hook_create(&hook);
	if (r && r != -EEXIST)
		return diag_set(d, r, "section '%s': create clsact on %s: %s", p->section,
				o->iface, strerror(-r));
	r = bpf_tc_attach(&hook, &opts);
	if (r)
		return diag_set(d, r, "section '%s': attach tc filter on %s: %s", p->section,
				o->iface, strerror(-r));
	strscpy(res->rec.kind, "tc", sizeof(res->rec.kind));
	res->rec.tc_handle = opts.handle;
	res->rec.tc_priority = opts.priority;
	res->rec.flags |= EBPF_ATTACH_F_TC_NETLINK;
	return 0;
}

static int attach_tc(const struct obj_prog *p, const struct attach_opts *o,
		     struct attach_result *res, struct diag *d)
{
	bool egress = strstr(p->section, "egress") != NULL;
	int r = need_iface(p, o, d);

	if (r)
		return r;
	res->rec.ifindex = o->ifindex;
	if (egress)
		res->rec.flags |= EBPF_ATTACH_F_EGRESS;
	snprintf(res->rec.target, sizeof(res->rec.target), "%s:%s", o->iface,
		 egress ? "egress" : "ingress");
	/* tcx links (Linux 6.6) survive as pins; older kernels reject the
	 * attach type and get a classic clsact filter instead. */
	res->link_fd = bpf_link_create(p->fd, o->ifindex,
				       egress ? TCX_EGRESS_ATTACH : TCX_INGRESS_ATTACH, NULL);
	if (res->link_fd >= 0) {
		strscpy(res->rec.kind, "tcx", sizeof(res->rec.kind));
		return 0;
	}
	if (errno != EINVAL)
		return diag_set(d, -errno, "section '%s': attach tcx on %s: %s", p->section,
				o->iface, strerror(errno));
	return attach_tc_netlink(p, o, egress, res, d);
}

static int attach_cgroup(const struct obj_prog *p, const struct attach_opts *o,
			 struct attach_result *res, struct diag *d)
{
	char root[PATH_MAX];
	const char *path = o->cgroup;
	_cleanup_close_ int cg = -1;
	int r;

	if (!path) {
		r = cgroup2_find(root, sizeof(root));
		if (r)
			return diag_set(d, r, "section '%s': no cgroup v2 mount found (--cgroup)",
					p->section);
		path = root;
	}
	cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return diag_set(d, -errno, "section '%s': cgroup %s: %s", p->section, path,
				strerror(errno));
	res->link_fd = bpf_link_create(p->fd, cg, p->expected_attach_type, NULL);
	if (res->link_fd < 0)
		return diag_set(d, -errno, "section '%s': attach to cgroup %s: %s", p->section,
				path, strerror(errno));
	strscpy(res->rec.kind, "cgroup", sizeof(res->rec.kind));
	strscpy(res->rec.target, path, sizeof(res->rec.target));
	return 0;
}

static int attach_socket(const struct obj_prog *p, const struct attach_opts *o,
			 struct attach_result *res, struct diag *d)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	_cleanup_close_ int s = -1;
	int small = 1024, r = need_iface(p, o, d);

	if (r)
		return r;
	/* Protocol 0 at creation: no packet is queued before bind() narrows
	 * the socket to one interface. */
	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s < 0)
		return diag_set(d, -errno, "section '%s': packet socket: %s", p->section, strerror(errno));
	if (setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &p->fd, sizeof(p->fd)) < 0)
		return diag_set(d, -errno, "section '%s': SO_ATTACH_BPF: %s", p->section, strerror(errno));
	/* Nobody reads this socket: keep whatever a filter accepts small. */
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	sll.sll_ifindex = o->ifindex;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return diag_set(d, -errno, "section '%s': bind to %s: %s", p->section, o->iface,
				strerror(errno));
	res->sock_fd = TAKE_FD(s);
	strscpy(res->rec.kind, "socket", sizeof(res->rec.kind));
	strscpy(res->rec.target, o->iface, sizeof(res->rec.target));
	res->rec.ifindex = o->ifindex;
	res->rec.flags |= EBPF_ATTACH_F_HOLDER;
	return 0;
}

/* uprobes, USDT, iterators: libbpf parses these sections best. */
static int attach_libbpf(const struct obj_prog *p, const char *kind, struct attach_result *res,
			 struct diag *d)
{
	struct bpf_link *link;
	int r;

	if (!p->bprog)
		return diag_set(d, -EOPNOTSUPP, "section '%s': not supported in classic objects",
				p->section);
	link = bpf_program__attach(p->bprog);
	if (!link)
		return diag_set(d, -errno, "section '%s': attach: %s", p->section, strerror(errno));
	res->link_fd = fcntl(bpf_link__fd(link), F_DUPFD_CLOEXEC, 3);
	r = res->link_fd < 0 ? -errno : 0;
	/* Our duplicate keeps the attachment; libbpf must not detach it. */
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	if (r)
		return diag_set(d, r, "section '%s': %s", p->section, strerror(-r));
	strscpy(res->rec.kind, kind, sizeof(res->rec.kind));
	strscpy(res->rec.target, after_slash(p->section), sizeof(res->rec.target));
	return 0;
}

int attach_prog(const struct obj_prog *p, const struct attach_opts *o,
		struct attach_result *res, struct diag *d)
{
	const char *s = p->section;
	const struct section_kind *k = section_find(s);

	memset(res, 0, sizeof(*res));
	res->link_fd = res->sock_fd = res->old_prog_fd = -1;
	strscpy(res->rec.prog, p->pin_name, sizeof(res->rec.prog));

	switch (k ? k->attach : SEC_ATTACH_NONE) {
	case SEC_ATTACH_TRACEPOINT:
		return attach_tracepoint(p, res, d);
	case SEC_ATTACH_RAW_TP:
		return attach_raw_tp(p, false, res, d);
	case SEC_ATTACH_TP_BTF:
		return attach_raw_tp(p, true, res, d);
	case SEC_ATTACH_SOCKET:
		return attach_socket(p, o, res, d);
	case SEC_ATTACH_XDP:
		return attach_xdp(p, o, res, d);
	case SEC_ATTACH_TC:
		return attach_tc(p, o, res, d);
	case SEC_ATTACH_CGROUP:
		return attach_cgroup(p, o, res, d);
	case SEC_ATTACH_UPROBE:
		return attach_libbpf(p, "uprobe", res, d);
	case SEC_ATTACH_ITER:
		return attach_libbpf(p, "iter", res, d);
	/* Only reached where the feature probe found them working. */
	case SEC_ATTACH_KPROBE:
		return attach_libbpf(p, "kprobe", res, d);
	case SEC_ATTACH_TRAMPOLINE:
		return attach_libbpf(p, "fentry", res, d);
	case SEC_ATTACH_NONE:
		break;
	}
	return diag_set(d, -EOPNOTSUPP, "section '%s' (program '%s'): no known way to attach it",
			s, p->name);
}

int attach_detach_record(const struct ebpf_meta_attach *rec)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = rec->ifindex,
		    .attach_point = (rec->flags & EBPF_ATTACH_F_EGRESS) ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = rec->tc_handle, .priority = rec->tc_priority);
	int r;

	if (!(rec->flags & EBPF_ATTACH_F_TC_NETLINK))
		return 0;
	r = bpf_tc_detach(&hook, &opts);
	return r == -ENOENT ? 0 : r;
}
