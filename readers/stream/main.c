// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebpf-stream: pinned maps (snapshots every interval) and ring buffers (every
 * record, in kernel order) as one delimited protobuf stream, to stdout, a
 * file, or any number of subscribers (docs/ebpf-stream.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "sdlazy.h"
#include "btftags.h"
#include "cliopt.h"
#include "pinlayout.h"
#include "natslibs.h"
#include "publish_nats.h"
#include "stream.h"
#include "util.h"
#include "webconfig.h"

#define HEARTBEAT_S 5.0
/* Records handed over per ring buffer per pass of the main loop, so that a
 * producer that never pauses cannot keep the loop from timers and signals. */
#define RB_BUDGET 65536
/* Event.timestamp_ns: the clock is read once per this many records. */
#define TS_EVERY 64
/* The longest records may gather in a ring buffer under load (consume()). */
#define GATHER_S 0.001

struct opts {
	const char *pin_root;
	double interval;
	bool snapshots, events;
	const char *output;
	const char *listen;
	struct listen_addr listen_addr; /* --listen, parsed; its socket file */
	bool per_cpu;
	bool once;
	size_t queue_bytes;
	double max_lag;
	struct nats_opts nats;  /* --publish (publish_nats.h) */
	const char *web_config; /* --web.config.file */
};

struct change {
	char backend[64];
	bool added;
};

struct stream {
	struct opts o;
	struct reader r;
	struct fanout *out;
	struct natspub *np;     /* --publish */
	struct arena arena;
	struct strbuf frame;
	bool check;             /* EBPF_STREAM_SELFCHECK (selfcheck.c) */
	struct strbuf check_ref;
	struct skel sk;         /* the reader loop (readers/core/skeleton.h) */
	struct web web;         /* --web.config.file: TLS for subscribers */
	double gather;          /* of this pass (consume()); < 0: no records */
	struct change changes[64];
	size_t nchanges;
	bool startup;           /* a refused ring buffer is fatal only at start */
	bool maps_changed;      /* the describe frame for new subscribers is stale */
	int fatal;
	size_t unwritten;       /* bytes a stalled output never took, at the end */
	uint64_t heartbeat_seq;
	uint64_t snap_seq;      /* Snapshot.seq of the last snapshot */
	double last_beat;       /* monotonic_s() of the last heartbeat */
	uint64_t ts;            /* Event.timestamp_ns of the records being read */
	unsigned ts_left;       /* records until the clock is read again */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ebpf-stream [--pin-root DIR] [--interval SEC] [--snapshots|--events]\n"
		"                   [--output FILE|-] [--listen unix:PATH|tcp:ADDR:PORT]\n"
		"                   [--per-cpu] [--publish nats://HOST:PORT[,...] ...]\n"
		"                   [--web.config.file FILE] [SELECTOR...]\n"
		"       ebpf-stream --once [--pin-root DIR] [--output FILE|-] [--per-cpu] [SELECTOR...]\n"
		"       ebpf-stream --decode < STREAM\n"
		"Stream pinned maps (snapshots every interval) and ring buffer records as\n"
		"length-delimited ebpf.stream.v1.Frame protobuf messages.\n"
		"  --pin-root DIR        pin root (default $EBPF_PIN_ROOT or /sys/fs/bpf/ebpf)\n"
		"  --interval SEC        snapshot period (default 1)\n"
		"  --snapshots           map snapshots only      --events  ring buffer records only\n"
		"  --once                the describe frame and one snapshot of each map, then exit\n"
		"  --output FILE|-       write the stream to FILE (default: stdout)\n"
		"  --listen ADDR         serve subscribers: unix:PATH or tcp:ADDR:PORT\n"
		"  --queue-bytes N       per-subscriber queue, or the output's (default 8 MiB)\n"
		"  --max-lag SEC         disconnect a subscriber behind for longer (default 10)\n"
		"  --web.config.file FILE  TLS and client certificates for subscribers, in\n"
		"                        the Prometheus exporter-toolkit's format (its\n"
		"                        basic_auth_users are refused); SIGHUP rereads it\n"
		"  --per-cpu             per-CPU values instead of their sum\n"
		NATS_USAGE
		"  --decode              read a stream on stdin, print JSON lines\n"
		"  --help, --version\n");
}

/* The first error of the output (-errno) ends the stream: kept for the
 * exit status and its message (output_status()). */
static void set_fatal(struct stream *st, int r)
{
	if (r < 0 && !st->fatal)
		st->fatal = r;
}

