// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysnames_check [--prepare] [--drop-caps] ksym|cgroup|blockdev|ifname VALUE...
 * sysnames_check [--prepare] [--drop-caps] kstack PINNED_STACK_MAP ID...
 *
 * Run the readers' system lookups (readers/core/sysnames.h) on each value,
 * in one process (so the caches are exercised), and print one line per
 * value: the name, or "unknown" when the lookup says -ENOENT. VALUE is
 * decimal or 0x-hex, up to 64 bits. Any other failure exits 1.
 * As a reader does at start-up: --prepare calls sysnames_prepare(), then
 * --drop-caps keeps only CAP_BPF (lib/caps.c, the readers' own code).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "caps.h"
#include "sysnames.h"

static const char *prog = "sysnames_check";
#include "helper.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s [--prepare] [--drop-caps] ksym|cgroup|blockdev|ifname VALUE...\n"
		"       %s [--prepare] [--drop-caps] kstack PINNED_STACK_MAP ID...\n", prog, prog);
	exit(2);
}

static uint64_t parse_u64(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "%s: bad value '%s'\n", prog, s);
		usage();
	}
	return v;
}

/* Print the answer of one lookup; exit on anything but a name or -ENOENT. */
static void report(const char *what, const char *arg, int err, const char *text)
{
	if (err == -ENOENT) {
		puts("unknown");
		return;
	}
	if (err) {
		fprintf(stderr, "%s: %s %s: %s\n", prog, what, arg, strerror(-err));
		exit(1);
	}
	puts(text);
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	char text[16384];
	int i, fd, err;

	if (argc > 1 && !strcmp(argv[1], "--prepare")) {
		/* Failure is no error: the lookups then say unknown. */
		sysnames_prepare();
		argv++;
		argc--;
	}
	if (argc > 1 && !strcmp(argv[1], "--drop-caps")) {
		if (caps_keep_only((const int[]){ CAP_BPF }, 1))
			die("drop capabilities");
		argv++;
		argc--;
	}
	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "kstack")) {
		if (argc < 4)
			usage();
		/* Read-only, as the readers open it. */
		fd = bpf_obj_get_opts(argv[2], &ro);
		if (fd < 0)
			die(argv[2]);
		for (i = 3; i < argc; i++) {
			uint64_t id = parse_u64(argv[i]);

			err = id > UINT32_MAX ? -ENOENT : kstack_lookup(fd, (uint32_t)id, text, sizeof(text));
			report("kstack", argv[i], err, text);
		}
		close(fd);
		return 0;
	}
	for (i = 2; i < argc; i++) {
		uint64_t v = parse_u64(argv[i]);

		if (!strcmp(argv[1], "ksym"))
			err = ksym_lookup(v, text, sizeof(text));
		else if (!strcmp(argv[1], "cgroup"))
			err = cgroup_lookup(v, text, sizeof(text));
		else if (!strcmp(argv[1], "blockdev"))
			err = blockdev_lookup(v, text, sizeof(text));
		else if (!strcmp(argv[1], "ifname"))
			err = ifname_lookup(v, text, sizeof(text));
		else
			usage();
		report(argv[1], argv[i], err, text);
	}
	return 0;
}
