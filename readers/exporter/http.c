// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A deliberately small HTTP/1.1 server for scrapes: one thread, epoll,
 * non-blocking sockets, a bounded request head, a deadline per connection
 * and a cap on connections, so that slow or hostile peers cost a slot each
 * and nothing more. Connections are kept alive between requests (HTTP/1.1)
 * until idle; errors close them. Basic auth's bcrypt runs on another thread
 * (authwork.c), the connection waiting meanwhile without being read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <zlib.h>
#include "exporter.h"
#include "util.h"
#include "webconfig.h"

#define REQ_MAX 8192            /* request head limit: 431 beyond */
#define MAX_CONNS 256           /* more are refused with 503 */
#define HEAD_TIMEOUT_MS 10000   /* whole request head within this */
#define SEND_TIMEOUT_MS 30000   /* whole response within this */
/* A kept-alive connection waits this long for its next request head (a
 * full server evicts idle ones first): past Prometheus' longest usual
 * scrape interval, short of its client's idle timeout. */
#define IDLE_TIMEOUT_MS 120000
#define MAX_LISTEN 16
/* epoll data of the auth worker's eventfd: listeners are 0..MAX_LISTEN-1,
 * connections pointers. */
#define AUTH_TAG MAX_LISTEN

/* A response goes out from `wire`: the head and a small body at once; a
 * scrape piece by piece, each piece of the exposition (`text`) deflated
 * when gzip was asked for, and framed as a chunk unless the client speaks
 * HTTP/1.0 (then the end of the connection ends the body). */
struct conn {
	int fd;
	unsigned long born;     /* the server's pass it was accepted in */
	struct transport io;    /* plain or TLS, on fd (tls.c) */
	const struct http_server *srv; /* its server: the web config's headers */
	char req[REQ_MAX];
	size_t req_len;
	struct strbuf wire;     /* bytes to send, from wire_sent on */
	size_t wire_sent;
	struct scrape *sc;      /* a scrape still being written, or NULL */
	struct strbuf text;     /* its latest piece */
	z_stream z;
	bool gzip, zinit, chunked;
	bool keep;              /* kept open for the next request once answered */
	bool responding;
	bool want_out;          /* registered for EPOLLOUT */
	double deadline;        /* monotonic seconds */
	uint64_t auth_ticket;   /* its password being checked (authwork.c), or 0 */
	unsigned long auth_gen; /* ... against this web config generation */
};

struct http_server {
	int epfd;
	int lfds[MAX_LISTEN];
	size_t nl;
	struct conn *conns[MAX_CONNS];
	size_t nconns;
	struct exporter *e;
	struct web *web;        /* --web.config.file, or NULL */
	unsigned long pass;     /* http_serve_ready() calls, for conn.born */
	struct auth_worker *authw; /* started with the web config */
	uint64_t tickets;
};

static const char landing[] =
	"<!DOCTYPE html>\n<html><head><title>ebpf-exporter</title></head>\n"
	"<body><h1>ebpf-exporter</h1>\n"
	"<p>Pinned BPF maps as Prometheus metrics: <a href=\"/metrics\">/metrics</a></p>\n"
	"</body></html>\n";

/* One line of the head at p (before end): its length without the line
 * break, CRLF or a bare LF (RFC 9112 2.2), and where the next one starts.
 * -1 when the line is not terminated. */
static ssize_t head_line(const char *p, const char *end, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	size_t n;

	if (!lf)
		return -1;
	*next = lf + 1;
	n = (size_t)(lf - p);
	return n && p[n - 1] == '\r' ? (ssize_t)n - 1 : (ssize_t)n;
}

/* CTLs (NUL, a bare CR, ...) and DEL have no place in a request line or a
 * field value (RFC 9110 5.5); HTAB may separate words in a value only. */
static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* RFC 9110 5.6.2: a field name is a token. */
static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* "METHOD SP TARGET SP HTTP/1.x": exactly, RFC 9112 3. The target is
 * visible ASCII only, so no NUL can cut it short of what was sent. */
