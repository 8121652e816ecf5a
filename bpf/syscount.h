/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/syscount.bpf.c and user space (__u32/__u64 only). */
#ifndef SYSCOUNT_H
#define SYSCOUNT_H

#define SYSCOUNT_COMM_LEN 16	/* TASK_COMM_LEN */

/* Slots of syscalls_by_nr: syscall numbers below this are counted. The
 * highest number of x86_64 and arm64 is about 470 on 6.18; x32's numbers
 * (bit 30 set) and -1 (no syscall) are past the end and not counted. */
#define SYSCOUNT_MAX_NR 512

/* Key of syscalls: 20 bytes, no padding, so no memset is needed before
 * filling it (hash keys are compared bytewise). */
struct syscount_key {
	__u32 pid;				/* tgid: the process, not thread */
	char comm[SYSCOUNT_COMM_LEN];		/* NUL-padded */
};

#endif /* SYSCOUNT_H */
