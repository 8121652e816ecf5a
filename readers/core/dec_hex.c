// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `hex`: the field's bytes, in memory order, as lowercase hex. */
#include <errno.h>
#include "decoder.h"

int dec_hex(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	static const char digits[] = "0123456789abcdef";

	(void)f;
	if (size < 2 * len + 1)
		return -ENOSPC;
	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 0xf];
	}
	buf[2 * len] = '\0';
	return 0;
}
