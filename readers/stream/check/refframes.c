// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Snapshot and Event frames the plain protobuf-c way: a tree of messages in
 * the arena, packed by protobuf-c. The stream writes these frames with its
 * direct encoders (snapenc.c, evenc.c); this is the reference they are
 * checked against (selfcheck.c here, encfuzz.c), test code only: the
 * shipped ebpf-stream does not carry it.
 */
#include <string.h>
#include "refframes.h"
#include "util.h"

static Ebpf__Stream__V1__Value *value_of(struct arena *a, const struct field *f,
					 const void *data, uint32_t idx)
{
	Ebpf__Stream__V1__Value *v = ARENA_NEW(a, Ebpf__Stream__V1__Value, EBPF__STREAM__V1__VALUE__INIT);
	char buf[256];

	if (!v)
		return NULL;
	switch (f->kind) {
	case FIELD_UINT:
		v->v_case = EBPF__STREAM__V1__VALUE__V_U;
		v->u = field_u64(f, data, idx);
		break;
	case FIELD_INT:
		v->v_case = EBPF__STREAM__V1__VALUE__V_I;
		v->i = field_s64(f, data, idx);
		break;
	case FIELD_BOOL:
		v->v_case = EBPF__STREAM__V1__VALUE__V_FLAG;
		v->flag = field_u64(f, data, idx) != 0;
		break;
	case FIELD_ENUM:
		if (field_enum_name(f, field_s64(f, data, idx), buf, sizeof(buf))) {
			v->v_case = EBPF__STREAM__V1__VALUE__V_S;
			v->s = arena_strdup(a, buf);
		} else {
			v->v_case = EBPF__STREAM__V1__VALUE__V_I;
			v->i = field_s64(f, data, idx);
		}
		break;
	case FIELD_STRING:
		/* str_escape(), as field_format() without a decoder: ASCII, so
		 * valid UTF-8 for proto3. The decoded text goes to Field.decoded. */
		str_escape((const uint8_t *)data + f->offset, f->size, buf, sizeof(buf));
		v->v_case = EBPF__STREAM__V1__VALUE__V_S;
		v->s = arena_strdup(a, buf);
		break;
	default:
		v->v_case = EBPF__STREAM__V1__VALUE__V_B;
		v->b.len = f->size;
		v->b.data = arena_alloc(a, f->size ? f->size : 1);
		if (v->b.data)
			memcpy(v->b.data, (const uint8_t *)data + f->offset, f->size);
	}
	return v;
}

/* Field.decoded: the decoder's text per element, "" where it has none. */
static int decoded_of(struct arena *a, const struct field *f, const void *data,
		      Ebpf__Stream__V1__Field *fl)
{
	uint32_t n = field_elements(f);
	char buf[DECODED_MAX];

	fl->decoded = arena_alloc(a, n * sizeof(*fl->decoded));
	if (!fl->decoded)
		return -ENOMEM;
	for (uint32_t k = 0; k < n; k++) {
		/* field_decode() leaves "" when it cannot map the value. */
		field_decode(f, data, k, buf, sizeof(buf));
		fl->decoded[k] = arena_strdup(a, buf);
		if (!fl->decoded[k])
			return -ENOMEM;
		fl->n_decoded++;
	}
	return 0;
}

static Ebpf__Stream__V1__Field **fields_of(struct arena *a, const struct schema *s,
					   const void *data, size_t *n)
{
	Ebpf__Stream__V1__Field **v = arena_alloc(a, (s->n + 1) * sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct field *f = &s->fields[i];
		uint32_t count = (f->count > 1 && f->kind != FIELD_STRING && f->kind != FIELD_HEX) ?
				 f->count : 1;
		Ebpf__Stream__V1__Field *fl = ARENA_NEW(a, Ebpf__Stream__V1__Field,
						  EBPF__STREAM__V1__FIELD__INIT);

		if (!fl)
			return NULL;
		fl->name = (char *)f->name;
		fl->values = arena_alloc(a, count * sizeof(*fl->values));
		if (!fl->values)
			return NULL;
		for (uint32_t k = 0; k < count; k++)
			fl->values[fl->n_values++] = value_of(a, f, data, k);
		if (f->dec && decoded_of(a, f, data, fl))
			return NULL;
		v[(*n)++] = fl;
	}
	return v;
}

