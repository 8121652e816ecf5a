// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The mapping from maps to Prometheus text format 0.0.4 or OpenMetrics 1.0,
 * collected at scrape time: <prefix>_<backend>_<map>[_<field>][_<unit>][_total],
 * one label per key field, log2/linear histograms as real histograms
 * (docs/ebpf-exporter.md). A scrape is written piece by piece as the HTTP
 * side asks for more, each family in one walk over its map.
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

/* What a map's scrapes counted, kept while the map is. */
struct map_stats {
	uint64_t read_errors;
	uint64_t dropped;
};

/* Where a scrape is: the map, its family and the entry in the current piece
 * of the map, and what each family's samples are called. */
struct scrape {
	struct exporter *e;
	bool om;                /* OpenMetrics 1.0, else text 0.0.4 */
	bool tail_done;
	double started;
	size_t mi;              /* map */
	size_t fam;             /* value field (0 for a histogram) */
	bool in_family;         /* its header written, its walk started */
	bool first_family;      /* of its map: it counts series dropped */
	bool map_failed;        /* a read failed: its other families are skipped */
	size_t pos;             /* next entry of the piece */
	size_t seen, keep, per; /* entries walked, kept (--max-series), series each */
	const uint8_t *vals;    /* the piece's values, summed when per-CPU */
	struct snapshot_iter walk; /* the piece: walk.chunk */
	struct value_sums sums;
	char name[256];         /* the samples' name */
	size_t name_len;
	char bucket[300], count[300], total[300];
	size_t bucket_len, count_len, total_len;
	struct strbuf labels;   /* the current entry's */
	struct label_head *heads, *les;
	size_t nr_heads, nr_les;
};

