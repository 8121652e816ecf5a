/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ebpf-stream: maps and ring buffers as a delimited protobuf stream. */
#ifndef EBPF_STREAM_H
#define EBPF_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "ebpf_stream.pb-c.h"
#include "reader.h"
#include "skeleton.h"
#include "strbuf.h"

typedef Ebpf__Stream__V1__Frame Frame;

#define STREAM_SCHEMA_VERSION 1

/* A bump allocator for one frame's nested messages: reset after packing,
 * so building a frame allocates nothing once warm. */
struct arena {
	char **blocks;
	size_t nblocks;
	size_t used;            /* in the last block */
	size_t block_size;
};

void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
/* A T in the arena, set to init (a protobuf-c *__INIT); NULL if out of memory. */
#define ARENA_NEW(a, T, init) ({ T *_p = arena_alloc(a, sizeof(T)); if (_p) { T _i = init; *_p = _i; } _p; })
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

/* ringbuf.c: a ring buffer consumer that publishes its position once per
 * stretch of records, not after each one. */
struct rb_consumer {
	int fd;                 /* the map, read-write (not owned) */
	unsigned long *consumer_pos;
	unsigned long *producer_pos;
	uint8_t *data;          /* mapped twice in a row */
	unsigned long mask;
	size_t page, prod_len;
};

typedef void (*rb_sample_fn)(void *ctx, const void *data, size_t size);
int rb_open(struct rb_consumer *rb, int map_fd);
/* Hand every committed record (at most budget) to fn, in order; returns
 * how many. */
long rb_consume(struct rb_consumer *rb, rb_sample_fn fn, void *ctx, long budget);
void rb_close(struct rb_consumer *rb);

/* evenc.c: Event frames packed straight from a record, without building
 * protobuf-c messages; byte for byte what frame_event() + frame_pack() give. */
struct event_enc {
	const struct schema *record;    /* NULL: records are not decoded */
	struct strbuf fixed;    /* packed Event.backend, .map, then .record */
	size_t rec_off;         /* fixed without .record */
	struct strbuf names;    /* packed Field.name of each record field */
	uint32_t *name_off;     /* record->n + 1 offsets into names */
	size_t bound;           /* bytes a frame may take, but its raw bytes */
	uint8_t *scratch;       /* a frame is written back to front here */
	size_t cap;
	char decbuf[DECODED_MAX]; /* a field's decoded text (Field.decoded) */
};

int event_enc_init(struct event_enc *e, const struct rmap *m, const struct schema *record);
/* Append varint(length) + Frame{event} of one record to out. */
int event_enc_append(struct event_enc *e, const void *data, size_t size, uint64_t seq,
		     uint64_t ts, struct strbuf *out);
void event_enc_free(struct event_enc *e);

/* snapenc.c: Snapshot frames packed straight from the raw snapshot, without
 * building protobuf-c messages; byte for byte what frame_snapshot() +
 * frame_pack() give. */
struct snap_enc {
	struct strbuf names;    /* packed Field.name of each key field, then value field */
	uint32_t *name_off;     /* key.n + value.n + 1 offsets into names */
	size_t bound;           /* bytes an entry may take */
	uint8_t *scratch;       /* an entry is written back to front here */
	char *decbuf;           /* DECODED_MAX: a field's decoded text */
	bool ready;
};

int snap_enc_init(struct snap_enc *e, const struct rmap *m);
/* Sum each entry's per-CPU values into its first slot (in place): then
 * snap_enc_append() without per_cpu sends the sums. */
void snap_sum_percpu(struct snap_enc *e, const struct rmap *m, struct snapshot *s);
/* Where a Snapshot frame stands in its map's snapshot, which may take
 * several frames (one per chunk read): Snapshot.timestamp_ns, .seq, .part
 * and .more. */
struct snap_frame {
	uint64_t ts;            /* when its chunk was read; 0: not set */
	uint64_t seq;           /* the snapshot's number in this stream */
	uint32_t part;          /* from 0 */
	bool more;              /* the snapshot goes on in the next frame */
};

/* Append varint(length) + Frame{snapshot} of s to out. Each
 * entry's Entry.value is the first slot of its value unless per_cpu (and
 * the map is per-CPU): one CpuValue per CPU then. appended(ctx), when not
 * NULL, is called after each entry to drain out (the frame is then not in
 * out whole): an error from it stops the frame half-written. */
int snap_enc_append(struct snap_enc *e, const struct rmap *m, const struct snapshot *s,
		    bool per_cpu, const struct snap_frame *sf, struct strbuf *out,
		    int (*appended)(void *ctx), void *ctx);
void snap_enc_free(struct snap_enc *e);

struct stream;

/* Per-map state of the stream (rmap.user). */
struct stream_map {
	struct stream *st;
	const struct rmap *m;
	struct schema record;   /* ring buffer records, from the record tag */
	bool has_record;
	struct rb_consumer rb;  /* our consumer, when this is a ring buffer */
	bool consuming;
	struct skel_watch watch; /* the ring buffer in the reader loop */
	double last_pass;       /* monotonic_s() at the end of the last pass */
	struct event_enc enc;
	int rb_fd;              /* read-write fd the consumer uses */
	int lock_fd;            /* "one consumer per ring buffer" lock */
	bool refused;           /* another consumer holds it: said once */
	uint64_t seq;
	struct snapshot_iter it; /* its snapshots, chunk by chunk */
	struct snap_enc senc;
};

