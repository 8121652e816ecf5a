/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Protobuf wire format, written by hand: what the direct encoders (evenc.c,
 * snapenc.c) share. Static inline: they run per field of every record or
 * map entry, where a call costs as much as the work.
 *
 * A message is written back to front into a buffer (p is the first byte
 * already written, and goes down), so that every length prefix is known
 * when it is written. The bytes are those protobuf-c writes: fields in
 * number order, proto3 defaults left out, a oneof member always written,
 * a varint in its shortest form.
 */
#ifndef EBPF_STREAM_PBWIRE_H
#define EBPF_STREAM_PBWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "reader.h"
#include "strbuf.h"

/* Wire types (protobuf encoding: "Message Structure"). */
#define PB_VARINT 0     /* uint32, uint64, sint64, bool, enum */
#define PB_I64    1     /* double */
#define PB_LEN    2     /* string, bytes, a message, a packed repeated field */

/* A field's tag byte: its number and its wire type. One byte: every field
 * the direct encoders write has a number below 16. */
#define PB_TAG(field, wiretype) ((uint8_t)((field) << 3 | (wiretype)))

/*
 * Every tag the direct encoders write, once: its name, the message and
 * field of proto/ebpf_stream.proto it stands for, and its number and wire
 * type. readers/stream/check/wiretags.c checks each against protobuf-c's
 * descriptors of that field (tests/14e-wire-naming.bats), so a number
 * changed in the .proto, or a type, cannot go unnoticed.
 */
#define PB_WIRE_TAGS(X) \
	X(T_FRAME_SNAPSHOT, frame,     snapshot,     2, PB_LEN)    \
	X(T_FRAME_EVENT,    frame,     event,        3, PB_LEN)    \
	X(T_SN_TS,          snapshot,  timestamp_ns, 1, PB_VARINT) \
	X(T_SN_BACKEND,     snapshot,  backend,      2, PB_LEN)    \
	X(T_SN_MAP,         snapshot,  map,          3, PB_LEN)    \
	X(T_SN_ENTRY,       snapshot,  entries,      4, PB_LEN)    \
	X(T_SN_BATCHED,     snapshot,  batched,      5, PB_VARINT) \
	X(T_SN_MORE,        snapshot,  more,         6, PB_VARINT) \
	X(T_SN_SEQ,         snapshot,  seq,          7, PB_VARINT) \
	X(T_SN_PART,        snapshot,  part,         8, PB_VARINT) \
	X(T_EN_KEY,         entry,     key,          1, PB_LEN)    \
	X(T_EN_VALUE,       entry,     value,        2, PB_LEN)    \
	X(T_EN_PER_CPU,     entry,     per_cpu,      3, PB_LEN)    \
	X(T_EN_RAW_KEY,     entry,     raw_key,      4, PB_LEN)    \
	X(T_EN_RAW_VALUE,   entry,     raw_value,    5, PB_LEN)    \
	X(T_CPU_VALUE,      cpu_value, value,        1, PB_LEN)    \
	X(T_EV_TS,          event,     timestamp_ns, 1, PB_VARINT) \
	X(T_EV_BACKEND,     event,     backend,      2, PB_LEN)    \
	X(T_EV_MAP,         event,     map,          3, PB_LEN)    \
	X(T_EV_RECORD,      event,     record,       4, PB_LEN)    \
	X(T_EV_FIELD,       event,     fields,       5, PB_LEN)    \
	X(T_EV_RAW,         event,     raw,          6, PB_LEN)    \
	X(T_EV_SEQ,         event,     seq,          7, PB_VARINT) \
	X(T_FIELD_NAME,     field,     name,         1, PB_LEN)    \
	X(T_FIELD_VALUE,    field,     values,       2, PB_LEN)    \
	X(T_FIELD_DECODED,  field,     decoded,      3, PB_LEN)    \
	X(T_VAL_U,          value,     u,            1, PB_VARINT) \
	X(T_VAL_I,          value,     i,            2, PB_VARINT) \
	X(T_VAL_S,          value,     s,            4, PB_LEN)    \
	X(T_VAL_B,          value,     b,            5, PB_LEN)    \
	X(T_VAL_FLAG,       value,     flag,         6, PB_VARINT)

#define PB_TAG_ENUM(name, message, field, number, wiretype) name = PB_TAG(number, wiretype),
enum pb_wire_tag { PB_WIRE_TAGS(PB_TAG_ENUM) };
#undef PB_TAG_ENUM

/* value_of() (frames.c) formats strings and enum names into 256 bytes:
 * the same cut. */
#define PB_STR_MAX 255

static inline size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v > 0x7f) {
		v >>= 7;
		n++;
	}
	return n;
}

