/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the test helpers share. Before including it, a helper defines
 * `static const char *prog` and declares its `static void usage(void)`.
 */
#ifndef TEST_HELPER_H
#define TEST_HELPER_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void);

static __attribute__((unused)) void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

/* A whole decimal number in [min, max], or a usage error naming the arg. */
static __attribute__((unused)) unsigned long parse_num(const char *s, const char *name, unsigned long min,
			       unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr, "%s: bad %s '%s' (want %lu..%lu)\n", prog, name, s, min, max);
		usage();
	}
	return v;
}

#endif
