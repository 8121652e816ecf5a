// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where frames go: one output (stdout or a file), or any number of
 * subscribers on a listening socket. The output is written by a thread
 * from a bounded queue (outq.c): when that is full, Event frames are
 * dropped and counted (fanout_take_record); a Lost frame says how many
 * once there is room again, as a subscriber's does. Every other frame is
 * queued all the same, up to twice the bound, and then waits for room.
 * A subscriber has a bounded
 * queue: when it is full, frames for that subscriber are dropped and
 * counted, and it is told how many in a Lost frame once it catches up; one
 * that stays behind longer than max_lag is disconnected. Nobody waits for a
 * slow subscriber: not the ring buffer consumers, not the other subscribers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "stream.h"
#include "util.h"
#include "webconfig.h"

#define MAX_SUBS 64
/* Output mode: frames are written in batches of this much (and at the end
 * of each pass of the main loop). */
#define OUT_BATCH (256 * 1024)
/* A pipe as output gets this much buffer (the default limit for users,
 * /proc/sys/fs/pipe-max-size) instead of 64 KiB: the writer blocks, and
 * its reader is woken, sixteen times less often. */
#define OUT_PIPE_SIZE (1024 * 1024)
/* A TLS subscriber that has not finished its handshake by then is closed:
 * as the exporter bounds a request head. */
#define HANDSHAKE_S 10.0

struct sub {
	int fd;
	struct transport io;    /* plain or TLS, on fd (readers/core/tls.c) */
	double hs_deadline;     /* monotonic_s() by which TLS must be up */
	struct strbuf q;        /* bytes not yet written, from q.buf + off */
	size_t off;
	uint64_t lost;          /* frames dropped since the last Lost frame */
	double behind_since;    /* > 0: dropping frames since then */
	uint32_t events;        /* what epoll watches for it */
	bool snap_taking;       /* gets the snapshot being published (its first frame) */
};

struct fanout {
	int out_fd;             /* output mode, else -1 */
	int listen_fd;          /* listen mode, else -1 */
	int epfd;
	size_t queue_bytes;
	double max_lag;
	struct sub *subs[MAX_SUBS];
	size_t nsubs;
	struct strbuf describe;
	struct strbuf outbuf;   /* output mode: the batch being filled */
	struct outq *q;         /* output mode: batches being written */
	uint64_t lost;          /* output mode: records dropped, not yet told */
	struct arena arena;
	struct strbuf scratch;
	size_t queued;          /* listen mode: bytes published since the last flush */
	fanout_tap_fn tap;      /* also gets every byte of the stream (--publish) */
	void *tap_ctx;
	const struct web *web;  /* --web.config.file (TLS), or NULL */
};

void fanout_set_tap(struct fanout *f, fanout_tap_fn fn, void *ctx)
{
	f->tap = fn;
	f->tap_ctx = ctx;
}

struct fanout *fanout_new_output(int fd, size_t queue_bytes)
{
	struct fanout *f = calloc(1, sizeof(*f));
	struct stat st;

	if (!f)
		return NULL;
	f->q = outq_new(fd);
	if (!f->q) {
		free(f);
		return NULL;
	}
	f->out_fd = fd;
	f->listen_fd = f->epfd = -1;
	f->queue_bytes = queue_bytes;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && fcntl(fd, F_GETPIPE_SZ) < OUT_PIPE_SIZE)
		fcntl(fd, F_SETPIPE_SZ, OUT_PIPE_SIZE); /* best effort */
	return f;
}

