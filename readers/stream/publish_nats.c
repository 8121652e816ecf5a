// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebpf-stream --publish: each frame of the stream becomes one JetStream
 * message (its payload the Frame, without the length prefix) on
 * PREFIX.HOST.BACKEND.MAP, or PREFIX.HOST._control for frames that are not
 * a map's. Publishes are asynchronous, up to --publish-window awaiting
 * their ack; each carries a Nats-Msg-Id, so a frame sent again (its ack
 * lost or late) is stored once. While NATS is away, or slower than the
 * ring buffers, frames wait in a buffer of --publish-buffer bytes; past
 * it the oldest event frames are dropped and counted, and a Lost frame
 * says how many. Nothing here ever waits on the network: the ring
 * buffers keep being drained.
 *
 * Threads: the stream's main loop only splits the stream into frames and
 * queues them (a copy); our sender thread publishes (and sets the stream
 * up after each reconnect, which waits on the network); libnats' threads
 * run the ack handler, which counts and hands failed messages back, and
 * the connection callbacks (nats_conn.c), which wake the sender. The queue
 * is under np->lock: the stream's frames in a byte ring of --publish-buffer
 * bytes (pubring.c: no allocation per frame, as a burst may queue a million),
 * control frames and retries in a short list sent before it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "publish_nats.h"

#if EBPF_HAVE_NATS
#include "natspub_int.h"
#include "util.h"

/* An ack not in after this long: the frame is sent again (same id). */
#define ACK_WAIT_MS 3000
/* A frame the server refused (a negative ack) is sent again after this. */
#define RETRY_WAIT_S 0.2
/* natspub_close(): what waits is sent for up to this long. */
#define CLOSE_WAIT_S 5.0

static const uint8_t *get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; p < end && shift < 64; shift += 7) {
		*v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p++ & 0x80))
			return p;
	}
	return NULL;
}

/* Which of the Frame's oneof a frame holds (proto/ebpf_stream.proto):
 * 3 an Event, 2 a Snapshot, 6 a Heartbeat, ...; 0 if unreadable. */
static unsigned frame_kind(const uint8_t *p, const uint8_t *end)
{
	uint64_t key;

	return p < end && get_varint(p, end, &key) && (key & 7) == 2 ? (unsigned)(key >> 3) : 0;
}

/* An Event frame: dropped when the buffer is full, counted in a Lost frame. */
static bool frame_is_event(const uint8_t *p, const uint8_t *end)
{
	return frame_kind(p, end) == 3;
}

/* A Snapshot or a Heartbeat: state that the next one replaces, so over the
 * buffer it is dropped rather than kept (an outage with --snapshots would
 * otherwise grow the list without bound). */
static bool frame_is_state(const uint8_t *p, size_t len)
{
	unsigned kind = frame_kind(p, p + len);

	return kind == 2 || kind == 6;
}

/* Subject tokens: what NATS would read as a separator or wildcard is '_'. */
static void subject_safe(char *dst, size_t size, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size; i++) {
		char c = src[i];

		dst[i] = c == '.' || c == '*' || c == '>' || c <= ' ' || c == 0x7f ? '_' : c;
	}
	dst[i] = '\0';
}

static void q_push(struct pubq *q, struct pubmsg *m, bool front)
{
	m->next = NULL;
	if (!q->head) {
		q->head = q->tail = m;
	} else if (front) {
		m->next = q->head;
		q->head = m;
	} else {
		q->tail->next = m;
		q->tail = m;
	}
	q->bytes += sizeof(*m) + m->len;
}

static struct pubmsg *q_pop(struct pubq *q)
{
	struct pubmsg *m = q->head;

	if (m) {
		q->head = m->next;
		if (!q->head)
			q->tail = NULL;
		q->bytes -= sizeof(*m) + m->len;
	}
	return m;
}

static void q_free(struct pubq *q)
{
	struct pubmsg *m;

	while ((m = q_pop(q)))
		free(m);
}

