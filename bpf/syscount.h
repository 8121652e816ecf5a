/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/syscount.bpf.c and user space (__u32/__u64 only). */
#ifndef SYSCOUNT_H
#define SYSCOUNT_H

#define SYSCOUNT_COMM_LEN 16	/* TASK_COMM_LEN */

/* Key of syscalls: 20 bytes, no padding, so no memset is needed before
 * filling it (hash keys are compared bytewise). */
struct syscount_key {
	__u32 pid;				/* tgid: the process, not thread */
	char comm[SYSCOUNT_COMM_LEN];		/* NUL-padded */
};

#endif /* SYSCOUNT_H */
