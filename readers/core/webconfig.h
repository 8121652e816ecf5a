/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --web.config.file: the Prometheus exporter-toolkit's web configuration
 * (TLS, client certificates, basic auth, response headers), so that the
 * one file an operator keeps for node_exporter and the others works here
 * unchanged (docs/security.md). webconfig.c parses the file, basicauth.c
 * checks credentials against it, tls.c makes the TLS context and the
 * transport (plain or TLS) a connection reads and writes through.
 *
 * Messages: the functions that fail fill a diag ("FILE: KEY: why", or
 * "FILE:LINE: why") and return -errno; the reader says it with its name.
 */
#ifndef EBPF_WEBCONFIG_H
#define EBPF_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "diag.h"
#include "strbuf.h"

/* tls_server_config.client_auth_type, as Go's crypto/tls names them. */
enum web_client_auth {
	WEB_NO_CLIENT_CERT,
	WEB_REQUEST_CLIENT_CERT,
	WEB_REQUIRE_ANY_CLIENT_CERT,
	WEB_VERIFY_CLIENT_CERT_IF_GIVEN,
	WEB_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

struct web_pair {
	char *name;
	char *value;
};

struct webconfig {
	bool tls;                       /* tls_server_config is there */
	char *cert_file, *key_file;     /* absolute, or relative to the file's directory */
	char *client_ca_file;
	enum web_client_auth client_auth;
	int min_version, max_version;   /* OpenSSL's TLS1_x_VERSION; 0: default */
	char **cipher_suites;           /* Go's (IANA) names */
	size_t ncipher_suites;
	char **curves;                  /* Go's names: CurveP256, X25519... */
	size_t ncurves;
	char **allowed_sans;            /* client_allowed_sans */
	size_t nallowed_sans;
	struct web_pair *users;         /* basic_auth_users: name, bcrypt hash */
	size_t nusers;
	struct strbuf headers;          /* http_server_config.headers, "Name: value\r\n"... */
};

/* Parse FILE into wc (zeroed first): 0, or -EINVAL (an unknown key, a
 * value of the wrong kind: d names the file and the key), -ELIBACC (the
 * libraries, loaded by the first call, are not there: weblibs.h) or the
 * -errno of reading it. Nothing is left allocated on failure. */
int webconfig_parse(struct webconfig *wc, const char *path, struct diag *d);
void webconfig_free(struct webconfig *wc);

/* ---- basicauth.c ---- */

/* Successful checks remembered (bcrypt costs tens of milliseconds, a
 * scrape is every few seconds): keyed by a SHA-256 of user and password. */
#define WEB_AUTH_CACHE 8
struct web_auth_cache {
	uint8_t key[WEB_AUTH_CACHE][32];
	size_t n, next;
};

/* Does the value of an Authorization field carry a user of wc and its
 * password? In steps, so that the bcrypt (tens of milliseconds) can run on
 * another thread than the one serving (readers/exporter/authwork.c): begin,
 * run, remember. Every user and the hash are compared in constant time; an
 * unknown user costs a bcrypt like a known one. A job holds a password:
 * web_auth_run() wipes it; wipe a job not run. */
struct web_auth_job {
	uint8_t key[32];        /* SHA-256 of "user:password", for the cache */
	char hash[128];         /* the user's bcrypt hash, or a dummy one */
	char password[512];
	bool known;             /* the user is in basic_auth_users */
	bool ok;                /* web_auth_run()'s answer */
};
enum { WEB_AUTH_NO, WEB_AUTH_YES, WEB_AUTH_CHECK };
/* WEB_AUTH_YES (remembered), WEB_AUTH_NO (not "Basic user:password"), or
 * WEB_AUTH_CHECK: job is filled for web_auth_run(). Touches no cache. */
int web_auth_begin(const struct webconfig *wc, const struct web_auth_cache *cache,
		   const char *value, size_t vlen, struct web_auth_job *job);
/* The bcrypt and the constant-time comparison: job->ok. Thread-safe. */
bool web_auth_run(struct web_auth_job *job);
/* A successful job's key into the cache. */
void web_auth_remember(struct web_auth_cache *cache, const struct web_auth_job *job);

/* ---- tls.c: the live configuration and the transport ---- */

struct ssl_ctx_st;
struct ssl_st;

/* What a server serves with: the file's path, its parsed content and the
 * TLS context made from it, replaced whole by a reload. */
struct web {
	const char *prog;               /* for the reload's messages */
	bool http;                      /* basic auth and headers apply (not the stream) */
	char *path;
	struct webconfig cfg;
	struct ssl_ctx_st *ctx;         /* NULL: plain */
	struct web_auth_cache cache;
	unsigned long generation;       /* bumped by each successful reload */
};

/* Read and check the file, load its certificates and keys: 0 or -errno
 * with d set. Before capabilities are dropped. Without http (the stream),
 * basic_auth_users is an error. */
int web_open(struct web *w, const char *prog, const char *path, bool http, struct diag *d);
/* SIGHUP: read the file again and switch to it for new connections (those
 * open keep what they started with); a bad file keeps the old
 * configuration and says so on stderr. 0 or -errno. Without a file (w
 * never opened, its prog set), says there is nothing to reread. */
int web_reload(struct web *w);
void web_close(struct web *w);

/* One connection's transport: the socket, and the TLS session on it. */
struct transport {
	int fd;
	struct ssl_st *ssl;             /* NULL: plain */
	bool want_write;                /* the last call stopped for writability */
	bool handshaken;
	bool failed;                    /* a fatal TLS or socket error */
};

/* Take fd (non-blocking, accepted): plain, or TLS with w's current context
 * (the handshake happens in the first read or write). 0 or -ENOMEM; fd is
 * the caller's to close on failure. */
int transport_init(struct transport *t, int fd, const struct web *w);
/* Like read(2)/send(2) on a non-blocking socket: bytes, 0 at the end of
 * the stream, or -errno: -EAGAIN when it must wait (want_write says for
 * what), -ECONNRESET, -EPROTO (TLS: handshake refused, bad record). */
ssize_t transport_read(struct transport *t, void *buf, size_t len);
ssize_t transport_write(struct transport *t, const void *buf, size_t len);
/* Gathered: for TLS, a record per piece, stopping at the first short one. */
struct iovec;
ssize_t transport_writev(struct transport *t, const struct iovec *iov, int n);
/* Frees the TLS session and closes fd. */
void transport_close(struct transport *t);

#endif
