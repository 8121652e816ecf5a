/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Test objects t_norecord and t_emittype: a ring buffer tagged with the
 * record type struct t_record, one record per getppid() call. The program
 * uses the type only through a bpf_ringbuf_reserve() result, so clang leaves
 * it out of BTF unless the object says EBPF_EMIT_TYPE(struct t_record).
 */
#ifndef T_RECORD_BPF_H
#define T_RECORD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_tags.h"

#define T_RECORD_MAGIC 0x000a5245434f5244ull /* < 2^53: exact in jq */

struct t_record {
	__u64 magic;
	__u32 pid;
	__u32 uid;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} records SEC(".maps")
	EBPF_RECORD("t_record");

SEC("tp/syscalls/sys_enter_getppid")
int record_getppid(void *ctx)
{
	struct t_record *r;

	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r)
		return 0;
	r->magic = T_RECORD_MAGIC;
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->uid = (__u32)bpf_get_current_uid_gid();
	bpf_ringbuf_submit(r, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#endif
