/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ebpf-exporter: pinned maps as Prometheus metrics (docs/ebpf-exporter.md). */
#ifndef EBPF_EXPORTER_H
#define EBPF_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "reader.h"
#include "strbuf.h"

#define EXPORTER_DEFAULT_PORT 9436

/* A piece of a series written before a value: a label's `name="`, or a
 * bucket's whole `le="..."`. */
struct label_head {
	char text[136];
	size_t len;
};

struct exporter {
	struct reader r;
	const char *prefix;
	long max_series;        /* per map */
	struct strbuf out;      /* the exposition, rebuilt per scrape */
	struct strbuf labels;   /* scratch */
	/* Families whose samples are gathered per backend or map and written
	 * after their HELP/TYPE: program runs and run time, map read errors and
	 * series dropped. Reused from scrape to scrape. */
	struct strbuf prog_runs, prog_times, read_errors, series_dropped;
	/* Made once per map and scrape (metrics.c): the labels of its key
	 * fields and the le labels of its buckets. */
	struct label_head *heads, *les;
	size_t nr_heads, nr_les;
};

/* Rescan and render every selected map (and self metrics) into e->out. */
int metrics_collect(struct exporter *e);
void metrics_free_map(void *ctx, struct rmap *m);

/* The names a scrape gives a map's families and labels, for what describes
 * them without scraping (dashboard.c): the same code names both. */
void metrics_histogram_name(const struct exporter *e, const struct rmap *m, char *buf,
			    size_t size);
void metrics_field_name(const struct exporter *e, const struct rmap *m, const struct field *f,
			char *buf, size_t size);
/* A value field gives samples (a family of its own): numeric or bool. */
bool metrics_field_exported(const struct field *f);
/* Labels of m's key (0 for a one-slot array: a scalar), and the name of the
 * i-th. An array value field adds the label "index". */
size_t metrics_key_labels(const struct rmap *m);
void metrics_key_label(const struct rmap *m, size_t i, char *buf, size_t size);

#define METRIC_INDEX_LABEL "index"

/* The exporter's own families, after "<prefix>_". */
#define METRIC_PROG_RUNS "prog_run_count_total"
#define METRIC_PROG_TIME "prog_run_time_seconds_total"
#define METRIC_READ_ERRORS "exporter_map_read_errors_total"
#define METRIC_SERIES_DROPPED "exporter_series_dropped_total"
#define METRIC_BUILD_INFO "exporter_build_info"
#define METRIC_MAPS "exporter_maps"
#define METRIC_UNREADABLE "exporter_backends_unreadable"
#define METRIC_SCRAPE_DURATION "exporter_scrape_duration_seconds"

/* Print a Grafana dashboard for the maps e's reader holds (dashboard.c):
 * 0, or -errno when writing fails. */
int dashboard_print(const struct exporter *e, FILE *out);

/* The HTTP side: GET/HEAD /metrics and /, nothing else. */
struct http_server;
struct http_server *http_new(const int *fds, size_t nfds, struct exporter *e);
/* Its epoll descriptor, readable when a listener or a connection is: the
 * reader skeleton's loop watches it (readers/core/skeleton.h). */
int http_fd(const struct http_server *s);
/* Serve what is ready, without waiting: 0, or -errno when the server's
 * epoll fails. */
int http_serve_ready(struct http_server *s);
/* Close the connections past their deadline: slow heads (slowloris),
 * stalled readers. Called at least every half second. */
void http_expire(struct http_server *s);
void http_free(struct http_server *s);
/* Parse a request head; exposed for tests and fuzzing. Returns 0 and fills
 * method/path (NUL-terminated copies) and *gzip, or an HTTP status. */
int http_parse_request(const char *req, size_t len, char *method, size_t msize, char *path,
		       size_t psize, bool *gzip);

#endif
