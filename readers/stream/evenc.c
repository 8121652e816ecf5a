// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Event frames, encoded straight from a ring buffer record into the output.
 *
 * frame_event() + frame_pack() build a tree of protobuf-c messages in the
 * arena and let protobuf-c walk it twice (size, then pack): fine for a
 * snapshot, most of the cost of a record at millions a second. Here the
 * bytes that do not change from record to record (Event.backend, .map,
 * .record, each Field.name) are packed once per ring buffer, and a record
 * is written back to front into a scratch buffer, so that every length
 * prefix is known when it is written: one pass, no allocation. The bytes
 * are those protobuf-c writes for the same frame (fields in number order,
 * proto3 defaults left out, the oneof member always written).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "stream.h"

/* Wire tags: (field number << 3) | wire type. */
#define T_FRAME_EVENT   0x1a    /* Frame.event = 3, length-delimited */
#define T_EV_TS         0x08    /* Event.timestamp_ns = 1, varint */
#define T_EV_BACKEND    0x12
#define T_EV_MAP        0x1a
#define T_EV_RECORD     0x22
#define T_EV_FIELD      0x2a
#define T_EV_RAW        0x32
#define T_EV_SEQ        0x38
#define T_FIELD_NAME    0x0a
#define T_FIELD_VALUE   0x12
#define T_VAL_U         0x08
#define T_VAL_I         0x10
#define T_VAL_S         0x22
#define T_VAL_B         0x2a
#define T_VAL_FLAG      0x30

/* value_of() formats strings and enum names into 256 bytes: same cut. */
#define STR_MAX 255

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v > 0x7f) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v > 0x7f) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Back to front: p is the first byte already written. */
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

/* tag + length + bytes */
static void pack_string(struct strbuf *sb, uint8_t tag, const char *s)
{
	uint8_t hdr[11], *h = hdr;
	size_t n = strlen(s);

	if (!n)
		return; /* proto3: an empty string is not written */
	*h++ = tag;
	h = put_varint(h, n);
	sb_append(sb, hdr, (size_t)(h - hdr));
	sb_append(sb, s, n);
}

static uint64_t load_u(const uint8_t *p, uint32_t size)
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

static int64_t load_s(const uint8_t *p, uint32_t size)
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
static bool printable(const uint8_t *p, size_t n)
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

void event_enc_free(struct event_enc *e)
{
	sb_free(&e->fixed);
	sb_free(&e->names);
	free(e->name_off);
	free(e->scratch);
	memset(e, 0, sizeof(*e));
}

int event_enc_init(struct event_enc *e, const struct rmap *m, const struct schema *record)
{
	memset(e, 0, sizeof(*e));
	pack_string(&e->fixed, T_EV_BACKEND, m->backend);
	pack_string(&e->fixed, T_EV_MAP, m->name);
	e->rec_off = e->fixed.len;
	if (record) {
		e->record = record;
		pack_string(&e->fixed, T_EV_RECORD, m->hints.record);
		e->name_off = calloc(record->n + 1, sizeof(*e->name_off));
		if (!e->name_off)
			goto oom;
		/* Room for the widest record of this type but its raw bytes. */
		e->bound = 0;
		for (size_t i = 0; i < record->n; i++) {
			const struct field *f = &record->fields[i];
			bool one = f->kind == FIELD_STRING || f->kind == FIELD_HEX;
			uint32_t count = (f->count > 1 && !one) ? f->count : 1;
			size_t vmax = f->kind == FIELD_HEX ? 11 + f->size :
				      f->kind == FIELD_STRING ? 11 + STR_MAX :
				      f->kind == FIELD_ENUM ? 11 + STR_MAX : 11;

			e->name_off[i] = (uint32_t)e->names.len;
			pack_string(&e->names, T_FIELD_NAME, f->name);
			e->bound += 11 + strlen(f->name) + 11 + count * (11 + vmax);
		}
		e->name_off[record->n] = (uint32_t)e->names.len;
	}
	e->bound += e->fixed.len + 64; /* + delimiter, frame and event headers, ts, seq, raw header */
	if (e->fixed.oom || e->names.oom)
		goto oom;
	return 0;
oom:
	event_enc_free(e);
	return -ENOMEM;
}

/* Value(s) of one field, back to front. */
static uint8_t *back_field_values(uint8_t *p, const struct field *f, const uint8_t *rec)
{
	const uint8_t *base = rec + f->offset;
	char name[STR_MAX + 1];

	switch (f->kind) {
	case FIELD_STRING: {
		size_t n = strnlen((const char *)base, f->size);

		if (n > STR_MAX)
			n = STR_MAX;
		p -= n;
		copy_short(p, base, n);
		/* proto3 strings are UTF-8: printable ASCII only, as field_format. */
		if (!printable(p, n))
			for (size_t i = 0; i < n; i++)
				if (p[i] < 0x20 || p[i] >= 0x7f)
					p[i] = '?';
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
			p = back_varint(p, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
			*--p = T_VAL_I;
			break;
		}
		default: { /* FIELD_INT */
			int64_t v = load_s(q, f->size);

			p = back_varint(p, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
			*--p = T_VAL_I;
			break;
		}
		}
		p = back_varint(p, (uint64_t)(vend - p));
		*--p = T_FIELD_VALUE;
	}
	return p;
}

int event_enc_append(struct event_enc *e, const void *data, size_t size, uint64_t seq,
		     uint64_t ts, struct strbuf *out)
{
	const struct schema *rec = e->record && size >= e->record->size ? e->record : NULL;
	size_t need = e->bound + size, n;
	uint8_t *end, *p, *ev_end;

	if (need > e->cap) {
		size_t cap = need > 4096 ? need * 2 : 8192;
		uint8_t *s = realloc(e->scratch, cap);

		if (!s)
			return -ENOMEM;
		e->scratch = s;
		e->cap = cap;
	}
	end = p = e->scratch + e->cap;
	/* Event, from its last field (7, seq) to its first. */
	p = back_varint(p, seq);
	*--p = T_EV_SEQ;
	if (size) {
		p = back_bytes(p, data, size);
		p = back_varint(p, size);
		*--p = T_EV_RAW;
	}
	if (rec) {
		for (size_t i = rec->n; i-- > 0;) {
			uint8_t *fend = p;

			p = back_field_values(p, &rec->fields[i], data);
			p = back_bytes(p, e->names.buf + e->name_off[i],
				       e->name_off[i + 1] - e->name_off[i]);
			p = back_varint(p, (uint64_t)(fend - p));
			*--p = T_EV_FIELD;
		}
		p = back_bytes(p, e->fixed.buf, e->fixed.len);
	} else {
		p = back_bytes(p, e->fixed.buf, e->rec_off);
	}
	if (ts) {
		p = back_varint(p, ts);
		*--p = T_EV_TS;
	}
	ev_end = end;
	p = back_varint(p, (uint64_t)(ev_end - p));
	*--p = T_FRAME_EVENT;
	p = back_varint(p, (uint64_t)(end - p));        /* the delimiter */
	n = (size_t)(end - p);
	if (sb_reserve(out, n))
		return -ENOMEM;
	memcpy(out->buf + out->len, p, n);
	out->len += n;
	return 0;
}
