// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Text of one decoded field: what a label value or a table cell shows. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "reader.h"
#include "util.h"

/* Longest enumerator name shown; longer ones are cut. */
#define ENUM_NAME_MAX 128

/* Bytes as hex, as many as fit. */
static int format_hex(const uint8_t *p, size_t len, char *buf, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len && 2 * i + 3 <= size; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 0xf];
	}
	buf[2 * i] = '\0';
	return 0;
}

int field_format(const struct field *f, const void *data, uint32_t idx, char *buf, size_t size)
{
	const uint8_t *p = (const uint8_t *)data + f->offset;

	if (!size)
		return -EINVAL;
	if (f->dec && !field_decode(f, data, idx, buf, size))
		return 0;
	if (f->dec && f->dec->whole && f->count > 1)
		return format_hex(p, (size_t)f->size * f->count, buf, size);
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
		str_escape(p, f->size, buf, size);
		return 0;
	case FIELD_HEX:
	default:
		return format_hex(p, f->size, buf, size);
	}
}

uint32_t field_elements(const struct field *f)
{
	if (f->dec && f->dec->whole)
		return 1;
	return f->count > 1 && f->kind != FIELD_STRING && f->kind != FIELD_HEX ? f->count : 1;
}

static size_t raw_text_size(const struct field *f)
{
	switch (f->kind) {
	case FIELD_UINT:
	case FIELD_INT:
		return FMT_INT_MAX;
	case FIELD_BOOL:
		return sizeof("false");
	case FIELD_ENUM:
		return ENUM_NAME_MAX;
	case FIELD_STRING:
		return STR_ESCAPED_SIZE(f->size);
	default:
		return 2 * (size_t)f->size + 1;
	}
}

/* A decoded element, or its raw form when the decoder cannot map it (the
 * whole field in hex for a whole decoder). */
static size_t element_text_size(const struct field *f)
{
	size_t raw = raw_text_size(f);

	if (!f->dec)
		return raw;
	if (f->dec->whole && f->count > 1)
		raw = 2 * (size_t)f->size * f->count + 1;
	return raw > DECODED_MAX ? raw : DECODED_MAX;
}

size_t field_text_size(const struct field *f)
{
	uint32_t n = field_elements(f);

	/* "[", the elements with a "," after each but the last, "]", NUL. */
	return n == 1 ? element_text_size(f) : 2 + (size_t)n * element_text_size(f);
}

int field_text(const struct field *f, const void *data, char *buf, size_t size)
{
	uint32_t n = field_elements(f);
	size_t o = 0;

	if (n == 1)
		return field_format(f, data, 0, buf, size);
	if (size < 3)
		return -ENOSPC;
	buf[o++] = '[';
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			buf[o++] = ',';
		/* Room for a character of this element, the "]" and the NUL. */
		if (o + 3 > size) {
			buf[o < size ? o : size - 1] = '\0';
			return -ENOSPC;
		}
		field_format(f, data, i, buf + o, size - o - 1);
		o += strlen(buf + o);
	}
	buf[o++] = ']';
	buf[o] = '\0';
	return 0;
}
