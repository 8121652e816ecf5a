// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TLS with OpenSSL for the readers' servers (webconfig.h): the context made
 * from tls_server_config, its replacement on SIGHUP, and the transport a
 * connection reads and writes through, plain or TLS. Everything is
 * non-blocking: a handshake goes on in the reader's event loop, a piece
 * at a time, like a request head does, and a peer that stalls in it costs
 * its slot until its deadline and blocks nobody.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "webconfig.h"
#include "weblibs.h"

/* client_allowed_sans, kept with the context that checks them: a
 * handshake that started before a reload finishes with its own list. */
static int sans_index = -1;

/* What OpenSSL's error queue says of a failed call: its first error, the
 * cause ("no start line"), not the last one, where it was noticed ("PEM
 * lib"). A file it could not open is queued as the system's errno: given
 * as such (No such file or directory). */
static int ssl_fail(struct diag *d, const char *path, const char *what, const char *file)
{
	char buf[256] = "unknown error";
	unsigned long e = ERR_get_error();
	int r = -EINVAL;

	if (e && ERR_SYSTEM_ERROR(e) && ERR_GET_REASON(e) > 0) {
		r = -ERR_GET_REASON(e);
		snprintf(buf, sizeof(buf), "%s", strerror(-r));
	} else if (e) {
		ERR_error_string_n(e, buf, sizeof(buf));
	}
	ERR_clear_error();
	return diag_set(d, r, "%s: %s%s%s: %s", path, what, file ? ": " : "", file ? file : "",
			buf);
}

/* Go's name of a TLS 1.2 suite is the IANA one OpenSSL calls standard,
 * but for the ChaCha20 suites, which Go also names without "_SHA256". */
static const SSL_CIPHER *find_cipher(STACK_OF(SSL_CIPHER) *all, const char *name)
{
	for (int i = 0; i < sk_SSL_CIPHER_num(all); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(all, i);
		const char *std = SSL_CIPHER_standard_name(c);
		size_t nl = strlen(name);

		if (std && (!strcmp(std, name) ||
			    (!strncmp(std, name, nl) && !strcmp(std + nl, "_SHA256"))))
			return c;
	}
	return NULL;
}

static int set_ciphers(SSL_CTX *ctx, const struct webconfig *wc, const char *path,
		       struct diag *d)
{
	char list[2048] = "";
	size_t len = 0;

	if (!wc->ncipher_suites)
		return 0;
	if (!SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL"))
		return ssl_fail(d, path, "cipher_suites", NULL);
	for (size_t i = 0; i < wc->ncipher_suites; i++) {
		const char *n = wc->cipher_suites[i];
		const SSL_CIPHER *c;

		/* Go does not let TLS 1.3's suites be chosen; nor do we. */
		if (!strncmp(n, "TLS_AES_", 8) || !strncmp(n, "TLS_CHACHA20_", 13))
			continue;
		c = find_cipher(SSL_CTX_get_ciphers(ctx), n);
		if (!c)
			return diag_set(d, -EINVAL, "%s: cipher_suites: %s: not a TLS 1.2 suite this "
					"OpenSSL has", path, n);
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? ":" : "",
					SSL_CIPHER_get_name(c));
		if (len >= sizeof(list))
			return diag_set(d, -EINVAL, "%s: cipher_suites: too many", path);
	}
	if (!*list) /* TLS 1.3 suites only: 1.2 keeps OpenSSL's defaults */
		return SSL_CTX_set_cipher_list(ctx, "DEFAULT") ? 0 : ssl_fail(d, path, "cipher_suites", NULL);
	return SSL_CTX_set_cipher_list(ctx, list) ? 0 : ssl_fail(d, path, "cipher_suites", NULL);
}

static int set_curves(SSL_CTX *ctx, const struct webconfig *wc, const char *path, struct diag *d)
{
	static const struct { const char *go, *ossl; } names[] = {
		{ "CurveP256", "P-256" }, { "CurveP384", "P-384" },
		{ "CurveP521", "P-521" }, { "X25519", "X25519" },
	};
	char list[128] = "";
	size_t len = 0, k;

	for (size_t i = 0; i < wc->ncurves; i++) {
		for (k = 0; k < sizeof(names) / sizeof(names[0]) &&
			    strcmp(names[k].go, wc->curves[i]); k++)
			;
		if (k == sizeof(names) / sizeof(names[0]))
			return diag_set(d, -EINVAL, "%s: curve_preferences: %s: one of CurveP256, "
					"CurveP384, CurveP521, X25519 is expected", path, wc->curves[i]);
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? ":" : "",
					names[k].ossl);
		/* Repeats could only overflow the list: OpenSSL wants each once. */
		if (len >= sizeof(list))
			return diag_set(d, -EINVAL, "%s: curve_preferences: too many (each of "
					"the four at most once)", path);
	}
	if (*list && !SSL_CTX_set1_groups_list(ctx, list))
		return ssl_fail(d, path, "curve_preferences", NULL);
	return 0;
}

