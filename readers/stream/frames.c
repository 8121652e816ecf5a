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

uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
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
		Ebpf__Stream__V1__FieldDesc *d = ARENA_NEW(a, Ebpf__Stream__V1__FieldDesc,
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
	Ebpf__Stream__V1__MapDesc *d = ARENA_NEW(a, Ebpf__Stream__V1__MapDesc,
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
	d->kind = (char *)metric_kind_name(m->tags.kind);
	d->help = (char *)m->tags.help;
	d->unit = (char *)m->tags.unit;
	/* 0 on the wire for the default 1: old Describe frames read the same. */
	d->scale = m->tags.scale == 1.0 ? 0 : m->tags.scale;
	d->hidden = m->hidden;
	d->record = (char *)m->tags.record;
	if (m->snapshottable) {
		d->key_fields = field_descs(a, &m->key, &d->n_key_fields);
		d->value_fields = field_descs(a, &m->value, &d->n_value_fields);
	}
	if (sm && sm->has_record)
		d->record_fields = field_descs(a, &sm->record, &d->n_record_fields);
	return d;
}

Frame *new_frame(struct arena *a)
{
	return ARENA_NEW(a, Frame, EBPF__STREAM__V1__FRAME__INIT);
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
	Ebpf__Stream__V1__Describe *d = ARENA_NEW(a, Ebpf__Stream__V1__Describe,
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

Frame *frame_backend(struct arena *a, const struct reader *r, const char *backend, bool added)
{
	Frame *f = new_frame(a);
	Ebpf__Stream__V1__BackendChange *b = ARENA_NEW(a, Ebpf__Stream__V1__BackendChange,
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
	Ebpf__Stream__V1__Lost *l = ARENA_NEW(a, Ebpf__Stream__V1__Lost, EBPF__STREAM__V1__LOST__INIT);

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
	Ebpf__Stream__V1__Heartbeat *h = ARENA_NEW(a, Ebpf__Stream__V1__Heartbeat,
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