struct fanout *fanout_new_listen(int listen_fd, size_t queue_bytes, double max_lag)
{
	struct fanout *f = calloc(1, sizeof(*f));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (!f)
		return NULL;
	f->out_fd = -1;
	f->listen_fd = listen_fd;
	/* A socket from systemd may be blocking; accept_subs drains to EAGAIN. */
	fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
	f->queue_bytes = queue_bytes;
	f->max_lag = max_lag;
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (f->epfd < 0 || epoll_ctl(f->epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
		if (f->epfd >= 0)
			close(f->epfd);
		free(f);
		return NULL;
	}
	return f;
}

static void sub_close(struct fanout *f, size_t i)
{
	struct sub *s = f->subs[i];

	epoll_ctl(f->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	transport_close(&s->io);
	sb_free(&s->q);
	free(s);
	f->subs[i] = f->subs[--f->nsubs];
}

/* Write what the socket takes; false when the subscriber is gone. */
static bool sub_flush(struct fanout *f, struct sub *s)
{
	while (s->off < s->q.len) {
		ssize_t n = transport_write(&s->io, s->q.buf + s->off, s->q.len - s->off);

		if (n < 0) {
			if (n == -EAGAIN || n == -EINTR)
				break;
			return false;
		}
		s->off += (size_t)n;
	}
	if (s->off == s->q.len) {
		sb_reset(&s->q);
		s->off = 0;
	} else if (s->off > s->q.cap / 2) {
		/* Compact: keep the queue bounded in memory, not just in length. */
		memmove(s->q.buf, s->q.buf + s->off, s->q.len - s->off);
		s->q.len -= s->off;
		s->off = 0;
	}
	bool pending = s->off < s->q.len;
	/* A TLS handshake may wait for the subscriber's next message. */
	uint32_t want = EPOLLRDHUP | (!pending ? 0 : s->io.handshaken || s->io.want_write ?
				      EPOLLOUT : EPOLLIN);

	if (want != s->events) {
		struct epoll_event ev = { .events = want, .data.ptr = s };

		epoll_ctl(f->epfd, EPOLL_CTL_MOD, s->fd, &ev);
		s->events = want;
	}
	return true;
}

/* Queue a frame for s, or drop it (false) when s is behind. */
static bool sub_enqueue(struct fanout *f, struct sub *s, const void *data, size_t len)
{
	size_t queued = s->q.len - s->off;

	if (s->lost && !queued) {
		/* Caught up: say what was missed, then carry on. */
		sb_reset(&f->scratch);
		frame_pack(frame_lost(&f->arena, s->lost, "slow subscriber"), &f->scratch);
		arena_reset(&f->arena);
		sb_append(&s->q, f->scratch.buf, f->scratch.len);
		s->lost = 0;
		s->behind_since = 0;
	} else if (s->lost || (queued && queued + len > f->queue_bytes)) {
		/* Behind: drop whole frames (never a part of one) until the
		 * queue has drained. An empty queue takes any frame, so a
		 * frame larger than the queue still reaches a subscriber that
		 * keeps up. */
		if (!s->lost)
			s->behind_since = monotonic_s();
		s->lost++;
		return false;
	}
	sb_append(&s->q, data, len);
	return true;
}

int fanout_publish(struct fanout *f, const void *data, size_t len)
{
	if (f->out_fd >= 0) {
		/* Batched: one write per OUT_BATCH or per fanout_flush. */
		sb_append(&f->outbuf, data, len);
		return fanout_appended(f);
	}
	if (f->tap)
		f->tap(f->tap_ctx, data, len, false);
	for (size_t i = 0; i < f->nsubs; i++)
		sub_enqueue(f, f->subs[i], data, len);
	/* Send as we go, so that a long batch of records does not have to
	 * fit in the queues before the first of it leaves. */
	f->queued += len;
	return f->queued >= OUT_BATCH ? fanout_flush(f) : 0;
}

/*
 * A snapshot may take several Snapshot frames (Snapshot.more): each
 * subscriber gets all of them or none. Whether it does is decided at the
 * first, as for any frame; the others follow it past queue_bytes, as one
 * frame as large as the snapshot would. One that dropped the first drops
 * the rest (counted: frames it did not get); one that connected after the
 * first (subscribers are accepted between two passes of the main loop, so
 * this is only a safeguard) gets none of them, uncounted.
 */
int fanout_publish_snapshot(struct fanout *f, const void *data, size_t len, bool first)
{
	if (f->out_fd >= 0)
		return fanout_publish(f, data, len);
	if (f->tap)
		f->tap(f->tap_ctx, data, len, false);
	for (size_t i = 0; i < f->nsubs; i++) {
		struct sub *s = f->subs[i];

		if (first)
			s->snap_taking = sub_enqueue(f, s, data, len);
		else if (s->snap_taking)
			sb_append(&s->q, data, len);
		else if (s->lost)
			s->lost++;
	}
	f->queued += len;
	return f->queued >= OUT_BATCH ? fanout_flush(f) : 0;
}

struct strbuf *fanout_direct(struct fanout *f)
{
	return f->out_fd >= 0 ? &f->outbuf : NULL;
}

int fanout_appended(struct fanout *f)
{
	return f->outbuf.len >= OUT_BATCH ? fanout_flush(f) : 0;
}

int fanout_start(struct fanout *f)
{
	return f->q ? outq_start(f->q) : 0;
}

/* Output mode: the Lost frame for the records dropped so far. */
static void output_lost(struct fanout *f)
{
	frame_pack(frame_lost(&f->arena, f->lost, "slow output"), &f->outbuf);
	arena_reset(&f->arena);
	f->lost = 0;
}

/*
 * Output mode: may a record be encoded into the batch? Not while the
 * queue is full: the record is counted instead. Once dropping, it goes on
 * until half the queue is free, so that a reader that is behind gets one
 * Lost frame, not one every few records.
 */
bool fanout_take_record(struct fanout *f)
{
	size_t used;

	if (!f->q)
		return true; /* subscribers: each has its own queue */
	used = outq_queued(f->q) + f->outbuf.len;
	if (f->lost ? used > f->queue_bytes / 2 : used >= f->queue_bytes) {
		f->lost++;
		return false;
	}
	if (f->lost)
		output_lost(f);
	return true;
}

int fanout_flush(struct fanout *f)
{
	double now = monotonic_s();

	if (f->tap) /* every pass: also a chance for it to send what waits */
		f->tap(f->tap_ctx, f->q ? f->outbuf.buf : NULL, f->q ? f->outbuf.len : 0, false);
	if (f->q) {
		/* Records stop at queue_bytes; a heartbeat or a backend change
		 * on top of that must not stop the ring buffers from being
		 * drained, so only frames that fill a second queue_bytes (a
		 * snapshot) wait for room. */
		return outq_push(f->q, &f->outbuf, 2 * f->queue_bytes);
	}
	f->queued = 0;
	for (size_t i = 0; i < f->nsubs;) {
		struct sub *s = f->subs[i];

		/* Too far behind: still a backlog after max_lag of dropping;
		 * or a TLS handshake that stalls. */
		if (!sub_flush(f, s) || (s->behind_since > 0 && s->off < s->q.len &&
					 now - s->behind_since > f->max_lag) ||
		    (!s->io.handshaken && now > s->hs_deadline)) {
			sub_close(f, i); /* gone, or too far behind for too long */
			continue;
		}
		i++;
	}
	return 0;
}

void fanout_set_describe(struct fanout *f, const void *data, size_t len)
{
	if (f->tap)
		f->tap(f->tap_ctx, data, len, true);
	if (f->out_fd >= 0)
		return; /* only subscribers that connect later need it */
	sb_reset(&f->describe);
	sb_append(&f->describe, data, len);
}

int fanout_epoll_fd(const struct fanout *f)
{
	return f->epfd;
}

void fanout_set_web(struct fanout *f, const struct web *w)
{
	f->web = w;
}

size_t fanout_subscribers(const struct fanout *f)
{
	return f->nsubs;
}

static void accept_subs(struct fanout *f)
{
	for (;;) {
		int fd = accept4(f->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLRDHUP };
		struct sub *s;

		if (fd < 0)
			return;
		if (f->nsubs >= MAX_SUBS || !(s = calloc(1, sizeof(*s)))) {
			close(fd);
			continue;
		}
		s->fd = fd;
		s->events = ev.events;
		s->hs_deadline = monotonic_s() + HANDSHAKE_S;
		ev.data.ptr = s;
		if (transport_init(&s->io, fd, f->web) < 0) {
			close(fd);
			free(s);
			continue;
		}
		if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			transport_close(&s->io);
			free(s);
			continue;
		}
		f->subs[f->nsubs++] = s;
		/* Every subscriber starts with the describe frame. */
		sb_append(&s->q, f->describe.buf, f->describe.len);
		if (!sub_flush(f, s))
			sub_close(f, f->nsubs - 1);
	}
}

void fanout_process(struct fanout *f)
{
	struct epoll_event evs[32];
	int n = epoll_wait(f->epfd, evs, 32, 0);

	for (int i = 0; i < n; i++) {
		struct sub *s = evs[i].data.ptr;
		size_t k;

		if (!s) {
			accept_subs(f);
			continue;
		}
		for (k = 0; k < f->nsubs && f->subs[k] != s; k++)
			;
		if (k == f->nsubs)
			continue;
		if ((evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) || !sub_flush(f, s))
			sub_close(f, k);
	}
}

void fanout_stopping(struct fanout *f)
{
	if (f->q)
		outq_stopping(f->q);
}

int fanout_close_output(struct fanout *f, size_t *unwritten)
{
	int r, c;

	*unwritten = 0;
	if (!f->q)
		return 0;
	outq_stopping(f->q);
	/* The records dropped last are told too: the count is exact. */
	if (f->lost)
		output_lost(f);
	r = fanout_flush(f);
	c = outq_close(f->q, unwritten);
	f->q = NULL;
	return c ? c : r;
}

void fanout_free(struct fanout *f)
{
	size_t unwritten;

	if (!f)
		return;
	while (f->nsubs)
		sub_close(f, 0);
	if (f->epfd >= 0)
		close(f->epfd);
	if (f->listen_fd >= 0)
		close(f->listen_fd);
	/* Done already where the output's fate is reported; else to free. */
	fanout_close_output(f, &unwritten);
	sb_free(&f->describe);
	sb_free(&f->outbuf);
	sb_free(&f->scratch);
	arena_free(&f->arena);
	free(f);
}
