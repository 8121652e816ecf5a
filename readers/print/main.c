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

/* Per-map state kept across refreshes (rmap.user). */
struct map_state {
	struct snapshot snap;   /* the raw read */
	uint8_t *sum;           /* per-CPU values summed: one slot per entry */
	size_t sum_cap;
	/* --delta: the previous sample, sorted by key */
	struct snapshot prev;
	size_t prev_n;
	const uint8_t **prevp;
	size_t *order;
	double *sortv;          /* the sort value of each entry, computed once */
	size_t order_cap;
	bool have_prev;
	bool error_reported;
};

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

static void on_map_free(void *ctx, struct rmap *m)
{
	struct map_state *st = m->user;

	if (!st)
		return;
	snapshot_free(&st->snap);
	snapshot_free(&st->prev);
	free(st->sum);
	free(st->prevp);
	free(st->order);
	free(st->sortv);
	free(st);
	m->user = NULL;
}

double view_number(const struct view *v, size_t entry, int slot, const struct field *f,
		   uint32_t idx)
{
	double now = field_number(f, view_value(v, entry, slot), idx);

	/* A gauge's rate means nothing: it is shown as it is. */
	if (!v->dt || v->m->hints.kind == KIND_GAUGE)
		return now;
	if (!v->prev || !v->prev[entry])
		return now / v->dt; /* new entry: all of it is new */
	/* Differences of unsigned counters in 64 bits, then to double. */
	if (f->kind == FIELD_UINT)
		return (double)(field_u64(f, view_value(v, entry, slot), idx) -
				field_u64(f, v->prev[entry] + (size_t)slot * v->stride, idx)) / v->dt;
	return (now - field_number(f, v->prev[entry] + (size_t)slot * v->stride, idx)) / v->dt;
}

static size_t g_key_size;
static const uint8_t *g_keys;
static const struct field *g_key_num; /* a scalar numeric key: compare numbers */

static int cmp_key_at(const void *a, const void *b)
{
	const uint8_t *x = g_keys + *(const size_t *)a * g_key_size;
	const uint8_t *y = g_keys + *(const size_t *)b * g_key_size;

	if (g_key_num) {
		uint64_t u = field_u64(g_key_num, x, 0), v = field_u64(g_key_num, y, 0);

		return u < v ? -1 : u > v;
	}
	return memcmp(x, y, g_key_size);
}

static const double *g_sortv;

static double sort_value(const struct view *v, const struct field *f, size_t i)
{
	double sum = 0;

	for (int s = 0; s < v->slots; s++)
		sum += view_number(v, i, s, f, 0);
	return sum;
}

/* Largest first, then by key. Sort values are computed before the sort:
 * decoding them in the comparator costs 2 n log n decodes instead of n. */
static int cmp_value_desc(const void *a, const void *b)
{
	double x = g_sortv[*(const size_t *)a], y = g_sortv[*(const size_t *)b];

	if (x != y)
		return x < y ? 1 : -1;
	return cmp_key_at(a, b);
}

static const struct field *first_numeric(const struct schema *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (field_is_numeric(&s->fields[i]))
			return &s->fields[i];
	return NULL;
}

