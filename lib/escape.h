/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The project's one escaping of untrusted bytes (strings read from maps,
 * names from the command line or an object file): printable ASCII as
 * itself, '\' as "\\", every other byte as \xNN. It is injective, so two
 * different strings never look the same (a comm "a\nb" is not "a?b"), and
 * its output is plain ASCII: safe in a label value, a JSON string, a
 * protobuf string and a one-line message. */
#ifndef EBPF_ESCAPE_H
#define EBPF_ESCAPE_H

#include <stddef.h>

/* A buffer size str_escape() never cuts for len bytes. */
#define STR_ESCAPED_SIZE(len) (4 * (size_t)(len) + 1)

/* The first len bytes of data, up to a NUL, escaped into buf (always
 * NUL-terminated when size > 0). Cut before an escape, never inside one,
 * when buf is too small. Returns the length written. */
size_t str_escape(const void *data, size_t len, char *buf, size_t size);

/* A NUL-terminated string escaped for a message, ending in "..." when out
 * is too small. Returns out, for use as a printf argument. */
const char *str_quote(const char *in, char *out, size_t size);

#endif
