// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Basic auth's bcrypt off the serving thread. A check costs tens of
 * milliseconds of CPU by design; done where the exporter serves, every
 * request carrying a password not yet seen (a wrong one, say) held up every
 * other connection for that long, so anybody who could reach the port
 * could stall the scrapes. Here one thread runs the checks in turn, a few
 * at most wait for it (AUTH_QUEUE: beyond, the caller answers 429), and an
 * eventfd tells the serving thread that answers are in.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "exporter.h"
#include "webconfig.h"

/* Checks waiting or running at once: a few, so that a legitimate scraper
 * with a password not yet remembered waits a few checks at most. */
#define AUTH_QUEUE 4

struct auth_slot {
	struct web_auth_job job;
	uint64_t ticket;
	enum { SLOT_FREE, SLOT_QUEUED, SLOT_DONE } state;
};

struct auth_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	int efd;                        /* readable: answers are in */
	struct auth_slot slot[AUTH_QUEUE];
	size_t order[AUTH_QUEUE];       /* slots queued, oldest first */
	size_t nqueued;
};

static void *worker(void *arg)
{
	struct auth_worker *w = arg;
	struct web_auth_job job;
	uint64_t one = 1;
	size_t i;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stop && !w->nqueued)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stop)
			break;
		i = w->order[0];
		memmove(w->order, w->order + 1, --w->nqueued * sizeof(w->order[0]));
		job = w->slot[i].job;
		explicit_bzero(&w->slot[i].job, sizeof(w->slot[i].job));
		pthread_mutex_unlock(&w->lock);
		web_auth_run(&job); /* the long part, unlocked */
		pthread_mutex_lock(&w->lock);
		w->slot[i].job = job;
		w->slot[i].state = SLOT_DONE;
		explicit_bzero(&job, sizeof(job));
		if (write(w->efd, &one, sizeof(one)) < 0)
			(void)0; /* the counter is at its maximum: readable anyway */
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int auth_worker_new(struct auth_worker **out)
{
	struct auth_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int r;

	if (!w)
		return -ENOMEM;
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0) {
		r = -errno;
		free(w);
		return r;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	/* Signals are the serving thread's (its signalfd): none here. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&w->thread, NULL, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		close(w->efd);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w);
		return r;
	}
	*out = w;
	return 0;
}

int auth_worker_fd(const struct auth_worker *w)
{
	return w->efd;
}

int auth_worker_submit(struct auth_worker *w, const struct web_auth_job *job, uint64_t ticket)
{
	int r = -EBUSY;

	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < AUTH_QUEUE; i++) {
		if (w->slot[i].state != SLOT_FREE)
			continue;
		w->slot[i].job = *job;
		w->slot[i].ticket = ticket;
		w->slot[i].state = SLOT_QUEUED;
		w->order[w->nqueued++] = i;
		pthread_cond_signal(&w->cond);
		r = 0;
		break;
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

bool auth_worker_done(struct auth_worker *w, uint64_t *ticket, struct web_auth_job *job)
{
	uint64_t n;
	bool got = false;

	if (read(w->efd, &n, sizeof(n)) < 0)
		(void)0; /* nothing counted: the slots say */
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < AUTH_QUEUE && !got; i++) {
		if (w->slot[i].state != SLOT_DONE)
			continue;
		*job = w->slot[i].job;
		*ticket = w->slot[i].ticket;
		explicit_bzero(&w->slot[i], sizeof(w->slot[i]));
		w->slot[i].state = SLOT_FREE;
		got = true;
	}
	pthread_mutex_unlock(&w->lock);
	return got;
}

void auth_worker_free(struct auth_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL); /* a check under way ends first */
	explicit_bzero(w->slot, sizeof(w->slot));
	close(w->efd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}
