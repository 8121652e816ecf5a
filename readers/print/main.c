// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebpf-print: any pinned map, decoded from BTF, printed as text or JSON,
 * once or every interval. No per-map code: BTF and decl tags say it all.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "skeleton.h"
#include "cliopt.h"
#include "pinlayout.h"
#include "print.h"
#include "util.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ebpf-print [--pin-root DIR] [--interval SEC] [--count N] [--once]\n"
		"                  [--delta] [--json] [--per-cpu] [--top N] [--all]\n"
		"                  [SELECTOR...]\n"
		"Print pinned BPF maps, decoded from their BTF. SELECTOR is BACKEND or\n"
		"BACKEND/MAP (shell globs); default: every map under the pin root.\n"
		"  --pin-root DIR  pin root (default $EBPF_PIN_ROOT or /sys/fs/bpf/ebpf)\n"
		"  --interval SEC  refresh period, 0.001 to 86400 (default 1)\n"
		"  --count N       stop after N refreshes\n"
		"  --once          one snapshot, then exit\n"
		"  --delta         rates per second between refreshes instead of totals\n"
		"  --json          one JSON document per snapshot (JSON lines)\n"
		"  --per-cpu       per-CPU values instead of their sum\n"
		"  --top N         the N largest entries of each map\n"
		"  --all           hidden maps too (ebpf:hidden, .rodata/.bss/.data)\n"
		"  --help, --version\n");
}

static void on_event(void *ctx, enum rescan_event ev, const char *backend, const struct rmap *m)
{
	bool *quiet = ctx;

	if (*quiet)
		return;
	if (ev == BACKEND_ADDED)
		fprintf(stderr, "ebpf-print: backend '%s' appeared\n", backend);
	else if (ev == BACKEND_REMOVED)
		fprintf(stderr, "ebpf-print: backend '%s' left\n", backend);
}

static void on_skip(void *ctx, const char *path, int err)
{
	char buf[128];

	(void)ctx;
	fprintf(stderr, "ebpf-print: warning: %s: %s\n", path, reader_skip_reason(err, buf, sizeof(buf)));
}

/* The writers, in order of preference: the first that wants the options. */
static const struct print_writer *const writers[] = { &writer_json, &writer_live, &writer_text };

static const struct print_writer *writer_choose(const struct print_opts *o)
{
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (writers[i]->wanted(o))
			return writers[i];
	return &writer_text;
}

static void report_read_error(struct rmap *m, int err)
{
	if (view_first_error(m))
		fprintf(stderr, "ebpf-print: %s/%s: cannot read: %s\n", m->backend, m->name,
			strerror(-err));
}

/* The views of every selected map, one refresh, written by w. */
static int print_all(const struct print_opts *o, struct reader *r,
		     const struct print_writer *w, void *ws, double dt)
{
	struct snapshot_meta sm = { .pin_root = r->root, .delta = o->delta, .dt = dt };
	_cleanup_free_ struct view *views = calloc(r->nr_maps + 1, sizeof(*views));
	size_t n = 0;
	int rc;

	if (!views)
		return -ENOMEM;
	clock_gettime(CLOCK_REALTIME, &sm.realtime);
	for (size_t i = 0; i < r->nr_maps; i++) {
		struct rmap *m = r->maps[i];

		if (!m->snapshottable)
			continue; /* ring buffers: see ebpf-stream */
		if (m->hidden && !o->all)
			continue; /* internal state: --all shows it */
		rc = view_build(o, m, dt, &views[n]);
		if (rc > 0)
			n++;
		else if (rc < 0)
			report_read_error(m, rc);
	}
	/* An empty document still says "nothing selected is loaded"; the
	 * baseline sample of --delta shows nothing. */
	if (n || !(o->delta && dt == 0))
		w->snapshot(ws, &sm, views, n);
	/* A streamed map whose later chunk failed: written up to there. */
	for (size_t i = 0; i < n; i++)
		if (views[i].err)
			report_read_error((struct rmap *)views[i].m, views[i].err);
	/* The views point into the previous samples: replaced only now. */
	for (size_t i = 0; o->delta && i < n; i++)
		view_keep_previous(&views[i]);
	/* The write's own errno: EPIPE (the reader went away) is no failure,
	 * ENOSPC (a full disk) is. */
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout))
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * Ring buffers (and other maps without keys and values) are selected but
 * never printed: say so, rather than print nothing. False when every
 * selected map is such a map.
 */
static bool report_unprintable(const struct reader *r)
{
	size_t printable = 0, i;

	for (i = 0; i < r->nr_maps; i++)
		printable += r->maps[i]->snapshottable;
	for (i = 0; !printable && i < r->nr_maps; i++) {
		const struct rmap *m = r->maps[i];

		if (m->info.type == BPF_MAP_TYPE_RINGBUF)
			fprintf(stderr, "ebpf-print: %s/%s: a ring buffer: its records are read by ebpf-stream --events, not printed\n",
				m->backend, m->name);
		else
			fprintf(stderr, "ebpf-print: %s/%s: map type %u has no keys and values to print\n",
				m->backend, m->name, m->info.type);
	}
	return printable || !r->nr_maps;
}

