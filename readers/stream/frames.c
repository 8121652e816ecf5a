// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Frames from the reader core's data: every nested message lives in the
 * frame's arena, names point into the (longer-lived) schemas. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "stream.h"
#include "util.h"

#define NEW(a, T, init) ({ T *_p = arena_alloc(a, sizeof(T)); if (_p) { T _i = init; *_p = _i; } _p; })

uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static Ebpf__Stream__V1__FieldType ftype(enum field_kind k)
{
	switch (k) {
	case FIELD_UINT: return EBPF__STREAM__V1__FIELD_TYPE__FIELD_TYPE_UINT;
	case FIELD_INT: return EBPF__STREAM__V1__FIELD_TYPE__FIELD_TYPE_INT;
	case FIELD_BOOL: return EBPF__STREAM__V1__FIELD_TYPE__FIELD_TYPE_BOOL;
	case FIELD_ENUM: return EBPF__STREAM__V1__FIELD_TYPE__FIELD_TYPE_ENUM;
	case FIELD_STRING: return EBPF__STREAM__V1__FIELD_TYPE__FIELD_TYPE_STRING;
	default: return EBPF__STREAM__V1__FIELD_TYPE__FIELD_TYPE_BYTES;
	}
}

static Ebpf__Stream__V1__FieldDesc **field_descs(struct arena *a, const struct schema *s,
						 size_t *n)
{
	Ebpf__Stream__V1__FieldDesc **v = arena_alloc(a, (s->n + 1) * sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		Ebpf__Stream__V1__FieldDesc *d = NEW(a, Ebpf__Stream__V1__FieldDesc,
						     EBPF__STREAM__V1__FIELD_DESC__INIT);

		if (!d)
			return NULL;
		d->name = (char *)s->fields[i].name;
		d->type = ftype(s->fields[i].kind);
		d->count = s->fields[i].count ? s->fields[i].count : 1;
		d->size = s->fields[i].size;
		d->decoder = (char *)s->fields[i].dec_name;
		v[(*n)++] = d;
	}
	return v;
}

static Ebpf__Stream__V1__MapDesc *map_desc(struct arena *a, const struct rmap *m)
{
	Ebpf__Stream__V1__MapDesc *d = NEW(a, Ebpf__Stream__V1__MapDesc,
					   EBPF__STREAM__V1__MAP_DESC__INIT);
	const struct stream_map *sm = m->user;
	const char *type = libbpf_bpf_map_type_str(m->info.type);

	if (!d)
		return NULL;
	d->backend = (char *)m->backend;
	d->map = (char *)m->name;
	d->type = (char *)(type ? type : "unknown");
	d->id = m->info.id;
	d->key_size = m->info.key_size;
	d->value_size = m->info.value_size;
	d->max_entries = m->info.max_entries;
	d->btf = m->btf != NULL;
	d->kind = (char *)metric_kind_name(m->hints.kind);
	d->help = (char *)m->hints.help;
	d->unit = (char *)m->hints.unit;
	/* 0 on the wire for the default 1: old Describe frames read the same. */
	d->scale = m->hints.scale == 1.0 ? 0 : m->hints.scale;
	d->hidden = m->hidden;
	d->record = (char *)m->hints.record;
	if (m->snapshottable) {
		d->key_fields = field_descs(a, &m->key, &d->n_key_fields);
		d->value_fields = field_descs(a, &m->value, &d->n_value_fields);
	}
	if (sm && sm->has_record)
		d->record_fields = field_descs(a, &sm->record, &d->n_record_fields);
	return d;
}

