// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebpf-exporter --grafana-dashboard: a Grafana dashboard for the maps the
 * exporter holds, with no configuration. A row per backend; a counter is a
 * rate() panel (top 10 by its labels), a histogram a heatmap and its
 * p50/p90/p99, anything else a time series; a last row shows the
 * exporter's own families. Family and label names come from the functions
 * the scrape names them with (metrics.c), so the queries match what is
 * served (docs/grafana.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "exporter.h"
#include "json_writer.h"
#include "sha256.h"
#include "strbuf.h"

#define GRID_WIDTH 24
#define PANEL_W 12
#define PANEL_H 8
#define TOPK 10
/* Grafana replaces these when it runs a query (docs/grafana.md). */
#define SELECTOR "instance=~\"$instance\""
#define RANGE "[$__rate_interval]"

struct dash {
	struct json_writer w;
	const struct exporter *e;
	unsigned id;            /* the last panel's */
	unsigned x, y;          /* where the next panel goes */
	const char *row;        /* backend whose row is open */
};

/* Labels of a family, as PromQL's `by (a, b)` and a legend `{{a}} {{b}}`. */
struct labels {
	char by[512];
	char legend[512];
};

static void labels_add(struct labels *l, const char *name)
{
	size_t b = strlen(l->by), g = strlen(l->legend);

	snprintf(l->by + b, sizeof(l->by) - b, "%s%s", b ? ", " : "", name);
	snprintf(l->legend + g, sizeof(l->legend) - g, "%s{{%s}}", g ? " " : "", name);
}

static void labels_of(const struct rmap *m, bool indexed, struct labels *l)
{
	char name[128];

	l->by[0] = l->legend[0] = '\0';
	for (size_t i = 0; i < metrics_key_labels(m); i++) {
		metrics_key_label(m, i, name, sizeof(name));
		labels_add(l, name);
	}
	if (indexed)
		labels_add(l, METRIC_INDEX_LABEL);
}

/* Grafana's unit for values in a map's unit tag, or for their rate. */
static const char *grafana_unit(const char *unit, bool rate)
{
	static const struct { const char *tag, *unit, *rate; } units[] = {
		{ "seconds", "s", "percentunit" },
		{ "milliseconds", "ms", "short" },
		{ "microseconds", "µs", "short" },
		{ "nanoseconds", "ns", "short" },
		{ "bytes", "bytes", "Bps" },
		{ "bits", "bits", "bps" },
		{ "packets", "short", "pps" },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i].tag))
			return rate ? units[i].rate : units[i].unit;
	return rate ? "ops" : "short";
}

static void datasource(struct json_writer *w)
{
	jw_key(w, "datasource");
	jw_start_object(w);
	jw_kv_string(w, "type", "prometheus");
	jw_kv_string(w, "uid", "${datasource}");
	jw_end_object(w);
}

static void grid_pos(struct json_writer *w, unsigned x, unsigned y, unsigned width, unsigned h)
{
	jw_key(w, "gridPos");
	jw_start_object(w);
	jw_kv_uint(w, "h", h);
	jw_kv_uint(w, "w", width);
	jw_kv_uint(w, "x", x);
	jw_kv_uint(w, "y", y);
	jw_end_object(w);
}

/* A collapsed-off row: the panels after it, up to the next row, are its. */
static void row(struct dash *d, const char *title)
{
	struct json_writer *w = &d->w;

	if (d->x) {
		d->x = 0;
		d->y += PANEL_H;
	}
	jw_start_object(w);
	jw_kv_uint(w, "id", ++d->id);
	jw_kv_string(w, "type", "row");
	jw_kv_string(w, "title", title);
	jw_kv_bool(w, "collapsed", false);
	grid_pos(w, 0, d->y, GRID_WIDTH, 1);
	jw_key(w, "panels");
	jw_start_array(w);
	jw_end_array(w);
	jw_end_object(w);
	d->y += 1;
}

struct panel {
	const char *type;       /* "timeseries" or "heatmap" */
	const char *title, *help, *unit;
};

