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
static bool decoded_string(struct json_state *js, const struct field *f, const void *data,
			   uint32_t idx)
{
	struct strbuf *text = &js->text;

	sb_reset(text);
	if (!f->dec || sb_reserve(text, DECODED_MAX) ||
	    field_decode(f, data, idx, text->buf, text->cap))
		return false;
	jw_string(&js->w, text->buf);
	return true;
}

static void field_element(struct json_state *js, const struct view *v, size_t e, int slot,
			  const struct field *f, const void *data, uint32_t idx, bool is_value)
{
	struct json_writer *w = &js->w;
	char buf[256];

	if (f->dec && !f->dec->whole && decoded_string(js, f, data, idx))
		return;
	switch (f->kind) {
	case FIELD_UINT:
	case FIELD_INT:
		if (is_value && v->dt)
			jw_double(w, view_number(v, e, slot, f, idx));
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
		sb_reset(&js->text);
		if (sb_reserve(&js->text, STR_ESCAPED_SIZE(f->size))) {
			jw_null(w);
			break;
		}
		str_escape((const char *)data + f->offset, f->size, js->text.buf, js->text.cap);
		jw_string(w, js->text.buf);
		break;
	default:
		jw_hex(w, (const uint8_t *)data + f->offset, f->size);
	}
}

static void field_value(struct json_state *js, const struct view *v, size_t e, int slot,
			const struct field *f, const void *data, bool is_value)
{
	struct json_writer *w = &js->w;
	uint32_t count = f->count ? f->count : 1;

	if (f->dec && f->dec->whole && decoded_string(js, f, data, 0))
		return;
	if (count == 1 || f->kind == FIELD_STRING || f->kind == FIELD_HEX) {
		field_element(js, v, e, slot, f, data, 0, is_value);
		return;
	}
	jw_start_array(w);
	for (uint32_t i = 0; i < count; i++)
		field_element(js, v, e, slot, f, data, i, is_value);
	jw_end_array(w);
}

/* A scalar schema is its one value; otherwise an object of its fields. */
static void decoded(struct json_state *js, const struct view *v, size_t e, int slot,
		    const struct schema *s, const void *data, bool is_value)
{
	struct json_writer *w = &js->w;

	if (s->scalar) {
		field_value(js, v, e, slot, &s->fields[0], data, is_value);
		return;
	}
	jw_start_object(w);
	for (size_t i = 0; i < s->n; i++) {
		jw_key(w, s->fields[i].name);
		field_value(js, v, e, slot, &s->fields[i], data, is_value);
	}
	jw_end_object(w);
}

/* A number in the map's unit (EBPF_SCALE applied), as the exporter has it. */
static void scaled_number(struct json_state *js, const struct view *v, size_t e, int slot,
			  const struct field *f, uint32_t idx)
{
	jw_double(&js->w, scale_apply(v->m->hints.scale, view_number(v, e, slot, f, idx)));
}

static void scaled_field(struct json_state *js, const struct view *v, size_t e, int slot,
			 const struct field *f)
{
	struct json_writer *w = &js->w;
	uint32_t count = f->count ? f->count : 1;

	if (count == 1) {
		scaled_number(js, v, e, slot, f, 0);
		return;
	}
	jw_start_array(w);
	for (uint32_t i = 0; i < count; i++)
		scaled_number(js, v, e, slot, f, i);
	jw_end_array(w);
}

/* "scaled": the value's numbers in the unit. A histogram's bucket counts
 * are counts, not amounts: only its sum scales. */
static void scaled(struct json_state *js, const struct view *v, size_t e, int slot)
{
	struct json_writer *w = &js->w;
	const struct schema *s = &v->m->value;
	const struct field *sum = schema_field(s, "sum");

	if (s->scalar && field_is_numeric(&s->fields[0])) {
		scaled_field(js, v, e, slot, &s->fields[0]);
		return;
	}
	jw_start_object(w);
	if (rmap_is_histogram(v->m)) {
		if (sum && field_is_numeric(sum)) {
			jw_key(w, "sum");
			scaled_field(js, v, e, slot, sum);
		}
	} else {
		for (size_t i = 0; i < s->n; i++) {
			if (!field_is_numeric(&s->fields[i]))
				continue;
			jw_key(w, s->fields[i].name);
			scaled_field(js, v, e, slot, &s->fields[i]);
		}
	}
	jw_end_object(w);
}

