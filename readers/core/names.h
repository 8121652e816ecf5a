/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names of numbers for the `syscall`, `errno` and `signal` decoders
 * (docs/tags.md), from tables generated at build time from the target
 * architecture's kernel headers: never typed by hand. Each returns NULL
 * for a number it has no name for (the caller then shows it raw).
 */
#ifndef EBPF_NAMES_H
#define EBPF_NAMES_H

#include <stdint.h>

/* "getppid" for 110 on x86-64. */
const char *syscall_name(uint64_t nr);
/* "ENOENT" for 2 or -2 (kernel code stores either). */
const char *errno_name(int64_t e);
/* "SIGKILL" for 9. */
const char *signal_name(int64_t sig);

#endif
