// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Text of one decoded field: what a label value or a table cell shows. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "reader.h"
#include "util.h"

int field_format(const struct field *f, const void *data, uint32_t idx, char *buf, size_t size)
{
	const uint8_t *p = (const uint8_t *)data + f->offset;
	size_t i, o = 0;

	if (!size)
		return -EINVAL;
	switch (f->kind) {
	case FIELD_UINT:
		if (size >= FMT_INT_MAX)
			fmt_u64(buf, field_u64(f, data, idx));
		else
			snprintf(buf, size, "%" PRIu64, field_u64(f, data, idx));
		return 0;
	case FIELD_INT:
		if (size >= FMT_INT_MAX)
			fmt_i64(buf, field_s64(f, data, idx));
		else
			snprintf(buf, size, "%" PRId64, field_s64(f, data, idx));
		return 0;
	case FIELD_BOOL:
		snprintf(buf, size, "%s", field_u64(f, data, idx) ? "true" : "false");
		return 0;
	case FIELD_ENUM: {
		int64_t v = field_s64(f, data, idx);

		if (!field_enum_name(f, v, buf, size))
			snprintf(buf, size, "%" PRId64, v);
		return 0;
	}
	case FIELD_STRING:
		/* Kernel char arrays: up to the NUL, unprintable bytes as '?'. */
		for (i = 0; i < f->size && p[i] && o + 1 < size; i++)
			buf[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
		buf[o] = '\0';
		return 0;
	case FIELD_HEX:
	default:
		for (i = 0; i < f->size && o + 3 <= size; i++)
			o += snprintf(buf + o, size - o, "%02x", p[i]);
		buf[o] = '\0';
		return 0;
	}
}
