// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ebpf-loader: global options, then a subcommand from a table (as bpftool). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "loader.h"

struct common_opts common_opts;

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
};

static const struct cmd cmds[] = {
	{ "load", cmd_load },
	{ "unload", cmd_unload },
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "__hold", cmd_hold }, /* internal: the socket holder */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ebpf-loader [--pin-root DIR] [--json] [--verbose] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  help [COMMAND] this text, or what 'ebpf-loader COMMAND --help' says\n"
		"  load OBJ...    load, pin and attach BPF objects; they outlive the loader\n"
		"  unload NAME... detach and remove backends (--all: every backend)\n"
		"  list           one line per loaded backend: NAME STATE PROGS MAPS LOADED\n"
		"                 HOLDER OBJECT ATTACH\n"
		"  show NAME      programs, maps, links and meta of one backend\n"
		"\n"
		"Options:\n"
		"  --pin-root DIR  pin root (default $EBPF_PIN_ROOT or /sys/fs/bpf/ebpf)\n"
		"  --json          machine-readable output\n"
		"  --verbose       show libbpf's messages\n"
		"  --help, --version\n"
		"\n"
		"'ebpf-loader COMMAND --help' describes a command; see ebpf-loader(8).\n");
}

static const struct cmd *find_cmd(const char *name)
{
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
		if (!strcmp(name, cmds[c].name))
			return &cmds[c];
	return NULL;
}

/* "help", as --help; "help COMMAND", as "COMMAND --help". */
static int help(int argc, char **argv)
{
	const struct cmd *cmd;
	char *sub[3] = { NULL, "--help", NULL };

	if (argc == 1) {
		usage(stdout);
		return 0;
	}
	cmd = argc == 2 && argv[1][0] != '_' ? find_cmd(argv[1]) : NULL;
	if (!cmd) {
		fprintf(stderr, "ebpf-loader: help: %s (see --help)\n",
			argc == 2 ? "no such command" : "at most one command");
		return 2;
	}
	sub[0] = argv[1];
	return cmd->func(2, sub);
}

int main(int argc, char **argv)
{
	const struct cmd *cmd;
	int i = 1;

	/* Global options before the command; each command accepts them too. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			printf("ebpf-loader %s\n", EBPF_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			common_opts.json = true;
		} else if (!strcmp(argv[i], "--verbose")) {
			common_opts.verbose = true;
		} else if (!strcmp(argv[i], "--pin-root")) {
			if (i + 1 == argc) {
				fprintf(stderr, "ebpf-loader: option '--pin-root' requires a value (see --help)\n");
				return 2;
			}
			common_opts.pin_root = argv[++i];
		} else if (!strncmp(argv[i], "--pin-root=", 11)) {
			common_opts.pin_root = argv[i] + 11;
		} else {
			fprintf(stderr, "ebpf-loader: unknown option '%s' (see --help)\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	libbpf_log_setup();
	if (!strcmp(argv[i], "help"))
		return help(argc - i, argv + i);
	cmd = find_cmd(argv[i]);
	if (!cmd) {
		fprintf(stderr, "ebpf-loader: unknown command '%s' (see --help)\n", argv[i]);
		return 2;
	}
	return cmd->func(argc - i, argv + i);
}
