// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * names_check syscall|errno|signal NUMBER...
 *
 * Print, one line per NUMBER, the name the reader core's generated tables
 * give it (readers/core/names.c), or "unknown". NUMBER is decimal; for
 * syscall it is read as the 64-bit pattern the BPF map would hold, so -1
 * is 2^64-1. Lets a test compare the tables with the C library's constants
 * and with the kernel headers read independently.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "names.h"

static const char *prog = "names_check";
#include "helper.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s syscall|errno|signal NUMBER...\n"
		"  print the generated table's name of each NUMBER, or \"unknown\"\n", prog);
	exit(2);
}

/* A whole decimal int64, or as a syscall number its two's complement. */
static uint64_t parse_u64(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	if (*s == '-')
		v = (uint64_t)strtoll(s, &end, 10);
	else
		v = strtoull(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "%s: bad number '%s'\n", prog, s);
		usage();
	}
	return v;
}

static int64_t parse_i64(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "%s: bad number '%s' (want an int64)\n", prog, s);
		usage();
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *name;
	int i;

	if (argc < 3)
		usage();
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[1], "syscall"))
			name = syscall_name(parse_u64(argv[i]));
		else if (!strcmp(argv[1], "errno"))
			name = errno_name(parse_i64(argv[i]));
		else if (!strcmp(argv[1], "signal"))
			name = signal_name(parse_i64(argv[i]));
		else
			usage();
		printf("%s\n", name ? name : "unknown");
	}
	return 0;
}