static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v > 0x7f) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline uint8_t *back_varint(uint8_t *p, uint64_t v)
{
	if (v < 0x80) {
		*--p = (uint8_t)v;
		return p;
	}
	p -= varint_len(v);
	put_varint(p, v);
	return p;
}

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* tag + length + len bytes: what a length-delimited field of len bytes takes. */
static inline size_t delim_len(size_t len)
{
	return 1 + varint_len(len) + len;
}

/* tag + length + bytes of a string field, appended; proto3 leaves an
 * empty string out. */
static inline void pack_string(struct strbuf *sb, uint8_t tag, const char *s)
{
	uint8_t hdr[11], *h = hdr;
	size_t n = strlen(s);

	if (!n)
		return;
	*h++ = tag;
	h = put_varint(h, n);
	sb_append(sb, hdr, (size_t)(h - hdr));
	sb_append(sb, s, n);
}

/* memcpy for the short pieces of a frame, inline: word moves that stay
 * within [d, d + n) (the bytes after it are written already) and read only
 * [s, s + n) (a record may end where the ring buffer's mapping does). A
 * call, or the rep movs gcc inlines, costs more than the copy here. */
static inline void copy_short(uint8_t *d, const uint8_t *s, size_t n)
{
	uint64_t w;
	uint32_t h;

	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&w, s + i, 8);
			memcpy(d + i, &w, 8);
		}
		memcpy(&w, s + n - 8, 8);
		memcpy(d + n - 8, &w, 8);
	} else if (n >= 4) {
		memcpy(&h, s, 4);
		memcpy(d, &h, 4);
		memcpy(&h, s + n - 4, 4);
		memcpy(d + n - 4, &h, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
}

static inline uint8_t *back_bytes(uint8_t *p, const void *data, size_t len)
{
	p -= len;
	copy_short(p, data, len);
	return p;
}

/* field_u64() and field_s64() of readers/core, inline. */
static inline uint64_t load_u(const uint8_t *p, uint32_t size)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (size) {
	case 1: memcpy(&v8, p, 1); return v8;
	case 2: memcpy(&v16, p, 2); return v16;
	case 4: memcpy(&v32, p, 4); return v32;
	case 8: memcpy(&v64, p, 8); return v64;
	default: return 0;
	}
}

static inline int64_t load_s(const uint8_t *p, uint32_t size)
{
	uint64_t v = load_u(p, size);

	switch (size) {
	case 1: return (int8_t)v;
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	default: return (int64_t)v;
	}
}

/* All n bytes are printable ASCII (0x20..0x7e), eight at a time. */
static inline bool printable(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w, del;

		memcpy(&w, p + i, 8);
		del = w ^ (0x7f * ones);
		/* A high bit set: a byte >= 0x80, < 0x20 or == 0x7f. */
		if ((w | ((w - 0x20 * ones) & ~w) | ((del - ones) & ~del)) & high)
			return false;
	}
	for (; i < n; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return false;
	return true;
}

/* Bytes of a string field as value_of() keeps them: up to the NUL, at
 * most PB_STR_MAX. */
static inline size_t field_str_len(const struct field *f, const uint8_t *base)
{
	size_t n = strnlen((const char *)base, f->size);

	return n > PB_STR_MAX ? PB_STR_MAX : n;
}

/* Value.s of a string field as value_of() makes it (the readers' one
 * escaping, str_escape(), cut at PB_STR_MAX): the field's own bytes when
 * the escaping would leave them alone (the usual comm: no copy), else the
 * escaped text in esc. Its length goes to *len. */
static inline const uint8_t *field_str(const struct field *f, const uint8_t *base,
				       char esc[PB_STR_MAX + 1], size_t *len)
{
	size_t n = field_str_len(f, base);

	if (printable(base, n) && !memchr(base, '\\', n)) {
		*len = n;
		return base;
	}
	*len = str_escape(base, f->size, esc, PB_STR_MAX + 1);
	return (const uint8_t *)esc;
}

/* Elements of a field that get a Value each: a string or hex field is one. */
static inline uint32_t field_values(const struct field *f)
{
	bool one = f->kind == FIELD_STRING || f->kind == FIELD_HEX;

	return (f->count > 1 && !one) ? f->count : 1;
}

/* The most bytes a Field of f takes, with its tag and length; name_len is
 * the length of its packed name. */
static inline size_t field_bound(const struct field *f, size_t name_len)
{
	size_t vmax = f->kind == FIELD_HEX ? 11 + f->size :
		      f->kind == FIELD_STRING || f->kind == FIELD_ENUM ? 11 + PB_STR_MAX : 11;

	size_t dmax = f->dec ? (size_t)field_elements(f) * (11 + DECODED_MAX) : 0;

	return 11 + name_len + field_values(f) * (11 + vmax) + dmax;
}

