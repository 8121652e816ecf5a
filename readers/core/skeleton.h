/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The reader skeleton: what a long-running reader (ebpf-exporter,
 * ebpf-stream) does besides its writer. --listen addresses and their
 * sockets (or systemd's, LISTEN_FDS), stop signals, the capability drop,
 * the rescan tick, the watchdog ping and sd_notify, and the event loop that
 * ties them together. A reader registers its own descriptors (a listening
 * server, ring buffers) and callbacks; the loop calls them.
 *
 * Messages: the functions here that fail fill a diag and return -errno;
 * the reader reports with its name. The warnings a reader goes on after
 * (capabilities not dropped) are said here, in the reader's name.
 */
#ifndef EBPF_SKELETON_H
#define EBPF_SKELETON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "diag.h"

/* ---- --listen addresses (listen.c) ---- */

/* Every listening socket of every reader: one backlog. */
#define LISTEN_BACKLOG 128

enum listen_forms {
	LISTEN_TCP_BARE = 1,    /* ADDR:PORT (the exporter's) */
	LISTEN_PREFIXED = 2,    /* unix:PATH or tcp:ADDR:PORT (the stream's) */
};

struct listen_addr {
	const char *spec;       /* as given, for messages */
	const char *tcp;        /* its ADDR:PORT (lib/tcplisten.h), or NULL: unix */
	struct sockaddr_un un;
	struct stat bound;      /* the socket file we made (mode 0: none) */
};

/* Parse spec in one of the forms: 0, or -EINVAL with d saying
 * "invalid --listen 'SPEC': why". Nothing is resolved or opened: a bad
 * address is a usage error found before anything is. */
int listen_addr_parse(struct listen_addr *a, const char *spec, int forms, struct diag *d);
/* A non-blocking, close-on-exec listening socket for a parsed address, or
 * -errno with d saying "cannot listen on SPEC: why" (-EINVAL with
 * "invalid --listen ..." when a host name cannot be used). A unix socket
 * file nobody listens on (a dead reader's) is taken over; a live one is in
 * use (-EADDRINUSE); a path that is no socket is left alone (-EEXIST). */
int listen_addr_open(struct listen_addr *a, struct diag *d);
/* Remove the socket file listen_addr_open() made, if it is still that one. */
void listen_addr_release(struct listen_addr *a);

/* ---- The skeleton (skeleton.c) ---- */

/* A descriptor in the loop: fn(ctx, epoll events) when it is ready. */
struct skel_watch {
	void (*fn)(void *ctx, uint32_t events);
	void *ctx;
};

struct skel {
	int epfd;
	int sigfd;              /* SIGINT, SIGTERM: a stop request */
	int tickfd;             /* the rescan tick (timerfd), -1: none */
	uint64_t watchdog_usec; /* WatchdogSec, 0: none */
	double last_ping;
	/* Called each interval of skel_set_tick(), after the events of a
	 * pass: a rescan may free what later events of the pass point to. */
	void (*on_tick)(void *ctx);
	/* SIGHUP, once skel_catch_reload() asked for it. */
	void (*on_reload)(void *ctx);
	void *reload_ctx;
	/* Called at the end of every pass of the loop; < 0 ends it. */
	int (*after_pass)(void *ctx);
	void *ctx;
};

/* Block SIGINT and SIGTERM (a stop during set-up is read by the loop, not
 * fatal half-way), ignore SIGPIPE (a reader that goes away is an error of
 * a write), make the loop's epoll. 0 or -errno. */
int skel_init(struct skel *s);
void skel_free(struct skel *s);
/* Take SIGHUP too, as a reload request, fn(ctx), not a stop: for a reader
 * with a configuration file to reread. 0 or -errno. */
int skel_catch_reload(struct skel *s, void (*fn)(void *ctx), void *ctx);
/* Call w when fd is ready for events; w lives until skel_unwatch(). */
int skel_watch(struct skel *s, int fd, uint32_t events, struct skel_watch *w);
void skel_unwatch(struct skel *s, int fd);
/* on_tick every interval_s seconds. 0 or -errno. */
int skel_set_tick(struct skel *s, double interval_s);
/* Sockets systemd passed (socket activation), numbered from
 * SD_LISTEN_FDS_START: how many (0: none), or -errno with d set when some
 * were passed but cannot be taken (then none of ours must be opened:
 * serving elsewhere is not what systemd was told). */
int skel_passed_sockets(struct diag *d);
/* Everything is open: keep CAP_BPF alone (pins of backends loaded later)
 * after kallsyms is opened (its addresses show to its opener only). A
 * failure is said as a warning, "PROG: warning: ...": the reader works,
 * with more than it needs. For every reader, ebpf-print too. */
void skel_drop_privileges(const char *prog);
/* READY=1 with STATUS=fmt to systemd; the watchdog, if any, from now on. */
void skel_ready(struct skel *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The loop: until a stop signal, after_pass() < 0 or an epoll error
 * (-errno). Pings the watchdog twice per WatchdogSec. STOPPING=1 at the end. */
int skel_run(struct skel *s);

#endif