static bool is_array_map(const struct rmap *m)
{
	return m->info.type == BPF_MAP_TYPE_ARRAY || m->info.type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* Remember this sample, sorted by key, for the next --delta. */
static int keep_previous(struct map_state *st, const struct view *v)
{
	struct snapshot *p = &st->prev;
	size_t i;

	free(p->keys);
	free(p->values);
	p->keys = malloc(v->n * v->key_size + 1);
	p->values = malloc(v->n * v->value_size + 1);
	if (!p->keys || !p->values)
		return -ENOMEM;
	p->key_size = v->key_size;
	p->value_size = v->value_size;
	memcpy(p->keys, v->keys, v->n * v->key_size);
	memcpy(p->values, v->values, v->n * v->value_size);
	p->n = v->n;
	/* Sort (key, value) pairs by key through an index. */
	size_t *idx = malloc(v->n * sizeof(*idx) + 1);
	uint8_t *k = malloc(v->n * v->key_size + 1), *val = malloc(v->n * v->value_size + 1);

	if (!idx || !k || !val) {
		free(idx);
		free(k);
		free(val);
		return -ENOMEM;
	}
	for (i = 0; i < v->n; i++)
		idx[i] = i;
	g_keys = p->keys;
	g_key_size = p->key_size;
	g_key_num = NULL; /* byte order: find_previous bisects with memcmp */
	qsort(idx, v->n, sizeof(*idx), cmp_key_at);
	for (i = 0; i < v->n; i++) {
		memcpy(k + i * v->key_size, p->keys + idx[i] * v->key_size, v->key_size);
		memcpy(val + i * v->value_size, p->values + idx[i] * v->value_size, v->value_size);
	}
	free(p->keys);
	free(p->values);
	p->keys = k;
	p->values = val;
	free(idx);
	st->have_prev = true;
	return 0;
}

static const uint8_t *find_previous(const struct map_state *st, const void *key)
{
	size_t lo = 0, hi = st->prev.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(st->prev.keys + mid * st->prev.key_size, key, st->prev.key_size);

		if (!c)
			return st->prev.values + mid * st->prev.value_size;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Read one map and build its view; false when there is nothing to show. */
static bool build_view(const struct print_opts *o, struct rmap *m, struct map_state *st,
		       double dt, struct view *v)
{
	const struct field *sf = first_numeric(&m->value);
	size_t i, one = m->info.value_size ? m->info.value_size : 1;
	int r;

	r = snapshot_take(m, &st->snap);
	if (r) {
		if (!st->error_reported)
			fprintf(stderr, "ebpf-print: %s/%s: cannot read: %s\n", m->backend, m->name,
				strerror(-r));
		st->error_reported = true;
		return false;
	}
	memset(v, 0, sizeof(*v));
	v->m = m;
	v->n = st->snap.n;
	v->keys = st->snap.keys;
	v->key_size = st->snap.key_size;
	v->batched = st->snap.batched;
	if (m->percpu && !o->per_cpu) {
		if (st->sum_cap < v->n) {
			uint8_t *s = realloc(st->sum, v->n * one + 1);

			if (!s)
				return false;
			st->sum = s;
			st->sum_cap = v->n;
		}
		for (i = 0; i < v->n; i++)
			schema_sum_percpu(&m->value, snapshot_value(&st->snap, i), m->stride,
					  m->nr_cpus, st->sum + i * one);
		v->values = st->sum;
		v->value_size = one;
		v->slots = 1;
		v->stride = one;
	} else {
		v->values = st->snap.values;
		v->value_size = st->snap.value_size;
		v->slots = m->nr_cpus;
		v->stride = m->stride;
	}
	if (st->order_cap < v->n) {
		size_t *ord = realloc(st->order, v->n * sizeof(*ord) + 1);
		const uint8_t **pp = realloc(st->prevp, v->n * sizeof(*pp) + 1);
		double *sv = realloc(st->sortv, v->n * sizeof(*sv) + 1);

		if (ord)
			st->order = ord;
		if (pp)
			st->prevp = pp;
		if (sv)
			st->sortv = sv;
		if (!ord || !pp || !sv)
			return false;
		st->order_cap = v->n;
	}
	if (o->delta) {
		bool first = !st->have_prev;

		if (first) {
			keep_previous(st, v);
			return false; /* a rate needs two samples */
		}
		/* Pointers into the previous sample: it is replaced only after
		 * this view has been written (print_all). */
		for (i = 0; i < v->n; i++)
			st->prevp[i] = find_previous(st, view_key(v, i));
		v->prev = st->prevp;
		v->dt = dt > 0 ? dt : 1;
	}
	/* Which entries, in which order: arrays by index, hashes by value. */
	for (i = 0; i < v->n; i++)
		st->order[i] = i;
	v->order = st->order;
	v->n_shown = v->n;
	g_keys = v->keys;
	g_key_size = v->key_size;
	g_key_num = m->key.scalar && field_is_numeric(&m->key.fields[0]) &&
			    m->key.fields[0].count <= 1 ? &m->key.fields[0] : NULL;
	if (v->n < 2) {
		/* nothing to order (and st->order may still be NULL) */
	} else if (o->json && !o->top) {
		/* JSON is for programs: the kernel's order (index order for
		 * arrays), no sort to pay for on a million entries. */
	} else if (sf && (o->top || !is_array_map(m))) {
		for (i = 0; i < v->n; i++)
			st->sortv[i] = sort_value(v, sf, i);
		g_sortv = st->sortv;
		qsort(st->order, v->n, sizeof(*st->order), cmp_value_desc);
	} else {
		qsort(st->order, v->n, sizeof(*st->order), cmp_key_at);
	}
	if (o->top && (size_t)o->top < v->n_shown)
		v->n_shown = o->top;
	v->n_fit = v->n_shown;
	return true;
}

static void write_snapshot(const struct print_opts *o, const struct snapshot_meta *sm,
			   struct view *views, size_t n)
{
	size_t i;

	if (o->json) {
		json_begin(o, sm);
		for (i = 0; i < n; i++)
			json_map(o, &views[i]);
		json_end(o);
		return;
	}
	/* A frame the live view cannot make is written the plain way. */
	if (o->live && !live_frame(o, sm, views, n))
		return;
	text_begin(o, sm);
	for (i = 0; i < n; i++)
		text_map(o, &views[i]);
	text_end(o);
}

static int print_all(const struct print_opts *o, struct reader *r, double dt)
{
	struct snapshot_meta sm = { .pin_root = r->root, .delta = o->delta, .dt = dt };
	_cleanup_free_ struct view *views = calloc(r->nr_maps + 1, sizeof(*views));
	size_t n = 0;

	if (!views)
		return -ENOMEM;
	clock_gettime(CLOCK_REALTIME, &sm.realtime);
	for (size_t i = 0; i < r->nr_maps; i++) {
		struct rmap *m = r->maps[i];

		if (!m->snapshottable)
			continue; /* ring buffers: see ebpf-stream */
		if (m->hidden && !o->all)
			continue; /* internal state: --all shows it */
		if (!m->user && !(m->user = calloc(1, sizeof(struct map_state))))
			return -ENOMEM;
		if (build_view(o, m, m->user, dt, &views[n]))
			n++;
	}
	/* An empty document still says "nothing selected is loaded"; the
	 * baseline sample of --delta shows nothing. */
	if (n || !(o->delta && dt == 0))
		write_snapshot(o, &sm, views, n);
	/* The views point into the previous samples: replaced only now. */
	for (size_t i = 0; o->delta && i < n; i++)
		keep_previous(views[i].m->user, &views[i]);
	fflush(stdout);
	return ferror(stdout) ? -EIO : 0;
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

int main(int argc, char **argv)
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
	struct print_opts o = { .interval = 1.0 };
	struct reader r;
	struct diag d = {};
	struct sigaction sa = { .sa_handler = on_signal };
	bool quiet = true;
	const char *unmatched;
	double v, last;
	long iter = 0;
	int c, rc;
	char msg[256];

	opterr = 0; /* its errors are ours to word, in one line */
	while ((c = getopt_long(argc, argv, ":r:i:c:1djpt:ahV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o.pin_root = optarg; break;
		case 'i':
			if (parse_seconds(optarg, &o.interval)) {
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
				o.count = (long)v;
			else
				o.top = (long)v;
			break;
		case '1': o.once = true; break;
		case 'd': o.delta = true; break;
		case 'j': o.json = true; break;
		case 'p': o.per_cpu = true; break;
		case 'a': o.all = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("ebpf-print %s\n", EBPF_VERSION); return 0;
		default:
			fprintf(stderr, "ebpf-print: %s (see --help)\n",
				opt_error(msg, sizeof(msg), c, argv, longopts));
			return 2;
		}
	}
	o.pin_root = pin_root_resolve(o.pin_root);
	rc = reader_init(&r, o.pin_root, argv + optind, argc - optind, &d);
	if (rc) {
		fprintf(stderr, "ebpf-print: %s\n", diag_msg(&d, rc));
		return 1;
	}
	r.on_event = on_event;
	r.on_map_free = on_map_free;
	r.on_skip = on_skip;
	r.ctx = &quiet;
	rc = reader_start(&r, &d);
	if (rc) {
		fprintf(stderr, "ebpf-print: %s\n", diag_msg(&d, rc));
		reader_free(&r);
		return 1;
	}
	unmatched = reader_unmatched_selector(&r);
	if (unmatched) {
		fprintf(stderr, "ebpf-print: no backend or map matches '%s' under %s\n", unmatched,
			o.pin_root);
		reader_free(&r);
		return 1;
	}
	if (!report_unprintable(&r) && o.once) {
		reader_free(&r);
		return 1;
	}
	o.live = live_wanted(&o);
	quiet = false; /* from now on, say when backends come and go */
	/* Rescans only need CAP_BPF (and the pinned BTF): drop the rest. */
	skel_drop_privileges("ebpf-print");

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	last = monotonic_s();
	if (o.delta) {
		/* The first sample is the baseline of the first rate. */
		print_all(&o, &r, 0);
		sleep_interruptible(o.interval);
	}
	while (!stop) {
		double t = monotonic_s();

		if (iter > 0 || o.delta)
			reader_rescan(&r);
		if (print_all(&o, &r, t - last) < 0)
			break; /* stdout went away */
		last = t;
		iter++;
		if (o.once || (o.count && iter >= o.count))
			break;
		sleep_interruptible(o.interval);
	}
	reader_free(&r);
	return 0;
}
