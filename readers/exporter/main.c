// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebpf-exporter: every pinned map as Prometheus metrics, with no
 * configuration: BTF and decl tags say how (docs/ebpf-exporter.md).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "sdlazy.h"
#include "caps.h"
#include "cliopt.h"
#include "exporter.h"
#include "pinlayout.h"
#include "sysnames.h"
#include "tcplisten.h"
#include "util.h"

#define MAX_LISTENERS 16
#define DEFAULT_MAX_SERIES 10000

static volatile int stop;

static void on_signal(int sig)
{
	stop = 1;
}

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
		"                     [--max-series N] [SELECTOR...]\n"
		"Serve pinned BPF maps as Prometheus metrics at /metrics, collected at\n"
		"scrape time. SELECTOR is BACKEND or BACKEND/MAP (shell globs).\n"
		"  --pin-root DIR     pin root (default $EBPF_PIN_ROOT or /sys/fs/bpf/ebpf)\n"
		"  --listen ADDR:PORT where to listen: ADDR is an address, [IPv6] or a host\n"
		"                     name, or empty for every IPv4 address (default :%d;\n"
		"                     repeatable); ignored when systemd passes sockets\n"
		"  --prefix P         metric name prefix (default ebpf)\n"
		"  --max-series N     at most N series per map (default %d)\n"
		"  --help, --version\n",
		EXPORTER_DEFAULT_PORT, DEFAULT_MAX_SERIES);
}

/* --listen ADDR:PORT (lib/tcplisten.h): a socket, or -errno with err set
 * to the line to report. */
static int listen_on(const char *spec, char *err, size_t errlen)
{
	struct diag d = {};
	int fd = tcp_listen(spec, 128, &d);

	if (fd == -EINVAL)
		snprintf(err, errlen, "invalid --listen '%s': %s", spec, diag_msg(&d, fd));
	else if (fd < 0)
		snprintf(err, errlen, "cannot listen on %s: %s", spec, diag_msg(&d, fd));
	return fd;
}

struct ticker {
	uint64_t watchdog_usec;
	double last;
};

