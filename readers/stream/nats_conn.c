// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebpf-stream --publish: its options, and the NATS connection (servers,
 * reconnects with backoff, TLS, credentials) and JetStream stream set-up.
 * The frames themselves are publish_nats.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "publish_nats.h"

static int bad(const char *opt, const char *arg, const char *rule)
{
	fprintf(stderr, "ebpf-stream: invalid --%s '%s': %s\n", opt, arg, rule);
	return 2;
}

static int parse_size(const char *opt, const char *arg, unsigned long long min,
		      unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || *v < min || *v > max || arg[0] == '-') {
		char rule[96];

		snprintf(rule, sizeof(rule), "a number from %llu to %llu", min, max);
		return bad(opt, arg, rule);
	}
	return 0;
}

/* Subject tokens may not hold '.', '*', '>' or white space. */
static bool subject_token_ok(const char *s, bool dots)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((*s == '.' && !dots) || *s == '*' || *s == '>' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* One server of --publish: nats:// or tls://, [user[:password]@]host or
 * [IPv6], and :port from 1 to 65535 if given. libnats would take some
 * broken ones and retry them for ever. */
static bool server_url_ok(const char *u, size_t n)
{
	const char *end = u + n, *host, *p;
	unsigned long port;

	if (n > 7 && !strncasecmp(u, "nats://", 7))
		host = u + 7;
	else if (n > 6 && !strncasecmp(u, "tls://", 6))
		host = u + 6;
	else
		return false;
	for (p = end; p > host && p[-1] != '@'; p--)
		;
	host = p; /* past the user information, if any */
	if (host < end && *host == '[') {
		p = memchr(host, ']', (size_t)(end - host));
		if (!p || p == host + 1)
			return false;
		p++;
	} else {
		for (p = host; p < end && *p != ':' && *p != '/'; p++)
			;
		if (p == host)
			return false;
	}
	if (p == end || *p == '/')
		return true;
	if (*p != ':' || p + 1 == end)
		return false;
	port = 0;
	for (p++; p < end && *p != '/'; p++) {
		if (*p < '0' || *p > '9' || (port = port * 10 + (unsigned long)(*p - '0')) > 65535)
			return false;
	}
	return port > 0;
}

/* --publish: a comma-separated list of server URLs, none empty. */
static bool servers_ok(const char *list)
{
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (!server_url_ok(p, n))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

int nats_opt(int c, const char *arg, struct nats_opts *o)
{
	unsigned long long v;
	int r = 0;

	switch (c) {
	case NATS_OPT_PUBLISH:
		/* A URL may carry a password: never echoed. */
		if (!servers_ok(arg))
			return bad("publish", strchr(arg, '@') ? "(not shown: it has credentials)" : arg,
				   "nats://HOST[:PORT] or tls://HOST[:PORT], several separated by commas");
		o->servers = arg;
		break;
	case NATS_OPT_PREFIX:
		/* Tokens between dots: none empty ("a..b" is no subject). */
		if (!subject_token_ok(arg, true) || arg[0] == '.' || arg[strlen(arg) - 1] == '.' ||
		    strstr(arg, ".."))
			return bad("subject-prefix", arg,
				   "subject tokens without '*', '>' or spaces, none empty");
		o->prefix = arg;
		break;
	case NATS_OPT_HOST:
		/* '/' separates the parts of each message's Nats-Msg-Id. */
		if (!*arg || strchr(arg, '/'))
			return bad("host-name", arg, "not empty, without '/'");
		o->host = arg;
		break;
	case NATS_OPT_STREAM:
		/* The server's rules: no path separators either (a stream is a
		 * directory of its store). */
		if (!subject_token_ok(arg, false) || strpbrk(arg, "/\\"))
			return bad("jetstream-stream", arg,
				   "a stream name without '.', '*', '>', '/', '\\' or spaces");
		o->stream = arg;
		break;
	case NATS_OPT_REPLICAS:
		r = parse_size("replicas", arg, 1, 5, &v);
		o->replicas = (int)v;
		break;
	case NATS_OPT_BUFFER:
		r = parse_size("publish-buffer", arg, 65536, 1ull << 40, &v);
		o->buffer = v;
		break;
	case NATS_OPT_WINDOW:
		r = parse_size("publish-window", arg, 1, 1u << 20, &v);
		o->window = v;
		break;
	case NATS_OPT_CREDS: o->creds = arg; break;
	case NATS_OPT_NKEY: o->nkey = arg; break;
	case NATS_OPT_AUTH: o->auth_file = arg; break;
	case NATS_OPT_CA: o->ca = arg; break;
	case NATS_OPT_CERT: o->cert = arg; break;
	case NATS_OPT_KEY: o->key = arg; break;
	}
	return r;
}

#if EBPF_HAVE_NATS
#include "natspub_int.h"
#include "nkey.h"
#include "util.h"

#define RECONNECT_WAIT_MS 250
#define RECONNECT_JITTER_MS 250
/* Reconnect waits double per failed round over the servers, up to this. */
#define RECONNECT_MAX_MS 5000

/* user=, password=, token= lines of --nats-auth-file into the options. */
static int load_auth_file(natsOptions *no, const char *path, char *err, size_t errlen)
{
	char line[1024], user[512] = "", pass[512] = "", token[1024] = "";
	FILE *f = fopen(path, "re");
	natsStatus s = NATS_OK;

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	/* Unbuffered: no copy of the secret left in stdio's heap buffer. */
	setvbuf(f, NULL, _IONBF, 0);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "user=", 5))
			strscpy(user, line + 5, sizeof(user));
		else if (!strncmp(line, "password=", 9))
			strscpy(pass, line + 9, sizeof(pass));
		else if (!strncmp(line, "token=", 6))
			strscpy(token, line + 6, sizeof(token));
	}
	fclose(f);
	if (user[0])
		s = natsOptions_SetUserInfo(no, user, pass);
	if (s == NATS_OK && token[0])
		s = natsOptions_SetToken(no, token);
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(token, sizeof(token));
	explicit_bzero(line, sizeof(line));
	if (s != NATS_OK || (!user[0] && !token[0])) {
		snprintf(err, errlen, "%s: %s", path, s != NATS_OK ? natsStatus_GetText(s) :
			 "no user= or token= line");
		return -EINVAL;
	}
	return 0;
}