/* Field.decoded of a field with a decoder (frames.c decoded_of()): one
 * string per element, "" where the decoder cannot map it; back to front.
 * buf is DECODED_MAX bytes of scratch. */
static inline uint8_t *back_field_decoded(uint8_t *p, const struct field *f, const uint8_t *data,
					  char *buf)
{
	if (!f->dec)
		return p;
	for (uint32_t k = field_elements(f); k-- > 0;) {
		size_t n;

		field_decode(f, data, k, buf, DECODED_MAX);
		n = strlen(buf);
		p = back_bytes(p, buf, n);
		p = back_varint(p, n);
		*--p = T_FIELD_DECODED;
	}
	return p;
}

/* What back_field_decoded() writes for f, without writing it. */
static inline size_t field_decoded_size(const struct field *f, const uint8_t *data, char *buf)
{
	size_t len = 0;

	if (!f->dec)
		return 0;
	for (uint32_t k = 0, n = field_elements(f); k < n; k++) {
		field_decode(f, data, k, buf, DECODED_MAX);
		len += delim_len(strlen(buf));
	}
	return len;
}

/* Field.values of one field (Value messages, each with its tag and
 * length), back to front. */
static inline uint8_t *back_field_values(uint8_t *p, const struct field *f, const uint8_t *data)
{
	const uint8_t *base = data + f->offset;
	char name[PB_STR_MAX + 1];

	switch (f->kind) {
	case FIELD_STRING: {
		size_t n;
		const uint8_t *s = field_str(f, base, name, &n);

		p = back_bytes(p, s, n);
		p = back_varint(p, n);
		*--p = T_VAL_S;
		p = back_varint(p, n + 1 + varint_len(n));
		*--p = T_FIELD_VALUE;
		return p;
	}
	case FIELD_HEX:
		p = back_bytes(p, base, f->size);
		p = back_varint(p, f->size);
		*--p = T_VAL_B;
		p = back_varint(p, f->size + 1 + varint_len(f->size));
		*--p = T_FIELD_VALUE;
		return p;
	default:
		break;
	}
	for (uint32_t k = f->count > 1 ? f->count : 1; k-- > 0;) {
		const uint8_t *q = base + (size_t)k * f->size;
		uint8_t *vend = p;

		switch (f->kind) {
		case FIELD_UINT:
			p = back_varint(p, load_u(q, f->size));
			*--p = T_VAL_U;
			break;
		case FIELD_BOOL:
			*--p = load_u(q, f->size) != 0;
			*--p = T_VAL_FLAG;
			break;
		case FIELD_ENUM: {
			int64_t v = load_s(q, f->size);

			if (field_enum_name(f, v, name, sizeof(name))) {
				size_t n = strlen(name);

				p = back_bytes(p, name, n);
				p = back_varint(p, n);
				*--p = T_VAL_S;
				break;
			}
			p = back_varint(p, zigzag(v));
			*--p = T_VAL_I;
			break;
		}
		default: /* FIELD_INT */
			p = back_varint(p, zigzag(load_s(q, f->size)));
			*--p = T_VAL_I;
			break;
		}
		p = back_varint(p, (uint64_t)(vend - p));
		*--p = T_FIELD_VALUE;
	}
	return p;
}

/* What back_field_values() writes for f, without writing it. */
static inline size_t field_values_size(const struct field *f, const uint8_t *data)
{
	const uint8_t *base = data + f->offset;
	char name[PB_STR_MAX + 1];
	size_t len = 0;

	switch (f->kind) {
	case FIELD_STRING: {
		size_t n;

		field_str(f, base, name, &n);
		return delim_len(delim_len(n));
	}
	case FIELD_HEX:
		return delim_len(delim_len(f->size));
	default:
		break;
	}
	for (uint32_t k = 0, n = f->count > 1 ? f->count : 1; k < n; k++) {
		const uint8_t *q = base + (size_t)k * f->size;

		/* Value{u|i|flag} is at most 11 bytes: its length is one byte. */
		switch (f->kind) {
		case FIELD_UINT:
			len += 3 + varint_len(load_u(q, f->size));
			break;
		case FIELD_BOOL:
			len += 4;
			break;
		case FIELD_ENUM: {
			int64_t v = load_s(q, f->size);

			if (field_enum_name(f, v, name, sizeof(name)))
				len += delim_len(delim_len(strlen(name)));
			else
				len += 3 + varint_len(zigzag(v));
			break;
		}
		default: /* FIELD_INT */
			len += 3 + varint_len(zigzag(load_s(q, f->size)));
			break;
		}
	}
	return len;
}

#endif