/* frames.c: build frames from the reader core's data. */
uint64_t realtime_ns(void);
Frame *new_frame(struct arena *a);
Frame *frame_describe(struct arena *a, const struct reader *r);
Frame *frame_backend(struct arena *a, const struct reader *r, const char *backend, bool added);
Frame *frame_lost(struct arena *a, uint64_t frames, const char *reason);
Frame *frame_heartbeat(struct arena *a, uint64_t seq);
/* Append varint(length) + message to out. */
void frame_pack(const Frame *f, struct strbuf *out);

/* outq.c: the output's batches, written by a thread (once started). */
#define OUTQ_CLOSE_WAIT_S 5     /* for what is queued to be written, at a stop */
struct outq;
struct outq *outq_new(int fd);
/* Start the writer thread: after dropping privileges (it inherits ours). */
int outq_start(struct outq *q);
/* Bytes queued and not yet written. */
size_t outq_queued(const struct outq *q);
/* Queue sb's bytes (sb is left empty), once fewer than limit bytes are
 * queued; without a thread, write them. The writer's error, if any. */
int outq_push(struct outq *q, struct strbuf *sb, size_t limit);
/* The stream is stopping: from now on nothing waits for room. */
void outq_stopping(struct outq *q);
/* Write what is queued, stop the thread, free; the writer's error, or
 * -ETIMEDOUT when the output took nothing for OUTQ_CLOSE_WAIT_S: *unwritten
 * bytes were then lost. */
int outq_close(struct outq *q, size_t *unwritten);

/* fanout.c: one output (a file or stdout) or many subscribers. */
struct fanout;
/* queue_bytes: what may wait for the output's writer thread. */
struct fanout *fanout_new_output(int fd, size_t queue_bytes);
struct fanout *fanout_new_listen(int listen_fd, size_t queue_bytes, double max_lag);
/* Queue a packed frame for every subscriber (or the output)... */
int fanout_publish(struct fanout *f, const void *data, size_t len);
/* ...or a Snapshot frame (first: Snapshot.part 0): a subscriber gets every
 * frame of a snapshot or none of them. */
int fanout_publish_snapshot(struct fanout *f, const void *data, size_t len, bool first);
/* ...and write what can be written: call after each batch. */
int fanout_flush(struct fanout *f);
/* Output mode: start the writer thread (after dropping privileges);
 * until then, and with --once, frames are written as they are flushed. */
int fanout_start(struct fanout *f);
/* Before encoding a record: false when it must be dropped (the output's
 * queue is full; it is counted, and told in a Lost frame later). */
bool fanout_take_record(struct fanout *f);
/* Output mode: the buffer to append frames to directly (NULL when serving
 * subscribers); fanout_appended() after appending, to write full batches. */
struct strbuf *fanout_direct(struct fanout *f);
int fanout_appended(struct fanout *f);
/* Another consumer of every byte of the stream, as written or queued
 * (frames may come in pieces), and of each new describe frame (describe);
 * called with len 0 after each pass. */
typedef int (*fanout_tap_fn)(void *ctx, const void *data, size_t len, bool describe);
void fanout_set_tap(struct fanout *f, fanout_tap_fn fn, void *ctx);
/* The describe frame new subscribers get first. */
void fanout_set_describe(struct fanout *f, const void *data, size_t len);
/* epoll plumbing for listen mode: fds to watch and what to do on events. */
int fanout_epoll_fd(const struct fanout *f);
void fanout_process(struct fanout *f);
size_t fanout_subscribers(const struct fanout *f);
/* Subscribers connect with TLS as w says (--web.config.file), as it is when
 * each connects (a reload changes it in place). */
struct web;
void fanout_set_web(struct fanout *f, const struct web *w);
/* The stream is stopping: the output's queue takes what comes without
 * waiting for room (the drain at a stop must not wait on a stalled reader). */
void fanout_stopping(struct fanout *f);
/* Write what the output has queued (within outq_close()'s wait) and close
 * its queue: 0 or the first write error; -ETIMEDOUT with *unwritten when
 * the output took nothing at the end. Subscribers are not affected. */
int fanout_close_output(struct fanout *f, size_t *unwritten);
void fanout_free(struct fanout *f);

/* EBPF_STREAM_SELFCHECK=1, for tests: each frame the direct encoders write
 * is compared with what protobuf-c packs from the same data. The check is
 * test code (readers/stream/check/selfcheck.c, linked into the
 * ebpf-stream the tests build, tests/lib.bash stream_selfcheck_build): in
 * the shipped binary these are weak and undefined, and selfcheck_enabled()
 * (selfcheck.c) is false. The reference is built into ref; _compare() says
 * on stderr how they differ (-EPROTO) if they do. */
bool selfcheck_enabled(void);
__attribute__((weak))
int selfcheck_snapshot_ref(struct arena *a, const struct rmap *m, const struct snapshot *s,
			   bool per_cpu, const struct snap_frame *sf, struct strbuf *ref);
__attribute__((weak))
int selfcheck_event_ref(struct arena *a, const struct rmap *m, const struct schema *record,
			const void *data, size_t size, uint64_t seq, uint64_t ts,
			struct strbuf *ref);
__attribute__((weak))
int selfcheck_compare(const char *what, const struct rmap *m, const struct strbuf *ref,
		      const void *got, size_t len);

/* decode.c: --decode */
int stream_decode(FILE *in, FILE *out);

#endif