/* The user's public key of the nkey seed in path. Why: libnats 3.4 signs
 * the server's nonce with the seed file, but tells the server whose key
 * signed only if it is given the public key, and has no function that
 * derives it (given NULL, the server is sent an empty one, and refuses).
 * The Ed25519 public key of the seed, by libcrypto, encoded as nkeys do.
 * 0 or -errno (nkey_strerror() words it); the seed wiped after use. */
static int nkey_public_of_file(const char *path, char *pub, size_t publen)
{
	uint8_t seed[NKEY_RAW_LEN], raw[NKEY_RAW_LEN];
	size_t rawlen = sizeof(raw);
	EVP_PKEY *key;
	int r = nkey_user_seed_read(path, seed);

	if (r)
		return r;
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	explicit_bzero(seed, sizeof(seed));
	/* Any 32 bytes are an Ed25519 seed: only memory can be missing. */
	if (!key)
		return -ENOMEM;
	if (EVP_PKEY_get_raw_public_key(key, raw, &rawlen) != 1 || rawlen != sizeof(raw))
		r = -ENOMEM;
	EVP_PKEY_free(key); /* frees its copy of the seed cleared */
	if (!r && nkey_user_public_encode(raw, pub, publen) < 0)
		r = -ENOSPC;
	return r;
}

/* 0 if path can be opened and read (not a directory), or -errno. */
static int file_readable(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	close(fd);
	return r;
}

