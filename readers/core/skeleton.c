// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The reader skeleton: signals, systemd, capabilities, the loop (skeleton.h). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "caps.h"
#include "sdlazy.h"
#include "skeleton.h"
#include "sysnames.h"
#include "util.h"

/* The longest the loop sleeps without a watchdog to ping: what bounds the
 * lag of a reader's after_pass() work (deadlines, heartbeats). */
#define PASS_MS 500

static void stop_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
}

int skel_init(struct skel *s)
{
	sigset_t mask;

	memset(s, 0, sizeof(*s));
	s->epfd = s->sigfd = s->tickfd = -1;
	stop_signals(&mask);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sigfd < 0 || s->epfd < 0) {
		int r = -errno;

		skel_free(s);
		return r;
	}
	return 0;
}

void skel_free(struct skel *s)
{
	if (s->tickfd >= 0)
		close(s->tickfd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->epfd >= 0)
		close(s->epfd);
	s->epfd = s->sigfd = s->tickfd = -1;
}

int skel_watch(struct skel *s, int fd, uint32_t events, struct skel_watch *w)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

void skel_unwatch(struct skel *s, int fd)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
}

int skel_set_tick(struct skel *s, double interval_s)
{
	struct itimerspec its = {};
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->tickfd };

	s->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (s->tickfd < 0)
		return -errno;
	its.it_interval.tv_sec = (time_t)interval_s;
	its.it_interval.tv_nsec = (long)((interval_s - (time_t)interval_s) * 1e9);
	its.it_value = its.it_interval;
	if (timerfd_settime(s->tickfd, 0, &its, NULL) < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->tickfd, &ev) < 0)
		return -errno;
	return 0;
}

int skel_passed_sockets(struct diag *d)
{
	int n = sdl_listen_fds(1);

	if (n < 0)
		return diag_set(d, n, "sockets passed by systemd (LISTEN_FDS): %s", strerror(-n));
	return n;
}

void skel_drop_privileges(const char *prog)
{
	static const int keep[] = { CAP_BPF };
	int r;

	sysnames_prepare();
	r = caps_keep_only(keep, ARRAY_SIZE(keep));
	if (r)
		fprintf(stderr, "%s: warning: cannot drop capabilities: %s\n", prog, strerror(-r));
}

void skel_ready(struct skel *s, const char *fmt, ...)
{
	char status[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(status, sizeof(status), fmt, ap);
	va_end(ap);
	if (sdl_watchdog_enabled(0, &s->watchdog_usec) <= 0)
		s->watchdog_usec = 0;
	sdl_notifyf(0, "READY=1\nSTATUS=%s", status);
	s->last_ping = monotonic_s();
	if (s->watchdog_usec)
		sdl_notify(0, "WATCHDOG=1");
}

/* Twice per WatchdogSec, as sd_watchdog_enabled(3) advises. */
static void ping_watchdog(struct skel *s)
{
	double now;

	if (!s->watchdog_usec)
		return;
	now = monotonic_s();
	if (now - s->last_ping >= s->watchdog_usec / 2e6) {
		sdl_notify(0, "WATCHDOG=1");
		s->last_ping = now;
	}
}

/* Sleep at most this long: often enough for the watchdog's pings. */
static int pass_timeout_ms(const struct skel *s)
{
	uint64_t ms = s->watchdog_usec / 4000;

	if (!s->watchdog_usec || ms >= PASS_MS)
		return PASS_MS;
	return ms ? (int)ms : 1;
}

/* What the signals that came ask: 1 for a stop; a SIGHUP (only caught
 * with skel_catch_reload()) calls on_reload. */
static int read_signals(struct skel *s)
{
	struct signalfd_siginfo si;
	int stop = 0;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP)
			stop = 1;
		else if (s->on_reload)
			s->on_reload(s->reload_ctx);
	}
	return stop;
}

int skel_catch_reload(struct skel *s, void (*fn)(void *ctx), void *ctx)
{
	sigset_t mask;

	s->on_reload = fn;
	s->reload_ctx = ctx;
	stop_signals(&mask);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || signalfd(s->sigfd, &mask, 0) < 0)
		return -errno;
	return 0;
}

/* One epoll_wait and the callbacks of what it found: 1 on a stop
 * request, else 0 or -errno. *tick is set when the rescan tick fired. */
static int dispatch(struct skel *s, bool *tick)
{
	struct epoll_event evs[32];
	int n = epoll_wait(s->epfd, evs, 32, pass_timeout_ms(s));
	int stop = 0;

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		void *p = evs[i].data.ptr;
		uint64_t ticks;

		if (p == &s->sigfd) {
			stop |= read_signals(s);
		} else if (p == &s->tickfd) {
			*tick = read(s->tickfd, &ticks, sizeof(ticks)) > 0;
		} else {
			struct skel_watch *w = p;

			w->fn(w->ctx, evs[i].events);
		}
	}
	return stop;
}

int skel_run(struct skel *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->sigfd };
	int r = 0;

	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev) < 0)
		r = -errno;
	while (!r) {
		bool tick = false;

		r = dispatch(s, &tick);
		if (tick && s->on_tick)
			s->on_tick(s->ctx);
		ping_watchdog(s);
		if (s->after_pass && s->after_pass(s->ctx) < 0)
			break;
	}
	sdl_notify(0, "STOPPING=1");
	return r < 0 ? r : 0;
}
