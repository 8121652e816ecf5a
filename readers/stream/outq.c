// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The output's queue: batches of encoded frames wait here for a writer
 * thread, so that a slow reader of the output (a pipe whose reader pauses)
 * never keeps the main loop from draining the ring buffers. A ring buffer
 * that fills makes the BPF side fail its reservations: records lost where
 * the stream cannot count them. Here they are counted: the queue is
 * bounded, and when it is full the caller drops records and says how many
 * in a Lost frame (fanout.c).
 *
 * A batch is handed over by swapping buffers, never copied; written ones
 * are kept for reuse (a few), so a stream that keeps up allocates nothing.
 * Until outq_start() (and with --once) there is no thread: a batch is
 * written at once, blocking. The thread is started once the process has
 * dropped its privileges: capabilities are per thread, and a thread
 * inherits its creator's.
 *
 * A stop does not wait on the output for ever: once stopping, nothing
 * waits for room, and what is queued gets OUTQ_CLOSE_WAIT_S to be written. A
 * writer still blocked then (a reader that takes nothing: a FIFO nobody
 * reads) is cancelled in its write(), and what it had not written is lost
 * and counted (outq_close()).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "stream.h"

#define SPARE_MAX 4     /* written batch buffers kept for reuse */

struct batch {
	struct batch *next;
	struct strbuf b;
};

struct outq {
	int fd;
	bool running, stop;
	bool stopping;          /* the stream is stopping: nothing waits for room */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;    /* to the writer: a batch, or stop */
	pthread_cond_t room;    /* to the main thread: a batch was written */
	struct batch *head, **tail; /* waiting, oldest first */
	struct batch *spare;
	size_t nspare;
	size_t queued;          /* bytes waiting or being written (atomic reads) */
	int err;                /* the writer's first error: then it discards */
};

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct outq *outq_new(int fd)
{
	struct outq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->fd = fd;
	q->tail = &q->head;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->room, NULL);
	return q;
}

static void *writer(void *arg)
{
	struct outq *q = arg;

	/* Cancelled only in write() (outq_close(), when it is stuck there):
	 * never with the lock held or a batch half taken off the list. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct batch *b;
		int r = 0;

		while (!q->head && !q->stop)
			pthread_cond_wait(&q->work, &q->lock);
		b = q->head;
		if (!b)
			break; /* stopped, and everything is written */
		bool failed = q->err != 0;

		pthread_mutex_unlock(&q->lock);
		if (!failed) {
			pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
			r = write_all(q->fd, b->b.buf, b->b.len);
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		}
		pthread_mutex_lock(&q->lock);
		if (r && !q->err)
			q->err = r;
		q->head = b->next;
		if (!q->head)
			q->tail = &q->head;
		__atomic_store_n(&q->queued, q->queued - b->b.len, __ATOMIC_RELAXED);
		sb_reset(&b->b);
		if (q->nspare < SPARE_MAX) {
			b->next = q->spare;
			q->spare = b;
			q->nspare++;
		} else {
			sb_free(&b->b);
			free(b);
		}
		pthread_cond_broadcast(&q->room);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int outq_start(struct outq *q)
{
	int r = pthread_create(&q->thread, NULL, writer, q);

	if (r)
		return -r;
	q->running = true;
	return 0;
}

size_t outq_queued(const struct outq *q)
{
	return __atomic_load_n(&q->queued, __ATOMIC_RELAXED);
}

/* Block until fewer than limit bytes are queued (or the writer failed,
 * or the stream is stopping). */
static void wait_room(struct outq *q, size_t limit)
{
	while (q->queued >= limit && !q->err && !q->stopping)
		pthread_cond_wait(&q->room, &q->lock);
}

void outq_stopping(struct outq *q)
{
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_mutex_unlock(&q->lock);
}

int outq_push(struct outq *q, struct strbuf *sb, size_t limit)
{
	struct batch *b;
	struct strbuf empty;
	int err;

	if (!sb->len)
		return 0;
	if (!q->running) {
		err = write_all(q->fd, sb->buf, sb->len);
		sb_reset(sb);
		return err;
	}
	pthread_mutex_lock(&q->lock);
	wait_room(q, limit);
	err = q->err;
	b = q->spare;
	if (b) {
		q->spare = b->next;
		q->nspare--;
	} else if (!err && !(b = calloc(1, sizeof(*b)))) {
		err = -ENOMEM;
	}
	if (err) {
		if (b) { /* back where it was */
			b->next = q->spare;
			q->spare = b;
			q->nspare++;
		}
		pthread_mutex_unlock(&q->lock);
		sb_reset(sb);
		return err;
	}
	/* The caller goes on with the batch's old (empty) buffer. */
	empty = b->b;
	b->b = *sb;
	*sb = empty;
	b->next = NULL;
	*q->tail = b;
	q->tail = &b->next;
	__atomic_store_n(&q->queued, q->queued + b->b.len, __ATOMIC_RELAXED);
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

static void free_batches(struct batch *b)
{
	while (b) {
		struct batch *next = b->next;

		sb_free(&b->b);
		free(b);
		b = next;
	}
}

int outq_close(struct outq *q, size_t *unwritten)
{
	struct timespec until;
	int err;

	*unwritten = 0;
	if (!q)
		return 0;
	if (q->running) {
		pthread_mutex_lock(&q->lock);
		q->stop = true;
		pthread_cond_signal(&q->work);
		pthread_mutex_unlock(&q->lock);
		/* It writes what is queued first, if its reader takes it. */
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += OUTQ_CLOSE_WAIT_S;
		if (pthread_clockjoin_np(q->thread, NULL, CLOCK_MONOTONIC, &until) == ETIMEDOUT) {
			pthread_cancel(q->thread);
			pthread_join(q->thread, NULL);
			*unwritten = q->queued; /* the batch in write() included */
			if (!q->err)
				q->err = -ETIMEDOUT;
		}
	}
	err = q->err;
	free_batches(q->head);
	free_batches(q->spare);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->room);
	free(q);
	return err;
}
