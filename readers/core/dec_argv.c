// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `argv`: a char array of NUL-terminated strings, as the kernel lays out a
 * program's arguments (execsnoop's args), shown as one command line. A
 * char array alone would show only up to its first NUL: argv[0]. */
#include <errno.h>
#include <string.h>
#include "decoder.h"
#include "reader.h"

/* Bytes a shell would take literally: such an argument is shown bare. */
static int bare(const uint8_t *s, size_t n)
{
	static const char safe[] = "@%+=:,./_-";

	if (!n)
		return 0;
	/* "..." itself is quoted: bare, it says the list was cut. */
	if (n == 3 && !memcmp(s, "...", 3))
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(safe, c)))
			return 0;
	}
	return 1;
}

/* Append the n bytes of one argument at buf + *o, as the shell would read
 * them back: bare, or in single quotes with ' as '"'"' (as Python's
 * shlex.quote: no backslash, which the readers' escaping would double).
 * A cut argument is always quoted, and followed by "...". */
static int put_arg(const uint8_t *s, size_t n, int cut, char *buf, size_t size, size_t *o)
{
	int quote = cut || !bare(s, n);
	/* Worst case: 5 bytes per byte ('"'"'), 2 quotes, "...", NUL. */
	if (*o + 5 * n + 6 >= size)
		return -ENOSPC;
	if (quote)
		buf[(*o)++] = '\'';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'') {
			memcpy(buf + *o, "'\"'\"'", 5);
			*o += 5;
		} else {
			buf[(*o)++] = (char)s[i];
		}
	}
	if (quote)
		buf[(*o)++] = '\'';
	if (cut) {
		memcpy(buf + *o, "...", 3);
		*o += 3;
	}
	buf[*o] = '\0';
	return 0;
}

/* With argv:SIZE, did the list go on past the strings kept (after 20
 * arguments, or at the field's end between two of them)? The size field
 * is in the same record, f->aux_offset from its start, which p is
 * f->offset past (field_decode() passes a whole field from the record). */
static bool list_cut(const struct field *f, const uint8_t *p, size_t kept)
{
	uint64_t total;

	if (!f || !f->aux_size ||
	    dec_uint(p - f->offset + f->aux_offset, f->aux_size, &total))
		return false;
	return total > kept + 1; /* kept: up to the last string's NUL */
}

/* " ...": more arguments than shown. Bare, so no argument reads so. */
static int put_more(char *buf, size_t size, size_t *o)
{
	if (*o + 5 >= size)
		return -ENOSPC;
	memcpy(buf + *o, " ...", 5);
	*o += 4;
	return 0;
}

/*
 * The arguments joined with spaces; -ENOENT when there is none. The field
 * ends in zeros after the last argument, so empty arguments at the end
 * cannot be told from them and are not shown; an empty one before others
 * is shown as ''. Bytes that are not printable ASCII are escaped
 * afterwards by field_decode (\xNN).
 */
int dec_argv(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	size_t end = len, o = 0;

	(void)f;
	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	while (end && !p[end - 1])
		end--;
	/* No argument at all (an exit record): nothing to decode, the raw
	 * value stands. */
	if (!end)
		return -ENOENT;
	for (size_t i = 0; i < end;) {
		const uint8_t *nul = memchr(p + i, 0, end - i);
		size_t n = nul ? (size_t)(nul - (p + i)) : end - i;
		/* No NUL before the field's end: the argument was cut. */
		int cut = !nul && end == len;
		int r;

		if (o) {
			if (o + 1 >= size)
				return -ENOSPC;
			buf[o++] = ' ';
		}
		r = put_arg(p + i, n, cut, buf, size, &o);
		if (r)
			return r;
		if (cut)
			return 0; /* said by its own "..." */
		i += n + 1;
	}
	return list_cut(f, p, end) ? put_more(buf, size, &o) : 0;
}
