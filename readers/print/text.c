// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The human writer: a heading per map, aligned key/value columns, and
 * histograms drawn like BCC's print_log2_hist. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "print.h"

#define BAR_WIDTH 40
#define CELL 128
#define MAX_ARRAY_SHOWN 8

void text_begin(const struct print_opts *o, const struct snapshot_meta *sm)
{
	char when[64];
	struct tm tm;

	if (o->once)
		return;
	localtime_r(&sm->realtime.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("%s%s\n", when, sm->delta ? "  (rates per second)" : "");
}

void text_end(const struct print_opts *o)
{
	printf("\n");
}

/* One table row, built then printed without trailing blanks. */
static char line[8192];
static size_t line_len;

static void line_start(void)
{
	memcpy(line, "  ", 3);
	line_len = 2;
}

static __attribute__((format(printf, 1, 2))) void line_add(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (line_len >= sizeof(line))
		return;
	va_start(ap, fmt);
	n = vsnprintf(line + line_len, sizeof(line) - line_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		line_len += (size_t)n;
	if (line_len > sizeof(line) - 1)
		line_len = sizeof(line) - 1;
}

static void line_end(void)
{
	while (line_len && line[line_len - 1] == ' ')
		line_len--;
	line[line_len] = '\0';
	puts(line);
}

/* A bare value is a count when the map says it counts. */
static const char *scalar_value_name(const struct rmap *m)
{
	return m->hints.kind == KIND_COUNTER ? "count" : "value";
}

static const char *column_name(const struct field *f, const char *scalar_name)
{
	return f->name[0] ? f->name : scalar_name;
}

static void format_number(double x, bool rate, char *buf, size_t size)
{
	if (rate)
		snprintf(buf, size, "%.1f", x);
	else
		snprintf(buf, size, "%.0f", x);
}

/* A value cell: a number (summed over slots), a rate, or a short array. */
static void value_cell(const struct view *v, size_t e, int slot, const struct field *f,
		       char *buf, size_t size)
{
	uint32_t count = f->count ? f->count : 1;
	size_t o = 0;

	if (!field_is_numeric(f)) {
		field_format(f, view_value(v, e, slot), 0, buf, size);
		return;
	}
	if (count == 1) {
		if (!v->dt && f->kind == FIELD_UINT)
			snprintf(buf, size, "%" PRIu64, field_u64(f, view_value(v, e, slot), 0));
		else
			format_number(view_number(v, e, slot, f, 0), v->dt != 0, buf, size);
		return;
	}
	o += snprintf(buf + o, size - o, "[");
	for (uint32_t i = 0; i < count && i < MAX_ARRAY_SHOWN && o < size; i++) {
		char num[32];

		format_number(view_number(v, e, slot, f, i), v->dt != 0, num, sizeof(num));
		o += snprintf(buf + o, size - o, "%s%s", i ? " " : "", num);
	}
	if (o < size)
		snprintf(buf + o, size - o, "%s]", count > MAX_ARRAY_SHOWN ? " ..." : "");
}

static bool value_is_zero(const struct view *v, size_t e)
{
	const uint8_t *p = view_value(v, e, 0);

	for (size_t i = 0; i < v->value_size; i++)
		if (p[i])
			return false;
	return true;
}

static void key_text(const struct view *v, size_t e, char *buf, size_t size)
{
	const struct schema *ks = &v->m->key;
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ks->n && o < size; i++) {
		char cell[CELL];

		field_format(&ks->fields[i], view_key(v, e), 0, cell, sizeof(cell));
		o += snprintf(buf + o, size - o, "%s%s%s%s", i ? " " : "",
			      ks->fields[i].name, ks->fields[i].name[0] ? "=" : "", cell);
	}
}

static void draw_histogram(const struct view *v, size_t e, int slot)
{
	const struct rmap *m = v->m;
	const struct field *b = schema_field(&m->value, "buckets");
	const struct field *sum = schema_field(&m->value, "sum");
	uint32_t n = b->count, first = UINT32_MAX, last = 0, i;
	double max = 0, total = 0;
	const char *unit = m->hints.unit[0] ? m->hints.unit : "value";

	for (i = 0; i < n; i++) {
		double c = view_number(v, e, slot, b, i);

		total += c;
		if (c > 0) {
			last = i;
			if (first == UINT32_MAX)
				first = i;
		}
		if (c > max)
			max = c;
	}
	printf("     %-19s : count     distribution\n", unit);
	/* From the first bucket in use, as bpftrace does: leading empty
	 * buckets of a byte or time histogram are only noise. */
	for (i = first == UINT32_MAX ? 0 : first; i <= last; i++) {
		double c = view_number(v, e, slot, b, i);
		uint64_t lo, hi;
		int stars = max > 0 ? (int)(c * BAR_WIDTH / max + 0.5) : 0;
		char bar[BAR_WIDTH + 1];

		if (m->hints.kind == KIND_LINEAR_HIST) {
			lo = i * m->hints.bucket_width;
			hi = lo + m->hints.bucket_width - 1;
		} else {
			lo = i ? 1ull << (i - 1) : 0;
			hi = i ? (i >= 64 ? UINT64_MAX : (1ull << i) - 1) : 0;
		}
		memset(bar, '*', stars);
		bar[stars] = '\0';
		printf("%10" PRIu64 " -> %-10" PRIu64 " : %-9.0f |%-*s|\n", lo, hi, c, BAR_WIDTH, bar);
	}
	if (sum)
		printf("     count %.0f, sum %.0f %s\n", total, view_number(v, e, slot, sum, 0), unit);
}

static bool is_histogram(const struct rmap *m)
{
	const struct field *b = schema_field(&m->value, "buckets");

	return (m->hints.kind == KIND_LOG2_HIST || m->hints.kind == KIND_LINEAR_HIST) && b &&
	       field_is_numeric(b) && b->count > 1;
}

static void heading(const struct view *v)
{
	const struct rmap *m = v->m;

	printf("\n%s/%s", m->backend, m->name);
	if (m->hints.help[0])
		printf("  %s", m->hints.help);
	if (v->n_shown < v->n)
		printf("  (top %zu of %zu)", v->n_shown, v->n);
	printf("\n");
}

static void print_histograms(const struct view *v)
{
	bool single = v->n == 1;

	for (size_t k = 0; k < v->n_shown; k++) {
		size_t e = v->order[k];

		for (int slot = 0; slot < v->slots; slot++) {
			char key[512];

			if (!single || v->slots > 1) {
				key_text(v, e, key, sizeof(key));
				if (v->slots > 1)
					printf("  %s cpu=%d\n", key, slot);
				else
					printf("  %s\n", key);
			}
			draw_histogram(v, e, slot);
		}
	}
}

void text_map(const struct print_opts *o, const struct view *v)
{
	const struct schema *ks = &v->m->key, *vs = &v->m->value;
	const char *key_name = v->m->hints.label[0] ? v->m->hints.label : "key";
	size_t kw[64] = { 0 }, vw[64] = { 0 }, nk = ks->n < 64 ? ks->n : 64;
	size_t nv = vs->n < 64 ? vs->n : 64, shown = 0;
	bool skip_zero = v->m->info.type == BPF_MAP_TYPE_ARRAY ||
			 v->m->info.type == BPF_MAP_TYPE_PERCPU_ARRAY;
	char cell[CELL];
	size_t i, k;
	int slot;

	heading(v);
	if (is_histogram(v->m)) {
		print_histograms(v);
		return;
	}
	/* Two passes over the same cells: widths, then rows. No row storage. */
	for (i = 0; i < nk; i++)
		kw[i] = strlen(column_name(&ks->fields[i], key_name));
	for (i = 0; i < nv; i++)
		vw[i] = strlen(column_name(&vs->fields[i], scalar_value_name(v->m)));
	for (k = 0; k < v->n_shown; k++) {
		size_t e = v->order[k];

		if (skip_zero && value_is_zero(v, e))
			continue;
		for (i = 0; i < nk; i++) {
			field_format(&ks->fields[i], view_key(v, e), 0, cell, sizeof(cell));
			if (strlen(cell) > kw[i])
				kw[i] = strlen(cell);
		}
		for (slot = 0; slot < v->slots; slot++)
			for (i = 0; i < nv; i++) {
				value_cell(v, e, slot, &vs->fields[i], cell, sizeof(cell));
				if (strlen(cell) > vw[i])
					vw[i] = strlen(cell);
			}
	}
	line_start();
	for (i = 0; i < nk; i++)
		line_add("%-*s  ", (int)kw[i], column_name(&ks->fields[i], key_name));
	if (v->slots > 1)
		line_add("cpu  ");
	for (i = 0; i < nv; i++)
		line_add("%*s  ", (int)vw[i], column_name(&vs->fields[i], scalar_value_name(v->m)));
	line_end();
	for (k = 0; k < v->n_shown; k++) {
		size_t e = v->order[k];

		if (skip_zero && value_is_zero(v, e))
			continue;
		shown++;
		for (slot = 0; slot < v->slots; slot++) {
			line_start();
			for (i = 0; i < nk; i++) {
				field_format(&ks->fields[i], view_key(v, e), 0, cell, sizeof(cell));
				line_add("%-*s  ", (int)kw[i], cell);
			}
			if (v->slots > 1)
				line_add("%-3d  ", slot);
			for (i = 0; i < nv; i++) {
				value_cell(v, e, slot, &vs->fields[i], cell, sizeof(cell));
				line_add("%*s  ", (int)vw[i], cell);
			}
			line_end();
		}
	}
	if (!shown)
		printf("  (no entries)\n");
	(void)o;
}
