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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "sdlazy.h"
#include "btftags.h"
#include "caps.h"
#include "cliopt.h"
#include "pinlayout.h"
#include "sysnames.h"
#include "stream.h"
#include "tcplisten.h"
#include "util.h"

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
	struct sockaddr_storage listen_addr; /* --listen, parsed */
	socklen_t listen_len;
	bool per_cpu;
	bool once;
	size_t queue_bytes;
	double max_lag;
};

struct change {
	char backend[64];
	bool added;
};

struct stream {
	struct opts o;
	struct reader r;
	struct fanout *out;
	struct arena arena;
	struct strbuf frame;
	bool check;             /* EBPF_STREAM_SELFCHECK (selfcheck.c) */
	struct strbuf check_ref;
	int epfd;
	struct change changes[64];
	size_t nchanges;
	bool startup;           /* a refused ring buffer is fatal only at start */
	bool maps_changed;      /* the describe frame for new subscribers is stale */
	struct stat socket_file; /* --listen unix:PATH bound by us (else mode 0):
				  * removed at exit if it is still this one */
	int fatal;
	uint64_t heartbeat_seq;
	uint64_t ts;            /* Event.timestamp_ns of the records being read */
	unsigned ts_left;       /* records until the clock is read again */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ebpf-stream [--pin-root DIR] [--interval SEC] [--snapshots|--events]\n"
		"                   [--output FILE|-] [--listen unix:PATH|tcp:ADDR:PORT]\n"
		"                   [--per-cpu] [SELECTOR...]\n"
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
		"  --queue-bytes N       per-subscriber queue (default 8 MiB)\n"
		"  --max-lag SEC         disconnect a subscriber behind for longer (default 10)\n"
		"  --per-cpu             per-CPU values instead of their sum\n"
		"  --decode              read a stream on stdin, print JSON lines\n"
		"  --help, --version\n");
}

static void publish(struct stream *st, Frame *f)
{
	int r;

	if (!f) {
		arena_reset(&st->arena);
		return;
	}
	sb_reset(&st->frame);
	frame_pack(f, &st->frame);
	arena_reset(&st->arena);
	r = fanout_publish(st->out, st->frame.buf, st->frame.len);
	if (r < 0 && !st->fatal)
		st->fatal = r;
}

