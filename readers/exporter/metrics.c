// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The mapping from maps to Prometheus text format 0.0.4, collected at scrape
 * time: <prefix>_<backend>_<map>[_<field>][_<unit>][_total], one label per
 * key field, log2/linear histograms as real histograms (docs/ebpf-exporter.md).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "dirlist.h"
#include "fsutil.h"
#include "exporter.h"
#include "pinlayout.h"
#include "util.h"

struct map_stats {
	struct snapshot snap;
	struct value_sums sums;
	uint64_t read_errors;
	uint64_t dropped;
};

void metrics_free_map(void *ctx, struct rmap *m)
{
	struct map_stats *ms = m->user;

	if (!ms)
		return;
	snapshot_free(&ms->snap);
	value_sums_free(&ms->sums);
	free(ms);
	m->user = NULL;
}

/* Metric and label names: [a-zA-Z_][a-zA-Z0-9_]*; ':' is for recording rules. */
static void sanitize_append(char *buf, size_t size, const char *part)
{
	size_t o = strlen(buf);

	if (!part || !*part)
		return;
	if (o && o + 1 < size)
		buf[o++] = '_';
	for (; *part && o + 1 < size; part++) {
		char c = *part;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (c >= '0' && c <= '9' && o > 0);

		buf[o++] = ok ? c : '_';
	}
	buf[o] = '\0';
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static void family_name(const struct exporter *e, const struct rmap *m, const char *field,
			char *buf, size_t size)
{
	char unit[40];

	buf[0] = '\0';
	sanitize_append(buf, size, e->prefix);
	sanitize_append(buf, size, m->backend);
	sanitize_append(buf, size, m->name);
	sanitize_append(buf, size, field);
	if (m->tags.unit[0]) {
		snprintf(unit, sizeof(unit), "_%s", m->tags.unit);
		if (!ends_with(buf, unit))
			sanitize_append(buf, size, m->tags.unit);
	}
	if (m->tags.kind == KIND_COUNTER && !ends_with(buf, "_total"))
		sanitize_append(buf, size, "total");
}

static void label_name(const char *field, char *buf, size_t size)
{
	buf[0] = '\0';
	sanitize_append(buf, size, field);
	/* "__" is reserved for Prometheus' internal labels; "le" for buckets. */
	while (buf[0] == '_' && buf[1] == '_')
		memmove(buf, buf + 1, strlen(buf));
	if (!strcmp(buf, "le"))
		strscpy(buf, "le_", size);
}

static void escape_label_value(struct strbuf *sb, const char *v)
{
	while (*v) {
		const char *end = v;

		/* Not strcspn: values are short, and the call costs more. */
		while (*end && *end != '\\' && *end != '"' && *end != '\n')
			end++;
		sb_append(sb, v, (size_t)(end - v)); /* plain bytes in one go */
		v = end;
		if (!*v)
			break;
		sb_puts(sb, *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : "\\n");
		v++;
	}
}

static void escape_help(struct strbuf *sb, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			sb_puts(sb, "\\\\");
		else if (*v == '\n')
			sb_puts(sb, "\\n");
		else
			sb_putc(sb, *v);
	}
}

static void put_number(struct strbuf *sb, double v)
{
	if (isinf(v))
		sb_puts(sb, v > 0 ? "+Inf" : "-Inf");
	else if (isnan(v))
		sb_puts(sb, "NaN");
	else if (v == (double)(int64_t)v && fabs(v) < 9007199254740992.0)
		sb_put_i64(sb, (int64_t)v);
	else {
		char buf[FMT_DOUBLE_MAX];

		sb_append(sb, buf, fmt_double(buf, v));
	}
}

static bool hide_key(const struct rmap *m)
{
	/* A one-slot array is a scalar: its key 0 says nothing. */
	return rmap_is_array(m) && m->info.max_entries == 1;
}

void metrics_key_label(const struct rmap *m, size_t i, char *buf, size_t size)
{
	const struct field *f = &m->key.fields[i];

	label_name(f->name[0] ? f->name : m->tags.label[0] ? m->tags.label : "key", buf, size);
}

size_t metrics_key_labels(const struct rmap *m)
{
	return hide_key(m) ? 0 : m->key.n;
}