void metrics_free_map(void *ctx, struct rmap *m)
{
	(void)ctx;
	free(m->user);
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

/* `name="` (with a leading comma but for the first) of each label of a
 * map's entries, made once per map and scrape: sanitizing the field names
 * for every entry of a million-entry map was a good part of a scrape. */
static int plan_labels(struct scrape *sc, const struct rmap *m)
{
	char name[128];

	if (sc->nr_heads < m->key.n) {
		struct label_head *h = realloc(sc->heads, m->key.n * sizeof(*h));

		if (!h)
			return -ENOMEM;
		sc->heads = h;
		sc->nr_heads = m->key.n;
	}
	for (size_t i = 0; i < m->key.n; i++) {
		struct label_head *h = &sc->heads[i];

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

/* `name="value",...` of an entry's key into sc->labels (no braces), with the
 * names plan_labels made. */
static void entry_labels(struct scrape *sc, const struct rmap *m, const void *key)
{
	char val[DECODED_MAX];

	sb_reset(&sc->labels);
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
		sb_append(&sc->labels, sc->heads[i].text, sc->heads[i].len);
		if (plain_text(f))
			sb_puts(&sc->labels, val);
		else
			escape_label_value(&sc->labels, val);
		sb_putc(&sc->labels, '"');
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

/* OpenMetrics names a family without the _total of its counter samples,
 * calls "untyped" "unknown", and gives the unit a line of its own where the
 * name ends in it. */
void metrics_header(struct strbuf *out, bool om, const char *name, const char *type,
		    const char *unit, const char *help)
{
	char fam[256], u[64];
	bool counter = !strcmp(type, "counter");

	strscpy(fam, name, sizeof(fam));
	if (om && counter && ends_with(fam, "_total"))
		fam[strlen(fam) - 6] = '\0';
	sb_printf(out, "# HELP %s ", fam);
	escape_help(out, help);
	sb_printf(out, "\n# TYPE %s %s\n", fam,
		  om && !strcmp(type, "untyped") ? "unknown" : type);
	if (!om || !unit || !*unit)
		return;
	u[0] = '_';
	u[1] = '\0';
	sanitize_append(u + 1, sizeof(u) - 1, unit);
	if (ends_with(fam, u))
		sb_printf(out, "# UNIT %s %s\n", fam, u + 1);
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

/* The `le="..."` label of each bucket of a map, made once per family, not
 * once per entry and bucket. */
static int plan_buckets(struct scrape *sc, const struct rmap *m, uint32_t count)
{
	char bound[FMT_DOUBLE_MAX];

	if (sc->nr_les < count) {
		struct label_head *l = realloc(sc->les, count * sizeof(*l));

		if (!l)
			return -ENOMEM;
		sc->les = l;
		sc->nr_les = count;
	}
	for (uint32_t k = 0; k + 1 < count; k++) {
		fmt_double(bound, upper_bound(m, k));
		sc->les[k].len = (size_t)snprintf(sc->les[k].text, sizeof(sc->les[k].text),
						  "le=\"%s\"", bound);
	}
	sc->les[count - 1].len = (size_t)snprintf(sc->les[count - 1].text,
						  sizeof(sc->les[count - 1].text), "le=\"+Inf\"");
	return 0;
}

static void histogram_entry(struct scrape *sc, struct strbuf *out, const struct rmap *m,
			    const uint8_t *v)
{
	const struct field *b = histogram_buckets(m);
	const struct field *sum = histogram_sum(m);
	double cum = 0;

	/* The last bucket also holds everything beyond it (the BPF side
	 * clamps): it is the +Inf bucket, not one with a finite bound. */
	for (uint32_t k = 0; k < b->count; k++) {
		cum += field_number(b, v, k);
		sb_append(out, sc->bucket, sc->bucket_len);
		sample_tail(out, &sc->labels, sc->les[k].text, sc->les[k].len, cum);
	}
	sb_append(out, sc->count, sc->count_len);
	sample_tail(out, &sc->labels, NULL, 0, cum);
	sb_append(out, sc->total, sc->total_len);
	sample_tail(out, &sc->labels, NULL, 0,
		    sum ? scale_apply(m->tags.scale, field_number(sum, v, 0)) : 0);
}

static void field_entry(struct scrape *sc, struct strbuf *out, const struct rmap *m,
			const uint8_t *v)
{
	const struct field *f = &m->value.fields[sc->fam];
	uint32_t count = f->count ? f->count : 1;
	char idx[32];

	for (uint32_t k = 0; k < count; k++) {
		double x = f->kind == FIELD_BOOL ? (double)(field_u64(f, v, k) != 0)
						 : scale_apply(m->tags.scale, field_number(f, v, k));

		sb_append(out, sc->name, sc->name_len);
		if (count > 1) {
			int len = snprintf(idx, sizeof(idx), METRIC_INDEX_LABEL "=\"%u\"", k);

			sample_tail(out, &sc->labels, idx, (size_t)len, x);
		} else {
			sample_tail(out, &sc->labels, NULL, 0, x);
		}
	}
}

/* Series one entry gives: a histogram's buckets, _count and _sum; else a
 * sample per element of each numeric or bool field. */
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

/* The first family of m at or after value field `from`: a histogram is one
 * family, other maps one per numeric or bool field. SIZE_MAX: none left. */
static size_t next_family(const struct rmap *m, size_t from)
{
	if (rmap_is_histogram(m))
		return from == 0 ? 0 : SIZE_MAX;
	for (size_t i = from; i < m->value.n; i++) {
		const struct field *f = &m->value.fields[i];

		if (metrics_field_exported(f))
			return i;
	}
	return SIZE_MAX;
}

static void histogram_header(struct scrape *sc, struct strbuf *out, const struct rmap *m)
{
	char *name = sc->name;

	metrics_histogram_name(sc->e, m, name, sizeof(sc->name));
	metrics_header(out, sc->om, name, "histogram", m->tags.unit,
		       m->tags.help[0] ? m->tags.help : "BPF histogram");
	sc->bucket_len = (size_t)snprintf(sc->bucket, sizeof(sc->bucket), "%s_bucket", name);
	sc->count_len = (size_t)snprintf(sc->count, sizeof(sc->count), "%s_count", name);
	sc->total_len = (size_t)snprintf(sc->total, sizeof(sc->total), "%s_sum", name);
}

static void field_header(struct scrape *sc, struct strbuf *out, const struct rmap *m)
{
	const struct field *f = &m->value.fields[sc->fam];
	char help[512];

	metrics_field_name(sc->e, m, f, sc->name, sizeof(sc->name));
	if (m->tags.help[0] && f->name[0])
		snprintf(help, sizeof(help), "%s (%s)", m->tags.help, f->name);
	else if (m->tags.help[0])
		snprintf(help, sizeof(help), "%s", m->tags.help);
	else
		snprintf(help, sizeof(help), "BPF map %s/%s%s%s", m->backend, m->name,
			 f->name[0] ? ", field " : "", f->name);
	metrics_header(out, sc->om, sc->name, prom_type(m), m->tags.unit, help);
	sc->name_len = strlen(sc->name);
}

/* A family's header, and its walk over the map started. */
static int family_begin(struct scrape *sc, struct strbuf *out, const struct rmap *m)
{
	long max = sc->e->max_series;

	if (plan_labels(sc, m))
		return -ENOMEM;
	if (rmap_is_histogram(m)) {
		histogram_header(sc, out, m);
		if (plan_buckets(sc, m, histogram_buckets(m)->count))
			return -ENOMEM;
	} else {
		field_header(sc, out, m);
	}
	/* Cardinality guard: a runaway map costs this map, not the scrape.
	 * Whole entries are kept, so an entry's series (its histogram, its
	 * array elements) are all there or none is. */
	sc->per = entry_series(m);
	sc->keep = max > 0 && sc->per ? (size_t)max / sc->per : SIZE_MAX;
	sc->seen = 0;
	sc->pos = 0;
	sc->in_family = true;
	/* Fails only out of memory: exportable maps are snapshottable. */
	return snapshot_iter_open(&sc->walk, m);
}

static void family_end(struct scrape *sc, struct rmap *m)
{
	struct map_stats *ms = m->user;

	if (sc->first_family && sc->seen > sc->keep)
		ms->dropped += (sc->seen - sc->keep) * sc->per;
	sc->in_family = false;
	sc->first_family = false;
	sc->fam++;
}

/* The next piece of the family's walk, its per-CPU values summed: 1, or 0
 * when the family is done (read to the end, or a read failed). */
static int family_piece(struct scrape *sc, struct rmap *m)
{
	struct snapshot_iter *w = &sc->walk;
	int r = snapshot_iter_next(w);

	if (r < 0) {
		/* The family ends where the read failed; the map counts one
		 * error per scrape, not one per family. */
		((struct map_stats *)m->user)->read_errors++;
		sc->map_failed = true;
		return 0;
	}
	if (r == 0)
		return 0;
	sc->pos = 0;
	sc->vals = w->chunk.values;
	if (m->percpu) {
		if (snapshot_sum_percpu(m, &w->chunk, w->chunk.n, &sc->sums)) {
			((struct map_stats *)m->user)->read_errors++;
			sc->map_failed = true;
			return 0;
		}
		sc->vals = sc->sums.buf;
	}
	return 1;
}

/* Samples of the current piece, from sc->pos, until out holds want bytes. */
static void piece_samples(struct scrape *sc, struct strbuf *out, const struct rmap *m,
			  size_t want)
{
	const struct snapshot *p = &sc->walk.chunk;
	size_t one = m->info.value_size;
	bool hist = rmap_is_histogram(m);

	for (; sc->pos < p->n && out->len < want; sc->pos++, sc->seen++) {
		const uint8_t *v = sc->vals + sc->pos * one;

		if (sc->seen >= sc->keep)
			continue; /* walked only to count what is dropped */
		entry_labels(sc, m, snapshot_key(p, sc->pos));
		if (hist)
			histogram_entry(sc, out, m, v);
		else
			field_entry(sc, out, m, v);
	}
}

static bool exportable(const struct rmap *m)
{
	/* Ring buffers are events, not metrics; hidden maps internal state
	 * (ebpf:hidden, global data). */
	return m->snapshottable && !m->hidden;
}

/* One step over the maps: 1 while there is more, 0 when all are written. */
static int maps_step(struct scrape *sc, struct strbuf *out, size_t want)
{
	struct rmap *m;

	if (sc->mi >= sc->e->r.nr_maps)
		return 0;
	m = sc->e->r.maps[sc->mi];
	if (sc->in_family) {
		if (sc->pos < sc->walk.chunk.n)
			piece_samples(sc, out, m, want);
		else if (!family_piece(sc, m))
			family_end(sc, m);
		return 1;
	}
	if (exportable(m) && !m->user && !(m->user = calloc(1, sizeof(struct map_stats))))
		return -ENOMEM;
	sc->fam = exportable(m) && !sc->map_failed ? next_family(m, sc->fam) : SIZE_MAX;
	if (sc->fam == SIZE_MAX) {
		sc->mi++;
		sc->fam = 0;
		sc->first_family = true;
		sc->map_failed = false;
		return 1;
	}
	return family_begin(sc, out, m) ? -ENOMEM : 1;
}

/* `backend="...",NAME="..."` into sb. */
static void two_labels(struct strbuf *sb, const char *backend, const char *key, const char *v)
{
	sb_reset(sb);
	sb_puts(sb, "backend=\"");
	escape_label_value(sb, backend);
	sb_printf(sb, "\",%s=\"", key);
	escape_label_value(sb, v);
	sb_putc(sb, '"');
}

/* Per program run count and time, from the pins under <root>/<backend>/progs. */
static void export_prog_stats(struct exporter *e, struct strbuf *out, bool om)
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
				two_labels(&e->labels, e->r.backends[b], "program", l.names[i]);
				sample(runs, cnt, "", &e->labels, NULL, (double)info.run_cnt);
				sample(times, tim, "", &e->labels, NULL, info.run_time_ns / 1e9);
			}
			close(fd);
		}
		dirlist_free(&l);
	}
	metrics_header(out, om, cnt, "counter", NULL,
		       "Times each BPF program ran (kernel.bpf_stats_enabled=1)");
	sb_append(out, runs->buf ? runs->buf : "", runs->len);
	metrics_header(out, om, tim, "counter", "seconds",
		       "Time each BPF program ran, in seconds (kernel.bpf_stats_enabled=1)");
	sb_append(out, times->buf ? times->buf : "", times->len);
}

/* Maps held that are not hidden: the ones a scrape can show. */
static size_t visible_maps(const struct reader *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nr_maps; i++)
		n += !r->maps[i]->hidden;
	return n;
}

