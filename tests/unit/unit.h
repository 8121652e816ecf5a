/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The unit tests' assertions (make unit, tests/01-unit.bats): pure code,
 * no root, no BPF syscalls, no network. Each tests/unit/NAME.c is one
 * program whose main() runs its checks and ends with UNIT_END(): a failed
 * check prints its file:line and expression (with both values for the
 * _EQ forms) and goes on; the exit status is 1 when any failed.
 *
 * unit_start() forbids the bpf() syscall with a seccomp filter, so that a
 * test which reaches the kernel by mistake dies (SIGSYS) instead of
 * passing only where it runs as root. Under qemu-user, which refuses
 * seccomp filters, the guard is left out and said so on stderr.
 */
#ifndef EBPF_UNIT_H
#define EBPF_UNIT_H

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static unsigned unit_passed, unit_failed;

static inline void unit_result(int ok, const char *file, int line, const char *expr)
{
	if (ok) {
		unit_passed++;
		return;
	}
	unit_failed++;
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
}

#define CHECK(expr) unit_result(!!(expr), __FILE__, __LINE__, #expr)

/* Integers (any width, signed compared as signed): both values shown. */
#define CHECK_INT(got, want)                                                              \
	do {                                                                              \
		long long g_ = (long long)(got), w_ = (long long)(want);                  \
		unit_result(g_ == w_, __FILE__, __LINE__, #got " == " #want);             \
		if (g_ != w_)                                                             \
			fprintf(stderr, "    got %lld, want %lld\n", g_, w_);                 \
	} while (0)

#define CHECK_U64(got, want)                                                              \
	do {                                                                              \
		uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);                     \
		unit_result(g_ == w_, __FILE__, __LINE__, #got " == " #want);             \
		if (g_ != w_)                                                             \
			fprintf(stderr, "    got %" PRIu64 ", want %" PRIu64 "\n", g_, w_);   \
	} while (0)

#define CHECK_STR(got, want)                                                              \
	do {                                                                              \
		const char *g_ = (got), *w_ = (want);                                     \
		int ok_ = g_ && w_ && !strcmp(g_, w_);                                    \
		unit_result(ok_, __FILE__, __LINE__, #got " == " #want);                  \
		if (!ok_)                                                                 \
			fprintf(stderr, "    got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)",  \
				w_ ? w_ : "(null)");                                      \
	} while (0)

/* Byte strings: the first difference shown. */
#define CHECK_MEM(got, glen, want, wlen)                                                  \
	unit_mem(got, glen, want, wlen, __FILE__, __LINE__, #got " == " #want)

static inline void unit_mem(const void *got, size_t glen, const void *want, size_t wlen,
			    const char *file, int line, const char *expr)
{
	const uint8_t *g = got, *w = want;
	size_t i = 0;

	while (i < glen && i < wlen && g[i] == w[i])
		i++;
	unit_result(glen == wlen && i == glen, file, line, expr);
	if (glen != wlen || i != glen)
		fprintf(stderr, "    %zu bytes, want %zu; first difference at byte %zu\n", glen,
			wlen, i);
}

/* The filter checks the syscall number only, not seccomp_data.arch: a
 * guard against mistakes, not a sandbox, and the same on every target. */
static inline void unit_start(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		fprintf(stderr, "unit: no bpf() guard (seccomp: %s)\n", strerror(errno));
}

/* The summary line, and the exit status. */
static inline int unit_end(const char *file)
{
	printf("%s: %u passed, %u failed\n", file, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#define UNIT_END() unit_end(__FILE__)

#endif
