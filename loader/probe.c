// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe.h"
#include "util.h"

/* "kprobe" matches "kprobe" and "kprobe/x" and "kprobe.multi/x", not "kprobex". */
bool section_has_prefix(const char *section, const char *prefix)
{
	size_t len = strlen(prefix);

	return !strncmp(section, prefix, len) &&
	       (section[len] == '\0' || section[len] == '/' || section[len] == '.');
}

static bool have_kprobes(void)
{
	/* The kprobe PMU is what perf-based attachment uses; without it
	 * (CONFIG_KPROBES=n, or a kernel that hides it) nothing attaches. */
	return access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0;
}

static int probe_fentry_once(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id, fd;

	if (!vmlinux)
		return -errno;
	/* Any traceable kernel function will do for the probe. */
	id = btf__find_by_name_kind(vmlinux, "do_unlinkat", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0)
		return id;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ebpf_probe", "GPL", insns,
			   ARRAY_SIZE(insns), &opts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static bool have_fentry(void)
{
	static int cached = 1; /* 1: not probed yet */

	if (cached == 1)
		cached = probe_fentry_once();
	return cached == 0;
}

const char *probe_section_unsupported(const char *section)
{
	static const char *const kprobe_like[] = {
		"kprobe", "kretprobe", "ksyscall", "kretsyscall",
	};
	static const char *const fentry_like[] = {
		"fentry", "fexit", "fmod_ret", "freplace",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kprobe_like); i++)
		if (section_has_prefix(section, kprobe_like[i]))
			return have_kprobes() ? NULL :
			       "kprobe programs are not supported by this kernel (no kprobe PMU); use a tracepoint or tp_btf";
	for (i = 0; i < ARRAY_SIZE(fentry_like); i++)
		if (section_has_prefix(section, fentry_like[i]))
			return have_fentry() ? NULL :
			       "fentry/fexit programs are not supported by this kernel (a probe load was refused); use a tracepoint or tp_btf";
	return NULL;
}