static bool san_allowed(const char *const *sans, const GENERAL_NAME *g)
{
	char ip[INET6_ADDRSTRLEN] = "";
	const char *v = NULL;

	if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI)
		v = (const char *)ASN1_STRING_get0_data(g->d.ia5);
	else if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.ip) == 4)
		v = inet_ntop(AF_INET, ASN1_STRING_get0_data(g->d.ip), ip, sizeof(ip));
	else if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.ip) == 16)
		v = inet_ntop(AF_INET6, ASN1_STRING_get0_data(g->d.ip), ip, sizeof(ip));
	for (size_t i = 0; v && sans[i]; i++)
		if (!strcmp(sans[i], v))
			return true;
	return false;
}

/* RequestClientCert, RequireAnyClientCert: a certificate is asked for,
 * and not verified (as Go does). */
static int accept_any_cb(int ok, X509_STORE_CTX *xs)
{
	return 1;
}

/* The client certificate's check beyond the chain's: the SANs it must
 * have (client_allowed_sans). */
static int verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
	const char *const *sans = SSL_CTX_get_ex_data(ctx, sans_index);
	GENERAL_NAMES *gens;
	bool found = false;

	if (!ok || !sans || X509_STORE_CTX_get_error_depth(xs) > 0)
		return ok;
	gens = X509_get_ext_d2i(X509_STORE_CTX_get_current_cert(xs), NID_subject_alt_name, NULL,
				NULL);
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++)
		found |= san_allowed(sans, sk_GENERAL_NAME_value(gens, i));
	GENERAL_NAMES_free(gens);
	if (!found)
		X509_STORE_CTX_set_error(xs, X509_V_ERR_SUBJECT_ISSUER_MISMATCH);
	return found;
}

static void free_sans(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	char **sans = ptr;

	for (size_t i = 0; sans && sans[i]; i++)
		free(sans[i]);
	free(sans);
}

static int set_sans(SSL_CTX *ctx, const struct webconfig *wc)
{
	char **copy;

	if (!wc->nallowed_sans)
		return 0;
	copy = calloc(wc->nallowed_sans + 1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < wc->nallowed_sans; i++)
		if (!(copy[i] = strdup(wc->allowed_sans[i]))) {
			free_sans(NULL, copy, NULL, 0, 0, NULL);
			return -ENOMEM;
		}
	SSL_CTX_set_ex_data(ctx, sans_index, copy);
	return 0;
}

static int set_client_auth(SSL_CTX *ctx, const struct webconfig *wc, const char *path,
			   struct diag *d)
{
	int mode = SSL_VERIFY_PEER;
	bool verify = wc->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN ||
		      wc->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT;

	switch (wc->client_auth) {
	case WEB_NO_CLIENT_CERT:
		if (wc->nallowed_sans)
			return diag_set(d, -EINVAL, "%s: client_allowed_sans: needs a client_auth_type "
					"that verifies client certificates", path);
		return 0;
	case WEB_REQUIRE_ANY_CLIENT_CERT:
	case WEB_REQUIRE_AND_VERIFY_CLIENT_CERT:
		mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
		break;
	default:
		break;
	}
	if (wc->client_ca_file) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(wc->client_ca_file);

		if (!names || !SSL_CTX_load_verify_locations(ctx, wc->client_ca_file, NULL)) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			return ssl_fail(d, path, "client_ca_file", wc->client_ca_file);
		}
		SSL_CTX_set_client_CA_list(ctx, names);
	}
	SSL_CTX_set_verify(ctx, mode, verify ? verify_cb : accept_any_cb);
	/* A resumed session is one whose certificate was verified here. */
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"ebpf", 4);
	return set_sans(ctx, wc) ? diag_set(d, -ENOMEM, "%s: out of memory", path) : 0;
}