/* `name="` (with a leading comma but for the first) of each label of a
 * map's entries, made once per map and scrape: sanitizing the field names
 * for every entry of a million-entry map was a good part of a scrape. */
static int plan_labels(struct exporter *e, const struct rmap *m)
{
	char name[128];

	if (e->nr_heads < m->key.n) {
		struct label_head *h = realloc(e->heads, m->key.n * sizeof(*h));

		if (!h)
			return -ENOMEM;
		e->heads = h;
		e->nr_heads = m->key.n;
	}
	for (size_t i = 0; i < m->key.n; i++) {
		struct label_head *h = &e->heads[i];

		metrics_key_label(m, i, name, sizeof(name));
		h->len = (size_t)snprintf(h->text, sizeof(h->text), "%s%s=\"", i ? "," : "", name);
	}
	return 0;
}

/* A field whose text is a plain decoder's or, raw, digits or hex: nothing
 * in it for a label value to escape. (A string's raw text has backslashes,
 * an enumerator's comes from BTF the object brought.) */
static bool plain_text(const struct field *f)
{
	if (f->dec && !f->dec->plain)
		return false;
	return f->kind == FIELD_UINT || f->kind == FIELD_INT || f->kind == FIELD_HEX ||
	       f->kind == FIELD_BOOL;
}

/* `name="value",...` of an entry's key into e->labels (no braces), with the
 * names plan_labels made. */
static void entry_labels(struct exporter *e, const struct rmap *m, const void *key)
{
	char val[DECODED_MAX];

	sb_reset(&e->labels);
	if (hide_key(m))
		return;
	for (size_t i = 0; i < m->key.n; i++) {
		const struct field *f = &m->key.fields[i];

		if (f->dec && field_elements(f) == 1) {
			/* Decoded text, or the raw form when it cannot be. */
			field_format(f, key, 0, val, sizeof(val));
		} else if (f->count > 1 && f->kind != FIELD_STRING) {
			/* An array in a key is one label, in hex. */
			struct field whole = *f;

			whole.kind = FIELD_HEX;
			whole.dec = NULL; /* its decoder reads one element, not all */
			whole.size = f->size * f->count;
			whole.count = 1;
			field_format(&whole, key, 0, val, sizeof(val));
		} else {
			field_format(f, key, 0, val, sizeof(val));
		}
		sb_append(&e->labels, e->heads[i].text, e->heads[i].len);
		if (plain_text(f))
			sb_puts(&e->labels, val);
		else
			escape_label_value(&e->labels, val);
		sb_putc(&e->labels, '"');
	}
}

/* `{labels,extra} value` and the newline, after a series name. */
static void sample_tail(struct strbuf *out, const struct strbuf *labels, const char *extra,
			size_t extra_len, double v)
{
	if (labels->len || extra) {
		sb_putc(out, '{');
		if (labels->len)
			sb_append(out, labels->buf, labels->len);
		if (extra) {
			if (labels->len)
				sb_putc(out, ',');
			sb_append(out, extra, extra_len);
		}
		sb_putc(out, '}');
	}
	sb_putc(out, ' ');
	put_number(out, v);
	sb_putc(out, '\n');
}

static void sample(struct strbuf *out, const char *name, const char *suffix,
		   const struct strbuf *labels, const char *extra, double v)
{
	sb_puts(out, name);
	sb_puts(out, suffix);
	sample_tail(out, labels, extra, extra ? strlen(extra) : 0, v);
}

static void header(struct strbuf *out, const char *name, const char *type, const char *help)
{
	sb_printf(out, "# HELP %s ", name);
	escape_help(out, help);
	sb_printf(out, "\n# TYPE %s %s\n", name, type);
}

static const char *prom_type(const struct rmap *m)
{
	switch (m->tags.kind) {
	case KIND_COUNTER: return "counter";
	case KIND_GAUGE: return "gauge";
	default: return "untyped";
	}
}

static double upper_bound(const struct rmap *m, uint32_t i)
{
	uint64_t lo, hi;

	histogram_bucket(&m->tags, i, &lo, &hi);
	return scale_apply(m->tags.scale, (double)hi);
}

/* The `le="..."` label of each bucket of a map, made once per scrape, not
 * once per entry and bucket. */
