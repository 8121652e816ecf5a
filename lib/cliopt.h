/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command-line rules every binary shares, so that they agree. */
#ifndef EBPF_CLIOPT_H
#define EBPF_CLIOPT_H

#include <stddef.h>
#include <getopt.h>

/* Periods (ebpf-print --interval, ebpf-stream --interval and --max-lag):
 * a millisecond is the finest any timer here keeps up with, a day the
 * longest period worth waiting for. */
#define SECONDS_MIN 0.001
#define SECONDS_MAX 86400.0
#define SECONDS_RULE "seconds, 0.001 to 86400"

/* A number of seconds in [SECONDS_MIN, SECONDS_MAX]: 0 and *out, or -EINVAL. */
int parse_seconds(const char *s, double *out);

/* What getopt_long refused, in our words, for a one-line error: "unknown
 * option '--x'", "option '--pin-root' requires a value", "option '--help'
 * takes no value". Call it right after getopt_long returned '?' or ':'
 * (with opterr = 0, so getopt itself printed nothing). Returns buf. */
const char *opt_error(char *buf, size_t size, int c, char *const argv[],
		      const struct option *longopts);

#endif