static Ebpf__Stream__V1__Value *value_of(struct arena *a, const struct field *f,
					 const void *data, uint32_t idx)
{
	Ebpf__Stream__V1__Value *v = NEW(a, Ebpf__Stream__V1__Value, EBPF__STREAM__V1__VALUE__INIT);
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
		Ebpf__Stream__V1__Field *fl = NEW(a, Ebpf__Stream__V1__Field,
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

static Frame *new_frame(struct arena *a)
{
	return NEW(a, Frame, EBPF__STREAM__V1__FRAME__INIT);
}

static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, (int)size, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

Frame *frame_describe(struct arena *a, const struct reader *r)
{
	Frame *f = new_frame(a);
	Ebpf__Stream__V1__Describe *d = NEW(a, Ebpf__Stream__V1__Describe,
					    EBPF__STREAM__V1__DESCRIBE__INIT);
	char host[256] = "", boot[64];

	if (!f || !d)
		return NULL;
	gethostname(host, sizeof(host) - 1);
	read_line("/proc/sys/kernel/random/boot_id", boot, sizeof(boot));
	d->schema_version = STREAM_SCHEMA_VERSION;
	d->hostname = arena_strdup(a, host);
	d->boot_id = arena_strdup(a, boot);
	d->pin_root = (char *)r->root;
	d->timestamp_ns = realtime_ns();
	d->producer = "ebpf-stream " EBPF_VERSION;
	d->maps = arena_alloc(a, (r->nr_maps + 1) * sizeof(*d->maps));
	if (!d->maps)
		return NULL;
	for (size_t i = 0; i < r->nr_maps; i++)
		d->maps[d->n_maps++] = map_desc(a, r->maps[i]);
	f->kind_case = EBPF__STREAM__V1__FRAME__KIND_DESCRIBE;
	f->describe = d;
	return f;
}

/* The stream packs Snapshot frames with snapenc.c, not with this: this is
 * the plain protobuf-c form of the same frame, which EBPF_STREAM_SELFCHECK
 * (selfcheck.c) and readers/stream/check/encfuzz.c compare snapenc.c's
 * bytes with. */
Frame *frame_snapshot(struct arena *a, const struct rmap *m, const struct snapshot *s,
		      const uint8_t *summed, bool per_cpu)
{
	Frame *f = new_frame(a);
	Ebpf__Stream__V1__Snapshot *sn = NEW(a, Ebpf__Stream__V1__Snapshot,
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
		Ebpf__Stream__V1__Entry *e = NEW(a, Ebpf__Stream__V1__Entry,
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
				Ebpf__Stream__V1__CpuValue *cv = NEW(a, Ebpf__Stream__V1__CpuValue,
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
	Ebpf__Stream__V1__Event *ev = NEW(a, Ebpf__Stream__V1__Event, EBPF__STREAM__V1__EVENT__INIT);

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
		ev->record = (char *)m->hints.record;
		ev->fields = fields_of(a, record, data, &ev->n_fields);
	}
	f->kind_case = EBPF__STREAM__V1__FRAME__KIND_EVENT;
	f->event = ev;
	return f;
}

Frame *frame_backend(struct arena *a, const struct reader *r, const char *backend, bool added)
{
	Frame *f = new_frame(a);
	Ebpf__Stream__V1__BackendChange *b = NEW(a, Ebpf__Stream__V1__BackendChange,
						 EBPF__STREAM__V1__BACKEND_CHANGE__INIT);

	if (!f || !b)
		return NULL;
	b->timestamp_ns = realtime_ns();
	b->backend = arena_strdup(a, backend);
	b->added = added;
	if (added) {
		b->maps = arena_alloc(a, (r->nr_maps + 1) * sizeof(*b->maps));
		if (!b->maps)
			return NULL;
		for (size_t i = 0; i < r->nr_maps; i++)
			if (!strcmp(r->maps[i]->backend, backend))
				b->maps[b->n_maps++] = map_desc(a, r->maps[i]);
	}
	f->kind_case = EBPF__STREAM__V1__FRAME__KIND_BACKEND;
	f->backend = b;
	return f;
}

Frame *frame_lost(struct arena *a, uint64_t frames, const char *reason)
{
	Frame *f = new_frame(a);
	Ebpf__Stream__V1__Lost *l = NEW(a, Ebpf__Stream__V1__Lost, EBPF__STREAM__V1__LOST__INIT);

	if (!f || !l)
		return NULL;
	l->timestamp_ns = realtime_ns();
	l->frames = frames;
	l->reason = (char *)reason;
	f->kind_case = EBPF__STREAM__V1__FRAME__KIND_LOST;
	f->lost = l;
	return f;
}

Frame *frame_heartbeat(struct arena *a, uint64_t seq)
{
	Frame *f = new_frame(a);
	Ebpf__Stream__V1__Heartbeat *h = NEW(a, Ebpf__Stream__V1__Heartbeat,
					     EBPF__STREAM__V1__HEARTBEAT__INIT);

	if (!f || !h)
		return NULL;
	h->timestamp_ns = realtime_ns();
	h->seq = seq;
	f->kind_case = EBPF__STREAM__V1__FRAME__KIND_HEARTBEAT;
	f->heartbeat = h;
	return f;
}

void frame_pack(const Frame *f, struct strbuf *out)
{
	size_t len = ebpf__stream__v1__frame__get_packed_size(f), n = 0;
	uint8_t hdr[10];
	uint64_t v = len;

	do {
		hdr[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	sb_append(out, hdr, n);
	if (sb_reserve(out, len))
		return;
	ebpf__stream__v1__frame__pack(f, (uint8_t *)out->buf + out->len);
	out->len += len;
}