static int plan_buckets(struct exporter *e, const struct rmap *m, uint32_t count)
{
	char bound[FMT_DOUBLE_MAX];

	if (e->nr_les < count) {
		struct label_head *l = realloc(e->les, count * sizeof(*l));

		if (!l)
			return -ENOMEM;
		e->les = l;
		e->nr_les = count;
	}
	for (uint32_t k = 0; k + 1 < count; k++) {
		fmt_double(bound, upper_bound(m, k));
		e->les[k].len = (size_t)snprintf(e->les[k].text, sizeof(e->les[k].text),
						 "le=\"%s\"", bound);
	}
	e->les[count - 1].len = (size_t)snprintf(e->les[count - 1].text,
						 sizeof(e->les[count - 1].text), "le=\"+Inf\"");
	return 0;
}

void metrics_histogram_name(const struct exporter *e, const struct rmap *m, char *buf,
			    size_t size)
{
	family_name(e, m, NULL, buf, size);
	/* A histogram's name carries no _total even when tagged a counter. */
	if (ends_with(buf, "_total"))
		buf[strlen(buf) - 6] = '\0';
}

void metrics_field_name(const struct exporter *e, const struct rmap *m, const struct field *f,
			char *buf, size_t size)
{
	family_name(e, m, f->name, buf, size);
}

bool metrics_field_exported(const struct field *f)
{
	return field_is_numeric(f) || f->kind == FIELD_BOOL;
}

static void export_histogram(struct exporter *e, const struct rmap *m, const uint8_t *vals,
			     size_t vsize, const uint8_t *keys, size_t n)
{
	const struct field *b = histogram_buckets(m);
	const struct field *sum = histogram_sum(m);
	char name[256], help[512], bucket[300], count[300], total[300];
	size_t bucket_len, count_len, total_len;

	metrics_histogram_name(e, m, name, sizeof(name));
	snprintf(help, sizeof(help), "%s", m->tags.help[0] ? m->tags.help : "BPF histogram");
	header(&e->out, name, "histogram", help);
	if (plan_buckets(e, m, b->count)) {
		e->out.oom = true;
		return;
	}
	bucket_len = (size_t)snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	count_len = (size_t)snprintf(count, sizeof(count), "%s_count", name);
	total_len = (size_t)snprintf(total, sizeof(total), "%s_sum", name);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *v = vals + i * vsize;
		double cum = 0;

		entry_labels(e, m, keys + i * m->info.key_size);
		/* The last bucket also holds everything beyond it (the BPF side
		 * clamps): it is the +Inf bucket, not one with a finite bound. */
		for (uint32_t k = 0; k < b->count; k++) {
			cum += field_number(b, v, k);
			sb_append(&e->out, bucket, bucket_len);
			sample_tail(&e->out, &e->labels, e->les[k].text, e->les[k].len, cum);
		}
		sb_append(&e->out, count, count_len);
		sample_tail(&e->out, &e->labels, NULL, 0, cum);
		sb_append(&e->out, total, total_len);
		sample_tail(&e->out, &e->labels, NULL, 0,
			    sum ? scale_apply(m->tags.scale, field_number(sum, v, 0)) : 0);
	}
}

static void export_fields(struct exporter *e, const struct rmap *m, const uint8_t *vals,
			  size_t vsize, const uint8_t *keys, size_t n)
{
	char name[256], help[512], idx[32];
	size_t name_len;

	for (size_t fi = 0; fi < m->value.n; fi++) {
		const struct field *f = &m->value.fields[fi];
		uint32_t count = f->count ? f->count : 1;

		if (!metrics_field_exported(f))
			continue;
		metrics_field_name(e, m, f, name, sizeof(name));
		if (m->tags.help[0] && f->name[0])
			snprintf(help, sizeof(help), "%s (%s)", m->tags.help, f->name);
		else if (m->tags.help[0])
			snprintf(help, sizeof(help), "%s", m->tags.help);
		else
			snprintf(help, sizeof(help), "BPF map %s/%s%s%s", m->backend, m->name,
				 f->name[0] ? ", field " : "", f->name);
		header(&e->out, name, prom_type(m), help);
		name_len = strlen(name);
		for (size_t i = 0; i < n; i++) {
			const uint8_t *v = vals + i * vsize;

			entry_labels(e, m, keys + i * m->info.key_size);
			for (uint32_t k = 0; k < count; k++) {
				double x = f->kind == FIELD_BOOL ? (double)(field_u64(f, v, k) != 0)
								 : scale_apply(m->tags.scale, field_number(f, v, k));

				sb_append(&e->out, name, name_len);
				if (count > 1) {
					int len = snprintf(idx, sizeof(idx), METRIC_INDEX_LABEL "=\"%u\"", k);

					sample_tail(&e->out, &e->labels, idx, (size_t)len, x);
				} else {
					sample_tail(&e->out, &e->labels, NULL, 0, x);
				}
			}
		}
	}
}

