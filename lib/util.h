/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Small helpers shared by the loader and the readers. */
#ifndef EBPF_UTIL_H
#define EBPF_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* `_cleanup_close_ int fd = -1;` closes on scope exit; TAKE_FD hands it over. */
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_free_ __attribute__((cleanup(freep)))

static inline int take_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}
#define TAKE_FD(fd) take_fd(&(fd))

static inline void *take_ptr(void *pp)
{
	void *r = *(void **)pp;

	*(void **)pp = NULL;
	return r;
}
#define TAKE_PTR(p) take_ptr(&(p))

/* v in decimal at buf, NUL-terminated; returns the length. buf holds at
 * least 21 bytes (22 for fmt_i64). Big maps are mostly numbers: this is
 * what every reader writes them with, not printf. */
#define FMT_INT_MAX 22
size_t fmt_u64(char *buf, uint64_t v);
size_t fmt_i64(char *buf, int64_t v);

/* v as the shortest decimal that reads back as v (%.15g, %.16g or %.17g,
 * whichever is first to round-trip through strtod): "1e-06", never
 * "9.9999999999999995e-07". Finite v only; returns the length. Every float
 * the readers write goes through this. */
#define FMT_DOUBLE_MAX 32
size_t fmt_double(char *buf, double v);

/* CLOCK_MONOTONIC in seconds: for intervals, deadlines and rates. */
double monotonic_s(void);

/* Copy with truncation; always NUL-terminates. Returns -ENAMETOOLONG when
 * src did not fit, so callers can refuse rather than silently truncate. */
int strscpy(char *dst, const char *src, size_t size);
/* snprintf that returns -ENAMETOOLONG on truncation, 0 otherwise. */
int path_join(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