/* A counter per map from its map_stats, read_errors (errors) or dropped;
 * what is the family's name after the prefix (METRIC_*). */
static void per_map_counter(struct exporter *e, struct strbuf *out, bool om, const char *what,
			    bool errors, const char *help)
{
	char name[256];

	snprintf(name, sizeof(name), "%s_%s", e->prefix, what);
	metrics_header(out, om, name, "counter", NULL, help);
	for (size_t i = 0; i < e->r.nr_maps; i++) {
		const struct rmap *m = e->r.maps[i];
		const struct map_stats *ms = m->user;

		if (!ms)
			continue;
		two_labels(&e->labels, m->backend, "map", m->name);
		sample(out, name, "", &e->labels, NULL,
		       (double)(errors ? ms->read_errors : ms->dropped));
	}
}

static void gauge(struct strbuf *out, bool om, const char *prefix, const char *what,
		  const char *help, double v)
{
	char name[256];

	snprintf(name, sizeof(name), "%s_%s", prefix, what);
	metrics_header(out, om, name, "gauge", NULL, help);
	sb_puts(out, name);
	sb_putc(out, ' ');
	put_number(out, v);
	sb_putc(out, '\n');
}

static void export_self(struct scrape *sc, struct strbuf *out)
{
	struct exporter *e = sc->e;
	char name[256];

	per_map_counter(e, out, sc->om, METRIC_READ_ERRORS, true,
			"Failed reads of a map since the exporter started");
	per_map_counter(e, out, sc->om, METRIC_SERIES_DROPPED, false,
			"Series of a map not exported because of --max-series");
	snprintf(name, sizeof(name), "%s_" METRIC_BUILD_INFO, e->prefix);
	metrics_header(out, sc->om, name, "gauge", NULL, "ebpf-exporter version");
	sb_printf(out, "%s{version=\"%s\"} 1\n", name, EBPF_VERSION);
	gauge(out, sc->om, e->prefix, METRIC_MAPS, "Maps exported", (double)visible_maps(&e->r));
	gauge(out, sc->om, e->prefix, METRIC_UNREADABLE,
	      "Selected backends (or the pin root) the last scan could not read, in whole or in part",
	      (double)e->r.nr_unreadable);
	gauge(out, sc->om, e->prefix, METRIC_SCRAPE_DURATION,
	      "Time this scrape took to collect", monotonic_s() - sc->started);
}