static struct pubmsg *msg_new(const char *subj, const char *id, const void *data, size_t len,
			      bool event)
{
	size_t ls = strlen(subj) + 1, li = strlen(id) + 1;
	struct pubmsg *m = malloc(sizeof(*m) + ls + li + len);

	if (!m)
		return NULL;
	m->event = event;
	m->len = (uint32_t)(ls + li + len); /* what the buffer holds */
	memcpy(m->subj, subj, ls);
	m->id = m->subj + ls;
	memcpy(m->id, id, li);
	m->data = (uint8_t *)m->id + li;
	memcpy(m->data, data, len);
	return m;
}

static void frame_route(struct natspub *np, const uint8_t *p, const uint8_t *end, bool *event,
			char *subj, size_t subjlen, char *id, size_t idlen);

static size_t msg_datalen(const struct pubmsg *m)
{
	return m->len - (size_t)((const char *)m->data - m->subj);
}

/* A frame of the stream into the list, with its subject and id (front:
 * before what waits there). Under np->lock. */
static void push_list(struct natspub *np, const uint8_t *p, size_t len, bool front)
{
	char subj[512], id[512];
	struct pubmsg *m;
	bool event;

	frame_route(np, p, p + len, &event, subj, sizeof(subj), id, sizeof(id));
	m = msg_new(subj, id, p, len, event);
	if (m) {
		q_push(&np->q, m, front);
	} else if (event) {
		np->dropped++;
		np->dropped_total++;
	}
}

/* A frame that does not fit the ring into the list, unless the list
 * already holds --publish-buffer and it is state (frame_is_state). Under
 * np->lock. */
static void keep_aside(struct natspub *np, const uint8_t *p, size_t len)
{
	if (np->q.bytes + len > np->o.buffer && frame_is_state(p, len))
		np->dropped_state++;
	else
		push_list(np, p, len, false);
}

/* Over --publish-buffer: the oldest frame leaves the ring; an event frame
 * is dropped, counted; any other is kept aside. Under np->lock. */
static void drop_oldest(struct natspub *np)
{
	const uint8_t *p;
	size_t len;
	bool event;

	p = pubring_peek(&np->ring, &len, &event);
	if (!p)
		return;
	if (event) {
		np->dropped++;
		np->dropped_total++;
	} else {
		keep_aside(np, p, len);
	}
	pubring_pop(&np->ring);
}

/* The first event or state frame of a list out, counted as the ring's
 * are; false when the list has none (control frames stay). Under
 * np->lock. */
static bool drop_first(struct natspub *np, struct pubq *q)
{
	struct pubmsg *prev = NULL, *m;
	bool event;

	for (m = q->head; m; prev = m, m = m->next) {
		event = frame_is_event(m->data, m->data + msg_datalen(m));
		if (!event && !frame_is_state(m->data, msg_datalen(m)))
			continue;
		if (prev)
			prev->next = m->next;
		else
			q->head = m->next;
		if (q->tail == m)
			q->tail = prev;
		q->bytes -= sizeof(*m) + m->len;
		if (event) {
			np->dropped++;
			np->dropped_total++;
		} else {
			np->dropped_state++;
		}
		free(m);
		return true;
	}
	return false;
}

/* What waits to be sent again is part of what waits: the retries and the
 * ring together within --publish-buffer, the oldest event frames dropped
 * first (the retries are older than the ring's). Without it, a server that
 * refused every frame (no stream for the subjects) grew the retries
 * without bound. Under np->lock. */
static void fit_buffer(struct natspub *np)
{
	while (pubring_used(&np->ring) + np->retry.bytes > np->o.buffer) {
		if (drop_first(np, &np->retry))
			continue;
		if (pubring_empty(&np->ring))
			break;
		drop_oldest(np);
	}
}