static void on_map_free(void *ctx, struct rmap *m)
{
	struct stream_map *sm = m->user;

	if (!sm)
		return;
	if (sm->consuming) {
		epoll_ctl(sm->st->epfd, EPOLL_CTL_DEL, sm->rb_fd, NULL);
		rb_close(&sm->rb);
	}
	event_enc_free(&sm->enc);
	snap_enc_free(&sm->senc);
	if (sm->rb_fd >= 0)
		close(sm->rb_fd);
	if (sm->lock_fd >= 0)
		close(sm->lock_fd);
	schema_free(&sm->record);
	snapshot_free(&sm->snap);
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
	if (ev == MAP_REMOVED || st->nchanges == ARRAY_SIZE(st->changes))
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
	++sm->seq;
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
		if (!event_enc_append(&sm->enc, data, size, sm->seq, st->ts, out) &&
		    fanout_appended(st->out) < 0)
			st->fatal = -EPIPE;
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
	if (fanout_publish(st->out, st->frame.buf, st->frame.len) < 0)
		st->fatal = -EPIPE;
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
	if (m->hints.record[0] && m->btf) {
		int id = btf_record_type_find(m->btf, m->hints.record);
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
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = m };

	/* The map itself is pollable: readable while records are waiting. */
	if (epoll_ctl(st->epfd, EPOLL_CTL_ADD, sm->rb_fd, &ev) < 0) {
		r = -errno;
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
		int r = fanout_publish(st->out, st->frame.buf, st->frame.len);

		if (r < 0 && !st->fatal)
			st->fatal = r;
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

/* One Snapshot frame of m (snapenc.c). In output mode it goes straight
 * into the output batch, written out as it fills: the frame is never in
 * memory whole. Subscribers get it whole, from st->frame. */
static void snapshot_map(struct stream *st, struct rmap *m, struct stream_map *sm)
{
	struct strbuf *out = st->check ? NULL : fanout_direct(st->out);
	bool per_cpu = st->o.per_cpu;
	uint64_t ts;
	int r;

	if (snapshot_take(m, &sm->snap) || (!sm->senc.ready && snap_enc_init(&sm->senc, m)))
		return;
	ts = realtime_ns();
	if (st->check && selfcheck_snapshot_ref(&st->arena, m, &sm->snap, per_cpu, ts,
						&st->check_ref))
		return;
	if (m->percpu && !per_cpu)
		snap_sum_percpu(&sm->senc, m, &sm->snap);
	if (out) {
		r = snap_enc_append(&sm->senc, m, &sm->snap, per_cpu, ts, out, out_appended, st);
		/* Half a frame may be out: the stream cannot go on. */
		if (r < 0 && !st->fatal)
			st->fatal = r;
		return;
	}
	sb_reset(&st->frame);
	if (snap_enc_append(&sm->senc, m, &sm->snap, per_cpu, ts, &st->frame, NULL, NULL))
		return;
	if (st->check && selfcheck_compare("Snapshot", m, &st->check_ref, st->frame.buf,
					   st->frame.len)) {
		st->fatal = -EPROTO;
		return;
	}
	r = fanout_publish(st->out, st->frame.buf, st->frame.len);
	if (r < 0 && !st->fatal)
		st->fatal = r;
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

static void refresh(struct stream *st)
{
	st->nchanges = 0;
	st->maps_changed = false;
	reader_rescan(&st->r);
	setup_new_maps(st);
	for (size_t i = 0; i < st->nchanges; i++)
		publish(st, frame_backend(&st->arena, &st->r, st->changes[i].backend,
					  st->changes[i].added));
	if (st->maps_changed)
		describe(st, false); /* new subscribers get the current picture */
	if (st->o.snapshots)
		snapshots(st);
}

/* --listen tcp:ADDR:PORT, by the exporter's rule (lib/tcplisten.h). */
static int open_tcp_listen(const char *spec, char *err, size_t errlen)
{
	struct diag d = {};
	int fd = tcp_listen(spec + 4, 64, &d);

	if (fd == -EINVAL)
		snprintf(err, errlen, "invalid --listen '%s': %s", spec, diag_msg(&d, fd));
	else if (fd < 0)
		snprintf(err, errlen, "cannot listen on %s: %s", spec, diag_msg(&d, fd));
	return fd;
}

/* What is at a path, for a message. */
static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFLNK: return "a symbolic link";
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	}
	return "of an unknown kind";
}

/*
 * Bind fd at sa->sun_path. Something there already: a socket nobody
 * listens on is the leftover of a stream that died, and is taken over; a
 * live one is in use (-EADDRINUSE). Anything else is not ours to replace
 * (-EEXIST, its kind in *found): connecting to a file that is not a socket
 * fails with ECONNREFUSED as well, so the kind is checked first.
 */
static int bind_unix(int fd, const struct sockaddr_un *sa, mode_t *found)
{
	const char *path = sa->sun_path;
	struct stat s;
	int probe, r;

	if (!bind(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	if (lstat(path, &s) < 0)
		return -EADDRINUSE; /* gone meanwhile: someone else's doing */
	if (!S_ISSOCK(s.st_mode)) {
		*found = s.st_mode;
		return -EEXIST;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	r = connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? -errno : 0;
	close(probe);
	if (r != -ECONNREFUSED)
		return -EADDRINUSE;
	if (unlink(path) < 0 || bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return -errno;
	return 0;
}

/* The socket file we bound at path, unless something else has taken its
 * place since (a stream started after ours was removed, a file). */
static void remove_socket_file(const char *path, const struct stat *bound)
{
	struct stat s;

	if (S_ISSOCK(bound->st_mode) && !lstat(path, &s) && S_ISSOCK(s.st_mode) &&
	    s.st_dev == bound->st_dev && s.st_ino == bound->st_ino)
		unlink(path);
}

/*
 * --listen unix:PATH or tcp:ADDR:PORT into an address, at option parsing:
 * a bad one is a usage error before anything is opened.
 */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
			char *err, size_t errlen)
{
	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un *sa = (struct sockaddr_un *)ss;
		const char *path = spec + 5;

		if (!*path || strlen(path) >= sizeof(sa->sun_path)) {
			snprintf(err, errlen, "invalid --listen '%s': unix:PATH (at most %zu bytes)",
				 spec, sizeof(sa->sun_path) - 1);
			return -EINVAL;
		}
		sa->sun_family = AF_UNIX;
		strscpy(sa->sun_path, path, sizeof(sa->sun_path));
		*len = sizeof(*sa);
		return 0;
	}
	if (!strncmp(spec, "tcp:", 4)) {
		struct diag d = {};
		int r = tcp_listen_check(spec + 4, &d);

		if (r)
			snprintf(err, errlen, "invalid --listen '%s': %s", spec, diag_msg(&d, r));
		return r;
	}
	snprintf(err, errlen, "invalid --listen '%s': unix:PATH or tcp:ADDR:PORT", spec);
	return -EINVAL;
}

/* --listen unix:PATH; *bound is the socket file made (to remove it at exit). */
static int open_listen_unix(const char *spec, const struct sockaddr_un *sa, struct stat *bound,
			    char *err, size_t errlen)
{
	const char *path = sa->sun_path;
	mode_t found = 0;
	int fd, r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	r = bind_unix(fd, sa, &found);
	if (r)
		goto fail;
	/* Which file is ours: at exit, only that one is removed. */
	if (lstat(path, bound) < 0) {
		r = -errno;
		goto fail;
	}
	if (listen(fd, 64) < 0) {
		r = -errno;
		remove_socket_file(path, bound);
		goto fail;
	}
	return fd;
fail:
	if (r == -EEXIST)
		snprintf(err, errlen, "cannot listen on %s: %s is %s, not a socket: not replaced",
			 spec, path, file_kind(found));
	else
		snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(-r));
	if (fd >= 0)
		close(fd);
	memset(bound, 0, sizeof(*bound));
	return r;
}

/* The listening socket of a parsed --listen (parse_listen()), or -errno. */
static int open_listen(const struct opts *o, struct stat *bound, char *err, size_t errlen)
{
	memset(bound, 0, sizeof(*bound));
	if (o->listen_addr.ss_family == AF_UNIX)
		return open_listen_unix(o->listen, (const struct sockaddr_un *)&o->listen_addr,
					bound, err, errlen);
	return open_tcp_listen(o->listen, err, errlen);
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

static int parse_opts(int argc, char **argv, struct opts *o, bool *decode)
{
	static const struct option longopts[] = {
		{ "pin-root", required_argument, NULL, 'r' },
		{ "interval", required_argument, NULL, 'i' },
		{ "snapshots", no_argument, NULL, 's' },
		{ "events", no_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "listen", required_argument, NULL, 'l' },
		{ "per-cpu", no_argument, NULL, 'p' },
		{ "once", no_argument, NULL, '1' },
		{ "queue-bytes", required_argument, NULL, 'Q' },
		{ "max-lag", required_argument, NULL, 'L' },
		{ "decode", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool only_snap = false, only_events = false;
	char err[512], msg[256];
	char *end;
	int c;

	opterr = 0; /* its errors are ours to word, in one line */
	while ((c = getopt_long(argc, argv, ":r:i:seo:l:pdhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->pin_root = optarg; break;
		case 'i':
		case 'L': {
			double v;

			if (parse_seconds(optarg, &v)) {
				fprintf(stderr, "ebpf-stream: invalid --%s '%s': " SECONDS_RULE "\n",
					c == 'i' ? "interval" : "max-lag", optarg);
				return 2;
			}
			*(c == 'i' ? &o->interval : &o->max_lag) = v;
			break;
		}
		case 's': only_snap = true; break;
		case 'e': only_events = true; break;
		case 'o': o->output = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'p': o->per_cpu = true; break;
		case '1': o->once = true; break;
		case 'Q': {
			unsigned long long v;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1024) {
				fprintf(stderr, "ebpf-stream: invalid --queue-bytes '%s': at least 1024\n", optarg);
				return 2;
			}
			o->queue_bytes = v;
			break;
		}
		case 'd': *decode = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("ebpf-stream %s\n", EBPF_VERSION); exit(0);
		default:
			fprintf(stderr, "ebpf-stream: %s (see --help)\n",
				opt_error(msg, sizeof(msg), c, argv, longopts));
			return 2;
		}
	}
	if (only_snap && only_events) {
		fprintf(stderr, "ebpf-stream: --snapshots and --events exclude each other\n");
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
	if (o->listen && parse_listen(o->listen, &o->listen_addr, &o->listen_len, err,
				      sizeof(err))) {
		fprintf(stderr, "ebpf-stream: %s\n", err);
		return 2;
	}
	if (o->once)
		only_snap = true; /* no ring buffer is consumed */
	o->snapshots = !only_events;
	o->events = !only_snap;
	return 0;
}

int main(int argc, char **argv)
{
	static const int keep[] = { CAP_BPF };
	struct stream st = { .o = { .interval = 1.0, .queue_bytes = 8u << 20, .max_lag = 10.0 },
			     .epfd = -1, .startup = true };
	struct itimerspec its = {};
	struct diag d = {};
	bool decode = false;
	int tfd = -1, sfd = -1, out_fd = -1, n_passed, r;
	uint64_t watchdog_usec = 0;
	double last_beat, last_dog;
	const char *unmatched;
	sigset_t mask;
	char err[512];

	r = parse_opts(argc, argv, &st.o, &decode);
	if (r)
		return r;
	/* From the start: a stop request during set-up is handled by the loop
	 * (signalfd), after the describe frame, not by dying half-way. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (!decode)
		sigprocmask(SIG_BLOCK, &mask, NULL);
	if (decode) {
		r = stream_decode(stdin, stdout);
		return r ? 1 : 0;
	}
	st.check = selfcheck_enabled();
	st.o.pin_root = pin_root_resolve(st.o.pin_root);
	r = reader_init(&st.r, st.o.pin_root, argv + optind, argc - optind, &d);
	if (r) {
		fprintf(stderr, "ebpf-stream: %s\n", diag_msg(&d, r));
		return 1;
	}
	st.r.on_event = on_event;
	st.r.on_map_free = on_map_free;
	st.r.on_skip = on_skip;
	st.r.ctx = &st;
	st.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (st.epfd < 0) {
		fprintf(stderr, "ebpf-stream: epoll: %s\n", strerror(errno));
		r = 1;
		goto out;
	}
	r = reader_start(&st.r, &d);
	if (r) {
		fprintf(stderr, "ebpf-stream: %s\n", diag_msg(&d, r));
		r = 1;
		goto out;
	}
	unmatched = reader_unmatched_selector(&st.r);
	if (unmatched) {
		fprintf(stderr, "ebpf-stream: no backend or map matches '%s' under %s\n", unmatched,
			st.o.pin_root);
		r = 1;
		goto out;
	}
	n_passed = st.o.once ? 0 : sdl_listen_fds(1);
	if (n_passed < 0) {
		/* Sockets were passed but cannot be taken: serving elsewhere
		 * would not be what systemd was told. */
		fprintf(stderr, "ebpf-stream: sockets passed by systemd (LISTEN_FDS): %s\n",
			strerror(-n_passed));
		r = 1;
		goto out;
	}
	/* Ring buffer consumers (and their locks) before anything is sent. */
	st.nchanges = 0;
	r = setup_new_maps(&st);
	if (r) {
		r = 1;
		goto out;
	}
	/* The output last: a stream refused at start (a ring buffer taken)
	 * leaves a file or socket of that name as it was. */
	if (n_passed > 0) {
		/* Socket activation: subscribers arrive on systemd's socket. */
		st.out = fanout_new_listen(SD_LISTEN_FDS_START, st.o.queue_bytes, st.o.max_lag);
		st.o.listen = "systemd";
	} else if (st.o.listen) {
		int lfd = open_listen(&st.o, &st.socket_file, err, sizeof(err));

		if (lfd < 0) {
			fprintf(stderr, "ebpf-stream: %s\n", err);
			r = 1;
			goto out;
		}
		st.out = fanout_new_listen(lfd, st.o.queue_bytes, st.o.max_lag);
		if (!st.out)
			close(lfd);
	} else {
		if (st.o.output && strcmp(st.o.output, "-")) {
			out_fd = open_output(st.o.output, err, sizeof(err));
			if (out_fd < 0) {
				fprintf(stderr, "ebpf-stream: %s\n", err);
				r = 1;
				goto out;
			}
		}
		st.out = fanout_new_output(out_fd >= 0 ? out_fd : STDOUT_FILENO);
	}
	if (!st.out) {
		fprintf(stderr, "ebpf-stream: %s\n", strerror(ENOMEM));
		r = 1;
		goto out;
	}
	st.startup = false;
	st.nchanges = 0; /* the describe frame says what is there at start */
	describe(&st, true);
	sysnames_prepare(); /* ksym, kstack: kallsyms shows addresses to its opener */
	caps_keep_only(keep, ARRAY_SIZE(keep));
	if (st.o.once) {
		signal(SIGPIPE, SIG_IGN);
		snapshots(&st);
		r = fanout_flush(st.out);
		if (st.fatal)
			r = st.fatal;
		/* A reader that went away early is not an error, as when streaming;
		 * a self-check failure has been told. */
		if (r < 0 && r != -EPIPE && r != -EPROTO)
			fprintf(stderr, "ebpf-stream: writing the stream: %s\n", strerror(-r));
		r = r < 0 && r != -EPIPE ? 1 : 0;
		goto out;
	}

	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	its.it_interval.tv_sec = (time_t)st.o.interval;
	its.it_interval.tv_nsec = (long)((st.o.interval - (time_t)st.o.interval) * 1e9);
	its.it_value = its.it_interval;
	timerfd_settime(tfd, 0, &its, NULL);
	{
		struct epoll_event ev = { .events = EPOLLIN };

		ev.data.ptr = &sfd;
		epoll_ctl(st.epfd, EPOLL_CTL_ADD, sfd, &ev);
		ev.data.ptr = &tfd;
		epoll_ctl(st.epfd, EPOLL_CTL_ADD, tfd, &ev);
		if (st.o.listen) {
			ev.data.ptr = st.out;
			epoll_ctl(st.epfd, EPOLL_CTL_ADD, fanout_epoll_fd(st.out), &ev);
		}
	}
	if (st.o.snapshots)
		snapshots(&st);
	fanout_flush(st.out);
	if (sdl_watchdog_enabled(0, &watchdog_usec) <= 0)
		watchdog_usec = 0;
	sdl_notifyf(0, "READY=1\nSTATUS=streaming %zu maps from %s", st.r.nr_maps, st.o.pin_root);
	last_beat = last_dog = monotonic_s();

	for (bool stop = false; !stop && !st.fatal;) {
		struct epoll_event evs[32];
		int n = epoll_wait(st.epfd, evs, 32, 500);
		bool tick = false;
		double now, gather = -1; /* < 0: no ring buffer had records */

		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &sfd) {
				stop = true;
			} else if (p == &tfd) {
				uint64_t ticks;

				/* After this batch: a rescan may free maps that
				 * later events of the batch point to. */
				tick = read(tfd, &ticks, sizeof(ticks)) > 0;
			} else if (p == st.out) {
				fanout_process(st.out);
			} else {
				struct rmap *m = p;
				struct stream_map *sm = m->user;

				/* Everything there is (up to RB_BUDGET), in one go:
				 * no wakeup per record. */
				if (sm && sm->consuming)
					gather = consume(&st, sm, gather);
			}
		}
		if (tick)
			refresh(&st);
		now = monotonic_s();
		if (now - last_beat >= HEARTBEAT_S) {
			publish(&st, frame_heartbeat(&st.arena, ++st.heartbeat_seq));
			last_beat = now;
		}
		if (watchdog_usec && now - last_dog >= watchdog_usec / 2e6) {
			sdl_notify(0, "WATCHDOG=1");
			last_dog = now;
		}
		if (fanout_flush(st.out) < 0)
			break; /* the output went away */
		if (gather > 0 && !st.fatal) {
			/* Let records gather: the next pass reads a batch. */
			struct timespec ts = { 0, (long)(gather * 1e9) };

			nanosleep(&ts, NULL);
		}
	}
	sdl_notify(0, "STOPPING=1");
	/* Records already in the ring buffers are not lost on a clean stop. */
	for (size_t i = 0; i < st.r.nr_maps; i++) {
		struct stream_map *sm = st.r.maps[i]->user;

		/* What is there now; a producer that goes on is not waited for. */
		st.ts_left = 0;
		if (sm && sm->consuming)
			rb_consume(&sm->rb, on_record, sm, (long)(sm->rb.mask / 8 + 1));
	}
	fanout_flush(st.out);
	r = st.fatal == -EPROTO ? 1 : 0; /* the self-check found a difference */
out:
	fanout_free(st.out);
	if (st.o.listen && !strncmp(st.o.listen, "unix:", 5))
		remove_socket_file(st.o.listen + 5, &st.socket_file);
	reader_free(&st.r);
	arena_free(&st.arena);
	sb_free(&st.frame);
	sb_free(&st.check_ref);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	if (st.epfd >= 0)
		close(st.epfd);
	if (out_fd >= 0)
		close(out_fd);
	return r;
}