/* The files of the options, each opened once: libnats reads a .creds
 * file only when it connects, and a missing one was "No server available
 * for connection", retried without end; a missing CA or certificate it
 * words "(null)". Said now, with the file and the reason. (The nkey seed
 * is read whole below, the auth file by load_auth_file().) */
static int check_files(const struct nats_opts *o, char *err, size_t errlen)
{
	const struct { const char *opt, *path; } files[] = {
		{ "nats-creds", o->creds }, { "nats-auth-file", o->auth_file },
		{ "nats-ca", o->ca }, { "nats-cert", o->cert }, { "nats-key", o->key },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int r = files[i].path ? file_readable(files[i].path) : 0;

		if (r) {
			snprintf(err, errlen, "--%s %s: %s", files[i].opt, files[i].path, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* Reconnect backoff: the wait doubles with each failed attempt past one
 * round over the servers, with jitter, capped. */
static int64_t reconnect_delay(natsConnection *nc, int attempts, void *closure)
{
	struct natspub *np = closure;
	int64_t ms = RECONNECT_WAIT_MS;
	int rounds = np->nservers ? attempts / np->nservers : attempts;

	(void)nc;
	while (rounds-- > 0 && ms < RECONNECT_MAX_MS)
		ms *= 2;
	if (ms > RECONNECT_MAX_MS)
		ms = RECONNECT_MAX_MS;
	return ms + rand() % RECONNECT_JITTER_MS;
}

static void on_disconnected(natsConnection *nc, void *closure)
{
	struct natspub *np = closure;

	(void)nc;
	atomic_store(&np->up, false);
}

/* The last callback of a connection: libnats gave up on it (a server that
 * refused the same credentials twice), or natspub_disconnect() closed it.
 * Until then no closure may be freed. */
static void on_closed(natsConnection *nc, void *closure)
{
	struct natspub *np = closure;

	(void)nc;
	atomic_store(&np->up, false);
	atomic_store(&np->closed, true);
	natspub_wake(np);
}

/* A text of libnats without the "(file.c:NNN): " it puts in front of its
 * own errors: where in libnats is no news to the reader. */
const char *natspub_text(const char *text)
{
	const char *p = text && text[0] == '(' ? strstr(text, "): ") : NULL;

	if (!p || p - text > 64 || !memchr(text, ':', (size_t)(p - text)))
		return text;
	return p + 3;
}

/* The text of the last libnats error of this thread, or of s. */
static const char *last_error(natsStatus s)
{
	const char *text = nats_GetLastError(NULL);

	return text ? natspub_text(text) : natsStatus_GetText(s);
}

/* The stream exists (0), or is made (1): subjects PREFIX.>, file storage.
 * -errno with err set when it can be neither (tried again). */
int natspub_ensure_stream(struct natspub *np, char *err, size_t errlen)
{
	jsStreamConfig cfg;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	char subj[300];
	const char *subjects[1] = { subj };
	natsStatus s;

	if (!np->o.stream)
		return 0;
	s = js_GetStreamInfo(&si, np->js, np->o.stream, NULL, &jerr);
	if (s == NATS_OK) {
		jsStreamInfo_Destroy(si);
		return 0;
	}
	if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) {
		snprintf(err, errlen, "%s", last_error(s));
		return -EAGAIN;
	}
	snprintf(subj, sizeof(subj), "%s.>", np->o.prefix);
	jsStreamConfig_Init(&cfg);
	cfg.Name = np->o.stream;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.Replicas = np->o.replicas;
	s = js_AddStream(&si, np->js, &cfg, NULL, &jerr);
	if (s == NATS_OK) {
		jsStreamInfo_Destroy(si);
		return 1;
	}
	/* Another host may have made it meanwhile: that one is used. */
	if (jerr == JSStreamNameExistErr)
		return 0;
	/* A cluster still electing its leader, say: tried again. */
	snprintf(err, errlen, "%s", last_error(s));
	return -EIO;
}

/* Connected in the background (a server not reachable at start; with no
 * callback, libnats would retry in natsConnection_Connect(), blocking), or
 * reconnected: the loop is woken to set up and send (natspub_retry_setup). */
static void on_connected(natsConnection *nc, void *closure)
{
	struct natspub *np = closure;

	(void)nc;
	atomic_store(&np->anew, true);
	natspub_wake(np);
}

/* Reasons for not being connected are told once each: a server refusing
 * the credentials, a TLS failure, or (libnats keeps no error for a refused
 * TCP connection) none after a few seconds down. */
#define DOWN_TELL_S 3.0

static void tell_down(struct natspub *np, const char *why, const char *then)
{
	if (!strncmp(np->told, why, sizeof(np->told) - 1))
		return;
	strscpy(np->told, why, sizeof(np->told));
	fprintf(stderr, "ebpf-stream: NATS %s: %s (%s)\n", np->servers_log, why, then);
}

/* Why the connection is not up. Without this, a wrong password left the
 * stream running, and publishing nothing, in silence. */
static void tell_connect_error(struct natspub *np, double now)
{
	const char *text = NULL;
	char why[sizeof(np->told)];
	natsStatus s = natsConnection_GetLastError(np->nc, &text);

	/* libnats' reconnect thread rewrites the text: one copy, used. */
	strscpy(why, text ? natspub_text(text) : "", sizeof(why));
	/* "No server available": what libnats says once it stops trying the
	 * servers, after the real reason, which stays the one told. */
	if (s == NATS_NO_SERVER && np->told[0])
		return;
	if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED)
		tell_down(np, why[0] ? why : natsStatus_GetText(s), "retrying");
	/* libnats clears its error at each attempt: a reason already told
	 * (a refused password) stays the reason, said once. */
	else if (!np->told[0] && np->down_since && now - np->down_since >= DOWN_TELL_S)
		tell_down(np, "no server reachable", "retrying");
}

/* A connection libnats closed for good (it gives up on a server that
 * refuses the same credentials twice) is made anew, credentials read
 * again, every RECONNECT_MAX_MS: as if it were a long outage. */
static void reopen(struct natspub *np, double now)
{
	char err[512];

	if (!np->reopen_at) {
		if (!np->told_closed)
			fprintf(stderr, "ebpf-stream: NATS %s: the client closed the connection%s%s "
				"(a new one every %d s)\n", np->servers_log, np->told[0] ? " after: " : "",
				np->told, RECONNECT_MAX_MS / 1000);
		np->told_closed = true;
		np->reopen_at = now + RECONNECT_MAX_MS / 1000.0;
		return;
	}
	if (now < np->reopen_at)
		return;
	np->reopen_at = 0;
	natspub_disconnect(np);
	/* Acks of the old connection never come: its window is free again. */
	atomic_store(&np->inflight, 0);
	atomic_store(&np->inflight_bytes, 0);
	if (natspub_connect(np, err, sizeof(err))) {
		tell_down(np, err, "retrying");
		np->reopen_at = now + RECONNECT_MAX_MS / 1000.0;
	}
}

/* Connected but not yet sending (just (re)connected, or the stream's
 * set-up failed): the stream is checked (made if missing), a Describe is
 * due, and frames flow again. Tried once a second; it waits up to
 * jsOptions.Wait, only while nothing can be sent anyway. */
/* No request is made from a libnats callback: it could wait for an
 * answer only that callback's thread would read. */
void natspub_retry_setup(struct natspub *np)
{
	double now = monotonic_s();
	char err[512];
	int r;

	if (atomic_load(&np->up))
		return;
	if (!np->nc || atomic_load(&np->closed)) {
		if (np->first_why[0])
			tell_down(np, np->first_why, "retrying");
		reopen(np, now);
		return;
	}
	if (natsConnection_Status(np->nc) != NATS_CONN_STATUS_CONNECTED) {
		if (!np->down_since)
			np->down_since = now;
		/* The first try's reason, before what libnats says after it. */
		if (np->first_why[0])
			tell_down(np, np->first_why, "retrying");
		tell_connect_error(np, now);
		return;
	}
	np->down_since = 0;
	np->told[0] = '\0'; /* connected: a later refusal is told again */
	np->first_why[0] = '\0';
	np->told_closed = false;
	if (now - np->last_setup < 1.0)
		return;
	np->last_setup = now;
	r = natspub_ensure_stream(np, err, sizeof(err));
	if (r < 0) {
		/* Told once, and again if it recurs after a success. */
		if (!np->said)
			fprintf(stderr, "ebpf-stream: NATS stream %s: %s (retrying)\n", np->o.stream, err);
		np->said = true;
		return;
	}
	np->said = false;
	/* A Describe first on each new connection, or a new stream, but not
	 * on the first: there the stream's own Describe is the first frame
	 * queued (two back to back when the server came up after the start).
	 * Not on a set-up again after a refusal either: one a second, each
	 * refused in turn, would pile up without end. */
	if ((atomic_exchange(&np->anew, false) || r > 0) && np->was_up)
		atomic_store(&np->reconnected, true);
	np->was_up = true;
	atomic_store(&np->up, true);
}

/* The URLs as they may be logged: user:password@ (or a token@) out. */
static void servers_for_log(char *dst, size_t size, const char *servers)
{
	size_t n = 0;

	while (*servers && n + 1 < size) {
		const char *end = servers + strcspn(servers, ","), *at, *host = servers;
		const char *scheme = strstr(servers, "://");

		if (scheme && scheme < end)
			host = scheme + 3;
		at = memchr(host, '@', (size_t)(end - host));
		n += (size_t)snprintf(dst + n, size - n, "%.*s%.*s%s", (int)(host - servers), servers,
				      (int)(end - (at ? at + 1 : host)), at ? at + 1 : host,
				      *end ? "," : "");
		servers = *end ? end + 1 : end;
	}
	if (n >= size)
		n = size - 1;
	dst[n] = '\0';
}

/* --publish's comma-separated list, for natsOptions_SetServers(). */
static natsStatus set_servers(struct natspub *np, natsOptions *no)
{
	char *copy = strdup(np->o.servers), *save = NULL, *tok;
	const char *urls[64];
	natsStatus s;
	int n = 0;

	if (!copy)
		return NATS_NO_MEMORY;
	for (tok = strtok_r(copy, ",", &save); tok && n < 64; tok = strtok_r(NULL, ",", &save))
		urls[n++] = tok;
	np->nservers = n;
	s = n ? natsOptions_SetServers(no, urls, n) : NATS_INVALID_ARG;
	free(copy);
	return s;
}

/* Everything of --publish that goes into natsOptions. */
static int set_options(struct natspub *np, natsOptions *no, char *err, size_t errlen)
{
	const struct nats_opts *o = &np->o;
	char nkey_pub[NKEY_PUBLIC_LEN + 1];
	natsStatus s;
	int r;

	r = check_files(o, err, errlen);
	if (r)
		return r;
	/* A seed that cannot be used is said now, not as a refusal retried
	 * without end. */
	if (o->nkey) {
		r = nkey_public_of_file(o->nkey, nkey_pub, sizeof(nkey_pub));
		if (r) {
			snprintf(err, errlen, "--nats-nkey %s: %s", o->nkey, nkey_strerror(r));
			return r;
		}
	}
	s = set_servers(np, no);
	if (s == NATS_OK) s = natsOptions_SetName(no, "ebpf-stream");
	if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(no, true, on_connected, np);
	if (s == NATS_OK) s = natsOptions_SetMaxReconnect(no, -1);
	if (s == NATS_OK) s = natsOptions_SetCustomReconnectDelay(no, reconnect_delay, np);
	if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(no, on_disconnected, np);
	if (s == NATS_OK) s = natsOptions_SetReconnectedCB(no, on_connected, np);
	if (s == NATS_OK) s = natsOptions_SetClosedCB(no, on_closed, np);
	if (s == NATS_OK && o->creds) s = natsOptions_SetUserCredentialsFromFiles(no, o->creds, NULL);
	if (s == NATS_OK && o->nkey) s = natsOptions_SetNKeyFromSeed(no, nkey_pub, o->nkey);
	if (s == NATS_OK && (o->ca || o->cert)) s = natsOptions_SetSecure(no, true);
	if (s == NATS_OK && o->ca) s = natsOptions_LoadCATrustedCertificates(no, o->ca);
	/* Given together (check_opts() in main.c). */
	if (s == NATS_OK && o->cert) s = natsOptions_LoadCertificatesChain(no, o->cert, o->key);
	if (s != NATS_OK) {
		snprintf(err, errlen, "--publish: %s", last_error(s));
		return -EINVAL;
	}
	return o->auth_file ? load_auth_file(no, o->auth_file, err, errlen) : 0;
}

/* One try at connecting, in this thread. Why: libnats 3.4, asked to
 * retry a failed first connect, clears the reason (a TLS handshake error
 * with OpenSSL's word on the certificate) and closes the connection as
 * "No server available for connection"; tried alone, it keeps it. On
 * failure the reason goes to np->first_why, for natspub_retry_setup() to
 * tell, and the caller connects with retries. NATS_NO_SERVER (nothing
 * listening) has no reason beyond that: told after DOWN_TELL_S, as ever. */
static void first_try(struct natspub *np, natsOptions *no)
{
	natsStatus s = natsOptions_SetRetryOnFailedConnect(no, false, NULL, NULL);
	const char *text;

	np->first_why[0] = '\0';
	if (s == NATS_OK)
		s = natsConnection_Connect(&np->nc, no);
	if (s == NATS_OK)
		return;
	np->nc = NULL; /* libnats made none, or freed it */
	atomic_store(&np->closed, false);
	text = nats_GetLastError(NULL);
	if (s == NATS_NO_SERVER || !text || !*text)
		return;
	strscpy(np->first_why, natspub_text(text), sizeof(np->first_why));
}

/* The connection and its JetStream context; a server not reachable yet
 * is retried in the background. 0 or -errno with err set. */
int natspub_connect(struct natspub *np, char *err, size_t errlen)
{
	natsOptions *no = NULL;
	jsOptions jo;
	natsStatus s;
	int r;

	servers_for_log(np->servers_log, sizeof(np->servers_log), np->o.servers);
	atomic_store(&np->closed, false);
	atomic_store(&np->anew, true);
	if (natsOptions_Create(&no) != NATS_OK) {
		snprintf(err, errlen, "--publish: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	r = set_options(np, no, err, errlen);
	if (!r)
		first_try(np, no);
	if (!r && !np->nc) {
		s = natsOptions_SetRetryOnFailedConnect(no, true, on_connected, np);
		if (s == NATS_OK)
			s = natsConnection_Connect(&np->nc, no);
		if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
			snprintf(err, errlen, "--publish %s: %s", np->servers_log, natsStatus_GetText(s));
			r = -EINVAL;
		}
	}
	natsOptions_Destroy(no);
	if (r)
		return r;
	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = (int64_t)np->o.window;
	jo.PublishAsync.AckHandler = natspub_on_ack;
	jo.PublishAsync.AckHandlerClosure = np;
	jo.Wait = 1000;
	if (natsConnection_JetStream(&np->js, np->nc, &jo) != NATS_OK) {
		snprintf(err, errlen, "--publish: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	natspub_retry_setup(np);
	return 0;
}

/* Close and free the connection once its last callback has run (each
 * holds np as its closure): bounded, a stuck libnats is not waited for. */
void natspub_disconnect(struct natspub *np)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	if (np->nc) {
		natsConnection_Close(np->nc);
		for (int i = 0; i < 500 && !atomic_load(&np->closed); i++)
			nanosleep(&ts, NULL);
	}
	jsCtx_Destroy(np->js);
	natsConnection_Destroy(np->nc);
	np->js = NULL;
	np->nc = NULL;
}

#endif