static int ctx_new(const struct webconfig *wc, const char *path, SSL_CTX **out, struct diag *d)
{
	SSL_CTX *ctx;
	int r;

	if (sans_index < 0)
		sans_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, free_sans);
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || sans_index < 0)
		return ssl_fail(d, path, "cannot make a TLS context", NULL);
	/* The toolkit's default floor is TLS 1.2. */
	SSL_CTX_set_min_proto_version(ctx, wc->min_version ? wc->min_version : TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, wc->max_version);
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
	/* Writes go out a record at a time, from a buffer that may move
	 * between tries (the body's offset); idle connections give their
	 * buffers back (a reader's memory is counted in megabytes). */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			      SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, wc->cert_file) != 1)
		r = ssl_fail(d, path, "cert_file", wc->cert_file);
	else if (SSL_CTX_use_PrivateKey_file(ctx, wc->key_file, SSL_FILETYPE_PEM) != 1)
		r = ssl_fail(d, path, "key_file", wc->key_file);
	else if (SSL_CTX_check_private_key(ctx) != 1)
		r = ssl_fail(d, path, "key_file does not match cert_file", wc->key_file);
	else
		r = set_ciphers(ctx, wc, path, d);
	if (!r)
		r = set_curves(ctx, wc, path, d);
	if (!r)
		r = set_client_auth(ctx, wc, path, d);
	if (r) {
		SSL_CTX_free(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

/* The file and what it makes, or nothing (-errno, d set). */
static int web_load(const struct web *w, struct webconfig *wc, SSL_CTX **ctx, struct diag *d)
{
	int r = webconfig_parse(wc, w->path, d);

	*ctx = NULL;
	/* Refused rather than ignored: whoever wrote users in means to keep
	 * others out, and a stream has no request to carry a password. */
	if (!r && !w->http && wc->nusers)
		r = diag_set(d, -EINVAL, "%s: basic_auth_users: %s has no HTTP to carry a password: "
			     "authenticate subscribers with client certificates (client_auth_type)",
			     w->path, w->prog);
	if (!r && wc->tls)
		r = ctx_new(wc, w->path, ctx, d);
	if (r)
		webconfig_free(wc); /* parsed or not: zeroed either way */
	return r;
}

int web_open(struct web *w, const char *prog, const char *path, bool http, struct diag *d)
{
	int r;

	memset(w, 0, sizeof(*w));
	w->prog = prog;
	w->http = http;
	w->path = strdup(path);
	if (!w->path)
		return diag_set(d, -ENOMEM, "%s: out of memory", path);
	r = web_load(w, &w->cfg, (SSL_CTX **)&w->ctx, d);
	if (r) {
		free(w->path);
		w->path = NULL;
	}
	return r;
}

int web_reload(struct web *w)
{
	struct webconfig wc;
	SSL_CTX *ctx;
	struct diag d = {};
	int r;

	/* A server without a file is sent SIGHUP all the same (its unit's
	 * ExecReload): nothing to reread, and no reason to stop. */
	if (!w->path) {
		fprintf(stderr, "%s: SIGHUP: no --web.config.file to reread\n", w->prog);
		return 0;
	}
	r = web_load(w, &wc, &ctx, &d);
	if (r) {
		fprintf(stderr, "%s: %s; reload refused, serving with the configuration read before\n",
			w->prog, diag_msg(&d, r));
		return r;
	}
	/* Connections that hold the old context keep it (OpenSSL counts its
	 * references): only new ones get the new certificate. */
	SSL_CTX_free(w->ctx);
	webconfig_free(&w->cfg);
	w->cfg = wc;
	w->ctx = ctx;
	explicit_bzero(&w->cache, sizeof(w->cache));
	w->generation++;
	fprintf(stderr, "%s: %s: reloaded (%s)\n", w->prog, w->path, ctx ? "TLS" : "plain");
	return 0;
}

void web_close(struct web *w)
{
	if (w->ctx) /* without one, OpenSSL may never have been loaded */
		SSL_CTX_free(w->ctx);
	webconfig_free(&w->cfg);
	free(w->path);
	explicit_bzero(&w->cache, sizeof(w->cache));
	w->ctx = NULL;
	w->path = NULL;
}

int transport_init(struct transport *t, int fd, const struct web *w)
{
	int one = 1;

	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->handshaken = true;
	if (!w || !w->ctx)
		return 0;
	t->ssl = SSL_new(w->ctx);
	if (!t->ssl)
		return -ENOMEM;
	SSL_set_fd(t->ssl, fd);
	SSL_set_accept_state(t->ssl);
	t->handshaken = false;
	/* Records go out as they are made, as Go's server sends them: with
	 * Nagle, each record's short tail would wait for an ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

static ssize_t ssl_error(struct transport *t, int ret)
{
	int e = SSL_get_error(t->ssl, ret), saved = errno;

	ERR_clear_error();
	t->want_write = e == SSL_ERROR_WANT_WRITE;
	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		t->failed = true;
		return saved ? -saved : -ECONNRESET;
	default:
		t->failed = true;
		return -EPROTO;
	}
}

ssize_t transport_read(struct transport *t, void *buf, size_t len)
{
	size_t n;
	ssize_t r;

	if (!t->ssl) {
		r = read(t->fd, buf, len);
		return r < 0 ? -errno : r;
	}
	ERR_clear_error();
	if (SSL_read_ex(t->ssl, buf, len, &n) == 1) {
		t->handshaken = true;
		return (ssize_t)n;
	}
	return ssl_error(t, 0);
}

ssize_t transport_write(struct transport *t, const void *buf, size_t len)
{
	size_t n;
	ssize_t r;

	if (!t->ssl) {
		r = send(t->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		return r < 0 ? -errno : r;
	}
	ERR_clear_error();
	if (SSL_write_ex(t->ssl, buf, len, &n) == 1) {
		t->handshaken = true;
		return (ssize_t)n;
	}
	return ssl_error(t, 0);
}

ssize_t transport_writev(struct transport *t, const struct iovec *iov, int n)
{
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };
	ssize_t done = 0, r;

	if (!t->ssl) {
		r = sendmsg(t->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		return r < 0 ? -errno : r;
	}
	/* A record per piece: what was written counts, the rest waits. */
	for (int i = 0; i < n; i++) {
		r = transport_write(t, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return done;
}

void transport_close(struct transport *t)
{
	if (t->ssl) {
		/* close_notify, best effort: the socket is non-blocking;
		 * never after a fatal error (OpenSSL forbids it). */
		if (t->handshaken && !t->failed)
			SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
		t->ssl = NULL;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
