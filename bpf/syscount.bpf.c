// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * syscount: system calls entered, by process and by syscall. The bpftrace
 * one-liners
 *   tracepoint:raw_syscalls:sys_enter { @[pid, comm] = count(); }
 *   tracepoint:raw_syscalls:sys_enter { @[args.id] = count(); }
 * as a raw tracepoint, which skips the perf-event buffer setup a classic
 * tracepoint pays on every event. This runs on every syscall of the
 * machine, so the fast path is one cheap helper, four loads, one hash
 * lookup, one array lookup (inlined by the verifier: a bounds check and an
 * add), two adds (bench/20-overhead.sh measures it: run_time_ns / run_cnt).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_tags.h"
#include "syscount.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/*
 * By process. Per-CPU: a plain increment, no atomic, no cache line
 * bouncing. LRU: processes come and go without end on a busy host, and a
 * plain hash, once full, counted no new process at all (a 10240-entry one
 * filled within a minute on a busy VM); the LRU map makes room by dropping
 * the processes that made no syscall for longest, so the busy ones are
 * always counted. 4096 entries: every process that made a syscall recently
 * on all but the largest hosts, and under the exporter's --max-series
 * (default 10000), so a scrape never leaves entries out and the shipped
 * EbpfExporterSeriesDropped alert stays quiet. Each entry is a series of
 * its own (pid and comm labels): docs/prometheus/ebpf-rules.yml sums them
 * by comm (comm:ebpf_syscount_syscalls:rate5m), and syscalls_by_nr has a
 * fixed set of series. Summing by comm here instead would cost a second
 * hash lookup on every syscall of the machine.
 * Memory: 4096 x (20-byte key + 8 bytes per CPU) plus the LRU's own.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct syscount_key);
	__type(value, __u64);
} syscalls SEC(".maps")
	EBPF_COUNTER
	EBPF_HELP("System calls entered, by process");

/*
 * By syscall number, shown by name. An array indexed by the number: the
 * cheapest lookup there is, and a fixed set of SYSCOUNT_MAX_NR series
 * (text ebpf-print leaves out the zero ones).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYSCOUNT_MAX_NR);
	__type(key, __u32);
	__type(value, __u64);
} syscalls_by_nr SEC(".maps")
	EBPF_COUNTER
	EBPF_LABEL("syscall")
	EBPF_DECODE("key", "syscall")
	EBPF_HELP("System calls entered, by syscall");

SEC("raw_tp/sys_enter")
int syscount_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	/*
	 * The key straight from current's task_struct (a trusted BTF pointer:
	 * plain loads, CO-RE relocated) rather than bpf_get_current_pid_tgid()
	 * and bpf_get_current_comm(): the comm helper's strscpy_pad() was a
	 * third of the program's cost (178 -> ~121 ns/event on a 6.18 VM).
	 * Same bytes: the kernel writes comm with strscpy_pad() (fork copies
	 * it, exec and PR_SET_NAME rewrite it), so it is NUL-terminated and
	 * NUL-padded, and a process that execs is counted under its new name
	 * from its first syscall after the exec, as with the helper.
	 */
	struct task_struct *task = bpf_get_current_task_btf();
	struct syscount_key key;
	__u32 nr = (__u32)ctx->args[1];		/* sys_enter(regs, id) */
	__u64 one = 1, *count;

	/* Numbers past the array's end (x32, -1) find no slot: not counted. */
	count = bpf_map_lookup_elem(&syscalls_by_nr, &nr);
	if (count)
		(*count)++;

	key.pid = task->tgid;
	__builtin_memcpy(key.comm, task->comm, sizeof(key.comm));

	count = bpf_map_lookup_elem(&syscalls, &key);
	if (count) {
		(*count)++;
		return 0;
	}
	/* First syscall of this (pid, comm) on any CPU. When the map is full
	 * the LRU map evicts the entry idle longest to make room. */
	if (bpf_map_update_elem(&syscalls, &key, &one, BPF_NOEXIST) != -EEXIST)
		return 0;
	/* Another CPU inserted the key between our lookup and update. */
	count = bpf_map_lookup_elem(&syscalls, &key);
	if (count)
		(*count)++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
