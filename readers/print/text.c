// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The human writer: a heading per map, aligned key/value columns, and
 * histograms drawn like BCC's print_log2_hist. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "print.h"
#include "strbuf.h"
#include "util.h"

#define BAR_WIDTH 40

/* The text writer's state: buffers reused from map to map, freed by
 * text_end(): a cell, a key's text, a table row. Every element of an array
 * is shown, so their size is the layout's, not a constant. */
struct text_state {
	const struct print_opts *o;
	struct strbuf cell, key, line;
};

struct text_state *text_open(const struct print_opts *o)
{
	struct text_state *t = calloc(1, sizeof(*t));

	if (t)
		t->o = o;
	return t;
}

void text_close(struct text_state *t)
{
	if (!t)
		return;
	sb_free(&t->cell);
	sb_free(&t->key);
	sb_free(&t->line);
	free(t);
}

void text_begin(struct text_state *t, const struct snapshot_meta *sm)
{
	char when[64];
	struct tm tm;

	if (t->o->once)
		return;
	localtime_r(&sm->realtime.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("%s%s\n", when, sm->delta ? "  (rates per second)" : "");
}

void text_end(struct text_state *t)
{
	printf("\n");
	sb_free(&t->cell);
	sb_free(&t->key);
	sb_free(&t->line);
}

/* One table row, built then printed without trailing blanks. */
static void line_start(struct text_state *t)
{
	sb_reset(&t->line);
	sb_puts(&t->line, "  ");
}

static void line_add(struct text_state *t, const char *text, size_t width, bool right)
{
	size_t len = strlen(text);

	if (right)
		for (; len < width; len++)
			sb_putc(&t->line, ' ');
	sb_puts(&t->line, text);
	if (!right)
		for (; len < width; len++)
			sb_putc(&t->line, ' ');
	sb_puts(&t->line, "  ");
}

static void line_end(struct text_state *t)
{
	struct strbuf *line = &t->line;

	if (line->oom) {
		puts("  (out of memory)");
		return;
	}
	while (line->len && line->buf[line->len - 1] == ' ')
		line->len--;
	line->buf[line->len] = '\0';
	puts(line->buf);
}

/* The whole text of field f of data: every array element, integers exact. */
static const char *cell_text(struct text_state *t, const struct field *f, const void *data)
{
	struct strbuf *cell = &t->cell;

	sb_reset(cell);
	if (sb_reserve(cell, field_text_size(f)))
		return "?";
	field_text(f, data, cell->buf, cell->cap);
	return cell->buf;
}

/* A bare value is a count when the map says it counts. */
static const char *scalar_value_name(const struct rmap *m)
{
	return m->tags.kind == KIND_COUNTER ? "count" : "value";
}

static const char *column_name(const struct field *f, const char *scalar_name)
{
	return f->name[0] ? f->name : scalar_name;
}

/* A number in the map's unit: stored value times its scale (EBPF_SCALE),
 * written as the exporter writes it. */
static void put_scaled(struct strbuf *sb, const struct rmap *m, double x)
{
	char buf[FMT_DOUBLE_MAX];

	fmt_double(buf, scale_apply(m->tags.scale, x));
	sb_puts(sb, buf);
}

/* A value cell: the value (summed over slots) as cell_text() shows it, or
 * with --delta a rate per second, "[r0,r1,...]" for an array; scaled to
 * the map's unit when it has a scale. */
static const char *value_cell(struct text_state *t, const struct view *v, size_t e, int slot,
			      const struct field *f)
{
	uint32_t count = f->count ? f->count : 1;
	bool scaled = v->m->tags.scale != 1.0;
	struct strbuf *cell = &t->cell;

	if (!field_is_numeric(f) || (!v->dt && !scaled))
		return cell_text(t, f, view_value(v, e, slot));
	sb_reset(cell);
	if (count > 1)
		sb_putc(cell, '[');
	for (uint32_t i = 0; i < count; i++) {
		if (i)
			sb_putc(cell, ',');
		if (scaled)
			put_scaled(cell, v->m, view_number(v, e, slot, f, i));
		else
			sb_printf(cell, "%.1f", view_number(v, e, slot, f, i));
	}
	if (count > 1)
		sb_putc(cell, ']');
	return cell->oom || !cell->buf ? "?" : cell->buf;
}

static bool value_is_zero(const struct view *v, size_t e)
{
	const uint8_t *p = view_value(v, e, 0);

	for (size_t i = 0; i < v->value_size; i++)
		if (p[i])
			return false;
	return true;
}

bool text_entry_hidden(const struct view *v, size_t e)
{
	return rmap_is_array(v->m) && !rmap_is_histogram(v->m) && value_is_zero(v, e);
}

/* The live view wrote fewer entries than there are: say how many are not on
 * the screen (those text would hide anyway not counted). */
static size_t more_line(const struct view *v)
{
	bool array = rmap_is_array(v->m);
	size_t more = array ? 0 : v->n_shown - v->n_fit;

	for (size_t k = v->n_fit; array && k < v->n_shown; k++)
		more += !text_entry_hidden(v, v->order[k]);
	if (more)
		printf("  %zu more entr%s not shown\n", more, more == 1 ? "y" : "ies");
	return more;
}

/* "name=value ..." of an entry's key fields. */
static const char *key_text(struct text_state *t, const struct view *v, size_t e)
{
	const struct schema *ks = &v->m->key;
	struct strbuf *key = &t->key;

	sb_reset(key);
	for (size_t i = 0; i < ks->n; i++) {
		if (i)
			sb_putc(key, ' ');
		if (ks->fields[i].name[0]) {
			sb_puts(key, ks->fields[i].name);
			sb_putc(key, '=');
		}
		sb_puts(key, cell_text(t, &ks->fields[i], view_key(v, e)));
	}
	return key->oom || !key->buf ? "?" : key->buf;
}

/* A bucket bound in the map's unit: the integer as stored, or scaled. */
static const char *bound_text(const struct rmap *m, uint64_t x, char *buf)
{
	if (m->tags.scale == 1.0)
		fmt_u64(buf, x);
	else
		fmt_double(buf, scale_apply(m->tags.scale, (double)x));
	return buf;
}

/*
 * A bucket as shown: its exact count, or with --delta its rate with one
 * decimal, as in tables. The number for the bar is read back from that
 * text, so bars and numbers agree: a bucket that reads 0.0 has no bar, and
 * the longest bar is the largest number shown.
 */
static double bucket_text(const struct view *v, size_t e, int slot, const struct field *b,
			  uint32_t i, char *buf, size_t size)
{
	if (!v->dt) {
		field_format(b, view_value(v, e, slot), i, buf, size);
		return field_number(b, view_value(v, e, slot), i);
	}
	snprintf(buf, size, "%.1f", view_number(v, e, slot, b, i));
	return strtod(buf, NULL);
}

/* "count N, sum S": exact integers, or rates with one decimal. */
static void histogram_totals(struct text_state *ts, const struct view *v, size_t e, int slot,
			     const struct field *b, const struct field *sum, const char *unit)
{
	bool scaled = v->m->tags.scale != 1.0;
	struct strbuf *cell = &ts->cell;
	char total[FMT_INT_MAX];
	uint64_t t = 0;

	/* The sum in the map's unit when it has a scale: the counts never are. */
	sb_reset(cell);
	if (scaled)
		put_scaled(cell, v->m, view_number(v, e, slot, sum, 0));
	else if (v->dt)
		sb_printf(cell, "%.1f", view_number(v, e, slot, sum, 0));
	else if (!sb_reserve(cell, FMT_INT_MAX + 8))
		field_format(sum, view_value(v, e, slot), 0, cell->buf, cell->cap);
	if (v->dt) {
		double rt = 0;

		for (uint32_t i = 0; i < b->count; i++)
			rt += view_number(v, e, slot, b, i);
		printf("     count %.1f, sum %s %s\n", rt, cell->oom || !cell->buf ? "?" : cell->buf, unit);
		return;
	}
	for (uint32_t i = 0; i < b->count; i++)
		t += field_u64(b, view_value(v, e, slot), i);
	fmt_u64(total, t);
	printf("     count %s, sum %s %s\n", total, cell->oom || !cell->buf ? "?" : cell->buf, unit);
}

static void draw_histogram(struct text_state *t, const struct view *v, size_t e, int slot)
{
	const struct rmap *m = v->m;
	const struct field *b = histogram_buckets(m);
	const struct field *sum = histogram_sum(m);
	uint32_t n = b->count, first = UINT32_MAX, last = 0, i;
	double max = 0;
	const char *unit = m->tags.unit[0] ? m->tags.unit : "value";
	char text[64];

	for (i = 0; i < n; i++) {
		double c = bucket_text(v, e, slot, b, i, text, sizeof(text));

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
		double c = bucket_text(v, e, slot, b, i, text, sizeof(text));
		uint64_t lo, hi;
		char lo_s[FMT_DOUBLE_MAX], hi_s[FMT_DOUBLE_MAX];
		int stars = max > 0 && c > 0 ? (int)(c * BAR_WIDTH / max + 0.5) : 0;
		char bar[BAR_WIDTH + 1];

		histogram_bucket(&m->tags, i, &lo, &hi);
		memset(bar, '*', stars);
		bar[stars] = '\0';
		printf("%10s -> %-10s : %-9s |%-*s|\n", bound_text(m, lo, lo_s),
		       bound_text(m, hi, hi_s), text, BAR_WIDTH, bar);
	}
	if (sum)
		histogram_totals(t, v, e, slot, b, sum, unit);
}

static void heading(const struct view *v)
{
	const struct rmap *m = v->m;

	printf("\n%s/%s", m->backend, m->name);
	if (m->tags.help[0])
		printf("  %s", m->tags.help);
	/* A histogram names its unit over the buckets; other maps here. */
	if (m->tags.unit[0] && !rmap_is_histogram(m))
		printf("  (%s)", m->tags.unit);
	if (m->hidden)
		printf("  (hidden)");
	if (v->n_shown < v->total)
		printf("  (top %zu of %zu)", v->n_shown, v->total);
	printf("\n");
}

static void print_histograms(struct text_state *t, const struct view *v)
{
	bool single = v->total == 1;

	for (size_t k = 0; k < v->n_fit; k++) {
		size_t e = v->order[k];

		for (int slot = 0; slot < v->slots; slot++) {
			if (!single || v->slots > 1) {
				if (v->slots > 1)
					printf("  %s cpu=%d\n", key_text(t, v, e), slot);
				else
					printf("  %s\n", key_text(t, v, e));
			}
			draw_histogram(t, v, e, slot);
		}
	}
	more_line(v);
}

/* A table's columns: key fields, then value fields (at most 64 of each),
 * each as wide as its widest cell. */
struct table {
	size_t nk, nv;
	size_t kw[64], vw[64];
	const char *key_name;   /* the column of an unnamed (scalar) key */
	const char *value_name; /* the column of an unnamed value */
};

static void table_init(struct table *tb, const struct view *v)
{
	const struct schema *ks = &v->m->key, *vs = &v->m->value;

	memset(tb, 0, sizeof(*tb));
	tb->nk = ks->n < 64 ? ks->n : 64;
	tb->nv = vs->n < 64 ? vs->n : 64;
	tb->key_name = v->m->tags.label[0] ? v->m->tags.label : "key";
	tb->value_name = scalar_value_name(v->m);
	for (size_t i = 0; i < tb->nk; i++)
		tb->kw[i] = strlen(column_name(&ks->fields[i], tb->key_name));
	for (size_t i = 0; i < tb->nv; i++)
		tb->vw[i] = strlen(column_name(&vs->fields[i], tb->value_name));
}

/* Widen the columns to fit entry e's cells. */
static void table_fit(struct text_state *t, struct table *tb, const struct view *v, size_t e)
{
	const struct schema *ks = &v->m->key, *vs = &v->m->value;
	size_t len;

	for (size_t i = 0; i < tb->nk; i++) {
		len = strlen(cell_text(t, &ks->fields[i], view_key(v, e)));
		if (len > tb->kw[i])
			tb->kw[i] = len;
	}
	for (int slot = 0; slot < v->slots; slot++)
		for (size_t i = 0; i < tb->nv; i++) {
			len = strlen(value_cell(t, v, e, slot, &vs->fields[i]));
			if (len > tb->vw[i])
				tb->vw[i] = len;
		}
}

static void table_heading(struct text_state *t, const struct table *tb, const struct view *v)
{
	const struct schema *ks = &v->m->key, *vs = &v->m->value;

	line_start(t);
	for (size_t i = 0; i < tb->nk; i++)
		line_add(t, column_name(&ks->fields[i], tb->key_name), tb->kw[i], false);
	if (v->slots > 1)
		line_add(t, "cpu", 3, false);
	for (size_t i = 0; i < tb->nv; i++)
		line_add(t, column_name(&vs->fields[i], tb->value_name), tb->vw[i], true);
	line_end(t);
}

/* Entry e's rows: one, or one per CPU slot. */
static void table_rows(struct text_state *t, const struct table *tb, const struct view *v,
		       size_t e)
{
	const struct schema *ks = &v->m->key, *vs = &v->m->value;
	char cpu[16];

	for (int slot = 0; slot < v->slots; slot++) {
		line_start(t);
		for (size_t i = 0; i < tb->nk; i++)
			line_add(t, cell_text(t, &ks->fields[i], view_key(v, e)), tb->kw[i], false);
		if (v->slots > 1) {
			snprintf(cpu, sizeof(cpu), "%d", slot);
			line_add(t, cpu, 3, false);
		}
		for (size_t i = 0; i < tb->nv; i++)
			line_add(t, value_cell(t, v, e, slot, &vs->fields[i]), tb->vw[i], true);
		line_end(t);
	}
}

void text_map(struct text_state *t, const struct view *v)
{
	struct table tb;
	size_t shown = 0, k;

	heading(v);
	if (rmap_is_histogram(v->m)) {
		print_histograms(t, v);
		return;
	}
	/* Two passes over the same cells: widths, then rows. No row storage. */
	table_init(&tb, v);
	for (k = 0; k < v->n_fit; k++)
		if (!text_entry_hidden(v, v->order[k]))
			table_fit(t, &tb, v, v->order[k]);
	table_heading(t, &tb, v);
	for (k = 0; k < v->n_fit; k++) {
		if (text_entry_hidden(v, v->order[k]))
			continue;
		shown++;
		table_rows(t, &tb, v, v->order[k]);
	}
	if (!more_line(v) && !shown)
		printf("  (no entries)\n");
}

static bool text_wanted(const struct print_opts *o)
{
	return true; /* the writer of last resort */
}

static void *text_open_state(const struct print_opts *o)
{
	return text_open(o);
}

static void text_snapshot(void *state, const struct snapshot_meta *sm, struct view *views,
			  size_t n)
{
	struct text_state *t = state;

	text_begin(t, sm);
	for (size_t i = 0; i < n; i++)
		text_map(t, &views[i]);
	text_end(t);
}

static void text_close_state(void *state)
{
	text_close(state);
}

const struct print_writer writer_text = {
	.name = "text",
	.wanted = text_wanted,
	.open = text_open_state,
	.snapshot = text_snapshot,
	.close = text_close_state,
};
