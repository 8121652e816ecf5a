/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Untrusted text (names from the command line, strings from an object file)
 * made safe to quote in a one-line message. */
#ifndef EBPF_ESCAPE_H
#define EBPF_ESCAPE_H

#include <stddef.h>

/* in with every byte outside printable ASCII written as \xNN and '\' as
 * "\\", so a message never carries control characters or half a UTF-8
 * sequence. Cut at a whole escape, ending in "...", when out is too small.
 * Returns out, for use as a printf argument. */
const char *str_escape(const char *in, char *out, size_t size);

#endif
