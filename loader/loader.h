/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ebpf-loader: subcommands and the options they share. */
#ifndef EBPF_LOADER_H
#define EBPF_LOADER_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include "diag.h"

/* The options every subcommand takes, before or after its name: set while
 * parsing the command line, read where output is written. */
struct common_opts {
	bool json;              /* --json */
	bool verbose;           /* --verbose */
	const char *pin_root;   /* --pin-root, NULL for the default */
};

extern struct common_opts common_opts;

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_hold(int argc, char **argv);

/* The one place errors are reported: "ebpf-loader: <msg>" (plus detail
 * lines), or a JSON object {"error": ...} on stdout with --json. Returns
 * the exit status to use. */
int report_error(int err, const struct diag *d);

/* A command's option that getopt_long refused (it returned c, '?' or ':',
 * with opterr = 0): "CMD: unknown option '--x' (see ...)", one line, in d.
 * Returns -EINVAL. */
int option_error(struct diag *d, int c, char **argv, const struct option *longopts);

/* libbpf's messages are captured, not printed (printed too with --verbose),
 * so a failure can quote the last warning. */
void libbpf_log_setup(void);
void libbpf_log_reset(void);
const char *libbpf_log_last_warning(void);
/* Why libbpf failed with err, readable and escaped, in buf: its last
 * warning since the reset that is not about something it ignored, with
 * error numbers in it spelled out; without one, the text of err (errno or
 * libbpf's own LIBBPF_ERRNO__* codes). Returns buf. */
const char *libbpf_reason(int err, char *buf, size_t size);
/* The first warning about a program ("prog 'NAME': ...") since the reset. */
const char *libbpf_log_prog_warning(void);

/* Test hook: with EBPF_LOADER_TEST_PAUSE=<step>, the loader announces and
 * then waits forever at that step so a test can SIGKILL it there. */
void test_pause_point(const char *step);

#endif