/* A panel's fields up to its targets, which the caller writes next, then
 * calls panel_end. Panels fill the grid two by two. */
static void panel_begin(struct dash *d, const struct panel *p)
{
	struct json_writer *w = &d->w;
	bool heatmap = !strcmp(p->type, "heatmap");

	jw_start_object(w);
	jw_kv_uint(w, "id", ++d->id);
	jw_kv_string(w, "type", p->type);
	jw_kv_string(w, "title", p->title);
	if (p->help && *p->help)
		jw_kv_string(w, "description", p->help);
	datasource(w);
	grid_pos(w, d->x, d->y, PANEL_W, PANEL_H);
	d->x += PANEL_W;
	if (d->x >= GRID_WIDTH) {
		d->x = 0;
		d->y += PANEL_H;
	}
	jw_key(w, "fieldConfig");
	jw_start_object(w);
	jw_key(w, "defaults");
	jw_start_object(w);
	jw_kv_string(w, "unit", p->unit);
	jw_end_object(w);
	jw_key(w, "overrides");
	jw_start_array(w);
	jw_end_array(w);
	jw_end_object(w);
	jw_key(w, "options");
	jw_start_object(w);
	if (heatmap) {
		/* The buckets are the exporter's: shown as they are. */
		jw_kv_bool(w, "calculate", false);
		jw_key(w, "yAxis");
		jw_start_object(w);
		jw_kv_string(w, "unit", p->unit);
		jw_end_object(w);
		jw_key(w, "cellValues");
		jw_start_object(w);
		jw_kv_string(w, "unit", "ops");
		jw_end_object(w);
	} else {
		jw_key(w, "legend");
		jw_start_object(w);
		jw_kv_string(w, "displayMode", "list");
		jw_kv_string(w, "placement", "bottom");
		jw_kv_bool(w, "showLegend", true);
		jw_end_object(w);
	}
	jw_end_object(w);
	if (heatmap)
		jw_kv_string(w, "dataFormat", "tsbuckets"); /* Grafana before 9 */
	jw_key(w, "targets");
	jw_start_array(w);
}

/* One query of the open panel; ref is its refId ("A", "B", ...). */
static void target(struct dash *d, const char *ref, const char *expr, const char *legend,
		   bool heatmap)
{
	struct json_writer *w = &d->w;

	jw_start_object(w);
	jw_kv_string(w, "refId", ref);
	jw_kv_string(w, "expr", expr);
	jw_kv_string(w, "legendFormat", legend && *legend ? legend : "__auto");
	if (heatmap)
		jw_kv_string(w, "format", "heatmap");
	datasource(w);
	jw_end_object(w);
}

static void panel_end(struct dash *d)
{
	jw_end_array(&d->w);
	jw_end_object(&d->w);
}

/* The row of m's backend, when m is its first map with a panel. */
static void backend_row(struct dash *d, const struct rmap *m)
{
	if (d->row && !strcmp(d->row, m->backend))
		return;
	d->row = m->backend;
	row(d, m->backend);
}

/* A histogram: its buckets' rates as a heatmap, and three quantiles. */
static void histogram_panels(struct dash *d, const struct rmap *m)
{
	static const struct { const char *ref, *q, *legend; } quantiles[] = {
		{ "A", "0.5", "p50" }, { "B", "0.9", "p90" }, { "C", "0.99", "p99" },
	};
	char name[256], title[160], expr[1024], rate[512];
	const char *unit = grafana_unit(m->tags.unit, false);

	metrics_histogram_name(d->e, m, name, sizeof(name));
	snprintf(rate, sizeof(rate), "sum by (le) (rate(%s_bucket{" SELECTOR "}" RANGE "))", name);
	snprintf(title, sizeof(title), "%s/%s", m->backend, m->name);
	panel_begin(d, &(struct panel){ "heatmap", title, m->tags.help, unit });
	target(d, "A", rate, "{{le}}", true);
	panel_end(d);
	snprintf(title, sizeof(title), "%s/%s: p50, p90, p99", m->backend, m->name);
	panel_begin(d, &(struct panel){ "timeseries", title, m->tags.help, unit });
	for (size_t i = 0; i < sizeof(quantiles) / sizeof(quantiles[0]); i++) {
		snprintf(expr, sizeof(expr), "histogram_quantile(%s, %s)", quantiles[i].q, rate);
		target(d, quantiles[i].ref, expr, quantiles[i].legend, false);
	}
	panel_end(d);
}

