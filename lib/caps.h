/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Dropping capabilities once a reader has opened what it needs. */
#ifndef EBPF_CAPS_H
#define EBPF_CAPS_H

#include <stddef.h>

#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

/* Keep only these capabilities (effective and permitted); drop every
 * other one for good. No-op (0) when not running with capabilities. */
int caps_keep_only(const int *caps, size_t n);

#endif
