// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "escape.h"

const char *str_escape(const char *in, char *out, size_t size)
{
	static const char more[] = "...";
	size_t n = 0;

	if (!size)
		return out;
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		char esc[5];
		size_t len;

		if (c == '\\')
			len = (size_t)snprintf(esc, sizeof(esc), "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			len = (size_t)snprintf(esc, sizeof(esc), "%c", c);
		else
			len = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
		/* Room for this escape, and for "..." should more follow. */
		if (n + len + (in[1] ? sizeof(more) - 1 : 0) >= size) {
			if (n + sizeof(more) <= size) {
				memcpy(out + n, more, sizeof(more) - 1);
				n += sizeof(more) - 1;
			}
			break;
		}
		memcpy(out + n, esc, len);
		n += len;
	}
	out[n] = '\0';
	return out;
}
