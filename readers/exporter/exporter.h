/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ebpf-exporter: pinned maps as Prometheus metrics (docs/ebpf-exporter.md). */
#ifndef EBPF_EXPORTER_H
#define EBPF_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
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

/* The HTTP side: GET/HEAD /metrics and /, nothing else. */
struct http_server;
struct http_server *http_new(const int *fds, size_t nfds, struct exporter *e);
/* Its epoll descriptor, readable when a listener or a connection is: the
 * reader skeleton's loop watches it (readers/core/skeleton.h). */
int http_fd(const struct http_server *s);
/* Serve with w (--web.config.file: TLS, basic auth, headers) from now on,
 * as it is at each new connection (a reload changes it in place). */
struct web;
void http_set_web(struct http_server *s, struct web *w);
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
/* The value of the first field NAME (any case) in a head that
 * http_parse_request() accepted: 0, or -ENOENT. */
int http_find_field(const char *req, size_t len, const char *name, const char **value,
		    size_t *vlen);

#endif