/* The stream packs Snapshot frames with snapenc.c, not with this: this is
 * the plain protobuf-c form of the same frame, which the self-check and
 * encfuzz.c compare snapenc.c's bytes with. */
Frame *frame_snapshot(struct arena *a, const struct rmap *m, const struct snapshot *s,
		      const uint8_t *summed, bool per_cpu)
{
	Frame *f = new_frame(a);
	Ebpf__Stream__V1__Snapshot *sn = ARENA_NEW(a, Ebpf__Stream__V1__Snapshot,
					     EBPF__STREAM__V1__SNAPSHOT__INIT);
	size_t one = m->info.value_size;

	if (!f || !sn)
		return NULL;
	sn->timestamp_ns = realtime_ns();
	sn->backend = (char *)m->backend;
	sn->map = (char *)m->name;
	sn->batched = s->batched;
	sn->entries = arena_alloc(a, (s->n + 1) * sizeof(*sn->entries));
	if (!sn->entries)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		Ebpf__Stream__V1__Entry *e = ARENA_NEW(a, Ebpf__Stream__V1__Entry,
						 EBPF__STREAM__V1__ENTRY__INIT);
		const uint8_t *key = snapshot_key(s, i);

		if (!e)
			return NULL;
		e->key = fields_of(a, &m->key, key, &e->n_key);
		if (per_cpu && m->percpu) {
			e->per_cpu = arena_alloc(a, m->nr_cpus * sizeof(*e->per_cpu));
			if (!e->per_cpu)
				return NULL;
			for (int c = 0; c < m->nr_cpus; c++) {
				Ebpf__Stream__V1__CpuValue *cv = ARENA_NEW(a, Ebpf__Stream__V1__CpuValue,
								     EBPF__STREAM__V1__CPU_VALUE__INIT);

				if (!cv)
					return NULL;
				cv->value = fields_of(a, &m->value,
						      (const uint8_t *)snapshot_value(s, i) + c * m->stride,
						      &cv->n_value);
				e->per_cpu[e->n_per_cpu++] = cv;
			}
		} else {
			const uint8_t *val = summed ? summed + i * one : snapshot_value(s, i);

			e->value = fields_of(a, &m->value, val, &e->n_value);
			if (!m->btf) {
				e->raw_value.len = one;
				e->raw_value.data = (uint8_t *)val;
			}
		}
		if (!m->btf) {
			e->raw_key.len = m->info.key_size;
			e->raw_key.data = (uint8_t *)key;
		}
		sn->entries[sn->n_entries++] = e;
	}
	f->kind_case = EBPF__STREAM__V1__FRAME__KIND_SNAPSHOT;
	f->snapshot = sn;
	return f;
}

/* The stream packs Event frames with evenc.c, not with this: this is the
 * plain protobuf-c form of the same frame, the reference evenc.c's bytes
 * are checked against (as frame_snapshot()'s). */
Frame *frame_event(struct arena *a, const struct rmap *m, const struct schema *record,
		   const void *data, size_t size, uint64_t seq)
{
	Frame *f = new_frame(a);
	Ebpf__Stream__V1__Event *ev = ARENA_NEW(a, Ebpf__Stream__V1__Event, EBPF__STREAM__V1__EVENT__INIT);

	if (!f || !ev)
		return NULL;
	ev->timestamp_ns = realtime_ns();
	ev->backend = (char *)m->backend;
	ev->map = (char *)m->name;
	ev->seq = seq;
	ev->raw.len = size;
	ev->raw.data = (uint8_t *)data;
	/* Decoded only when the record is as large as its declared type. */
	if (record && size >= record->size) {
		ev->record = (char *)m->tags.record;
		ev->fields = fields_of(a, record, data, &ev->n_fields);
	}
	f->kind_case = EBPF__STREAM__V1__FRAME__KIND_EVENT;
	f->event = ev;
	return f;
}
