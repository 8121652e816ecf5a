// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON writer: one document per snapshot (docs/ebpf-print.md). Numbers
 * are numbers, char arrays strings, enums their names; keys and values
 * without BTF also come as hex. */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_writer.h"
#include "print.h"
#include "strbuf.h"

/* The JSON writer's state: the output buffer, and a decoded string reused
 * from value to value (freed at the end of each snapshot). */
struct json_state {
	struct json_writer w;
	struct strbuf text;
};

/* Where the writer is: an entry (and CPU slot) of a view, and the state it
 * writes with. One pointer to pass down the field functions, not six
 * arguments: they run for every field of every entry. */
struct json_cursor {
	struct json_writer *w;
	struct strbuf *text;
	const struct view *v;
	size_t e;
	int slot;
};

static void json_begin(struct json_state *js, const struct snapshot_meta *sm)
{
	struct json_writer *w = &js->w;
	char when[64];
	struct tm tm;

	gmtime_r(&sm->realtime.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_init(w, stdout);
	jw_start_object(w);
	jw_kv_string(w, "time", when);
	jw_kv_uint(w, "timestamp_ns",
		   (uint64_t)sm->realtime.tv_sec * 1000000000ull + sm->realtime.tv_nsec);
	jw_kv_string(w, "pin_root", sm->pin_root);
	if (sm->delta) {
		jw_key(w, "interval_s");
		jw_double(w, sm->dt);
	}
	jw_key(w, "maps");
	jw_start_array(w);
}

static void json_end(struct json_state *js)
{
	jw_end_array(&js->w);
	jw_end_object(&js->w);
	sb_free(&js->text);
}

/* The decoded text of element idx (the whole field for a whole decoder) as
 * a JSON string; false when there is none, to show the raw value. */
static bool decoded_string(const struct json_cursor *c, const struct field *f, const void *data,
			   uint32_t idx)
{
	struct strbuf *text = c->text;

	sb_reset(text);
	if (!f->dec || sb_reserve(text, DECODED_MAX) ||
	    field_decode(f, data, idx, text->buf, text->cap))
		return false;
	jw_string(c->w, text->buf);
	return true;
}

static void field_element(const struct json_cursor *c, const struct field *f, const void *data,
			  uint32_t idx, bool is_value)
{
	struct json_writer *w = c->w;
	char buf[256];

	if (f->dec && !f->dec->whole && decoded_string(c, f, data, idx))
		return;
	switch (f->kind) {
	case FIELD_UINT:
	case FIELD_INT:
		if (is_value && c->v->dt)
			jw_double(w, view_number(c->v, c->e, c->slot, f, idx));
		else if (f->kind == FIELD_UINT)
			jw_uint(w, field_u64(f, data, idx));
		else
			jw_int(w, field_s64(f, data, idx));
		break;
	case FIELD_BOOL:
		jw_bool(w, field_u64(f, data, idx) != 0);
		break;
	case FIELD_ENUM: {
		int64_t x = field_s64(f, data, idx);

		if (field_enum_name(f, x, buf, sizeof(buf)))
			jw_string(w, buf);
		else
			jw_int(w, x);
		break;
	}
	case FIELD_STRING:
		/* The readers' one escaping (str_escape), which JSON then
		 * escapes again: the string decodes to what a label value or
		 * a text cell shows. */
		sb_reset(c->text);
		if (sb_reserve(c->text, STR_ESCAPED_SIZE(f->size))) {
			jw_null(w);
			break;
		}
		str_escape((const char *)data + f->offset, f->size, c->text->buf, c->text->cap);
		jw_string(w, c->text->buf);
		break;
	default:
		jw_hex(w, (const uint8_t *)data + f->offset, f->size);
	}
}

static void field_value(const struct json_cursor *c, const struct field *f, const void *data,
			bool is_value)
{
	uint32_t count = f->count ? f->count : 1;

	if (f->dec && f->dec->whole && decoded_string(c, f, data, 0))
		return;
	if (count == 1 || f->kind == FIELD_STRING || f->kind == FIELD_HEX) {
		field_element(c, f, data, 0, is_value);
		return;
	}
	jw_start_array(c->w);
	for (uint32_t i = 0; i < count; i++)
		field_element(c, f, data, i, is_value);
	jw_end_array(c->w);
}

/* A scalar schema is its one value; otherwise an object of its fields. */
static void decoded(const struct json_cursor *c, const struct schema *s, const void *data,
		    bool is_value)
{
	if (s->scalar) {
		field_value(c, &s->fields[0], data, is_value);
		return;
	}
	jw_start_object(c->w);
	for (size_t i = 0; i < s->n; i++) {
		jw_key(c->w, s->fields[i].name);
		field_value(c, &s->fields[i], data, is_value);
	}
	jw_end_object(c->w);
}

/* A number in the map's unit (EBPF_SCALE applied), as the exporter has it. */
static void scaled_number(const struct json_cursor *c, const struct field *f, uint32_t idx)
{
	jw_double(c->w, scale_apply(c->v->m->tags.scale, view_number(c->v, c->e, c->slot, f, idx)));
}

static void scaled_field(const struct json_cursor *c, const struct field *f)
{
	uint32_t count = f->count ? f->count : 1;

	if (count == 1) {
		scaled_number(c, f, 0);
		return;
	}
	jw_start_array(c->w);
	for (uint32_t i = 0; i < count; i++)
		scaled_number(c, f, i);
	jw_end_array(c->w);
}

/* "scaled": the value's numbers in the unit. A histogram's bucket counts
 * are counts, not amounts: only its sum scales. */
static void scaled(const struct json_cursor *c)
{
	struct json_writer *w = c->w;
	const struct schema *s = &c->v->m->value;
	const struct field *sum = histogram_sum(c->v->m);

	if (s->scalar && field_is_numeric(&s->fields[0])) {
		scaled_field(c, &s->fields[0]);
		return;
	}
	jw_start_object(w);
	if (rmap_is_histogram(c->v->m)) {
		if (sum && field_is_numeric(sum)) {
			jw_key(w, "sum");
			scaled_field(c, sum);
		}
	} else {
		for (size_t i = 0; i < s->n; i++) {
			if (!field_is_numeric(&s->fields[i]))
				continue;
			jw_key(w, s->fields[i].name);
			scaled_field(c, &s->fields[i]);
		}
	}
	jw_end_object(w);
}

/* A bucket bound in the map's unit: the integer as stored, or scaled. */
static void bound(struct json_writer *w, const struct rmap *m, uint64_t x)
{
	if (m->tags.scale == 1.0)
		jw_uint(w, x);
	else
		jw_double(w, scale_apply(m->tags.scale, (double)x));
}

/* "bucket_bounds": [lo, hi] of every bucket, as the text histogram shows. */
static void bucket_bounds(struct json_writer *w, const struct rmap *m)
{
	const struct field *b = histogram_buckets(m);
	uint64_t lo, hi;

	jw_key(w, "bucket_bounds");
	jw_start_array(w);
	for (uint32_t i = 0; i < b->count; i++) {
		histogram_bucket(&m->tags, i, &lo, &hi);
		jw_start_array(w);
		bound(w, m, lo);
		bound(w, m, hi);
		jw_end_array(w);
	}
	jw_end_array(w);
}

/* What a map is: names, sizes, tags, bucket bounds; the number of entries. */
static void map_meta(struct json_writer *w, const struct view *v)
{
	const struct rmap *m = v->m;
	const char *type = libbpf_bpf_map_type_str(m->info.type);

	jw_kv_string(w, "backend", m->backend);
	jw_kv_string(w, "map", m->name);
	jw_kv_string(w, "path", m->path);
	jw_kv_uint(w, "id", m->info.id);
	jw_kv_string(w, "type", type ? type : "unknown");
	jw_kv_uint(w, "key_size", m->info.key_size);
	jw_kv_uint(w, "value_size", m->info.value_size);
	jw_kv_uint(w, "max_entries", m->info.max_entries);
	jw_kv_bool(w, "btf", m->btf != NULL);
	jw_kv_string(w, "kind", metric_kind_name(m->tags.kind));
	if (m->tags.help[0])
		jw_kv_string(w, "help", m->tags.help);
	if (m->tags.unit[0])
		jw_kv_string(w, "unit", m->tags.unit);
	if (m->tags.scale != 1.0) {
		jw_key(w, "scale");
		jw_double(w, m->tags.scale);
	}
	if (m->tags.label[0])
		jw_kv_string(w, "label", m->tags.label);
	if (m->hidden)
		jw_kv_bool(w, "hidden", true);
	if (rmap_is_histogram(m))
		bucket_bounds(w, m);
	jw_kv_bool(w, "batched", v->batched);
}

/* One entry: its key, and its value (or per-CPU values), raw and scaled too
 * when the map has no BTF or a scale. */
static void entry(const struct json_cursor *c, bool raw, bool has_scale)
{
	struct json_writer *w = c->w;
	const struct view *v = c->v;
	const struct rmap *m = v->m;
	struct json_cursor cpu = *c;
	size_t e = c->e;

	jw_start_object(w);
	jw_key(w, "key");
	decoded(c, &m->key, view_key(v, e), false);
	if (raw) {
		jw_key(w, "key_hex");
		jw_hex(w, view_key(v, e), v->key_size);
	}
	if (v->slots == 1) {
		jw_key(w, "value");
		decoded(c, &m->value, view_value(v, e, 0), true);
		if (raw) {
			jw_key(w, "value_hex");
			jw_hex(w, view_value(v, e, 0), m->info.value_size);
		}
		if (has_scale) {
			jw_key(w, "scaled");
			scaled(c);
		}
	} else {
		jw_key(w, "values");
		jw_start_array(w);
		for (cpu.slot = 0; cpu.slot < v->slots; cpu.slot++)
			decoded(&cpu, &m->value, view_value(v, e, cpu.slot), true);
		jw_end_array(w);
		if (has_scale) {
			jw_key(w, "scaled");
			jw_start_array(w);
			for (cpu.slot = 0; cpu.slot < v->slots; cpu.slot++)
				scaled(&cpu);
			jw_end_array(w);
		}
	}
	jw_end_object(w);
}

static void json_map(struct json_state *js, struct view *v)
{
	struct json_cursor c = { .w = &js->w, .text = &js->text, .v = v };
	bool raw = !v->m->btf, has_scale = v->m->tags.scale != 1.0;

	jw_start_object(c.w);
	map_meta(c.w, v);
	jw_key(c.w, "entries");
	jw_start_array(c.w);
	/* A streamed view brings its entries chunk by chunk: the count of
	 * entries is known only after the last, so it comes after them. */
	do {
		for (size_t k = 0; k < v->n_shown; k++) {
			c.e = v->order[k];
			entry(&c, raw, has_scale);
		}
	} while (v->streamed && view_next_chunk(v) > 0);
	jw_end_array(c.w);
	jw_kv_uint(c.w, "count", v->total);
	jw_end_object(c.w);
}

static bool json_wanted(const struct print_opts *o)
{
	return o->json;
}

static void *json_open(const struct print_opts *o)
{
	return calloc(1, sizeof(struct json_state));
}

static void json_snapshot(void *state, const struct snapshot_meta *sm, struct view *views,
			  size_t n)
{
	struct json_state *js = state;

	json_begin(js, sm);
	for (size_t i = 0; i < n; i++)
		json_map(js, &views[i]);
	json_end(js);
}

static void json_close(void *state)
{
	struct json_state *js = state;

	if (js)
		sb_free(&js->text);
	free(js);
}

const struct print_writer writer_json = {
	.name = "JSON",
	.wanted = json_wanted,
	.open = json_open,
	.snapshot = json_snapshot,
	.close = json_close,
};
