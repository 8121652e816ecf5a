// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebpf-exporter: every pinned map as Prometheus metrics, with no
 * configuration: BTF and decl tags say how (docs/ebpf-exporter.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "sdlazy.h"
#include "cliopt.h"
#include "exporter.h"
#include "pinlayout.h"
#include "skeleton.h"
#include "util.h"
#include "webconfig.h"

#define MAX_LISTENERS 16
#define DEFAULT_MAX_SERIES 10000

static void on_skip(void *ctx, const char *path, int err)
{
	char buf[128];

	(void)ctx;
	fprintf(stderr, "ebpf-exporter: warning: %s: %s\n", path,
		reader_skip_reason(err, buf, sizeof(buf)));
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ebpf-exporter [--pin-root DIR] [--listen ADDR:PORT]... [--prefix P]\n"
		"                     [--max-series N] [--web.config.file FILE]\n"
		"                     [--grafana-dashboard] [SELECTOR...]\n"
		"Serve pinned BPF maps as Prometheus metrics at /metrics, collected at\n"
		"scrape time. SELECTOR is BACKEND or BACKEND/MAP (shell globs).\n"
		"  --pin-root DIR     pin root (default $EBPF_PIN_ROOT or /sys/fs/bpf/ebpf)\n"
		"  --listen ADDR:PORT where to listen: ADDR is an address, [IPv6] or a host\n"
		"                     name, or empty for every IPv4 address (default :%d;\n"
		"                     repeatable); ignored when systemd passes sockets\n"
		"  --prefix P         metric name prefix (default ebpf)\n"
		"  --max-series N     at most N series per map (default %d)\n"
		"  --grafana-dashboard\n"
		"                     print a Grafana dashboard (JSON) for the maps that\n"
		"                     --pin-root, --prefix and SELECTOR give, and exit\n"
		"  --web.config.file FILE\n"
		"                     TLS, client certificates, basic auth and headers, in\n"
		"                     the Prometheus exporter-toolkit's format; SIGHUP\n"
		"                     rereads it (default: plain HTTP, no auth)\n"
		"  --help, --version\n",
		EXPORTER_DEFAULT_PORT, DEFAULT_MAX_SERIES);
}

struct opts {
	const char *pin_root;
	struct listen_addr listen[MAX_LISTENERS]; /* parsed, not yet opened */
	size_t nlisten;
	bool dashboard;         /* --grafana-dashboard: print it, serve nothing */
	const char *web_config;
};

static int parse_max_series(const char *arg, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *v <= 0) {
		fprintf(stderr, "ebpf-exporter: invalid --max-series '%s': a whole number > 0\n", arg);
		return 2;
	}
	return 0;
}

/* One --listen: a bad address is a usage error, said before anything is
 * opened. */
static int add_listen(struct opts *o, const char *spec)
{
	struct diag d = {};
	int r;

	if (o->nlisten == MAX_LISTENERS) {
		fprintf(stderr, "ebpf-exporter: at most %d --listen\n", MAX_LISTENERS);
		return 2;
	}
	r = listen_addr_parse(&o->listen[o->nlisten], spec, LISTEN_TCP_BARE, &d);
	if (r) {
		fprintf(stderr, "ebpf-exporter: %s\n", diag_msg(&d, r));
		return 2;
	}
	o->nlisten++;
	return 0;
}

