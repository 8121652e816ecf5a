/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ebpf-exporter: pinned maps as Prometheus metrics (docs/ebpf-exporter.md). */
#ifndef EBPF_EXPORTER_H
#define EBPF_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
	size_t scrapes;         /* in flight: the map list holds still meanwhile */
	/* Program runs and run time, gathered per backend in one pass and
	 * written after their HELP/TYPE. Reused from scrape to scrape. */
	struct strbuf prog_runs, prog_times, labels;
};

/* A scrape in progress (metrics.c): written piece by piece, so that its
 * memory does not grow with the maps. */
struct scrape;
/* Start one, in text 0.0.4 or OpenMetrics 1.0 (om). The first scrape in
 * flight rescans the pin root; NULL when out of memory. */
struct scrape *scrape_begin(struct exporter *e, bool om);
/* Append the next part of the exposition to out, until out holds at least
 * `want` bytes or the end is written: 1 while more follows, 0 after the end,
 * -errno (out of memory). */
int scrape_fill(struct scrape *sc, struct strbuf *out, size_t want);
void scrape_end(struct scrape *sc);
void metrics_free_map(void *ctx, struct rmap *m);
void metrics_free(struct exporter *e);

/* The process_* metrics as Prometheus client libraries write them
 * (procmetrics.c), read from /proc/self at each scrape. */
void process_metrics(struct strbuf *out, bool om);
/* HELP, TYPE (and UNIT, in OpenMetrics) of a family whose samples are
 * called `name` (with _total for a counter). */
void metrics_header(struct strbuf *out, bool om, const char *name, const char *type,
		    const char *unit, const char *help);

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

/* Basic auth's bcrypt checks on a thread of their own (authwork.c): a
 * few queued at most; each answer makes the eventfd readable. */
struct auth_worker;
struct web_auth_job;
/* 0 or -errno (no thread, no eventfd). */
int auth_worker_new(struct auth_worker **out);
int auth_worker_fd(const struct auth_worker *w);
/* A copy of job, to be checked: 0, or -EBUSY when enough wait already. */
int auth_worker_submit(struct auth_worker *w, const struct web_auth_job *job, uint64_t ticket);
/* One answer in (job->ok, and its ticket): true; false when none is. */
bool auth_worker_done(struct auth_worker *w, uint64_t *ticket, struct web_auth_job *job);
/* Waits for a check under way; NULL is fine. */
void auth_worker_free(struct auth_worker *w);

/* The HTTP side: GET/HEAD /metrics and /, nothing else. */
struct http_server;
struct http_server *http_new(const int *fds, size_t nfds, struct exporter *e);
/* Its epoll descriptor, readable when a listener or a connection is: the
 * reader skeleton's loop watches it (readers/core/skeleton.h). */
int http_fd(const struct http_server *s);
/* Serve with w (--web.config.file: TLS, basic auth, headers) from now on,
 * as it is at each new connection (a reload changes it in place), with
 * the thread that checks its passwords (authwork.c): 0, or -errno when
 * that thread cannot be started. */
struct web;
int http_set_web(struct http_server *s, struct web *w);
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
/* Whether a request head's Accept prefers OpenMetrics 1.0 to text 0.0.4. */
bool http_wants_openmetrics(const char *req, size_t len);
/* The value of the first field NAME (any case) in a head that
 * http_parse_request() accepted: 0, or -ENOENT. */
int http_find_field(const char *req, size_t len, const char *name, const char **value,
		    size_t *vlen);

#endif