static int parse_positive(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0)
		return -EINVAL;
	*out = v;
	return 0;
}

static void sleep_interruptible(double sec)
{
	struct timespec ts = { (time_t)sec, (long)((sec - (time_t)sec) * 1e9) };

	while (!stop && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Options into o: -1 to go on, else the exit status (--help, --version, a
 * bad option, reported here). */
static int parse_args(int argc, char **argv, struct print_opts *o)
{
	static const struct option longopts[] = {
		{ "pin-root", required_argument, NULL, 'r' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, '1' },
		{ "delta", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "per-cpu", no_argument, NULL, 'p' },
		{ "top", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char msg[256];
	double v;
	int c;

	opterr = 0; /* its errors are ours to word, in one line */
	while ((c = getopt_long(argc, argv, ":r:i:c:1djpt:ahV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->pin_root = optarg; break;
		case 'i':
			if (parse_seconds(optarg, &o->interval)) {
				fprintf(stderr, "ebpf-print: invalid --interval '%s': " SECONDS_RULE "\n", optarg);
				return 2;
			}
			break;
		case 'c':
		case 't':
			if (parse_positive(optarg, &v) || v != (long)v) {
				fprintf(stderr, "ebpf-print: invalid --%s '%s': a whole number > 0\n",
					c == 'c' ? "count" : "top", optarg);
				return 2;
			}
			if (c == 'c')
				o->count = (long)v;
			else
				o->top = (long)v;
			break;
		case '1': o->once = true; break;
		case 'd': o->delta = true; break;
		case 'j': o->json = true; break;
		case 'p': o->per_cpu = true; break;
		case 'a': o->all = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("ebpf-print %s\n", EBPF_VERSION); return 0;
		default:
			fprintf(stderr, "ebpf-print: %s (see --help)\n",
				opt_error(msg, sizeof(msg), c, argv, longopts));
			return 2;
		}
	}
	o->pin_root = pin_root_resolve(o->pin_root);
	return -1;
}

/* The first scan of the pin root, for the selectors: 0, or 1 once reported
 * (r is then freed). quiet silences the backend events until it is cleared. */
static int start_reader(const struct print_opts *o, struct reader *r, char **selectors,
			int nr_selectors, bool *quiet)
{
	struct diag d = {};
	const char *unmatched;
	int rc;

	rc = reader_init(r, o->pin_root, selectors, nr_selectors, &d);
	if (rc) {
		fprintf(stderr, "ebpf-print: %s\n", diag_msg(&d, rc));
		return 1;
	}
	r->on_event = on_event;
	r->on_map_free = view_free;
	r->on_skip = on_skip;
	r->ctx = quiet;
	rc = reader_start(r, &d);
	if (rc) {
		fprintf(stderr, "ebpf-print: %s\n", diag_msg(&d, rc));
		reader_free(r);
		return 1;
	}
	unmatched = reader_unmatched_selector(r);
	if (unmatched) {
		fprintf(stderr, "ebpf-print: no backend or map matches '%s' under %s\n", unmatched,
			o->pin_root);
		reader_free(r);
		return 1;
	}
	if (!report_unprintable(r) && o->once) {
		reader_free(r);
		return 1;
	}
	return 0;
}

/* Refresh until stopped, --count or --once; a --delta run first takes the
 * baseline sample of its first rate. 0, or -errno of writing stdout. */
static int run(const struct print_opts *o, struct reader *r, const struct print_writer *w,
	       void *ws)
{
	double last = monotonic_s();
	long iter = 0;
	int rc;

	if (o->delta) {
		rc = print_all(o, r, w, ws, 0);
		if (rc < 0)
			return rc;
		sleep_interruptible(o->interval);
	}
	while (!stop) {
		double t = monotonic_s();

		if (iter > 0 || o->delta)
			reader_rescan(r);
		rc = print_all(o, r, w, ws, t - last);
		if (rc < 0)
			return rc;
		last = t;
		iter++;
		if (o->once || (o->count && iter >= o->count))
			break;
		sleep_interruptible(o->interval);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct print_opts o = { .interval = 1.0 };
	struct sigaction sa = { .sa_handler = on_signal };
	const struct print_writer *w;
	struct reader r;
	bool quiet = true;
	void *ws;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	rc = start_reader(&o, &r, argv + optind, argc - optind, &quiet);
	if (rc)
		return rc;
	w = writer_choose(&o);
	ws = w->open(&o);
	if (!ws) {
		fprintf(stderr, "ebpf-print: %s writer: %s\n", w->name, strerror(ENOMEM));
		reader_free(&r);
		return 1;
	}
	quiet = false; /* from now on, say when backends come and go */
	/* Rescans only need CAP_BPF (and the pinned BTF): drop the rest. */
	skel_drop_privileges("ebpf-print");

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = run(&o, &r, w, ws);
	w->close(ws);
	reader_free(&r);
	/* A reader that went away (a pipe into head) ends it as a stop does. */
	if (rc < 0 && rc != -EPIPE) {
		fprintf(stderr, "ebpf-print: standard output: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}
