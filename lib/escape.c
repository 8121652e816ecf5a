// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdint.h>
#include <string.h>
#include "escape.h"

/* c escaped into esc (at most 4 bytes, no NUL); returns the length. */
static size_t escape_byte(uint8_t c, char esc[4])
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\\') {
		esc[0] = esc[1] = '\\';
		return 2;
	}
	if (c >= 0x20 && c < 0x7f) {
		esc[0] = (char)c;
		return 1;
	}
	esc[0] = '\\';
	esc[1] = 'x';
	esc[2] = hex[c >> 4];
	esc[3] = hex[c & 0xf];
	return 4;
}

size_t str_escape(const void *data, size_t len, char *buf, size_t size)
{
	const uint8_t *p = data;
	size_t i, o = 0;

	if (!size)
		return 0;
	for (i = 0; i < len && p[i]; i++) {
		char esc[4];
		size_t n = escape_byte(p[i], esc);

		if (o + n >= size)
			break; /* cut before an escape, never inside one */
		memcpy(buf + o, esc, n);
		o += n;
	}
	buf[o] = '\0';
	return o;
}

const char *str_quote(const char *in, char *out, size_t size)
{
	static const char more[] = "...";
	size_t o = 0;

	if (!size)
		return out;
	for (; *in; in++) {
		char esc[4];
		size_t n = escape_byte((uint8_t)*in, esc);
		/* Room for this escape, and for "..." should more follow. */
		size_t tail = in[1] ? sizeof(more) - 1 : 0;

		if (o + n + tail >= size) {
			if (o + sizeof(more) <= size) {
				memcpy(out + o, more, sizeof(more) - 1);
				o += sizeof(more) - 1;
			}
			break;
		}
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}
