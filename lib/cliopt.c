// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cliopt.h"

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < SECONDS_MIN || v > SECONDS_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The long option argv[optind - 1] names ("--name", "--name=value" or an
 * abbreviation, as getopt_long takes), if getopt was looking at one with
 * value val. */
static const struct option *long_opt_at(char *const argv[], const struct option *longopts,
					int val, size_t *name_len)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;

	if (!arg || strncmp(arg, "--", 2) || !longopts)
		return NULL;
	*name_len = strcspn(arg + 2, "=");
	for (const struct option *o = longopts; o->name; o++)
		if (o->val == val && strlen(o->name) >= *name_len &&
		    !strncmp(o->name, arg + 2, *name_len))
			return o;
	return NULL;
}

const char *opt_error(char *buf, size_t size, int c, char *const argv[],
		      const struct option *longopts)
{
	const struct option *o;
	size_t n;

	if (!optopt) {
		/* An unknown long option: getopt has stepped past it. */
		const char *arg = optind > 0 ? argv[optind - 1] : "?";

		snprintf(buf, size, "unknown option '%.*s'", (int)strcspn(arg, "="), arg);
		return buf;
	}
	o = long_opt_at(argv, longopts, optopt, &n);
	if (o && c == ':')
		snprintf(buf, size, "option '--%s' requires a value", o->name);
	else if (o)
		snprintf(buf, size, "option '--%s' takes no value", o->name);
	else if (c == ':')
		snprintf(buf, size, "option '-%c' requires a value", optopt);
	else
		snprintf(buf, size, "unknown option '-%c'", optopt);
	return buf;
}