static int parse_request_line(const char *line, size_t len, char *method, size_t msize,
			      char *path, size_t psize)
{
	const char *sp1 = memchr(line, ' ', len), *sp2, *ver;
	size_t n;

	if (!sp1)
		return 400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(line + len - sp1 - 1));
	if (!sp2)
		return 400;
	ver = sp2 + 1;
	if ((size_t)(line + len - ver) != 8 || strncmp(ver, "HTTP/1.", 7) || ver[7] < '0' ||
	    ver[7] > '9')
		return 400;
	n = (size_t)(sp1 - line);
	if (!n)
		return 400;
	for (size_t i = 0; i < n; i++)
		if (line[i] < 'A' || line[i] > 'Z')
			return 400;
	if (n >= msize)
		return 405;
	memcpy(method, line, n);
	method[n] = '\0';
	n = (size_t)(sp2 - sp1 - 1);
	if (!n)
		return 400;
	for (size_t i = 0; i < n; i++)
		if (is_ctl((unsigned char)sp1[1 + i]) || (unsigned char)sp1[1 + i] >= 0x80)
			return 400;
	if (n >= psize)
		return 414;
	memcpy(path, sp1 + 1, n);
	path[n] = '\0';
	return 0;
}

/* "NAME: VALUE" (RFC 9112 5): a token, the colon right after it (no
 * whitespace before it, 5.1), a value without CTLs. A line that starts with
 * whitespace is an obsolete fold (5.2): refused, not unfolded. Sets *value
 * to the value without its surrounding whitespace. */
static int parse_field_line(const char *line, size_t len, size_t *name_len, const char **value,
			    size_t *value_len)
{
	const char *colon = memchr(line, ':', len), *v, *e = line + len;

	if (!colon || colon == line)
		return 400;
	for (const char *p = line; p < colon; p++)
		if (!is_tchar((unsigned char)*p))
			return 400;
	for (const char *p = colon + 1; p < e; p++)
		if (*p != '\t' && is_ctl((unsigned char)*p))
			return 400;
	for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
		;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*name_len = (size_t)(colon - line);
	*value = v;
	*value_len = (size_t)(e - v);
	return 0;
}

/* Accept-Encoding: "gzip" as a token sets *gzip, to false if q=0. */
static void accept_encoding(const char *v, size_t vl, bool *gzip)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%.*s", (int)(vl < sizeof(buf) ? vl : sizeof(buf) - 1), v);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		if (!strncasecmp(tok, "gzip", 4) &&
		    (!tok[4] || tok[4] == ';' || tok[4] == ' ' || tok[4] == '\t')) {
			const char *q = strstr(tok, "q=");

			/* q=0 (or 0.0...) refuses it; any other weight accepts. */
			*gzip = !q || strtod(q + 2, NULL) > 0;
		}
	}
}

int http_find_field(const char *req, size_t len, const char *name, const char **value,
		    size_t *vlen)
{
	const char *end = req + len, *line, *next;
	size_t nl, want = strlen(name);
	ssize_t ll;

	if (head_line(req, end, &next) < 0)
		return -ENOENT;
	for (line = next; (ll = head_line(line, end, &next)) > 0; line = next)
		if (!parse_field_line(line, (size_t)ll, &nl, value, vlen) && nl == want &&
		    !strncasecmp(line, name, nl))
			return 0;
	return -ENOENT;
}

/* The absolute form of a target (RFC 9112 3.2.2: "http://host:port/metrics"),
 * which a server must accept, to the origin form ("/metrics"), in place:
 * the scheme and the authority go, what follows stays. */
static void origin_form(char *path)
{
	size_t skip;
	char *rest;

	if (!strncasecmp(path, "http://", 7))
		skip = 7;
	else if (!strncasecmp(path, "https://", 8))
		skip = 8;
	else
		return;
	rest = path + skip + strcspn(path + skip, "/?");
	if (*rest == '/') {
		memmove(path, rest, strlen(rest) + 1);
	} else { /* no path: "/", and the query if there is one */
		memmove(path + 1, rest, strlen(rest) + 1);
		path[0] = '/';
	}
}