static int send_now(struct natspub *np, const char *subj, const char *id, const void *data,
		    size_t len)
{
	jsPubOptions po;
	natsStatus s;

	jsPubOptions_Init(&po);
	po.MsgId = id;
	po.MaxWait = ACK_WAIT_MS;
	atomic_fetch_add(&np->inflight, 1);
	atomic_fetch_add(&np->inflight_bytes, (long)len);
	s = js_PublishAsync(np->js, subj, data, (int)len, &po);
	if (s == NATS_OK)
		return 0;
	atomic_fetch_sub(&np->inflight, 1);
	atomic_fetch_sub(&np->inflight_bytes, (long)len);
	/* Never sendable, whatever the wait (over the server's max_payload,
	 * a big Snapshot frame): dropped, or it would block every later one. */
	if (s == NATS_MAX_PAYLOAD || s == NATS_INVALID_SUBJECT || s == NATS_INVALID_ARG)
		return -EMSGSIZE;
	return -EAGAIN;
}

/* A frame send_now() refused for good: counted, told once. */
static void drop_unsendable(struct natspub *np, const char *subj, size_t len, bool event)
{
	if (!np->dropped_big++)
		fprintf(stderr, "ebpf-stream: NATS: a %zu-byte frame for %s is over the server's "
			"max_payload: not published (and so any other such; raise max_payload)\n",
			len, subj);
	if (event) {
		pthread_mutex_lock(&np->lock);
		np->dropped++;
		np->dropped_total++;
		pthread_mutex_unlock(&np->lock);
	}
}

/* A frame of ours (not from the ring buffers) at the front of the queue.
 * Under np->lock. */
static void push_control(struct natspub *np, const void *data, size_t len)
{
	char subj[512], id[512];
	struct pubmsg *m;

	snprintf(subj, sizeof(subj), "%s.%s._control", np->o.prefix, np->host);
	snprintf(id, sizeof(id), "%s/c%llu", np->idbase,
		 (unsigned long long)atomic_fetch_add(&np->nctl, 1) + 1);
	m = msg_new(subj, id, data, len, false);
	if (m)
		q_push(&np->q, m, true);
}

/* Back from an outage: a Describe, then what was lost meanwhile. Under
 * np->lock (the sender's: arena and scratch are its own). */
static void after_reconnect(struct natspub *np)
{
	const uint8_t *p, *end;
	uint64_t n;

	/* Once frames flow: a Lost frame refused in turn would be one more
	 * that waits, for each drop, and stay (control frames are kept). */
	if (np->dropped && !atomic_load(&np->refused)) {
		sb_reset(&np->scratch);
		frame_pack(frame_lost(&np->arena, np->dropped, "publish buffer full"), &np->scratch);
		arena_reset(&np->arena);
		p = (const uint8_t *)np->scratch.buf;
		end = p + np->scratch.len;
		p = get_varint(p, end, &n);
		if (p && n == (uint64_t)(end - p)) {
			push_control(np, p, (size_t)n);
			np->dropped = 0;
		}
	}
	if (atomic_exchange(&np->reconnected, false) && np->describe.len)
		push_control(np, np->describe.buf, np->describe.len);
}

/* Wake the sender (acks came in, a reconnect, new frames). */
void natspub_wake(struct natspub *np)
{
	pthread_mutex_lock(&np->lock);
	pthread_cond_signal(&np->cond);
	pthread_mutex_unlock(&np->lock);
}

#define SEND_BATCH 256
#define BATCH_BYTES (256 * 1024)

/* One frame the sender took: a list message, or a copy of a ring frame at
 * np->batch.buf + off. */
struct sendit {
	struct pubmsg *m;
	size_t off, len;
};

/* Up to max frames, in order: the list's first, then copies of the ring's
 * (their room free again at once). Under np->lock. */
static size_t take(struct natspub *np, struct sendit *out, size_t max)
{
	const uint8_t *p;
	struct pubmsg *m;
	size_t n = 0, len;
	bool event;

	/* Refused by the server: sent again, but not at once (a tight loop
	 * at network speed while, say, the stream is being made again). */
	while (monotonic_s() >= np->retry_after && (m = q_pop(&np->retry)))
		q_push(&np->q, m, true); /* order does not matter: seq says */
	if ((np->dropped && !atomic_load(&np->refused)) || atomic_load(&np->reconnected))
		after_reconnect(np);
	while (n < max && (m = q_pop(&np->q)))
		out[n++] = (struct sendit){ .m = m };
	sb_reset(&np->batch);
	while (n < max && np->batch.len < BATCH_BYTES &&
	       (p = pubring_peek(&np->ring, &len, &event)) && !sb_reserve(&np->batch, len)) {
		out[n++] = (struct sendit){ .off = np->batch.len, .len = len };
		sb_append(&np->batch, p, len);
		pubring_pop(&np->ring);
	}
	return n;
}