/* A bucket bound in the map's unit: the integer as stored, or scaled. */
static void bound(struct json_writer *w, const struct rmap *m, uint64_t x)
{
	if (m->hints.scale == 1.0)
		jw_uint(w, x);
	else
		jw_double(w, scale_apply(m->hints.scale, (double)x));
}

/* "bucket_bounds": [lo, hi] of every bucket, as the text histogram shows. */
static void bucket_bounds(struct json_writer *w, const struct rmap *m)
{
	const struct field *b = schema_field(&m->value, "buckets");
	uint64_t lo, hi;

	jw_key(w, "bucket_bounds");
	jw_start_array(w);
	for (uint32_t i = 0; i < b->count; i++) {
		histogram_bucket(&m->hints, i, &lo, &hi);
		jw_start_array(w);
		bound(w, m, lo);
		bound(w, m, hi);
		jw_end_array(w);
	}
	jw_end_array(w);
}

static void json_map(struct json_state *js, const struct view *v)
{
	struct json_writer *w = &js->w;
	const struct rmap *m = v->m;
	const char *type = libbpf_bpf_map_type_str(m->info.type);
	bool raw = !m->btf, has_scale = m->hints.scale != 1.0;

	jw_start_object(w);
	jw_kv_string(w, "backend", m->backend);
	jw_kv_string(w, "map", m->name);
	jw_kv_string(w, "path", m->path);
	jw_kv_uint(w, "id", m->info.id);
	jw_kv_string(w, "type", type ? type : "unknown");
	jw_kv_uint(w, "key_size", m->info.key_size);
	jw_kv_uint(w, "value_size", m->info.value_size);
	jw_kv_uint(w, "max_entries", m->info.max_entries);
	jw_kv_bool(w, "btf", m->btf != NULL);
	jw_kv_string(w, "kind", metric_kind_name(m->hints.kind));
	if (m->hints.help[0])
		jw_kv_string(w, "help", m->hints.help);
	if (m->hints.unit[0])
		jw_kv_string(w, "unit", m->hints.unit);
	if (m->hints.scale != 1.0) {
		jw_key(w, "scale");
		jw_double(w, m->hints.scale);
	}
	if (m->hints.label[0])
		jw_kv_string(w, "label", m->hints.label);
	if (m->hidden)
		jw_kv_bool(w, "hidden", true);
	if (rmap_is_histogram(m))
		bucket_bounds(w, m);
	jw_kv_bool(w, "batched", v->batched);
	jw_kv_uint(w, "count", v->n);
	jw_key(w, "entries");
	jw_start_array(w);
	for (size_t k = 0; k < v->n_shown; k++) {
		size_t e = v->order[k];

		jw_start_object(w);
		jw_key(w, "key");
		decoded(js, v, e, 0, &m->key, view_key(v, e), false);
		if (raw) {
			jw_key(w, "key_hex");
			jw_hex(w, view_key(v, e), v->key_size);
		}
		if (v->slots == 1) {
			jw_key(w, "value");
			decoded(js, v, e, 0, &m->value, view_value(v, e, 0), true);
			if (raw) {
				jw_key(w, "value_hex");
				jw_hex(w, view_value(v, e, 0), m->info.value_size);
			}
			if (has_scale) {
				jw_key(w, "scaled");
				scaled(js, v, e, 0);
			}
		} else {
			jw_key(w, "values");
			jw_start_array(w);
			for (int s = 0; s < v->slots; s++)
				decoded(js, v, e, s, &m->value, view_value(v, e, s), true);
			jw_end_array(w);
			if (has_scale) {
				jw_key(w, "scaled");
				jw_start_array(w);
				for (int s = 0; s < v->slots; s++)
					scaled(js, v, e, s);
				jw_end_array(w);
			}
		}
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
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