/* A value field's family: a counter's rate, else its value, summed over
 * the instances by the family's labels and, with labels, the top ones. */
static void field_panel(struct dash *d, const struct rmap *m, const struct field *f)
{
	bool counter = m->tags.kind == KIND_COUNTER;
	char name[256], title[256], expr[1536], inner[1024];
	struct labels l;

	metrics_field_name(d->e, m, f, name, sizeof(name));
	labels_of(m, f->count > 1, &l);
	if (counter)
		snprintf(inner, sizeof(inner), "rate(%s{" SELECTOR "}" RANGE ")", name);
	else
		snprintf(inner, sizeof(inner), "%s{" SELECTOR "}", name);
	if (l.by[0])
		snprintf(expr, sizeof(expr), "topk(%d, sum by (%s) (%s))", TOPK, l.by, inner);
	else
		snprintf(expr, sizeof(expr), "sum(%s)", inner);
	snprintf(title, sizeof(title), "%s/%s%s%s%s", m->backend, m->name, f->name[0] ? " " : "",
		 f->name, counter ? " per second" : "");
	panel_begin(d, &(struct panel){ "timeseries", title, m->tags.help,
					grafana_unit(m->tags.unit, counter) });
	target(d, "A", expr, l.legend[0] ? l.legend : m->name, false);
	panel_end(d);
}

static void map_panels(struct dash *d, const struct rmap *m)
{
	if (!m->snapshottable || m->hidden)
		return; /* what a scrape leaves out (metrics_collect) */
	if (rmap_is_histogram(m)) {
		backend_row(d, m);
		histogram_panels(d, m);
		return;
	}
	for (size_t i = 0; i < m->value.n; i++) {
		if (!metrics_field_exported(&m->value.fields[i]))
			continue;
		backend_row(d, m);
		field_panel(d, m, &m->value.fields[i]);
	}
}

/* One panel of the exporter's own row: EXPR_FMT has a %s for the family. */
static void self_panel(struct dash *d, const char *title, const char *help, const char *unit,
		       const char *expr_fmt, const char *family, const char *legend)
{
	char name[256], expr[1024];

	snprintf(name, sizeof(name), "%s_%s", d->e->prefix, family);
	snprintf(expr, sizeof(expr), expr_fmt, name);
	panel_begin(d, &(struct panel){ "timeseries", title, help, unit });
	target(d, "A", expr, legend, false);
	panel_end(d);
}

#define BY_PROGRAM "sum by (backend, program) (rate(%s{" SELECTOR "}" RANGE "))"
#define BY_MAP "sum by (backend, map) (rate(%s{" SELECTOR "}" RANGE "))"

static void self_panels(struct dash *d)
{
	row(d, "ebpf-exporter");
	self_panel(d, "BPF program runs per second",
		   "Needs kernel.bpf_stats_enabled=1", "ops", BY_PROGRAM, METRIC_PROG_RUNS,
		   "{{backend}}/{{program}}");
	self_panel(d, "BPF program CPU time",
		   "Share of one CPU each program runs (kernel.bpf_stats_enabled=1)",
		   "percentunit", BY_PROGRAM, METRIC_PROG_TIME, "{{backend}}/{{program}}");
	self_panel(d, "Map read errors per second", "Failed reads of a map", "ops", BY_MAP,
		   METRIC_READ_ERRORS, "{{backend}}/{{map}}");
	self_panel(d, "Series dropped per second", "Series left out because of --max-series",
		   "ops", BY_MAP, METRIC_SERIES_DROPPED, "{{backend}}/{{map}}");
	self_panel(d, "Scrape duration", "Time a scrape takes to collect", "s",
		   "%s{" SELECTOR "}", METRIC_SCRAPE_DURATION, "{{instance}}");
	self_panel(d, "Unreadable backends", "Selected backends the last scan could not read",
		   "short", "sum by (instance) (%s{" SELECTOR "})", METRIC_UNREADABLE,
		   "{{instance}}");
}