/* Series one entry gives: a histogram's buckets, _count and _sum; else a
 * sample per element of each numeric or bool field (export_fields). */
static size_t entry_series(const struct rmap *m)
{
	size_t n = 0;

	if (rmap_is_histogram(m))
		return (size_t)histogram_buckets(m)->count + 2;
	for (size_t i = 0; i < m->value.n; i++) {
		const struct field *f = &m->value.fields[i];

		if (metrics_field_exported(f))
			n += f->count ? f->count : 1;
	}
	return n;
}

static void export_map(struct exporter *e, struct rmap *m)
{
	struct map_stats *ms = m->user;
	size_t one = m->info.value_size, n, per = entry_series(m), keep;
	const uint8_t *vals;
	int r;

	r = snapshot_take(m, &ms->snap);
	if (r) {
		ms->read_errors++;
		return;
	}
	n = ms->snap.n;
	if (e->max_series > 0 && per && n * per > (size_t)e->max_series) {
		/* Cardinality guard: a runaway map costs this map, not the
		 * scrape. Whole entries are kept, so an entry's series (its
		 * histogram, its array elements) are all there or none is. */
		keep = (size_t)e->max_series / per;
		ms->dropped += (n - keep) * per;
		n = keep;
	}
	if (m->percpu) {
		if (snapshot_sum_percpu(m, &ms->snap, n, &ms->sums)) {
			ms->read_errors++;
			return;
		}
		vals = ms->sums.buf;
	} else {
		vals = ms->snap.values;
	}
	if (plan_labels(e, m)) {
		e->out.oom = true;
		return;
	}
	if (rmap_is_histogram(m))
		export_histogram(e, m, vals, one, ms->snap.keys, n);
	else
		export_fields(e, m, vals, one, ms->snap.keys, n);
}

/* Per program run count and time, from the pins under <root>/<backend>/progs. */
static void export_prog_stats(struct exporter *e)
{
	char cnt[256], tim[256], dir[PATH_MAX], path[PATH_MAX];
	struct strbuf *runs = &e->prog_runs, *times = &e->prog_times;

	if (!bpf_stats_enabled())
		return;
	sb_reset(runs);
	sb_reset(times);
	snprintf(cnt, sizeof(cnt), "%s_" METRIC_PROG_RUNS, e->prefix);
	snprintf(tim, sizeof(tim), "%s_" METRIC_PROG_TIME, e->prefix);
	for (size_t b = 0; b < e->r.nr_backends; b++) {
		struct dirlist l;

		if (path_join(dir, sizeof(dir), "%s/%s/%s", e->r.root, e->r.backends[b], PIN_DIR_PROGS) ||
		    dirlist_read(dir, &l))
			continue;
		for (size_t i = 0; i < l.n; i++) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			int fd;

			if (path_join(path, sizeof(path), "%s/%s", dir, l.names[i]))
				continue;
			fd = bpf_obj_get(path);
			if (fd < 0)
				continue;
			if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
				sb_reset(&e->labels);
				sb_puts(&e->labels, "backend=\"");
				escape_label_value(&e->labels, e->r.backends[b]);
				sb_puts(&e->labels, "\",program=\"");
				escape_label_value(&e->labels, l.names[i]);
				sb_putc(&e->labels, '"');
				sample(runs, cnt, "", &e->labels, NULL, (double)info.run_cnt);
				sample(times, tim, "", &e->labels, NULL, info.run_time_ns / 1e9);
			}
			close(fd);
		}
		dirlist_free(&l);
	}
	header(&e->out, cnt, "counter", "Times each BPF program ran (kernel.bpf_stats_enabled=1)");
	sb_append(&e->out, runs->buf ? runs->buf : "", runs->len);
	header(&e->out, tim, "counter", "Time each BPF program ran, in seconds (kernel.bpf_stats_enabled=1)");
	sb_append(&e->out, times->buf ? times->buf : "", times->len);
}