static void publish(struct stream *st, Frame *f)
{
	if (!f) {
		arena_reset(&st->arena);
		return;
	}
	sb_reset(&st->frame);
	frame_pack(f, &st->frame);
	arena_reset(&st->arena);
	set_fatal(st, fanout_publish(st->out, st->frame.buf, st->frame.len));
}

static void on_map_free(void *ctx, struct rmap *m)
{
	struct stream_map *sm = m->user;

	if (!sm)
		return;
	if (sm->consuming) {
		skel_unwatch(&sm->st->sk, sm->rb_fd);
		rb_close(&sm->rb);
	}
	event_enc_free(&sm->enc);
	snap_enc_free(&sm->senc);
	if (sm->rb_fd >= 0)
		close(sm->rb_fd);
	if (sm->lock_fd >= 0)
		close(sm->lock_fd);
	schema_free(&sm->record);
	snapshot_iter_close(&sm->it);
	free(sm);
	m->user = NULL;
}

static void on_event(void *ctx, enum rescan_event ev, const char *backend, const struct rmap *m)
{
	struct stream *st = ctx;

	bool added = ev == BACKEND_ADDED || ev == MAP_ADDED;

	st->maps_changed = true;
	/* One change per backend: a --replace shows as its maps going and
	 * coming, and is told as the backend (re)added with its new maps. */
	for (size_t i = 0; i < st->nchanges; i++)
		if (!strcmp(st->changes[i].backend, backend)) {
			if (ev == BACKEND_REMOVED)
				st->changes[i].added = false;
			else if (added)
				st->changes[i].added = true;
			return;
		}
	/* A map gone from a backend still there is no change of it; shared/
	 * is no backend, and a map gone from it is (refresh()). */
	if ((ev == MAP_REMOVED && strcmp(backend, PIN_DIR_SHARED)) ||
	    st->nchanges == ARRAY_SIZE(st->changes))
		return;
	strscpy(st->changes[st->nchanges].backend, backend, sizeof(st->changes[0].backend));
	st->changes[st->nchanges++].added = added;
}

static void on_skip(void *ctx, const char *path, int err)
{
	char buf[128];

	(void)ctx;
	fprintf(stderr, "ebpf-stream: warning: %s: %s\n", path, reader_skip_reason(err, buf, sizeof(buf)));
}

static void on_record(void *ctx, const void *data, size_t size)
{
	struct stream_map *sm = ctx;
	struct stream *st = sm->st;
	struct strbuf *out = fanout_direct(st->out);

	if (st->fatal)
		return; /* the output is gone: we are on our way out */
	++sm->seq; /* a dropped record leaves a gap, as for a subscriber */
	if (!fanout_take_record(st->out))
		return;
	/* The clock is read for the first record of a pass and then every
	 * TS_EVERY records: microseconds apart under load, and at millions of
	 * records a second, a clock read (a pvclock one in a VM) per record
	 * costs as much as encoding it. */
	if (!st->ts_left) {
		st->ts = realtime_ns();
		st->ts_left = TS_EVERY;
	}
	st->ts_left--;
	if (st->check) {
		/* Before the encoder: it may move the ring buffer on. */
		if (selfcheck_event_ref(&st->arena, sm->m, sm->enc.record, data, size, sm->seq,
					st->ts, &st->check_ref))
			return;
		out = NULL;
	}
	if (out) {
		/* Straight into the output batch: no copy, no frame tree. */
		if (!event_enc_append(&sm->enc, data, size, sm->seq, st->ts, out))
			set_fatal(st, fanout_appended(st->out));
		return;
	}
	sb_reset(&st->frame);
	if (event_enc_append(&sm->enc, data, size, sm->seq, st->ts, &st->frame))
		return;
	if (st->check && selfcheck_compare("Event", sm->m, &st->check_ref, st->frame.buf,
					   st->frame.len)) {
		st->fatal = -EPROTO;
		return;
	}
	set_fatal(st, fanout_publish(st->out, st->frame.buf, st->frame.len));
}

/*
 * One pass over a ring buffer: every record there is (up to RB_BUDGET).
 * Returns how long records may gather before the next pass, the least of
 * `gather` (< 0: none yet) and what this ring buffer allows.
 *
 * The kernel wakes a consumer that has caught up as soon as one record is
 * committed (adaptive notification): a consumer that keeps up easily
 * would be woken, and write its output, for every few records, and that
 * costs both sides far more than the records themselves. So after a pass
 * that found records, the loop sleeps up to GATHER_S before looking again,
 * and each pass takes a batch; the first record after a quiet spell is
 * still read at once. The sleep is cut short enough that the ring buffer,
 * at the rate of this pass, would not get more than a quarter full; and
 * there is none after a pass that hit RB_BUDGET (records are waiting).
 */