struct scrape *scrape_begin(struct exporter *e, bool om)
{
	struct scrape *sc = calloc(1, sizeof(*sc));

	if (!sc)
		return NULL;
	sc->e = e;
	sc->om = om;
	sc->started = monotonic_s();
	sc->first_family = true;
	/* Maps come and go only between scrapes: one in flight holds
	 * pointers into the map list. */
	if (!e->scrapes)
		reader_rescan(&e->r);
	e->scrapes++;
	return sc;
}

int scrape_fill(struct scrape *sc, struct strbuf *out, size_t want)
{
	int r = 1;

	while (r > 0 && out->len < want)
		r = maps_step(sc, out, want);
	if (r < 0 || out->oom)
		return -ENOMEM;
	if (r > 0)
		return 1;
	if (!sc->tail_done) {
		export_prog_stats(sc->e, out, sc->om);
		export_self(sc, out);
		process_metrics(out, sc->om);
		if (sc->om)
			sb_puts(out, "# EOF\n");
		sc->tail_done = true;
	}
	return out->oom ? -ENOMEM : 0;
}

void scrape_end(struct scrape *sc)
{
	if (!sc)
		return;
	sc->e->scrapes--;
	snapshot_iter_close(&sc->walk);
	value_sums_free(&sc->sums);
	sb_free(&sc->labels);
	free(sc->heads);
	free(sc->les);
	free(sc);
}

void metrics_free(struct exporter *e)
{
	sb_free(&e->prog_runs);
	sb_free(&e->prog_times);
	sb_free(&e->labels);
}