int http_parse_request(const char *req, size_t len, char *method, size_t msize, char *path,
		       size_t psize, bool *gzip)
{
	static const char ae[] = "accept-encoding";
	const char *end = req + len, *line = req, *next, *v;
	size_t nl, vl;
	ssize_t ll;
	int status;

	*gzip = false;
	ll = head_line(line, end, &next);
	if (ll < 0)
		return 400;
	status = parse_request_line(line, (size_t)ll, method, msize, path, psize);
	if (status)
		return status;
	origin_form(path);
	/* Field lines up to the empty line that ends the head; only
	 * Accept-Encoding matters to us, but every one must be well formed:
	 * a proxy in front may read a malformed one differently (smuggling). */
	for (line = next; (ll = head_line(line, end, &next)) > 0; line = next) {
		status = parse_field_line(line, (size_t)ll, &nl, &v, &vl);
		if (status)
			return status;
		if (nl == sizeof(ae) - 1 && !strncasecmp(line, ae, nl))
			accept_encoding(v, vl, gzip);
	}
	return ll == 0 ? 0 : 400; /* no empty line: the head is cut short */
}

/* The value of a media type parameter (at p, after "name=") is v, quoted
 * or not (RFC 9110 5.6.6). */
static bool param_is(const char *p, const char *v)
{
	size_t n = strlen(v);
	bool quoted = *p == '"';

	p += quoted;
	if (strncmp(p, v, n))
		return false;
	p += n;
	if (quoted)
		return *p == '"';
	return !*p || *p == ';' || *p == ' ' || *p == '\t';
}

/* One media range of an Accept value: its q (1 when absent) if it is
 * type/subtype with version `version` or none, else -1. */
static double media_q(const char *range, const char *type, const char *version)
{
	size_t tl = strlen(type);
	const char *p = range, *q;
	double w = 1;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, type, tl) || (p[tl] && p[tl] != ';' && p[tl] != ' ' && p[tl] != '\t'))
		return -1;
	for (p = strchr(p, ';'); p; p = strchr(p + 1, ';')) {
		for (q = p + 1; *q == ' ' || *q == '\t'; q++)
			;
		if (!strncasecmp(q, "q=", 2))
			w = strtod(q + 2, NULL);
		else if (version && !strncasecmp(q, "version=", 8) && !param_is(q + 8, version))
			return -1;
	}
	return w;
}

/* Accept: OpenMetrics 1.0 when its weight is above 0 and not below text
 * 0.0.4's (text/plain, text/ or any type), as Prometheus asks:
 * "application/openmetrics-text;version=1.0.0,...,text/plain;version=0.0.4;q=0.5,...". */
static void accept_openmetrics(const char *v, size_t vl, double *om, double *text)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%.*s", (int)(vl < sizeof(buf) ? vl : sizeof(buf) - 1), v);
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		double o = media_q(tok, "application/openmetrics-text", "1.0.0");
		double t = media_q(tok, "text/plain", "0.0.4");

		if (t < 0)
			t = media_q(tok, "text/*", NULL);
		if (t < 0)
			t = media_q(tok, "*/*", NULL);
		*om = o > *om ? o : *om;
		*text = t > *text ? t : *text;
	}
}

bool http_wants_openmetrics(const char *req, size_t len)
{
	static const char accept[] = "accept";
	const char *end = req + len, *line = req, *next, *v;
	double om = -1, text = -1;
	size_t nl, vl;
	ssize_t ll;

	if (head_line(line, end, &next) < 0)
		return false;
	for (line = next; (ll = head_line(line, end, &next)) > 0; line = next)
		if (!parse_field_line(line, (size_t)ll, &nl, &v, &vl) && nl == sizeof(accept) - 1 &&
		    !strncasecmp(line, accept, nl))
			accept_openmetrics(v, vl, &om, &text);
	return om > 0 && om >= text;
}

