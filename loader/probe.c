// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe.h"
#include "util.h"

/*
 * Every section the loader knows, in the order attach.c used to test them
 * (no two rows match one section, so the order only has to be stable).
 * Names as libbpf 1.1 spells them (libbpf.c section_defs), plus the classic
 * ones samples/bpf used ("socket1", "xdp1").
 */
static const struct section_kind sections[] = {
	{ "tp", false, SEC_ATTACH_TRACEPOINT },
	{ "tracepoint", false, SEC_ATTACH_TRACEPOINT },
	{ "raw_tp", false, SEC_ATTACH_RAW_TP },
	{ "raw_tracepoint", false, SEC_ATTACH_RAW_TP },
	{ "tp_btf", false, SEC_ATTACH_TP_BTF },
	{ "socket", true, SEC_ATTACH_SOCKET },
	{ "xdp", true, SEC_ATTACH_XDP },        /* xdp, xdp.frags, classic xdp1, xdp_prog... */
	{ "tc", false, SEC_ATTACH_TC },
	{ "tcx", false, SEC_ATTACH_TC },
	{ "classifier", false, SEC_ATTACH_TC },
	{ "cgroup", true, SEC_ATTACH_CGROUP },
	{ "uprobe", false, SEC_ATTACH_UPROBE },
	{ "uretprobe", false, SEC_ATTACH_UPROBE },
	{ "usdt", false, SEC_ATTACH_UPROBE },
	{ "iter", false, SEC_ATTACH_ITER },
	{ "kprobe", false, SEC_ATTACH_KPROBE },
	{ "kretprobe", false, SEC_ATTACH_KPROBE },
	{ "ksyscall", false, SEC_ATTACH_KPROBE },
	{ "kretsyscall", false, SEC_ATTACH_KPROBE },
	/* All run on a BPF trampoline: LSM programs too (BPF_LSM_MAC). */
	{ "fentry", false, SEC_ATTACH_TRAMPOLINE },
	{ "fexit", false, SEC_ATTACH_TRAMPOLINE },
	{ "fmod_ret", false, SEC_ATTACH_TRAMPOLINE },
	{ "lsm", false, SEC_ATTACH_TRAMPOLINE },
	/* Replaces a function of a program loaded before it, named before
	 * load (bpf_program__set_attach_target()): libbpf 1.1 refuses to load
	 * it otherwise ("attach program FD is not set"), and the loader has
	 * no option to name one. */
	{ "freplace", false, SEC_ATTACH_NONE },
};

/* "kprobe" matches "kprobe" and "kprobe/x" and "kprobe.multi/x", not "kprobex". */
static bool section_has_prefix(const char *section, const char *prefix)
{
	size_t len = strlen(prefix);

	return !strncmp(section, prefix, len) &&
	       (section[len] == '\0' || section[len] == '/' || section[len] == '.');
}

const struct section_kind *section_find(const char *section)
{
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		const struct section_kind *k = &sections[i];

		if (k->loose ? !strncmp(section, k->prefix, strlen(k->prefix)) :
			       section_has_prefix(section, k->prefix))
			return k;
	}
	return NULL;
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
	const struct section_kind *k = section_find(section);

	if (!k)
		return NULL; /* attach_prog() refuses it, after load */
	switch (k->attach) {
	case SEC_ATTACH_KPROBE:
		return have_kprobes() ? NULL :
		       "kprobe programs are not supported by this kernel (no kprobe PMU); use a tracepoint or tp_btf";
	case SEC_ATTACH_TRAMPOLINE:
		if (have_fentry())
			return NULL;
		return !strcmp(k->prefix, "lsm") ?
		       "lsm programs are not supported by this kernel (they run on a BPF trampoline, and a probe load was refused)" :
		       "fentry/fexit programs are not supported by this kernel (a probe load was refused); use a tracepoint or tp_btf";
	case SEC_ATTACH_NONE:
		return "freplace programs replace a function of a program loaded before them, which ebpf-loader cannot name";
	default:
		return NULL;
	}
}