/* The data source and the instances to show: Grafana's variables, which
 * every query uses. */
static void templating(struct dash *d)
{
	struct json_writer *w = &d->w;
	char query[256];

	snprintf(query, sizeof(query), "label_values(%s_%s, instance)", d->e->prefix,
		 METRIC_BUILD_INFO);
	jw_key(w, "templating");
	jw_start_object(w);
	jw_key(w, "list");
	jw_start_array(w);
	jw_start_object(w);
	jw_kv_string(w, "name", "datasource");
	jw_kv_string(w, "label", "Data source");
	jw_kv_string(w, "type", "datasource");
	jw_kv_string(w, "query", "prometheus");
	jw_end_object(w);
	jw_start_object(w);
	jw_kv_string(w, "name", "instance");
	jw_kv_string(w, "label", "Instance");
	jw_kv_string(w, "type", "query");
	datasource(w);
	jw_kv_string(w, "definition", query);
	jw_key(w, "query");
	jw_start_object(w);
	jw_kv_string(w, "query", query);
	jw_kv_string(w, "refId", "instance");
	jw_end_object(w);
	jw_kv_uint(w, "refresh", 2); /* on time range change */
	jw_kv_bool(w, "multi", true);
	jw_kv_bool(w, "includeAll", true);
	jw_kv_string(w, "allValue", ".+");
	jw_end_object(w);
	jw_end_array(w);
	jw_end_object(w);
}

/* Title and uid from the prefix and the backends: the same selection
 * gives the same dashboard, which an import then replaces. */
static void identity(struct dash *d)
{
	const struct reader *r = &d->e->r;
	struct strbuf title = {}, key = {};
	char hex[SHA256_HEX_LEN], uid[40];

	sb_printf(&title, "ebpf-exporter (%s):", d->e->prefix);
	sb_puts(&key, d->e->prefix);
	for (size_t i = 0; i < r->nr_backends; i++) {
		sb_printf(&title, "%s %s", i ? "," : "", r->backends[i]);
		sb_putc(&key, '\n');
		sb_puts(&key, r->backends[i]);
	}
	if (!r->nr_backends)
		sb_puts(&title, " no backends");
	sha256_hex(key.buf ? key.buf : "", key.len, hex);
	snprintf(uid, sizeof(uid), "ebpf-%.16s", hex);
	jw_kv_string(&d->w, "title", title.buf ? title.buf : "ebpf-exporter");
	jw_kv_string(&d->w, "uid", uid);
	sb_free(&title);
	sb_free(&key);
}

int dashboard_print(const struct exporter *e, FILE *out)
{
	static struct dash d; /* its writer's buffer is 64 KiB: not on the stack */
	struct json_writer *w = &d.w;

	d = (struct dash){ .e = e };
	jw_init(w, out);
	jw_start_object(w);
	identity(&d);
	jw_kv_string(w, "description", "Made by ebpf-exporter --grafana-dashboard");
	jw_key(w, "tags");
	jw_start_array(w);
	jw_string(w, "ebpf");
	jw_end_array(w);
	jw_kv_uint(w, "schemaVersion", 39);
	jw_kv_uint(w, "version", 1);
	jw_kv_bool(w, "editable", true);
	jw_kv_string(w, "refresh", "30s");
	jw_key(w, "time");
	jw_start_object(w);
	jw_kv_string(w, "from", "now-1h");
	jw_kv_string(w, "to", "now");
	jw_end_object(w);
	templating(&d);
	jw_key(w, "panels");
	jw_start_array(w);
	for (size_t i = 0; i < e->r.nr_maps; i++)
		map_panels(&d, e->r.maps[i]);
	self_panels(&d);
	jw_end_array(w);
	jw_end_object(w);
	/* The write's errno (ENOSPC, EPIPE), else EIO. */
	errno = 0;
	if (fputc('\n', out) == EOF || fflush(out) || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}