/* 0, or the exit status: 2 for a usage error; --help and --version exit. */
static int parse_opts(int argc, char **argv, struct opts *o, struct exporter *e)
{
	static const struct option longopts[] = {
		{ "pin-root", required_argument, NULL, 'r' },
		{ "listen", required_argument, NULL, 'l' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "max-series", required_argument, NULL, 'm' },
		{ "grafana-dashboard", no_argument, NULL, 'g' },
		{ "web.config.file", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char err[512];
	int c, r = 0;

	opterr = 0; /* its errors are ours to word, in one line */
	while (!r && (c = getopt_long(argc, argv, ":r:l:p:m:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->pin_root = optarg; break;
		case 'l': r = add_listen(o, optarg); break;
		case 'p': e->prefix = optarg; break;
		case 'm': r = parse_max_series(optarg, &e->max_series); break;
		case 'g': o->dashboard = true; break;
		case 'w': o->web_config = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("ebpf-exporter %s\n", EBPF_VERSION); exit(0);
		default:
			fprintf(stderr, "ebpf-exporter: %s (see --help)\n",
				opt_error(err, sizeof(err), c, argv, longopts));
			return 2;
		}
	}
	if (!r && !*e->prefix) {
		fprintf(stderr, "ebpf-exporter: --prefix must not be empty\n");
		return 2;
	}
	return r;
}

static void close_all(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/*
 * The listening sockets: from systemd (socket activation), else ours, on
 * every --listen (default :9436). The count, or -errno with d set; *bad_addr
 * when that is the address's fault (a host name that cannot be used).
 */
static int open_listeners(struct opts *o, int *fds, struct diag *d, bool *bad_addr)
{
	static char dflt[32];
	int n = skel_passed_sockets(d), r;

	if (n < 0)
		return n;
	if (n > 0) {
		for (int i = 0; i < n && i < MAX_LISTENERS; i++)
			fds[i] = SD_LISTEN_FDS_START + i;
		return n < MAX_LISTENERS ? n : MAX_LISTENERS;
	}
	if (!o->nlisten) {
		snprintf(dflt, sizeof(dflt), ":%d", EXPORTER_DEFAULT_PORT);
		r = listen_addr_parse(&o->listen[o->nlisten++], dflt, LISTEN_TCP_BARE, d);
		if (r)
			return r;
	}
	for (size_t i = 0; i < o->nlisten; i++) {
		r = listen_addr_open(&o->listen[i], d);
		if (r < 0) {
			*bad_addr = r == -EINVAL;
			close_all(fds, i);
			return r;
		}
		fds[i] = r;
	}
	return (int)o->nlisten;
}

/* The pins, before capabilities are dropped: the BTF of a map pinned by
 * another tool (no btf pin) is fetched by id, which takes CAP_SYS_ADMIN,
 * as ebpf-print and ebpf-stream do at start. */
static int open_reader(struct exporter *e, const char *pin_root, char **sel, int nsel,
		       struct diag *d)
{
	int r = reader_init(&e->r, pin_root, sel, nsel, d);

	if (r)
		return r;
	e->r.on_map_free = metrics_free_map;
	e->r.on_skip = on_skip;
	r = reader_start(&e->r, d);
	if (r)
		reader_free(&e->r);
	return r;
}

/* --grafana-dashboard: the exit status. A selector that matches nothing
 * is a mistake here (a dashboard without its panels), not a backend that
 * has yet to come as it is for the server. */
static int print_dashboard(const struct exporter *e, const char *pin_root)
{
	const char *unmatched = reader_unmatched_selector(&e->r);
	int r;

	if (unmatched) {
		fprintf(stderr, "ebpf-exporter: no backend or map matches '%s' under %s\n", unmatched,
			pin_root);
		return 1;
	}
	r = dashboard_print(e, stdout);
	if (r)
		fprintf(stderr, "ebpf-exporter: standard output: %s\n", strerror(-r));
	return r ? 1 : 0;
}

static void exporter_free(struct exporter *e)
{
	reader_free(&e->r);
	metrics_free(e);
}

static void on_ready(void *ctx, uint32_t events)
{
	(void)events;
	http_serve_ready(ctx);
}

static int after_pass(void *ctx)
{
	http_expire(ctx);
	return 0;
}

static void on_reload(void *ctx)
{
	web_reload(ctx);
}

/* Serve scrapes until a stop signal: 0 or -errno. */
static int serve(struct skel *sk, struct http_server *srv, struct exporter *e,
		 const char *pin_root, struct web *web)
{
	struct skel_watch w = { .fn = on_ready, .ctx = srv };
	int r = skel_watch(sk, http_fd(srv), EPOLLIN, &w);

	if (!r)
		r = skel_catch_reload(sk, on_reload, web);
	if (r)
		return r;
	sk->after_pass = after_pass;
	sk->ctx = srv;
	skel_ready(sk, "serving %zu maps from %s", e->r.nr_maps, pin_root);
	return skel_run(sk);
}

int main(int argc, char **argv)
{
	struct exporter e = { .prefix = "ebpf", .max_series = DEFAULT_MAX_SERIES };
	struct opts o = {};
	struct skel sk;
	struct http_server *srv;
	struct diag d = {};
	struct web web = { .prog = "ebpf-exporter" };
	bool bad_addr = false;
	int fds[MAX_LISTENERS], nfds, r;

	r = parse_opts(argc, argv, &o, &e);
	if (r)
		return r;
	r = skel_init(&sk);
	if (r) {
		fprintf(stderr, "ebpf-exporter: %s\n", strerror(-r));
		return 1;
	}
	o.pin_root = pin_root_resolve(o.pin_root);
	/* Read before capabilities are dropped; a reload reads it again
	 * without them (docs/security.md). */
	r = o.web_config ? web_open(&web, "ebpf-exporter", o.web_config, true, &d) : 0;
	if (r) {
		fprintf(stderr, "ebpf-exporter: %s\n", diag_msg(&d, r));
		skel_free(&sk);
		return 1;
	}
	r = open_reader(&e, o.pin_root, argv + optind, argc - optind, &d);
	if (r) {
		fprintf(stderr, "ebpf-exporter: %s\n", diag_msg(&d, r));
		web_close(&web);
		skel_free(&sk);
		return 1;
	}
	if (o.dashboard) {
		r = print_dashboard(&e, o.pin_root);
		goto out;
	}
	nfds = open_listeners(&o, fds, &d, &bad_addr);
	if (nfds < 0) {
		fprintf(stderr, "ebpf-exporter: %s\n", diag_msg(&d, nfds));
		r = bad_addr ? 2 : 1;
		goto out;
	}
	/* Everything is open: from here on only reading pins needs a
	 * capability. */
	skel_drop_privileges("ebpf-exporter");
	srv = http_new(fds, nfds, &e);
	if (!srv) {
		fprintf(stderr, "ebpf-exporter: cannot start the HTTP server\n");
		close_all(fds, nfds);
		r = 1;
		goto out;
	}
	r = web.path ? http_set_web(srv, &web) : 0;
	if (r) {
		fprintf(stderr, "ebpf-exporter: cannot start the thread that checks passwords: %s\n",
			strerror(-r));
		http_free(srv);
		r = 1;
		goto out;
	}
	r = serve(&sk, srv, &e, o.pin_root, &web);
	if (r)
		fprintf(stderr, "ebpf-exporter: %s\n", strerror(-r));
	r = r ? 1 : 0;
	http_free(srv);
out:
	web_close(&web);
	skel_free(&sk);
	exporter_free(&e);
	return r;
}