/* An HTTP/1.0 client knows no chunked transfer coding (RFC 9112 7.1). */
static bool http10(const char *req, size_t len)
{
	const char *lf = memchr(req, '\n', len);
	size_t n = lf ? (size_t)(lf - req) : 0;

	if (n && req[n - 1] == '\r')
		n--;
	return n >= 8 && !memcmp(req + n - 8, "HTTP/1.0", 8);
}

/* A Connection header value naming "close" (any case). */
static bool has_close(const char *v, size_t vl)
{
	for (size_t i = 0; i + 5 <= vl; i++)
		if (!strncasecmp(v + i, "close", 5))
			return true;
	return false;
}

/* May the connection serve another request after this one (RFC 9112 9.3)?
 * Not for HTTP/1.0, nor when the client says "Connection: close", nor
 * when more than the head was sent: a body (never read) or a pipelined
 * request, whose bytes would be taken for the next head. */
static bool http_keep_alive(const char *req, size_t len)
{
	const char *end = req + len, *line = req, *next, *v;
	size_t nl, vl;
	ssize_t ll;

	if (http10(req, len) || head_line(line, end, &next) < 0)
		return false;
	for (line = next; (ll = head_line(line, end, &next)) > 0; line = next) {
		if (parse_field_line(line, (size_t)ll, &nl, &v, &vl))
			return false;
		if ((nl == 10 && !strncasecmp(line, "connection", nl) && has_close(v, vl)) ||
		    (nl == 14 && !strncasecmp(line, "content-length", nl)) ||
		    (nl == 17 && !strncasecmp(line, "transfer-encoding", nl)))
			return false;
	}
	/* ll == 0: the empty line; it must be the last thing received. */
	return ll == 0 && next == end;
}

static void conn_close(struct http_server *s, size_t i)
{
	struct conn *c = s->conns[i];

	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	transport_close(&c->io);
	scrape_end(c->sc);
	if (c->zinit)
		deflateEnd(&c->z);
	sb_free(&c->wire);
	sb_free(&c->text);
	free(c);
	s->conns[i] = s->conns[--s->nconns];
}

/* http_server_config.headers, on every response. */
static const char *web_headers(const struct http_server *s)
{
	return s->web && s->web->cfg.headers.buf ? s->web->cfg.headers.buf : "";
}

/* The reason phrase of every status this server sends (RFC 9110). */
static const char *status_reason(int status)
{
	static const struct { int status; const char *reason; } reasons[] = {
		{ 200, "OK" },
		{ 400, "Bad Request" },
		{ 401, "Unauthorized" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 414, "URI Too Long" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 503, "Service Unavailable" },
	};
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Internal Server Error";
}

/* The head of a response into c->wire, and a small body unless HEAD. */
static void respond(struct conn *c, int status, const char *ctype, const char *body,
		    size_t blen, bool head, const char *extra)
{
	const char *reason = status_reason(status);

	sb_reset(&c->wire);
	sb_printf(&c->wire, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n", status, reason, ctype);
	if (body)
		sb_printf(&c->wire, "Content-Length: %zu\r\n", blen);
	/* Errors close: what the client sent next is not trusted. */
	if (status != 200 && status != 404)
		c->keep = false;
	sb_printf(&c->wire, "%s%s%s\r\n", extra ? extra : "", web_headers(c->srv),
		  c->keep ? "" : "Connection: close\r\n");
	if (!head && body)
		sb_append(&c->wire, body, blen);
	c->wire_sent = 0;
	c->responding = true;
	c->deadline = monotonic_s() + SEND_TIMEOUT_MS / 1000.0;
}

static void respond_text(struct conn *c, int status, const char *msg)
{
	respond(c, status, "text/plain; charset=utf-8", msg, strlen(msg), false,
		status == 405 ? "Allow: GET, HEAD\r\n" :
		status == 401 ? "WWW-Authenticate: Basic\r\n" :
		status == 429 ? "Retry-After: 1\r\n" : NULL);
}

enum { AUTHZ_NO, AUTHZ_YES, AUTHZ_WAIT, AUTHZ_BUSY };

/* The auth worker, and its eventfd among the server's: 0 or -errno. */
static int auth_start(struct http_server *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = AUTH_TAG };
	int r = auth_worker_new(&s->authw);

	if (r)
		return r;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, auth_worker_fd(s->authw), &ev) < 0) {
		r = -errno;
		auth_worker_free(s->authw);
		s->authw = NULL;
	}
	return r;
}

