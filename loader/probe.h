/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Program sections: the one table of what a section name attaches as and
 * what it needs of the kernel (attach.c and the check before load both read
 * it), and the feature probes that answer the latter: ask the kernel what it
 * can do rather than trust versions.
 */
#ifndef EBPF_PROBE_H
#define EBPF_PROBE_H

#include <stdbool.h>

/* How attach.c attaches a program of the section. */
enum section_attach {
	SEC_ATTACH_TRACEPOINT,  /* tp/CATEGORY/NAME, through perf */
	SEC_ATTACH_RAW_TP,
	SEC_ATTACH_TP_BTF,
	SEC_ATTACH_SOCKET,
	SEC_ATTACH_XDP,
	SEC_ATTACH_TC,
	SEC_ATTACH_CGROUP,
	SEC_ATTACH_UPROBE,      /* by libbpf, as it parses these best */
	SEC_ATTACH_ITER,
	SEC_ATTACH_KPROBE,
	SEC_ATTACH_TRAMPOLINE,  /* fentry, fexit, fmod_ret, lsm */
	SEC_ATTACH_NONE,        /* known, but never loadable here (freplace) */
};

struct section_kind {
	const char *prefix;
	/* true: any section starting with prefix ("xdp_prog", classic
	 * "socket1"); false: prefix, or prefix followed by '/' or '.'. */
	bool loose;
	enum section_attach attach;
};

/* The table's row for a section, NULL for one it does not know. */
const struct section_kind *section_find(const char *section);
/* NULL when programs of this section can run here, else why not. */
const char *probe_section_unsupported(const char *section);

#endif
