/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Between publish_nats.c (frames, buffer) and nats_conn.c (connection). */
#ifndef EBPF_NATSPUB_INT_H
#define EBPF_NATSPUB_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "natslibs.h" /* libnats, through its table */
#include "publish_nats.h"
#include "pubring.h"
#include "strbuf.h"
#include "stream.h"

/* A frame waiting to be published (again) outside the ring: control
 * frames, retries, frames larger than the ring. */
struct pubmsg {
	struct pubmsg *next;
	bool event;             /* may be dropped for newer ones */
	uint32_t len;           /* of the frame, at data */
	uint8_t *data;
	char *id;               /* Nats-Msg-Id */
	char subj[];            /* then id, then the frame */
};

struct pubq {
	struct pubmsg *head, *tail;
	size_t bytes;
};

struct natspub {
	struct nats_opts o;
	int nservers;
	natsConnection *nc;
	jsCtx *js;
	atomic_bool up;         /* connected, the stream there */
	atomic_bool reconnected; /* a Describe is due */
	bool was_up;            /* set up before: the first Describe is queued */
	atomic_long inflight;   /* published, ack not yet in */
	atomic_long inflight_bytes; /* their payloads, for the report at close */
	pthread_t sender;       /* publishes what the queue holds */
	bool started, stop;     /* stop: under lock */
	pthread_cond_t cond;    /* the sender has something to do */
	pthread_mutex_t lock;   /* retry, filled by the ack handler's thread */
	struct pubq retry;
	struct pubq q;          /* frames sent before the ring's: control, unsent */
	struct pubring ring;    /* the stream's frames waiting for the connection
				 * or the window: --publish-buffer bytes */
	struct strbuf batch;    /* the sender's copy of the ring's next frames */
	double last_setup;      /* monotonic_s() of the last stream set-up try */
	bool said;              /* sender: a stream set-up failure told since the
				 * last success */
	atomic_bool anew;       /* a new connection: a Describe due once set up */
	_Atomic int refused;    /* the cause of the last refusal for good (told),
				 * 0 after an ack: frames flow */
	atomic_bool closed;     /* libnats' closed callback ran: nc is done */
	char told[160];         /* the connection error last told (sender thread) */
	char first_why[160];    /* why the first try of the last connection failed
				 * ("" if it did not, or nothing listened) */
	bool told_closed;       /* sender: "closed" told since last connected */
	double down_since;      /* sender: not connected since (0: connected) */
	double reopen_at;       /* sender: when a closed connection is made anew */
	double retry_after;     /* under lock: frames the server refused wait */
	char servers_log[512];  /* --publish's URLs without user:password@ */
	uint64_t dropped_state; /* Snapshot/Heartbeat frames dropped (buffer full) */
	uint64_t dropped_big;   /* frames over the server's max payload */
	uint64_t dropped;       /* event frames dropped since the last Lost frame */
	uint64_t dropped_total;
	_Atomic uint64_t nctl;  /* message ids of frames other than events (both threads) */
	struct strbuf part;     /* a frame not yet whole */
	struct strbuf describe; /* the last describe frame, without its length */
	struct arena arena;
	struct strbuf scratch;
	char host[128];         /* subject-safe */
	char idbase[256];       /* host/boot id/start time */
};

int natspub_connect(struct natspub *np, char *err, size_t errlen);
void natspub_disconnect(struct natspub *np);
int natspub_ensure_stream(struct natspub *np, char *err, size_t errlen);
const char *natspub_text(const char *text);
void natspub_retry_setup(struct natspub *np);
void natspub_wake(struct natspub *np);
void natspub_on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure);

#endif