/* Publishes b[0..n); returns how many went (the rest: no room in libnats). */
static size_t send_batch(struct natspub *np, const struct sendit *b, size_t n)
{
	char subj[512], id[512];
	const uint8_t *p;
	size_t i;
	bool event;
	int r;

	for (i = 0; i < n; i++) {
		if (b[i].m) {
			r = send_now(np, b[i].m->subj, b[i].m->id, b[i].m->data,
				     msg_datalen(b[i].m));
			if (r == -EMSGSIZE)
				drop_unsendable(np, b[i].m->subj, msg_datalen(b[i].m), b[i].m->event);
		} else {
			p = (const uint8_t *)np->batch.buf + b[i].off;
			frame_route(np, p, p + b[i].len, &event, subj, sizeof(subj), id,
				    sizeof(id));
			r = send_now(np, subj, id, p, b[i].len);
			if (r == -EMSGSIZE)
				drop_unsendable(np, subj, b[i].len, event);
		}
		if (r && r != -EMSGSIZE)
			break;
		free(b[i].m);
	}
	return i;
}

/*
 * The sender: all publishing happens here, so that the stream's loop only
 * queues frames (a copy) and goes back to the ring buffers, whatever libnats
 * costs per message or however long NATS takes. Sends while connected and
 * the window has room; waits (bounded) otherwise.
 */
static void *sender(void *arg)
{
	struct natspub *np = arg;
	struct sendit batch[SEND_BATCH];
	struct timespec ts;
	size_t n = 0, i, room;
	bool stalled = false;   /* libnats refused a send: wait before the next */

	pthread_mutex_lock(&np->lock);
	while (!np->stop) {
		pthread_mutex_unlock(&np->lock);
		natspub_retry_setup(np); /* may wait on the network: only here */
		pthread_mutex_lock(&np->lock);
		room = atomic_load(&np->up) ? np->o.window - (size_t)atomic_load(&np->inflight) : 0;
		if (room > np->o.window)
			room = 0;
		n = room && (np->q.head || np->retry.head || !pubring_empty(&np->ring)) ?
			take(np, batch, room < SEND_BATCH ? room : SEND_BATCH) : 0;
		if (!n || stalled) {
			stalled = false;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000 * 1000; /* a bound: a wake-up may be missed */
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&np->cond, &np->lock, &ts);
			continue;
		}
		pthread_mutex_unlock(&np->lock);
		i = send_batch(np, batch, n);
		pthread_mutex_lock(&np->lock);
		stalled = i < n;
		while (n > i) { /* not sent: back in front, in order */
			n--;
			if (batch[n].m)
				q_push(&np->q, batch[n].m, true);
			else
				push_list(np, (const uint8_t *)np->batch.buf + batch[n].off,
					  batch[n].len, true);
		}
	}
	pthread_mutex_unlock(&np->lock);
	return NULL;
}

/* Subject and message id of one frame: an Event or a Snapshot is its
 * map's, with backend (2), map (3) and, for events, seq (7). */