static double consume(struct stream *st, struct stream_map *sm, double gather)
{
	unsigned long pos0 = *sm->rb.consumer_pos, bytes;
	double now, rate, limit;
	long got;

	st->ts_left = 0; /* a fresh timestamp for the first record of a pass */
	got = rb_consume(&sm->rb, on_record, sm, RB_BUDGET);
	now = monotonic_s();
	bytes = *sm->rb.consumer_pos - pos0;
	rate = bytes / (now - sm->last_pass > 1e-6 ? now - sm->last_pass : 1e-6);
	sm->last_pass = now;
	if (got <= 0)
		return gather;
	if (got >= RB_BUDGET)
		return 0;
	limit = (sm->rb.mask + 1) / 4.0 / rate;
	if (limit > GATHER_S)
		limit = GATHER_S;
	return gather < 0 || limit < gather ? limit : gather;
}

/* Everything there is (up to RB_BUDGET), in one go: no wakeup per record. */
static void on_ringbuf_ready(void *ctx, uint32_t events)
{
	struct stream_map *sm = ctx;

	(void)events;
	if (sm->consuming)
		sm->st->gather = consume(sm->st, sm, sm->st->gather);
}

/* One consumer per ring buffer, machine-wide per network namespace: an
 * abstract socket named after the map id is the lock, released by the
 * kernel when we die. */