/* Neither read nor written while its password is checked (level-triggered
 * readability would spin the loop); HUP and ERR still come, and close it. */
static void conn_mute(struct http_server *s, struct conn *c, bool mute)
{
	struct epoll_event ev = { .events = mute ? 0 : EPOLLIN | EPOLLRDHUP, .data.ptr = c };

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = false;
}

/* basic_auth_users, when there are: for every path, as the toolkit does.
 * A password not remembered goes to the auth worker, and the connection
 * waits for its answer (AUTHZ_WAIT), or comes back later (AUTHZ_BUSY) when
 * enough checks wait already: never a bcrypt on this thread, which serves
 * everybody. */
static int authorize(struct http_server *s, struct conn *c)
{
	struct web_auth_job job;
	const char *v = NULL;
	size_t vl = 0;
	int r;

	if (!s->web || !s->web->cfg.nusers)
		return AUTHZ_YES;
	if (http_find_field(c->req, c->req_len, "authorization", &v, &vl))
		v = NULL;
	r = web_auth_begin(&s->web->cfg, &s->web->cache, v, vl, &job);
	if (r != WEB_AUTH_CHECK)
		return r == WEB_AUTH_YES ? AUTHZ_YES : AUTHZ_NO;
	if (auth_worker_submit(s->authw, &job, s->tickets + 1)) {
		r = AUTHZ_BUSY;
	} else {
		c->auth_ticket = ++s->tickets;
		c->auth_gen = s->web->generation;
		conn_mute(s, c, true);
		r = AUTHZ_WAIT;
	}
	explicit_bzero(&job, sizeof(job));
	return r;
}

/* A scrape's head; its body follows piece by piece (conn_write). HEAD gets
 * the head alone, and costs no scrape. */
static void respond_scrape(struct http_server *s, struct conn *c, bool gzip, bool head)
{
	bool om = http_wants_openmetrics(c->req, c->req_len);
	char extra[128];

	c->chunked = !http10(c->req, c->req_len);
	c->gzip = gzip;
	snprintf(extra, sizeof(extra), "%s%s", c->chunked ? "Transfer-Encoding: chunked\r\n" : "",
		 gzip ? "Content-Encoding: gzip\r\n" : "");
	respond(c, 200,
		om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
		   : "text/plain; version=0.0.4; charset=utf-8",
		NULL, 0, head, extra);
	if (head)
		return;
	c->sc = scrape_begin(s->e, om);
	if (!c->sc)
		respond_text(c, 500, "out of memory\n");
}

static void handle(struct http_server *s, struct conn *c)
{
	char method[16], path[1024];
	bool gzip, head;
	int status;

	c->keep = http_keep_alive(c->req, c->req_len);
	status = http_parse_request(c->req, c->req_len, method, sizeof(method), path,
				    sizeof(path), &gzip);
	if (status) {
		respond_text(c, status, status == 405 ? "method not allowed\n" : "bad request\n");
		return;
	}
	switch (authorize(s, c)) {
	case AUTHZ_WAIT:
		return; /* auth_answers() goes on */
	case AUTHZ_BUSY:
		respond_text(c, 429, "too many password checks under way: try again\n");
		return;
	case AUTHZ_NO:
		respond_text(c, 401, "Unauthorized\n");
		return;
	}
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		respond_text(c, 405, "method not allowed\n");
		return;
	}
	/* The query string does not select anything. */
	path[strcspn(path, "?")] = '\0';
	if (!strcmp(path, "/"))
		respond(c, 200, "text/html; charset=utf-8", landing, sizeof(landing) - 1, head, NULL);
	else if (!strcmp(path, "/metrics"))
		respond_scrape(s, c, gzip, head);
	else
		respond_text(c, 404, "not found: try /metrics\n");
}