static void frame_route(struct natspub *np, const uint8_t *p, const uint8_t *end, bool *event,
			char *subj, size_t subjlen, char *id, size_t idlen)
{
	uint64_t key, v, seq = 0;
	const uint8_t *backend = NULL, *map = NULL;
	size_t blen = 0, mlen = 0;
	char b[64], mp[64];
	int kind = 0;

	if (p < end && (p = get_varint(p, end, &key)) && (key & 7) == 2 &&
	    (p = get_varint(p, end, &v)) && v <= (uint64_t)(end - p)) {
		kind = (int)(key >> 3);
		end = p + v;
	}
	*event = kind == 3;
	while ((kind == 2 || kind == 3) && p && p < end) {
		if (!(p = get_varint(p, end, &key)))
			break;
		switch (key & 7) {
		case 0: p = get_varint(p, end, &v); if ((key >> 3) == 7) seq = v; break;
		case 1: p = end - p >= 8 ? p + 8 : NULL; break;
		case 5: p = end - p >= 4 ? p + 4 : NULL; break;
		case 2:
			if (!(p = get_varint(p, end, &v)) || v > (uint64_t)(end - p))
				p = NULL;
			else if ((key >> 3) == 2)
				backend = p, blen = v;
			else if ((key >> 3) == 3)
				map = p, mlen = v;
			if (p)
				p += v;
			break;
		default: p = NULL;
		}
	}
	if (!backend || !map) {
		*event = false;
		snprintf(subj, subjlen, "%s.%s._control", np->o.prefix, np->host);
		snprintf(id, idlen, "%s/c%llu", np->idbase, (unsigned long long)atomic_fetch_add(&np->nctl, 1) + 1);
		return;
	}
	subject_safe(b, sizeof(b), (const char *)backend, blen);
	subject_safe(mp, sizeof(mp), (const char *)map, mlen);
	snprintf(subj, subjlen, "%s.%s.%s.%s", np->o.prefix, np->host, b, mp);
	if (*event)
		snprintf(id, idlen, "%s/%s/%s/%llu", np->idbase, b, mp, (unsigned long long)seq);
	else
		snprintf(id, idlen, "%s/c%llu", np->idbase, (unsigned long long)atomic_fetch_add(&np->nctl, 1) + 1);
}

static void on_frame(struct natspub *np, const uint8_t *p, size_t len)
{
	bool event = frame_is_event(p, p + len), was_empty;
	int r;

	pthread_mutex_lock(&np->lock);
	was_empty = pubring_empty(&np->ring) && !np->q.head;
	while ((r = pubring_push(&np->ring, p, len, event)) == -ENOSPC)
		drop_oldest(np);
	if (r) /* larger than the whole buffer (a big snapshot) */
		keep_aside(np, p, len);
	fit_buffer(np);
	if (was_empty)
		pthread_cond_signal(&np->cond);
	pthread_mutex_unlock(&np->lock);
}

/* Whole frames from p; returns where the first incomplete one starts. */
static const uint8_t *split(struct natspub *np, const uint8_t *p, const uint8_t *end)
{
	while (p < end) {
		const uint8_t *body;
		uint64_t n;

		body = get_varint(p, end, &n);
		if (!body || n > (uint64_t)(end - body))
			break;
		on_frame(np, body, (size_t)n);
		p = body + n;
	}
	return p;
}

