// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Error reporting, libbpf log capture and the test pause hook. */
#include <limits.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "escape.h"
#include "cliopt.h"
#include "json_writer.h"
#include "loader.h"
#include "util.h"

struct strbuf_fixed {
	char *buf;
	size_t size, len;
};

/* Append what fits, always NUL-terminated. */
static void append(struct strbuf_fixed *o, const char *s, size_t n)
{
	if (o->len + 1 >= o->size)
		return;
	if (n > o->size - o->len - 1)
		n = o->size - o->len - 1;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static char last_warning[1024];
static char last_debug_failure[1024]; /* see debug_is_a_reason() */
static char prog_warning[1024]; /* the first "prog 'NAME': ..." since reset */

/*
 * Whether a warning can explain a failure. Not the log banners ("-- BEGIN
 * PROG LOAD LOG --"), not the summary "failed to load object 'X'", and not
 * what libbpf went on without ("... Ignored and continue.", "ignoring"):
 * quoted as the reason of a failure that came later, those mislead.
 */
static bool warning_is_a_reason(const char *line)
{
	static const char *const skip_prefix[] = { "-- ", "failed to load object '" };
	static const char *const skip_infix[] = { "Ignored and continue", "ignoring",
						  "Ignoring", "ignored" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(skip_prefix); i++)
		if (!strncmp(line, skip_prefix[i], strlen(skip_prefix[i])))
			return false;
	for (i = 0; i < ARRAY_SIZE(skip_infix); i++)
		if (strstr(line, skip_infix[i]))
			return false;
	return true;
}

/* A debug line that reports a failure: libbpf sometimes fails with no
 * warning at all, having said why only at debug level ("sec 'X': failed to
 * determine size from ELF"). */
static bool debug_is_a_reason(const char *line)
{
	return strstr(line, "fail") || strstr(line, "invalid") || strstr(line, "corrupt");
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t len;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (common_opts.verbose)
		fprintf(stderr, "%s", line);
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
	if (!len)
		return 0;
	if (level == LIBBPF_DEBUG) {
		if (debug_is_a_reason(line))
			memcpy(last_debug_failure, line, len + 1);
		return 0;
	}
	if (level != LIBBPF_WARN)
		return 0;
	if (warning_is_a_reason(line))
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
	last_warning[0] = last_debug_failure[0] = prog_warning[0] = '\0';
}

const char *libbpf_log_prog_warning(void)
{
	return prog_warning;
}

const char *libbpf_log_last_warning(void)
{
	return last_warning;
}

/* An error number of libbpf's, negative or not, as text: errno values and
 * its own LIBBPF_ERRNO__* (4000 and up), which strerror() does not know. */
static void append_errstr(struct strbuf_fixed *o, long err)
{
	char text[128];

	if (err < 0)
		err = -err;
	if (err > INT_MAX || libbpf_strerror((int)err, text, sizeof(text)))
		snprintf(text, sizeof(text), "error %ld", err);
	append(o, text, strlen(text));
}

/* Whether what was written so far ends where libbpf puts an error number. */
static bool follows_error_label(const struct strbuf_fixed *o)
{
	static const char *const labels[] = { ": ", " err ", " error ", "err=" };
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(labels); i++) {
		n = strlen(labels[i]);
		if (o->len >= n && !memcmp(o->buf + o->len - n, labels[i], n))
			return true;
	}
	return false;
}

const char *libbpf_reason(int err, char *buf, size_t size)
{
	struct strbuf_fixed o = { buf, size, 0 };
	const char *why = last_warning[0] ? last_warning : last_debug_failure;
	char raw[sizeof(last_warning)];
	const char *p;
	size_t len;

	if (!size)
		return buf;
	buf[0] = '\0';
	if (!why[0]) {
		/* Only a number: say whose it is, so that "No such file or
		 * directory" does not read as being about the file. */
		append(&o, "libbpf error: ", 14);
		append_errstr(&o, err);
		if (!common_opts.verbose)
			append(&o, "; --verbose shows libbpf's log", 30);
		return buf;
	}
	/* A hostile object names its own sections and maps: escape. */
	str_quote(why, raw, sizeof(raw));
	len = strlen(raw);
	while (len && raw[len - 1] == '.')
		raw[--len] = '\0';
	/* libbpf's error numbers, spelled out. */
	for (p = raw; *p;) {
		char *end;
		long v;

		if (p[0] == '-' && p[1] >= '0' && p[1] <= '9' && follows_error_label(&o)) {
			v = strtol(p, &end, 10);
			if (!*end || *end == ' ' || *end == ',' || *end == ')' || *end == '.') {
				bool after_colon = o.len >= 2 && !memcmp(o.buf + o.len - 2, ": ", 2);

				/* "x: -22" reads as "x: Invalid argument"; "err -2"
				 * keeps its number: "err -2 (No such file...)". */
				if (!after_colon) {
					append(&o, p, end - p);
					append(&o, " (", 2);
				}
				append_errstr(&o, v);
				if (!after_colon)
					append(&o, ")", 1);
				p = end;
				continue;
			}
		}
		append(&o, p, 1);
		p++;
	}
	return buf;
}

int report_error(int err, const struct diag *d)
{
	const char *msg = diag_msg(d, err);

	if (common_opts.json) {
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