/* Read what is there; answer once the head is complete. */
static bool conn_read(struct http_server *s, struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->req_len == REQ_MAX) {
			respond_text(c, 431, "request head too large\n");
			return true;
		}
		n = transport_read(&c->io, c->req + c->req_len, REQ_MAX - c->req_len);
		if (n < 0)
			return n == -EAGAIN || n == -EINTR;
		if (n == 0)
			return false; /* peer gave up */
		/* A request begun on a kept-alive connection has HEAD_TIMEOUT
		 * for its head, as on a new one, not what is left of the idle
		 * wait: a slowloris would hold it for minutes. */
		if (!c->req_len && monotonic_s() + HEAD_TIMEOUT_MS / 1000.0 < c->deadline)
			c->deadline = monotonic_s() + HEAD_TIMEOUT_MS / 1000.0;
		c->req_len += (size_t)n;
		if (memmem(c->req, c->req_len, "\r\n\r\n", 4) || memmem(c->req, c->req_len, "\n\n", 2)) {
			handle(s, c);
			return true;
		}
	}
}

/* A piece of a scrape: its text goes to the wire after GAP bytes left for
 * its chunk size line ("%zx\r\n", at most 8 digits and CRLF). */
#define PIECE (32u << 10)
#define GAP 16

/* c->text deflated onto c->wire. Z_SYNC_FLUSH ends each piece on a byte
 * boundary, so what the client holds always inflates; the last piece
 * finishes the gzip stream. */
static int deflate_piece(struct conn *c, bool last)
{
	struct strbuf *w = &c->wire;
	int r;

	if (!c->zinit) {
		/* + 16: a gzip wrapper, as Content-Encoding: gzip means. A 8 KiB
		 * window and memLevel 6 keep zlib's state near 50 KiB instead
		 * of 256 KiB; metric lines repeat within far less than that. */
		if (deflateInit2(&c->z, 1, Z_DEFLATED, 13 + 16, 6, Z_DEFAULT_STRATEGY) != Z_OK)
			return -ENOMEM;
		c->zinit = true;
	}
	c->z.next_in = (Bytef *)c->text.buf;
	c->z.avail_in = (uInt)c->text.len;
	do {
		size_t room;

		if (sb_reserve(w, c->text.len / 2 + 1024))
			return -ENOMEM;
		room = w->cap - w->len - 1;
		c->z.next_out = (Bytef *)w->buf + w->len;
		c->z.avail_out = (uInt)room;
		r = deflate(&c->z, last ? Z_FINISH : Z_SYNC_FLUSH);
		if (r == Z_STREAM_ERROR)
			return -EIO;
		w->len += room - c->z.avail_out;
	} while (last ? r != Z_STREAM_END : c->z.avail_out == 0);
	return 0;
}

/* The next piece of c's scrape onto c->wire, framed as a chunk; the last
 * one ends the body. -errno when the scrape cannot go on: the body is then
 * cut short, which a chunked client sees (no last chunk). */
static int next_piece(struct conn *c)
{
	struct strbuf *w = &c->wire, *dst = c->gzip ? &c->text : w;
	char size[GAP];
	int r, n;

	sb_reset(w);
	if (sb_reserve(w, GAP + PIECE))
		return -ENOMEM;
	w->len = GAP;
	sb_reset(&c->text);
	r = scrape_fill(c->sc, dst, dst->len + PIECE);
	if (r >= 0 && c->gzip)
		r = deflate_piece(c, r == 0) ?: r;
	if (r < 0)
		return r;
	c->wire_sent = GAP;
	if (c->chunked && w->len > GAP) {
		n = snprintf(size, sizeof(size), "%zx\r\n", w->len - GAP);
		c->wire_sent = GAP - (size_t)n;
		memcpy(w->buf + c->wire_sent, size, (size_t)n);
		sb_append(w, "\r\n", 2);
	}
	if (r == 0) {
		if (c->chunked)
			sb_append(w, "0\r\n\r\n", 5);
		scrape_end(c->sc);
		c->sc = NULL;
	}
	return w->oom ? -ENOMEM : 0;
}