int natspub_feed(void *ctx, const void *data, size_t len, bool describe)
{
	struct natspub *np = ctx;
	const uint8_t *p = data, *end, *rest;
	uint64_t n;

	if (!len)
		return 0; /* the fanout's call each pass, data NULL */
	end = p + len;

	if (describe) {
		const uint8_t *body = get_varint(p, end, &n);

		pthread_mutex_lock(&np->lock); /* the sender repeats it */
		sb_reset(&np->describe);
		if (body && n == (uint64_t)(end - body))
			sb_append(&np->describe, body, (size_t)n);
		pthread_mutex_unlock(&np->lock);
		return 0;
	}
	if (np->part.len) {
		/* A frame came in pieces (a large snapshot): joined first. */
		sb_append(&np->part, data, len);
		if (np->part.oom) {
			/* Its end is lost: the stream is re-synchronised on the
			 * next batch (the tap is given whole batches). */
			sb_free(&np->part);
			return -ENOMEM;
		}
		p = (const uint8_t *)np->part.buf;
		end = p + np->part.len;
		rest = split(np, p, end);
		memmove(np->part.buf, rest, (size_t)(end - rest));
		np->part.len = (size_t)(end - rest);
	} else if ((rest = split(np, p, end)) < end) {
		sb_append(&np->part, rest, (size_t)(end - rest));
		if (np->part.oom) {
			sb_free(&np->part);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Free slots in the window that wake the sender: a batch's worth, at most
 * half the window. */
static size_t wake_room(const struct natspub *np)
{
	return np->o.window / 2 < SEND_BATCH ? np->o.window / 2 : SEND_BATCH;
}

/* A refusal that sending again will not cure (no stream takes the
 * subject, a stream's limit): said once per cause, and again when it comes
 * back after an ack. A timeout or a lost connection is not told: the
 * outage is, by the connection's own messages. */
static void tell_refusal(struct natspub *np, const char *subj, const jsPubAckErr *pae)
{
	bool nostream = pae->Err == NATS_NO_RESPONDERS || pae->ErrCode == JSStreamNotFoundErr;
	int cause = nostream ? -1 : (int)pae->ErrCode;

	if (!cause || atomic_exchange(&np->refused, cause) == cause)
		return;
	if (nostream && np->o.stream)
		fprintf(stderr, "ebpf-stream: NATS: no JetStream stream takes subject %s (the "
			"subjects of stream %s must cover %s.>)\n", subj, np->o.stream, np->o.prefix);
	else if (nostream)
		fprintf(stderr, "ebpf-stream: NATS: no JetStream stream takes subject %s (create "
			"one, or give --jetstream-stream NAME)\n", subj);
	else
		fprintf(stderr, "ebpf-stream: NATS: subject %s refused: %s (sent again)\n", subj,
			pae->ErrText ? natspub_text(pae->ErrText) : natsStatus_GetText(pae->Err));
}

void natspub_on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	struct natspub *np = closure;
	const char *id = NULL, *subj;
	struct pubmsg *m = NULL;
	const uint8_t *data;
	size_t len;
	long left;

	(void)js;
	(void)pa;
	if (pae) {
		/* Not stored, or not known to be: sent again, same id. */
		subj = natsMsg_GetSubject(msg);
		data = (const uint8_t *)natsMsg_GetData(msg);
		len = (size_t)natsMsg_GetDataLength(msg);
		natsMsgHeader_Get(msg, "Nats-Msg-Id", &id);
		m = msg_new(subj, id ? id : "", data, len, frame_is_event(data, data + len));
		tell_refusal(np, subj, pae);
	} else if (atomic_load(&np->refused)) {
		atomic_store(&np->refused, 0); /* frames flow: a Lost frame may go */
	}
	atomic_fetch_sub(&np->inflight_bytes, (long)natsMsg_GetDataLength(msg));
	left = atomic_fetch_sub(&np->inflight, 1) - 1;
	if (m || left == (long)(np->o.window - wake_room(np)) || !left) {
		/* Room for a batch again (or all): the sender goes on, so that
		 * the window stays full, as libnats' own pacing keeps it. */
		pthread_mutex_lock(&np->lock);
		if (m) {
			q_push(&np->retry, m, false);
			np->retry_after = monotonic_s() + RETRY_WAIT_S;
			fit_buffer(np);
		}
		pthread_cond_signal(&np->cond);
		pthread_mutex_unlock(&np->lock);
	}
	/* No stream takes the subject any more (deleted): set up again. */
	if (pae && (pae->Err == NATS_NO_RESPONDERS || pae->ErrCode == JSStreamNotFoundErr))
		atomic_store(&np->up, false);
	/* The handler owns the published message (nats.h, jsPubAckHandler):
	 * not destroying it leaked every message sent, about 1 KiB each. */
	natsMsg_Destroy(msg);
}

static void read_boot_id(char *buf, size_t size)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, (int)size, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

int natspub_open(struct natspub **out, const struct nats_opts *o)
{
	struct natspub *np = calloc(1, sizeof(*np));
	char host[256] = "", boot[64], err[512];
	int r;

	if (!np) {
		fprintf(stderr, "ebpf-stream: --publish: %s\n", strerror(ENOMEM));
		return -ENOMEM;
	}
	np->o = *o;
	if (pubring_init(&np->ring, o->buffer)) {
		fprintf(stderr, "ebpf-stream: --publish-buffer %zu: %s\n", o->buffer, strerror(ENOMEM));
		free(np);
		return -ENOMEM;
	}
	pthread_mutex_init(&np->lock, NULL);
	pthread_cond_init(&np->cond, NULL);
	if (o->host)
		strscpy(host, o->host, sizeof(host));
	else
		gethostname(host, sizeof(host) - 1);
	subject_safe(np->host, sizeof(np->host), host, strlen(host));
	read_boot_id(boot, sizeof(boot));
	/* The start time tells this run's sequences from an earlier run's. */
	snprintf(np->idbase, sizeof(np->idbase), "%s/%s/%llu", np->host, boot,
		 (unsigned long long)realtime_ns());
	r = natspub_connect(np, err, sizeof(err));
	if (r) {
		fprintf(stderr, "ebpf-stream: %s\n", err);
		natspub_close(np);
		return r;
	}
	r = -pthread_create(&np->sender, NULL, sender, np);
	if (r) {
		fprintf(stderr, "ebpf-stream: --publish: %s\n", strerror(-r));
		natspub_close(np);
		return r;
	}
	np->started = true;
	*out = np;
	return 0;
}

static bool all_sent(struct natspub *np)
{
	bool done;

	pthread_mutex_lock(&np->lock);
	done = !np->q.head && !np->retry.head && pubring_empty(&np->ring) &&
	       !atomic_load(&np->inflight);
	pthread_mutex_unlock(&np->lock);
	return done;
}

void natspub_close(struct natspub *np)
{
	double until = monotonic_s() + CLOSE_WAIT_S;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	long unacked;

	if (!np)
		return;
	/* What waits is sent (the sender goes on) for up to CLOSE_WAIT_S. */
	while (np->started && !all_sent(np) && monotonic_s() < until)
		nanosleep(&ts, NULL);
	if (np->started) {
		pthread_mutex_lock(&np->lock);
		np->stop = true;
		pthread_cond_signal(&np->cond);
		pthread_mutex_unlock(&np->lock);
		pthread_join(np->sender, NULL);
	}
	natspub_disconnect(np);
	/* Frames whose ack had not come (a frozen server) may or may not be
	 * stored: counted apart, or they would be lost without a word. Read
	 * after the disconnect: an ack handler run meanwhile moved its frame
	 * to the retries, counted there. */
	unacked = atomic_load(&np->inflight);
	if (np->q.head || np->retry.head || !pubring_empty(&np->ring) || unacked > 0 ||
	    np->dropped_total || np->dropped_state)
		fprintf(stderr, "ebpf-stream: --publish: %zu bytes of frames not sent, "
			"%ld frames (%ld bytes) sent and not acknowledged, "
			"%llu event frames dropped, %llu snapshot and heartbeat frames dropped\n",
			np->q.bytes + np->retry.bytes + pubring_used(&np->ring),
			unacked > 0 ? unacked : 0L,
			unacked > 0 ? (long)atomic_load(&np->inflight_bytes) : 0L,
			(unsigned long long)np->dropped_total, (unsigned long long)np->dropped_state);
	q_free(&np->q);
	q_free(&np->retry);
	pubring_free(&np->ring);
	sb_free(&np->batch);
	pthread_cond_destroy(&np->cond);
	pthread_mutex_destroy(&np->lock);
	sb_free(&np->part);
	sb_free(&np->describe);
	sb_free(&np->scratch);
	arena_free(&np->arena);
	free(np);
	nats_Close();
}

#else /* built without libnats (NATS=0) */

int natspub_open(struct natspub **out, const struct nats_opts *o)
{
	(void)out;
	(void)o;
	fprintf(stderr, "ebpf-stream: --publish: this build has no NATS support (built with NATS=0)\n");
	return -ENOTSUP;
}

int natspub_feed(void *np, const void *data, size_t len, bool describe)
{
	(void)np; (void)data; (void)len; (void)describe;
	return 0;
}

void natspub_close(struct natspub *np)
{
	(void)np;
}

#endif
