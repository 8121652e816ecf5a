// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include "escape.h"
#include "privs.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

struct caps {
	__u32 eff[2];
};

static int caps_get(struct caps *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	c->eff[0] = data[0].effective;
	c->eff[1] = data[1].effective;
	return 0;
}

/* As the kernel's bpf_token_capable(): CAP_SYS_ADMIN implies every other. */
static bool has(const struct caps *c, int cap)
{
	bool held = c->eff[cap / 32] & (1u << (cap % 32));

	return held || (cap != CAP_SYS_ADMIN && (c->eff[CAP_SYS_ADMIN / 32] &
						  (1u << (CAP_SYS_ADMIN % 32))));
}

bool privs_sys_admin(void)
{
	struct caps c;

	return caps_get(&c) == 0 && has(&c, CAP_SYS_ADMIN);
}

/* kernel/bpf/syscall.c is_perfmon_prog_type() (Linux 6.x). */
static bool needs_perfmon(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_PERF_EVENT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
	case BPF_PROG_TYPE_STRUCT_OPS:
	case BPF_PROG_TYPE_EXT:
		return true;
	default:
		return false;
	}
}

/* kernel/bpf/syscall.c is_net_admin_prog_type() (Linux 6.x). */
static bool needs_net_admin(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_LWT_SEG6LOCAL:
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_SK_MSG:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
	case BPF_PROG_TYPE_CGROUP_DEVICE:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
	case BPF_PROG_TYPE_SOCK_OPS:
	case BPF_PROG_TYPE_EXT:
		return true;
	default:
		return false;
	}
}

int privs_check_object(const struct object *o, struct diag *d)
{
	struct caps c = {};
	size_t i;
	int r;

	r = caps_get(&c);
	if (r)
		return diag_set(d, r, "%s: cannot read our capabilities: %s", o->path, strerror(-r));
	/* The loader always creates maps and loads BTF and programs of types
	 * an unprivileged user may not load (and the pin root's meta): CAP_BPF
	 * whatever kernel.unprivileged_bpf_disabled says. */
	if (!has(&c, CAP_BPF))
		return diag_set(d, -EPERM, "%s: not permitted without CAP_BPF: %s", o->path,
				PRIVS_HINT);
	for (i = 0; i < o->nr_progs; i++) {
		const struct obj_prog *p = &o->progs[i];
		char name[256], section[256];
		const char *cap = NULL;

		if (needs_perfmon(p->type) && !has(&c, CAP_PERFMON))
			cap = "CAP_PERFMON";
		else if (needs_net_admin(p->type) && !has(&c, CAP_NET_ADMIN))
			cap = "CAP_NET_ADMIN";
		/* Loaded without it, but attached to a packet socket (AF_PACKET),
		 * which takes it: refused here, not after the pins are made. */
		else if (p->type == BPF_PROG_TYPE_SOCKET_FILTER && !has(&c, CAP_NET_RAW))
			cap = "CAP_NET_RAW";
		if (cap)
			return diag_set(d, -EPERM, "%s: program '%s' (section '%s'): not permitted without %s: %s",
					o->path, str_quote(p->name, name, sizeof(name)),
					str_quote(p->section, section, sizeof(section)), cap, PRIVS_HINT);
	}
	return 0;
}
