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
#include "pbwire.h"
#include "stream.h"

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
		pack_string(&e->fixed, T_EV_RECORD, m->tags.record);
		e->name_off = calloc(record->n + 1, sizeof(*e->name_off));
		/* names.buf never NULL: the encoder adds offsets to it. */
		if (!e->name_off || sb_reserve(&e->names, 64))
			goto oom;
		/* Room for the widest record of this type but its raw bytes. */
		e->bound = 0;
		for (size_t i = 0; i < record->n; i++) {
			const struct field *f = &record->fields[i];
			size_t before = e->names.len;

			e->name_off[i] = (uint32_t)before;
			pack_string(&e->names, T_FIELD_NAME, f->name);
			e->bound += field_bound(f, e->names.len - before);
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

			p = back_field_decoded(p, &rec->fields[i], data, e->decbuf);
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