/* Maps held that are not hidden: the ones a scrape can show. */
static size_t visible_maps(const struct reader *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nr_maps; i++)
		n += !r->maps[i]->hidden;
	return n;
}

static void export_self(struct exporter *e, double started)
{
	char name[256];
	struct strbuf *errs = &e->read_errors, *drops = &e->series_dropped;

	sb_reset(errs);
	sb_reset(drops);
	for (size_t i = 0; i < e->r.nr_maps; i++) {
		const struct rmap *m = e->r.maps[i];
		const struct map_stats *ms = m->user;

		if (!ms)
			continue;
		sb_reset(&e->labels);
		sb_puts(&e->labels, "backend=\"");
		escape_label_value(&e->labels, m->backend);
		sb_puts(&e->labels, "\",map=\"");
		escape_label_value(&e->labels, m->name);
		sb_putc(&e->labels, '"');
		snprintf(name, sizeof(name), "%s_" METRIC_READ_ERRORS, e->prefix);
		sample(errs, name, "", &e->labels, NULL, (double)ms->read_errors);
		snprintf(name, sizeof(name), "%s_" METRIC_SERIES_DROPPED, e->prefix);
		sample(drops, name, "", &e->labels, NULL, (double)ms->dropped);
	}
	snprintf(name, sizeof(name), "%s_" METRIC_READ_ERRORS, e->prefix);
	header(&e->out, name, "counter", "Failed reads of a map since the exporter started");
	sb_append(&e->out, errs->buf ? errs->buf : "", errs->len);
	snprintf(name, sizeof(name), "%s_" METRIC_SERIES_DROPPED, e->prefix);
	header(&e->out, name, "counter", "Series of a map not exported because of --max-series");
	sb_append(&e->out, drops->buf ? drops->buf : "", drops->len);

	snprintf(name, sizeof(name), "%s_" METRIC_BUILD_INFO, e->prefix);
	header(&e->out, name, "gauge", "ebpf-exporter version");
	sb_printf(&e->out, "%s{version=\"%s\"} 1\n", name, EBPF_VERSION);
	snprintf(name, sizeof(name), "%s_" METRIC_MAPS, e->prefix);
	header(&e->out, name, "gauge", "Maps exported");
	sb_printf(&e->out, "%s %zu\n", name, visible_maps(&e->r));
	snprintf(name, sizeof(name), "%s_" METRIC_UNREADABLE, e->prefix);
	header(&e->out, name, "gauge",
	       "Selected backends (or the pin root) the last scan could not read, in whole or in part");
	sb_printf(&e->out, "%s %zu\n", name, e->r.nr_unreadable);
	snprintf(name, sizeof(name), "%s_" METRIC_SCRAPE_DURATION, e->prefix);
	header(&e->out, name, "gauge", "Time this scrape took to collect");
	sb_puts(&e->out, name);
	sb_putc(&e->out, ' ');
	put_number(&e->out, monotonic_s() - started);
	sb_putc(&e->out, '\n');
}

#define SCRAPE_BUF_START (256u << 10)

int metrics_collect(struct exporter *e)
{
	double started = monotonic_s();

	/* A scrape buffer starts above malloc's mmap threshold: it grows by
	 * remapping, not by copies through the heap that stay resident, and
	 * capacity it never writes costs no memory. */
	if (!e->out.buf)
		sb_reserve(&e->out, SCRAPE_BUF_START);
	sb_reset(&e->out);
	reader_rescan(&e->r);
	for (size_t i = 0; i < e->r.nr_maps; i++) {
		struct rmap *m = e->r.maps[i];

		if (!m->snapshottable)
			continue; /* ring buffers are events, not metrics */
		if (m->hidden)
			continue; /* internal state (ebpf:hidden, global data) */
		if (!m->user && !(m->user = calloc(1, sizeof(struct map_stats))))
			return -ENOMEM;
		export_map(e, m);
	}
	export_prog_stats(e);
	export_self(e, started);
	return e->out.oom ? -ENOMEM : 0;
}
