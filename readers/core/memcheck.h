/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kernel fills snapshot buffers through bpf(2) commands memcheck does
 * not model (batch lookups): MARK_DEFINED tells it which bytes became
 * defined, so it does not flag every read of them. Outside valgrind this
 * costs a few instructions; zeroing the buffers instead cost 5 % of a big
 * snapshot, so it is done only where memcheck.h is missing. */
#ifndef EBPF_MEMCHECK_H
#define EBPF_MEMCHECK_H

#if defined(__has_include) && __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define MARK_DEFINED(p, len) VALGRIND_MAKE_MEM_DEFINED(p, len)
#define ZERO_WHEN_GROWN 0
#else
#define MARK_DEFINED(p, len) ((void)(p), (void)(len))
#define ZERO_WHEN_GROWN 1
#endif

#endif