static void tick(void *ctx)
{
	struct ticker *t = ctx;
	double now = monotonic_s();

	/* Twice per WatchdogSec, as sd_watchdog_enabled(3) advises. */
	if (t->watchdog_usec && now - t->last >= t->watchdog_usec / 2e6) {
		sdl_notify(0, "WATCHDOG=1");
		t->last = now;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-root", required_argument, NULL, 'r' },
		{ "listen", required_argument, NULL, 'l' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "max-series", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const int keep[] = { CAP_BPF };
	const char *listens[MAX_LISTENERS];
	size_t nlisten = 0, nfds = 0;
	int fds[MAX_LISTENERS], c, r, n;
	struct exporter e = { .prefix = "ebpf", .max_series = DEFAULT_MAX_SERIES };
	struct sigaction sa = { .sa_handler = on_signal };
	struct ticker t = {};
	struct http_server *srv;
	struct diag d = {};
	const char *pin_root = NULL;
	char err[512], dflt[32];

	opterr = 0; /* its errors are ours to word, in one line */
	while ((c = getopt_long(argc, argv, ":r:l:p:m:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': pin_root = optarg; break;
		case 'l':
			if (nlisten == MAX_LISTENERS) {
				fprintf(stderr, "ebpf-exporter: at most %d --listen\n", MAX_LISTENERS);
				return 2;
			}
			listens[nlisten++] = optarg;
			break;
		case 'p': e.prefix = optarg; break;
		case 'm': {
			char *end;

			errno = 0;
			e.max_series = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || e.max_series <= 0) {
				fprintf(stderr, "ebpf-exporter: invalid --max-series '%s': a whole number > 0\n", optarg);
				return 2;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		case 'V': printf("ebpf-exporter %s\n", EBPF_VERSION); return 0;
		default:
			fprintf(stderr, "ebpf-exporter: %s (see --help)\n",
				opt_error(err, sizeof(err), c, argv, longopts));
			return 2;
		}
	}
	if (!*e.prefix) {
		fprintf(stderr, "ebpf-exporter: --prefix must not be empty\n");
		return 2;
	}
	/* A bad address is a usage error, said before anything is opened. */
	for (size_t i = 0; i < nlisten; i++) {
		r = tcp_listen_check(listens[i], &d);
		if (r) {
			fprintf(stderr, "ebpf-exporter: invalid --listen '%s': %s\n", listens[i],
				diag_msg(&d, r));
			return 2;
		}
	}
	pin_root = pin_root_resolve(pin_root);
	r = reader_init(&e.r, pin_root, argv + optind, argc - optind, &d);
	if (r) {
		fprintf(stderr, "ebpf-exporter: %s\n", diag_msg(&d, r));
		return 1;
	}
	e.r.on_map_free = metrics_free_map;
	e.r.on_skip = on_skip;
	/* The first scan before capabilities are dropped: the BTF of a map
	 * pinned by another tool (no btf pin) is fetched by id, which takes
	 * CAP_SYS_ADMIN, as ebpf-print and ebpf-stream do at start. */
	r = reader_start(&e.r, &d);
	if (r) {
		fprintf(stderr, "ebpf-exporter: %s\n", diag_msg(&d, r));
		reader_free(&e.r);
		return 1;
	}

	/* Sockets: from systemd (socket activation), else our own. */
	n = sdl_listen_fds(1);
	if (n < 0) {
		/* Sockets were passed but cannot be taken: binding our own
		 * instead would serve where systemd does not expect it. */
		fprintf(stderr, "ebpf-exporter: sockets passed by systemd (LISTEN_FDS): %s\n",
			strerror(-n));
		reader_free(&e.r);
		return 1;
	}
	if (n > 0) {
		for (int i = 0; i < n && nfds < MAX_LISTENERS; i++)
			fds[nfds++] = SD_LISTEN_FDS_START + i;
	} else {
		if (!nlisten) {
			snprintf(dflt, sizeof(dflt), ":%d", EXPORTER_DEFAULT_PORT);
			listens[nlisten++] = dflt;
		}
		for (size_t i = 0; i < nlisten; i++) {
			r = listen_on(listens[i], err, sizeof(err));
			if (r < 0) {
				fprintf(stderr, "ebpf-exporter: %s\n", err);
				for (size_t k = 0; k < nfds; k++)
					close(fds[k]);
				reader_free(&e.r);
				return r == -EINVAL ? 2 : 1;
			}
			fds[nfds++] = r;
		}
	}
	/* Everything is open: from here on only reading pins needs a
	 * capability (CAP_BPF, for maps of backends loaded later). */
	sysnames_prepare(); /* ksym, kstack: kallsyms shows addresses to its opener */
	r = caps_keep_only(keep, ARRAY_SIZE(keep));
	if (r)
		fprintf(stderr, "ebpf-exporter: warning: cannot drop capabilities: %s\n", strerror(-r));

	srv = http_new(fds, nfds, &e);
	if (!srv) {
		fprintf(stderr, "ebpf-exporter: cannot start the HTTP server\n");
		for (size_t k = 0; k < nfds; k++)
			close(fds[k]);
		reader_free(&e.r);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sdl_watchdog_enabled(0, &t.watchdog_usec) <= 0)
		t.watchdog_usec = 0;
	sdl_notifyf(0, "READY=1\nSTATUS=serving %zu maps from %s", e.r.nr_maps, pin_root);
	t.last = monotonic_s();
	if (t.watchdog_usec)
		sdl_notify(0, "WATCHDOG=1");
	r = http_run(srv, &stop, tick, &t,
		     t.watchdog_usec ? (int)(t.watchdog_usec / 4000 > 0 ? t.watchdog_usec / 4000 : 1) : 1000);
	sdl_notify(0, "STOPPING=1");
	http_free(srv);
	reader_free(&e.r);
	sb_free(&e.out);
	sb_free(&e.labels);
	sb_free(&e.fam_a);
	sb_free(&e.fam_b);
	free(e.heads);
	free(e.les);
	return r ? 1 : 0;
}
