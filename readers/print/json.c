// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON writer: one document per snapshot (docs/ebpf-print.md). Numbers
 * are numbers, char arrays strings, enums their names; keys and values
 * without BTF also come as hex. */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include "json_writer.h"
#include "print.h"
#include "strbuf.h"

static struct json_writer w;
static struct strbuf text; /* a decoded string, reused; freed by json_end() */

void json_begin(const struct print_opts *o, const struct snapshot_meta *sm)
{
	char when[64];
	struct tm tm;

	gmtime_r(&sm->realtime.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_init(&w, stdout);
	jw_start_object(&w);
	jw_kv_string(&w, "time", when);
	jw_kv_uint(&w, "timestamp_ns",
		   (uint64_t)sm->realtime.tv_sec * 1000000000ull + sm->realtime.tv_nsec);
	jw_kv_string(&w, "pin_root", sm->pin_root);
	if (sm->delta) {
		jw_key(&w, "interval_s");
		jw_double(&w, sm->dt);
	}
	jw_key(&w, "maps");
	jw_start_array(&w);
}

void json_end(const struct print_opts *o)
{
	jw_end_array(&w);
	jw_end_object(&w);
	sb_free(&text);
}

/* The decoded text of element idx (the whole field for a whole decoder) as
 * a JSON string; false when there is none, to show the raw value. */
static bool decoded_string(const struct field *f, const void *data, uint32_t idx)
{
	sb_reset(&text);
	if (!f->dec || sb_reserve(&text, DECODED_MAX) ||
	    field_decode(f, data, idx, text.buf, text.cap))
		return false;
	jw_string(&w, text.buf);
	return true;
}

static void field_element(const struct view *v, size_t e, int slot, const struct field *f,
			  const void *data, uint32_t idx, bool is_value)
{
	char buf[256];

	if (f->dec && !f->dec->whole && decoded_string(f, data, idx))
		return;
	switch (f->kind) {
	case FIELD_UINT:
	case FIELD_INT:
		if (is_value && v->dt)
			jw_double(&w, view_number(v, e, slot, f, idx));
		else if (f->kind == FIELD_UINT)
			jw_uint(&w, field_u64(f, data, idx));
		else
			jw_int(&w, field_s64(f, data, idx));
		break;
	case FIELD_BOOL:
		jw_bool(&w, field_u64(f, data, idx) != 0);
		break;
	case FIELD_ENUM: {
		int64_t x = field_s64(f, data, idx);

		if (field_enum_name(f, x, buf, sizeof(buf)))
			jw_string(&w, buf);
		else
			jw_int(&w, x);
		break;
	}
	case FIELD_STRING:
		/* The readers' one escaping (str_escape), which JSON then
		 * escapes again: the string decodes to what a label value or
		 * a text cell shows. */
		sb_reset(&text);
		if (sb_reserve(&text, STR_ESCAPED_SIZE(f->size))) {
			jw_null(&w);
			break;
		}
		str_escape((const char *)data + f->offset, f->size, text.buf, text.cap);
		jw_string(&w, text.buf);
		break;
	default:
		jw_hex(&w, (const uint8_t *)data + f->offset, f->size);
	}
}

static void field_value(const struct view *v, size_t e, int slot, const struct field *f,
			const void *data, bool is_value)
{
	uint32_t count = f->count ? f->count : 1;

	if (f->dec && f->dec->whole && decoded_string(f, data, 0))
		return;
	if (count == 1 || f->kind == FIELD_STRING || f->kind == FIELD_HEX) {
		field_element(v, e, slot, f, data, 0, is_value);
		return;
	}
	jw_start_array(&w);
	for (uint32_t i = 0; i < count; i++)
		field_element(v, e, slot, f, data, i, is_value);
	jw_end_array(&w);
}

/* A scalar schema is its one value; otherwise an object of its fields. */
static void decoded(const struct view *v, size_t e, int slot, const struct schema *s,
		    const void *data, bool is_value)
{
	if (s->scalar) {
		field_value(v, e, slot, &s->fields[0], data, is_value);
		return;
	}
	jw_start_object(&w);
	for (size_t i = 0; i < s->n; i++) {
		jw_key(&w, s->fields[i].name);
		field_value(v, e, slot, &s->fields[i], data, is_value);
	}
	jw_end_object(&w);
}

void json_map(const struct print_opts *o, const struct view *v)
{
	const struct rmap *m = v->m;
	const char *type = libbpf_bpf_map_type_str(m->info.type);
	bool raw = !m->btf;

	jw_start_object(&w);
	jw_kv_string(&w, "backend", m->backend);
	jw_kv_string(&w, "map", m->name);
	jw_kv_string(&w, "path", m->path);
	jw_kv_uint(&w, "id", m->info.id);
	jw_kv_string(&w, "type", type ? type : "unknown");
	jw_kv_uint(&w, "key_size", m->info.key_size);
	jw_kv_uint(&w, "value_size", m->info.value_size);
	jw_kv_uint(&w, "max_entries", m->info.max_entries);
	jw_kv_bool(&w, "btf", m->btf != NULL);
	jw_kv_string(&w, "kind", metric_kind_name(m->hints.kind));
	if (m->hints.help[0])
		jw_kv_string(&w, "help", m->hints.help);
	if (m->hints.unit[0])
		jw_kv_string(&w, "unit", m->hints.unit);
	if (m->hints.label[0])
		jw_kv_string(&w, "label", m->hints.label);
	jw_kv_bool(&w, "batched", v->batched);
	jw_kv_uint(&w, "count", v->n);
	jw_key(&w, "entries");
	jw_start_array(&w);
	for (size_t k = 0; k < v->n_shown; k++) {
		size_t e = v->order[k];

		jw_start_object(&w);
		jw_key(&w, "key");
		decoded(v, e, 0, &m->key, view_key(v, e), false);
		if (raw) {
			jw_key(&w, "key_hex");
			jw_hex(&w, view_key(v, e), v->key_size);
		}
		if (v->slots == 1) {
			jw_key(&w, "value");
			decoded(v, e, 0, &m->value, view_value(v, e, 0), true);
			if (raw) {
				jw_key(&w, "value_hex");
				jw_hex(&w, view_value(v, e, 0), m->info.value_size);
			}
		} else {
			jw_key(&w, "values");
			jw_start_array(&w);
			for (int s = 0; s < v->slots; s++)
				decoded(v, e, s, &m->value, view_value(v, e, s), true);
			jw_end_array(&w);
		}
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_end_object(&w);
	(void)o;
}