static int lock_ringbuf(__u32 id)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int n;

	if (fd < 0)
		return -errno;
	n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "ebpf-stream/ringbuf/%u", id);
	if (bind(fd, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + 1 + n) < 0) {
		int err = errno == EADDRINUSE ? -EBUSY : -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int setup_map(struct stream *st, struct rmap *m)
{
	struct stream_map *sm;
	int r;

	sm = calloc(1, sizeof(*sm));
	if (!sm)
		return -ENOMEM;
	sm->st = st;
	sm->m = m;
	sm->rb_fd = sm->lock_fd = -1;
	m->user = sm;
	if (m->tags.record[0] && m->btf) {
		int id = btf_record_type_find(m->btf, m->tags.record);
		__s64 size = id > 0 ? btf__resolve_size(m->btf, id) : -1;

		if (size > 0 && !schema_from_btf(m->btf, id, (uint32_t)size, &sm->record)) {
			sm->has_record = true;
			/* The ring buffer's decode tags name record fields. */
			decoders_bind(m, NULL, &sm->record);
		}
	}
	if (m->info.type != BPF_MAP_TYPE_RINGBUF || !st->o.events)
		return 0;
	r = lock_ringbuf(m->info.id);
	if (r < 0) {
		if (!sm->refused)
			fprintf(stderr, "ebpf-stream: ring buffer %s/%s (map id %u) already has a consumer "
				"(another ebpf-stream?): %s\n", m->backend, m->name, m->info.id,
				r == -EBUSY ? "refusing to share its consumer position" : strerror(-r));
		sm->refused = true;
		return st->startup ? r : 0;
	}
	sm->lock_fd = r;
	/* The one read-write open of a reader: the consumer moves its position. */
	sm->rb_fd = bpf_obj_get(m->path);
	if (sm->rb_fd < 0)
		return -errno;
	r = event_enc_init(&sm->enc, m, sm->has_record ? &sm->record : NULL);
	if (r)
		return r;
	r = rb_open(&sm->rb, sm->rb_fd);
	if (r)
		return r;
	/* The map itself is pollable: readable while records are waiting. */
	sm->watch = (struct skel_watch){ .fn = on_ringbuf_ready, .ctx = sm };
	r = skel_watch(&st->sk, sm->rb_fd, EPOLLIN, &sm->watch);
	if (r) {
		rb_close(&sm->rb);
		return r;
	}
	sm->consuming = true;
	return 0;
}

static int setup_new_maps(struct stream *st)
{
	for (size_t i = 0; i < st->r.nr_maps; i++) {
		struct rmap *m = st->r.maps[i];
		int r;

		if (m->user)
			continue;
		r = setup_map(st, m);
		if (r && st->startup) {
			if (r != -EBUSY)
				fprintf(stderr, "ebpf-stream: %s/%s: %s\n", m->backend, m->name, strerror(-r));
			return r;
		}
	}
	return 0;
}

static void describe(struct stream *st, bool publish_it)
{
	Frame *f = frame_describe(&st->arena, &st->r);

	sb_reset(&st->frame);
	if (f)
		frame_pack(f, &st->frame);
	arena_reset(&st->arena);
	fanout_set_describe(st->out, st->frame.buf, st->frame.len);
	if (publish_it) {
		set_fatal(st, fanout_publish(st->out, st->frame.buf, st->frame.len));
	}
}

/* A snapshot going straight to the output is written out in pieces of
 * this much: the output buffer stays small (records are batched by the
 * larger OUT_BATCH: there, fewer writes matter more). */
#define SNAP_PIECE (64 * 1024)

static int out_appended(void *ctx)
{
	struct stream *st = ctx;

	return fanout_direct(st->out)->len >= SNAP_PIECE ? fanout_flush(st->out) : 0;
}

/* One Snapshot frame of a chunk of m (snapenc.c). In output mode it goes
 * straight into the output batch, written out as it fills: the frame is
 * never in memory whole. Subscribers get it from st->frame. */
static int snapshot_frame(struct stream *st, struct rmap *m, struct stream_map *sm,
			  struct snapshot *chunk, const struct snap_frame *sf)
{
	struct strbuf *out = st->check ? NULL : fanout_direct(st->out);
	bool per_cpu = st->o.per_cpu;
	int r;

	if (st->check && (r = selfcheck_snapshot_ref(&st->arena, m, chunk, per_cpu, sf,
						     &st->check_ref)))
		return r;
	if (m->percpu && !per_cpu)
		snap_sum_percpu(&sm->senc, m, chunk);
	if (out) {
		r = snap_enc_append(&sm->senc, m, chunk, per_cpu, sf, out, out_appended, st);
		/* Half a frame may be out: the stream cannot go on. */
		set_fatal(st, r);
		return r;
	}
	sb_reset(&st->frame);
	r = snap_enc_append(&sm->senc, m, chunk, per_cpu, sf, &st->frame, NULL, NULL);
	if (r)
		return r;
	if (st->check && selfcheck_compare("Snapshot", m, &st->check_ref, st->frame.buf,
					   st->frame.len))
		return st->fatal = -EPROTO;
	r = fanout_publish_snapshot(st->out, st->frame.buf, st->frame.len, sf->part == 0);
	set_fatal(st, r);
	return r;
}

/* A snapshot of m: a Snapshot frame per chunk read (readers/core
 * snapshot_iter), so that memory does not grow with the map. Frames of
 * one snapshot share Snapshot.seq and come one after the other; the last
 * says more = false. One that cannot be read to the end just stops: the
 * next Snapshot frame has another seq (docs/ebpf-stream.md). */
static void snapshot_map(struct stream *st, struct rmap *m, struct stream_map *sm)
{
	struct snap_frame sf = { 0 };
	int r;

	if ((!sm->senc.ready && snap_enc_init(&sm->senc, m)) || snapshot_iter_open(&sm->it, m))
		return;
	sf.seq = ++st->snap_seq;
	for (r = snapshot_iter_next(&sm->it); r >= 0; r = snapshot_iter_next(&sm->it)) {
		sf.ts = realtime_ns();
		sf.more = r > 0 && !snapshot_iter_done(&sm->it);
		if (snapshot_frame(st, m, sm, &sm->it.chunk, &sf) || !sf.more)
			break;
		sf.part++;
	}
}

static void snapshots(struct stream *st)
{
	for (size_t i = 0; i < st->r.nr_maps && !st->fatal; i++) {
		struct rmap *m = st->r.maps[i];

		/* Hidden maps are described (MapDesc.hidden), never sent. */
		if (m->snapshottable && m->user && !m->hidden)
			snapshot_map(st, m, m->user);
	}
}

static bool has_maps_of(const struct reader *r, const char *backend)
{
	for (size_t i = 0; i < r->nr_maps; i++)
		if (!strcmp(r->maps[i]->backend, backend))
			return true;
	return false;
}

static void refresh(struct stream *st)
{
	st->nchanges = 0;
	st->maps_changed = false;
	reader_rescan(&st->r);
	setup_new_maps(st);
	for (size_t i = 0; i < st->nchanges; i++) {
		struct change *c = &st->changes[i];

		/* shared/ comes and goes a map at a time: told as added with
		 * the maps it has now, or removed once it has none (as when
		 * the whole pin root went), the way it was told added. */
		if (!strcmp(c->backend, PIN_DIR_SHARED))
			c->added = has_maps_of(&st->r, c->backend);
		publish(st, frame_backend(&st->arena, &st->r, c->backend, c->added));
	}
	if (st->maps_changed)
		describe(st, false); /* new subscribers get the current picture */
	if (st->o.snapshots)
		snapshots(st);
}

/*
 * --output FILE. It holds process names and paths: a symbolic link is not
 * followed (root would write wherever it points), and an existing regular
 * file must belong to us (its owner could read it whatever its mode) and
 * is made 0600, as a new one is created, before it is truncated. Anything
 * else (a FIFO, /dev/null, a terminal) is written as it is.
 */
static int open_output(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	struct stat s;
	int r;

	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP && !lstat(path, &s) && S_ISLNK(s.st_mode))
			snprintf(err, errlen, "%s: a symbolic link: not followed", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &s) < 0) {
		r = -errno;
		goto fail;
	}
	if (!S_ISREG(s.st_mode))
		return fd;
	if (s.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, not by uid %u: not written", path,
			 (unsigned)s.st_uid, (unsigned)geteuid());
		close(fd);
		return -EPERM;
	}
	if (((s.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0) || ftruncate(fd, 0) < 0) {
		r = -errno;
		goto fail;
	}
	return fd;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(-r));
	close(fd);
	return r;
}