/* Answered, and kept: ready for the next request head, readable only
 * again. Its buffers stay, for the next response. */
static bool conn_reuse(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };

	if (c->zinit)
		deflateEnd(&c->z);
	c->zinit = false;
	sb_reset(&c->wire);
	sb_reset(&c->text);
	c->wire_sent = 0;
	c->req_len = 0;
	c->responding = false;
	c->deadline = monotonic_s() + IDLE_TIMEOUT_MS / 1000.0;
	if (c->want_out && epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return false;
	c->want_out = false;
	return true;
}

/* Send what the wire holds, then the scrape's next pieces: true while
 * there is more to send once the socket takes it, or the connection is
 * kept for another request; false when done or the peer is gone. */
static bool conn_write(struct conn *c)
{
	for (;;) {
		while (c->wire_sent < c->wire.len) {
			/* Plain or TLS (tls.c): what was written, or -errno. */
			ssize_t n = transport_write(&c->io, c->wire.buf + c->wire_sent,
						    c->wire.len - c->wire_sent);

			if (n == -EAGAIN || n == -EINTR)
				return true;
			if (n < 0)
				return false;
			c->wire_sent += (size_t)n;
		}
		if (!c->sc)
			return c->keep && conn_reuse(c); /* all sent */
		if (next_piece(c))
			return false; /* cut short: close */
	}
}

/* At capacity, the connection that has waited longest without completing a
 * request makes room: idle or slow peers cannot lock out scrapers. */
static void evict_idle(struct http_server *s)
{
	size_t victim = SIZE_MAX;

	for (size_t i = 0; i < s->nconns; i++) {
		if (s->conns[i]->responding)
			continue;
		if (victim == SIZE_MAX || s->conns[i]->deadline < s->conns[victim]->deadline)
			victim = i;
	}
	if (victim != SIZE_MAX)
		conn_close(s, victim);
}

static void accept_all(struct http_server *s, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		/* Readable only: writability is asked for once there is a
		 * response that did not fit the socket buffer. */
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct conn *c;
		int one = 1;

		if (fd < 0)
			return;
		if (s->nconns >= MAX_CONNS)
			evict_idle(s);
		if (s->nconns >= MAX_CONNS) {
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
						   "Content-Length: 0\r\nConnection: close\r\n\r\n";

			/* Best effort: the socket buffer takes this at once
			 * (plain text means nothing to a TLS client). */
			if ((!s->web || !s->web->ctx) && send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				(void)0;
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->born = s->pass;
		c->fd = fd;
		/* A kept-alive connection's last small segment (the final chunk)
		 * must not wait for the ACK of the one before (Nagle), which the
		 * client delays by up to 40 ms: 40 ms per scrape. On a unix
		 * socket this fails, harmlessly. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->srv = s;
		if (transport_init(&c->io, fd, s->web)) {
			close(fd);
			free(c);
			continue;
		}
		c->deadline = monotonic_s() + HEAD_TIMEOUT_MS / 1000.0;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			transport_close(&c->io);
			free(c);
			continue;
		}
		s->conns[s->nconns++] = c;
	}
}

struct http_server *http_new(const int *fds, size_t nfds, struct exporter *e)
{
	struct http_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->e = e;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || nfds > MAX_LISTEN) {
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < nfds; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

		/* Listening sockets are told apart by a NULL ptr and their index. */
		ev.data.u64 = i;
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		s->lfds[s->nl++] = fds[i];
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, fds[i], &ev);
	}
	return s;
}

/* After a read or an answer: what there is to send goes (writability asked
 * for while more waits); done, or broken (!keep), it is closed. */
