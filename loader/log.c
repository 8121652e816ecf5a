// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Error reporting, libbpf log capture and the test pause hook. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cliopt.h"
#include "json_writer.h"
#include "loader.h"

static char last_warning[1024];
static char prog_warning[1024]; /* the first "prog 'NAME': ..." since reset */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t len;

	if (level == LIBBPF_DEBUG && !g.verbose)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (g.verbose)
		fprintf(stderr, "%s", line);
	if (level != LIBBPF_WARN)
		return 0;
	/* Verifier log lines pass through here too; keep the one-line
	 * summaries libbpf writes, not the log body. */
	if (strchr(line, '\n') != strrchr(line, '\n'))
		return 0;
	/* libbpf prefixes most messages with "libbpf: ": drop it, ours is ours. */
	if (!strncmp(line, "libbpf: ", 8))
		memmove(line, line + 8, strlen(line + 8) + 1);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len && strncmp(line, "-- ", 3) && strstr(line, ": "))
		memcpy(last_warning, line, len + 1);
	if (!prog_warning[0] && !strncmp(line, "prog '", 6) && !strstr(line, "-- BEGIN"))
		memcpy(prog_warning, line, len + 1);
	return 0;
}

void libbpf_log_setup(void)
{
	libbpf_set_print(libbpf_print);
}

void libbpf_log_reset(void)
{
	last_warning[0] = prog_warning[0] = '\0';
}

const char *libbpf_log_prog_warning(void)
{
	return prog_warning;
}

const char *libbpf_log_last_warning(void)
{
	return last_warning;
}

int report_error(int err, const struct diag *d)
{
	const char *msg = diag_msg(d, err);

	if (g.json) {
		struct json_writer w;

		jw_init(&w, stdout);
		jw_start_object(&w);
		jw_kv_string(&w, "error", msg);
		if (d && d->detail[0])
			jw_kv_string(&w, "detail", d->detail);
		jw_end_object(&w);
		fflush(stdout);
	}
	fprintf(stderr, "ebpf-loader: %s\n", msg);
	if (d && d->detail[0])
		fprintf(stderr, "%s\n", d->detail);
	return 1;
}

int option_error(struct diag *d, int c, char **argv, const struct option *longopts)
{
	char why[256];

	return diag_set(d, -EINVAL, "%s: %s (see 'ebpf-loader %s --help')", argv[0],
			opt_error(why, sizeof(why), c, argv, longopts), argv[0]);
}

void test_pause_point(const char *step)
{
	const char *want = getenv("EBPF_LOADER_TEST_PAUSE");

	if (!want || strcmp(want, step))
		return;
	fprintf(stderr, "ebpf-loader: test pause at %s\n", step);
	fflush(stderr);
	for (;;)
		pause();
}