static int parse_queue_bytes(const char *arg, size_t *bytes)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || v < 1024) {
		fprintf(stderr, "ebpf-stream: invalid --queue-bytes '%s': at least 1024\n", arg);
		return 2;
	}
	*bytes = v;
	return 0;
}

static int parse_period(int c, const char *arg, struct opts *o)
{
	double v;

	if (parse_seconds(arg, &v)) {
		fprintf(stderr, "ebpf-stream: invalid --%s '%s': " SECONDS_RULE "\n",
			c == 'i' ? "interval" : "max-lag", arg);
		return 2;
	}
	*(c == 'i' ? &o->interval : &o->max_lag) = v;
	return 0;
}

/* The options together: what excludes what; --listen parsed (a bad one is
 * a usage error before anything is opened). 0 or 2. */
static int check_opts(struct opts *o, bool only_snap, bool only_events)
{
	struct diag d = {};
	int r;

	if (only_snap && only_events) {
		fprintf(stderr, "ebpf-stream: --snapshots and --events exclude each other\n");
		return 2;
	}
	if (o->web_config && (o->output || o->once)) {
		fprintf(stderr, "ebpf-stream: --web.config.file is for subscribers (--listen), "
			"not with %s\n", o->once ? "--once" : "--output");
		return 2;
	}
	if (o->output && o->listen) {
		fprintf(stderr, "ebpf-stream: --output and --listen exclude each other\n");
		return 2;
	}
	if (o->once && (only_events || o->listen)) {
		fprintf(stderr, "ebpf-stream: --once writes one snapshot of each map to the output: "
			"not with %s\n", only_events ? "--events" : "--listen");
		return 2;
	}
	if (o->once && o->nats.servers) {
		fprintf(stderr, "ebpf-stream: --once writes one snapshot to the output: not with --publish\n");
		return 2;
	}
	if (!o->nats.cert != !o->nats.key) {
		fprintf(stderr, "ebpf-stream: --nats-cert and --nats-key go together (a client "
			"certificate and its key)\n");
		return 2;
	}
	if (o->nats.servers && !o->output && !o->listen)
		o->output = "/dev/null"; /* published only */
	r = o->listen ? listen_addr_parse(&o->listen_addr, o->listen, LISTEN_PREFIXED, &d) : 0;
	if (r) {
		fprintf(stderr, "ebpf-stream: %s\n", diag_msg(&d, r));
		return 2;
	}
	if (o->once)
		only_snap = true; /* no ring buffer is consumed */
	o->snapshots = !only_events;
	o->events = !only_snap;
	return 0;
}

/* The long name of option code c (every option has one). */
static const char *opt_name(const struct option *longopts, int c)
{
	for (; longopts->name; longopts++)
		if (longopts->val == c)
			return longopts->name;
	return "?";
}

/* --decode reads standard input and nothing else: an option or argument
 * beside it would be silently ignored (a file name given as an argument,
 * while it waits on a terminal). other: the first other option, or NULL.
 * 0 or 2. */