static void conn_send(struct http_server *s, struct conn *c, size_t idx, bool keep)
{
	if (keep && c->responding) {
		keep = conn_write(c);
		if (keep && c->responding && !c->want_out) {
			struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

			epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
			c->want_out = true;
		}
	}
	if (!keep)
		conn_close(s, idx);
}

static size_t conn_index(struct http_server *s, struct conn *c)
{
	for (size_t i = 0; i < s->nconns; i++)
		if (s->conns[i] == c)
			return i;
	return SIZE_MAX;
}

int http_set_web(struct http_server *s, struct web *w)
{
	s->web = w;
	/* Started with the web config, whether it has users yet or not (a
	 * reload may bring some): a thread that cannot be had is an error at
	 * start, not bcrypt quietly back on the serving thread. */
	return s->authw ? 0 : auth_start(s);
}

/* A TLS handshake may stop for writability before a request is read:
 * wait for what it waits for. */
static void handshake_wants(struct http_server *s, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };

	if (c->io.want_write == c->want_out)
		return;
	if (c->io.want_write)
		ev.events |= EPOLLOUT;
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = c->io.want_write;
}

int http_fd(const struct http_server *s)
{
	return s->epfd;
}

void http_expire(struct http_server *s)
{
	double now = monotonic_s();

	for (size_t k = 0; k < s->nconns;) {
		if (s->conns[k]->deadline < now)
			conn_close(s, k);
		else
			k++;
	}
}

/* Answers from the auth worker: the waiting connection is served (its
 * password remembered), refused, or checked again when the web config was
 * reloaded meanwhile. One gone meanwhile: the answer is dropped. */
static void auth_answers(struct http_server *s)
{
	struct web_auth_job job;
	uint64_t ticket;
	size_t idx;

	while (auth_worker_done(s->authw, &ticket, &job)) {
		for (idx = 0; idx < s->nconns && s->conns[idx]->auth_ticket != ticket; idx++)
			;
		if (idx < s->nconns) {
			struct conn *c = s->conns[idx];
			bool current = c->auth_gen == s->web->generation;

			c->auth_ticket = 0;
			conn_mute(s, c, false);
			if (current && !job.ok) {
				respond_text(c, 401, "Unauthorized\n");
			} else {
				if (current)
					web_auth_remember(&s->web->cache, &job);
				handle(s, c); /* from the cache now, or checked anew */
			}
			conn_send(s, c, idx, true);
		}
		explicit_bzero(&job, sizeof(job));
	}
}

int http_serve_ready(struct http_server *s)
{
	struct epoll_event evs[64];
	int n = epoll_wait(s->epfd, evs, 64, 0), i;

	if (n < 0 && errno != EINTR)
		return -errno;
	s->pass++;
	for (i = 0; i < n; i++) {
		if (evs[i].data.u64 < MAX_LISTEN) {
			accept_all(s, s->lfds[evs[i].data.u64]);
			continue;
		}
		if (evs[i].data.u64 == AUTH_TAG) {
			auth_answers(s);
			continue;
		}
		struct conn *c = evs[i].data.ptr;
		size_t idx = conn_index(s, c);
		bool keep = true;

		/* Closed earlier in this batch (a connection evicted to make
		 * room, say), its memory perhaps a new connection's by now: an
		 * event of this batch is never one accepted during it. */
		if (idx == SIZE_MAX || c->born == s->pass)
			continue;
		if (c->auth_ticket) /* muted: only a hang-up or an error comes */
			keep = !(evs[i].events & (EPOLLHUP | EPOLLERR));
		else if (!c->responding &&
			 (evs[i].events & (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP))) {
			keep = conn_read(s, c);
			if (keep && !c->responding && !c->auth_ticket)
				handshake_wants(s, c);
		}
		conn_send(s, c, idx, keep && !(evs[i].events & EPOLLERR));
	}
	return 0;
}

void http_free(struct http_server *s)
{
	if (!s)
		return;
	while (s->nconns)
		conn_close(s, 0);
	auth_worker_free(s->authw);
	for (size_t i = 0; i < s->nl; i++)
		close(s->lfds[i]);
	close(s->epfd);
	free(s);
}
