// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * syscount: system calls entered, by process. The bpftrace one-liner
 *   tracepoint:raw_syscalls:sys_enter { @[pid, comm] = count(); }
 * as a raw tracepoint, which skips the perf-event buffer setup a classic
 * tracepoint pays on every event. This runs on every syscall of the
 * machine, so the fast path is one helper pair, one lookup, one add.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_tags.h"
#include "syscount.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/* Per-CPU: a plain increment, no atomic, no cache line bouncing. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct syscount_key);
	__type(value, __u64);
} syscalls SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("System calls entered, by process");

SEC("raw_tp/sys_enter")
int syscount_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct syscount_key key;
	__u64 one = 1, *count;

	key.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(key.comm, sizeof(key.comm));

	count = bpf_map_lookup_elem(&syscalls, &key);
	if (count) {
		(*count)++;
		return 0;
	}
	/* First syscall of this (pid, comm) on any CPU. When the map is full
	 * the update fails and the event is lost: nothing better to do. */
	if (bpf_map_update_elem(&syscalls, &key, &one, BPF_NOEXIST) != -EEXIST)
		return 0;
	/* Another CPU inserted the key between our lookup and update. */
	count = bpf_map_lookup_elem(&syscalls, &key);
	if (count)
		(*count)++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