static int check_decode(int argc, char **argv, const char *other)
{
	if (other) {
		fprintf(stderr, "ebpf-stream: --decode reads a stream on standard input: "
			"not with --%s\n", other);
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "ebpf-stream: --decode reads a stream on standard input: "
			"not with argument '%s' (give it as < %s)\n", argv[optind], argv[optind]);
		return 2;
	}
	return 0;
}

/* 0, or the exit status: 2 for a usage error; --help and --version exit. */
static int parse_opts(int argc, char **argv, struct opts *o, bool *decode)
{
	static const struct option longopts[] = {
		{ "pin-root", required_argument, NULL, 'r' },
		{ "interval", required_argument, NULL, 'i' },
		{ "snapshots", no_argument, NULL, 's' },
		{ "events", no_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "listen", required_argument, NULL, 'l' },
		{ "web.config.file", required_argument, NULL, 'W' },
		{ "per-cpu", no_argument, NULL, 'p' },
		{ "once", no_argument, NULL, '1' },
		{ "queue-bytes", required_argument, NULL, 'Q' },
		{ "max-lag", required_argument, NULL, 'L' },
		{ "decode", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		NATS_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	bool only_snap = false, only_events = false;
	const char *other = NULL; /* the first option other than --decode */
	char msg[256];
	int c, r = 0;

	opterr = 0; /* its errors are ours to word, in one line */
	while (!r && (c = getopt_long(argc, argv, ":r:i:seo:l:pdhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->pin_root = optarg; break;
		case 'i':
		case 'L': r = parse_period(c, optarg, o); break;
		case 's': only_snap = true; break;
		case 'e': only_events = true; break;
		case 'o': o->output = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'W': o->web_config = optarg; break;
		case 'p': o->per_cpu = true; break;
		case '1': o->once = true; break;
		case 'Q': r = parse_queue_bytes(optarg, &o->queue_bytes); break;
		case 'd': *decode = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("ebpf-stream %s\n", EBPF_VERSION); exit(0);
		default:
			if (c >= NATS_OPT_PUBLISH && c < NATS_OPT_END) {
				r = nats_opt(c, optarg, &o->nats);
				break;
			}
			fprintf(stderr, "ebpf-stream: %s (see --help)\n",
				opt_error(msg, sizeof(msg), c, argv, longopts));
			return 2;
		}
		if (c != 'd' && !other)
			other = opt_name(longopts, c);
	}
	if (!r && *decode)
		r = check_decode(argc, argv, other);
	return r ? r : check_opts(o, only_snap, only_events);
}

/* The reader core on the pin root, the first scan and the ring buffer
 * consumers (and their locks), before anything is sent. 0 or 1, said. */
static int open_reader(struct stream *st, char **sel, int nsel)
{
	struct diag d = {};
	const char *unmatched;
	int r;

	r = reader_init(&st->r, st->o.pin_root, sel, nsel, &d);
	if (r) {
		fprintf(stderr, "ebpf-stream: %s\n", diag_msg(&d, r));
		return 1;
	}
	st->r.on_event = on_event;
	st->r.on_map_free = on_map_free;
	st->r.on_skip = on_skip;
	st->r.ctx = st;
	r = reader_start(&st->r, &d);
	if (r) {
		fprintf(stderr, "ebpf-stream: %s\n", diag_msg(&d, r));
		return 1;
	}
	unmatched = reader_unmatched_selector(&st->r);
	if (unmatched) {
		fprintf(stderr, "ebpf-stream: no backend or map matches '%s' under %s\n", unmatched,
			st->o.pin_root);
		return 1;
	}
	st->nchanges = 0;
	return setup_new_maps(st) ? 1 : 0;
}

/* --listen: subscribers on our socket. 0, or the exit status, said. */
static int open_listen(struct stream *st)
{
	struct diag d = {};
	int fd = listen_addr_open(&st->o.listen_addr, &d);

	if (fd < 0) {
		fprintf(stderr, "ebpf-stream: %s\n", diag_msg(&d, fd));
		return fd == -EINVAL ? 2 : 1;
	}
	st->out = fanout_new_listen(fd, st->o.queue_bytes, st->o.max_lag);
	if (!st->out)
		close(fd);
	return 0;
}

/* --output FILE, or stdout. 0, or the exit status, said. */
static int open_output_file(struct stream *st, int *out_fd)
{
	char err[512];

	if (st->o.output && strcmp(st->o.output, "-")) {
		*out_fd = open_output(st->o.output, err, sizeof(err));
		if (*out_fd < 0) {
			fprintf(stderr, "ebpf-stream: %s\n", err);
			return 1;
		}
	}
	st->out = fanout_new_output(*out_fd >= 0 ? *out_fd : STDOUT_FILENO, st->o.queue_bytes);
	return 0;
}

/* Where the stream goes: systemd's socket, --listen's, --output's file or
 * stdout. Opened last: a stream refused at start (a ring buffer taken)
 * leaves a file or socket of that name as it was. 0, or the exit status. */
static int open_sink(struct stream *st, int *out_fd)
{
	struct diag d = {};
	int n = st->o.once ? 0 : skel_passed_sockets(&d), r;

	if (n < 0) {
		fprintf(stderr, "ebpf-stream: %s\n", diag_msg(&d, n));
		return 1;
	}
	if (n > 0) {
		/* Socket activation: subscribers arrive on systemd's socket. */
		st->out = fanout_new_listen(SD_LISTEN_FDS_START, st->o.queue_bytes, st->o.max_lag);
		st->o.listen = "systemd";
	} else {
		r = st->o.listen ? open_listen(st) : open_output_file(st, out_fd);
		if (r)
			return r;
	}
	if (!st->out) {
		fprintf(stderr, "ebpf-stream: %s\n", strerror(ENOMEM));
		return 1;
	}
	if (st->web.path && !st->o.listen) {
		fprintf(stderr, "ebpf-stream: --web.config.file is for subscribers: it needs --listen\n");
		return 2;
	}
	if (st->web.path)
		fanout_set_web(st->out, &st->web);
	return 0;
}

static void on_reload(void *ctx)
{
	web_reload(ctx);
}

/* --web.config.file, read before capabilities are dropped (a reload reads
 * it again without them: docs/security.md). SIGHUP is caught with or
 * without one: the unit's ExecReload sends it. 0, or the exit status, said. */
static int open_web(struct stream *st)
{
	struct diag d = {};
	int r = 0;

	st->web.prog = "ebpf-stream";
	if (st->o.web_config)
		r = web_open(&st->web, "ebpf-stream", st->o.web_config, false, &d);
	if (!r)
		r = skel_catch_reload(&st->sk, on_reload, &st->web);
	if (r) {
		fprintf(stderr, "ebpf-stream: %s\n", diag_msg(&d, r));
		return 1;
	}
	if (st->web.cfg.headers.len)
		fprintf(stderr, "ebpf-stream: warning: %s: http_server_config.headers: no HTTP "
			"in a stream, ignored\n", st->o.web_config);
	return 0;
}

/* The exit status of a stream whose output ended with st->fatal, said. A
 * reader that went away (EPIPE) ends it as a stop does; a self-check
 * failure (EPROTO) has been told; any other error (a full disk) is one. */
static int output_status(const struct stream *st)
{
	int r = st->fatal;
	const char *to = st->o.output && strcmp(st->o.output, "-") ? st->o.output
								   : "standard output";

	if (r == -ETIMEDOUT)
		fprintf(stderr, "ebpf-stream: writing the stream to %s: its reader took nothing for "
			"%d s after the stop: %zu bytes not written\n", to, OUTQ_CLOSE_WAIT_S,
			st->unwritten);
	else if (r < 0 && r != -EPIPE && r != -EPROTO)
		fprintf(stderr, "ebpf-stream: writing the stream to %s: %s\n", to, strerror(-r));
	return r < 0 && r != -EPIPE ? 1 : 0;
}

/* The output written to its end, or given up on at a stop (its reader
 * stalls): the first error is the stream's. */
static void close_output(struct stream *st)
{
	set_fatal(st, fanout_close_output(st->out, &st->unwritten));
}

/* --once: one snapshot of each map after the describe frame. Exit status. */
static int run_once(struct stream *st)
{
	snapshots(st);
	set_fatal(st, fanout_flush(st->out));
	close_output(st);
	return output_status(st);
}

static void on_subscribers(void *ctx, uint32_t events)
{
	(void)events;
	fanout_process(ctx);
}

static void on_tick(void *ctx)
{
	refresh(ctx);
}

/* The end of a pass of the loop: heartbeat, output, and time for records
 * to gather. < 0 ends the stream (the output went away, or is broken). */
static int after_pass(void *ctx)
{
	struct stream *st = ctx;
	double now = monotonic_s(), gather = st->gather;

	if (now - st->last_beat >= HEARTBEAT_S) {
		publish(st, frame_heartbeat(&st->arena, ++st->heartbeat_seq));
		st->last_beat = now;
	}
	st->gather = -1;
	set_fatal(st, fanout_flush(st->out));
	if (st->fatal)
		return -1;
	if (gather > 0) {
		/* Let records gather: the next pass reads a batch. */
		struct timespec ts = { 0, (long)(gather * 1e9) };

		nanosleep(&ts, NULL);
	}
	return 0;
}

/* Records already in the ring buffers are not lost on a clean stop: what
 * is there now; a producer that goes on is not waited for. */
static void drain(struct stream *st)
{
	for (size_t i = 0; i < st->r.nr_maps; i++) {
		struct stream_map *sm = st->r.maps[i]->user;

		st->ts_left = 0;
		if (sm && sm->consuming)
			rb_consume(&sm->rb, on_record, sm, (long)(sm->rb.mask / 8 + 1));
	}
	set_fatal(st, fanout_flush(st->out));
}

/* Stream until a stop signal or the output goes away. Exit status. */
static int run(struct stream *st)
{
	struct skel_watch subscribers = { .fn = on_subscribers, .ctx = st->out };
	int r = skel_set_tick(&st->sk, st->o.interval);

	if (!r && st->o.listen)
		r = skel_watch(&st->sk, fanout_epoll_fd(st->out), EPOLLIN, &subscribers);
	if (!r)
		r = fanout_start(st->out); /* privileges are dropped: the writer has none */
	if (r) {
		fprintf(stderr, "ebpf-stream: %s\n", strerror(-r));
		return 1;
	}
	st->sk.on_tick = on_tick;
	st->sk.after_pass = after_pass;
	st->sk.ctx = st;
	st->gather = -1;
	if (st->o.snapshots)
		snapshots(st);
	fanout_flush(st->out);
	skel_ready(&st->sk, "streaming %zu maps from %s", st->r.nr_maps, st->o.pin_root);
	st->last_beat = monotonic_s();
	r = skel_run(&st->sk);
	if (r)
		fprintf(stderr, "ebpf-stream: %s\n", strerror(-r));
	fanout_stopping(st->out);
	drain(st);
	close_output(st);
	return output_status(st) || r ? 1 : 0;
}

static void stream_free(struct stream *st, int out_fd)
{
	fanout_free(st->out);
	natspub_close(st->np); /* after the last bytes fanout_free() flushes */
	listen_addr_release(&st->o.listen_addr);
	reader_free(&st->r);
	arena_free(&st->arena);
	sb_free(&st->frame);
	sb_free(&st->check_ref);
	skel_free(&st->sk);
	web_close(&st->web);
	if (out_fd >= 0)
		close(out_fd);
}

/* --publish: frames go to NATS too, one more consumer of the stream's
 * bytes. libnats is loaded here, before capabilities are dropped. */
static int open_publish(struct stream *st)
{
	struct diag d = {};
	int r = natslibs_load(&d);

	if (r) {
		fprintf(stderr, "ebpf-stream: %s\n", diag_msg(&d, r));
		return 1;
	}
	if (natspub_open(&st->np, &st->o.nats))
		return 1;
	fanout_set_tap(st->out, natspub_feed, st->np);
	return 0;
}

int main(int argc, char **argv)
{
	struct stream st = { .o = { .interval = 1.0, .queue_bytes = 8u << 20, .max_lag = 10.0,
				    .nats = { .prefix = "ebpf", .replicas = 1,
					      .buffer = 64u << 20, .window = 16384 } },
			     .startup = true };
	bool decode = false;
	int out_fd = -1, r;

	r = parse_opts(argc, argv, &st.o, &decode);
	if (r)
		return r;
	if (decode)
		return stream_decode(stdin, stdout) ? 1 : 0;
	/* From the start: a stop request during set-up is handled by the loop
	 * (signalfd), after the describe frame, not by dying half-way. */
	r = skel_init(&st.sk);
	if (r) {
		fprintf(stderr, "ebpf-stream: %s\n", strerror(-r));
		return 1;
	}
	st.check = selfcheck_enabled();
	st.o.pin_root = pin_root_resolve(st.o.pin_root);
	r = open_web(&st);
	if (!r)
		r = open_reader(&st, argv + optind, argc - optind);
	if (!r)
		r = open_sink(&st, &out_fd);
	if (!r && st.o.nats.servers)
		r = open_publish(&st);
	if (r)
		goto out;
	st.startup = false;
	st.nchanges = 0; /* the describe frame says what is there at start */
	describe(&st, true);
	skel_drop_privileges("ebpf-stream");
	r = st.o.once ? run_once(&st) : run(&st);
out:
	stream_free(&st, out_fd);
	return r;
}
