// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The exporter's request parser (readers/exporter/http.c): what it takes
 * from a request head, and the status it answers a bad one with. */
#include <stdbool.h>
#include "exporter.h"
#include "unit.h"

struct req {
	int status;
	char method[16];
	char path[64];
	bool gzip;
};

static struct req parse(const char *head)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.status = http_parse_request(head, strlen(head), r.method, sizeof(r.method), r.path,
				      sizeof(r.path), &r.gzip);
	return r;
}

static void test_good(void)
{
	struct req r = parse("GET /metrics HTTP/1.1\r\nHost: localhost:9436\r\n\r\n");

	CHECK_INT(r.status, 0);
	CHECK_STR(r.method, "GET");
	CHECK_STR(r.path, "/metrics");
	CHECK(!r.gzip);

	/* Bare LF line ends (RFC 9112 2.2), HTTP/1.0, no fields at all. */
	r = parse("HEAD /?x=1 HTTP/1.0\n\n");
	CHECK_INT(r.status, 0);
	CHECK_STR(r.method, "HEAD");
	CHECK_STR(r.path, "/?x=1");

	/* The absolute form, which a server must take (RFC 9112 3.2.2). */
	r = parse("GET http://127.0.0.1:9436/metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9436\r\n\r\n");
	CHECK_INT(r.status, 0);
	CHECK_STR(r.path, "/metrics?x=1");
	r = parse("GET HTTPS://h HTTP/1.1\r\n\r\n");
	CHECK_STR(r.path, "/");
	r = parse("GET http://h?q HTTP/1.1\r\n\r\n");
	CHECK_STR(r.path, "/?q");

	/* The parser takes any method; the server answers 405 to it. */
	r = parse("DELETE / HTTP/1.1\r\n\r\n");
	CHECK_INT(r.status, 0);
	CHECK_STR(r.method, "DELETE");
}

static void test_gzip(void)
{
	static const struct { const char *value; bool gzip; } cases[] = {
		{ "gzip", true }, { "deflate, gzip", true }, { "GZIP;q=0.5", true },
		{ "gzip;q=0", false }, { "gzip; q=0.0", false }, { "identity", false },
		{ "gzipx", false }, { "x-gzip", false }, { "", false },
	};
	char head[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct req r;

		snprintf(head, sizeof(head),
			 "GET /metrics HTTP/1.1\r\nHost: h\r\naccept-encoding: %s\r\n\r\n",
			 cases[i].value);
		r = parse(head);
		CHECK_INT(r.status, 0);
		CHECK(r.gzip == cases[i].gzip);
		if (r.gzip != cases[i].gzip)
			fprintf(stderr, "    Accept-Encoding: %s\n", cases[i].value);
	}
}

static void test_bad(void)
{
	static const struct { const char *head; int status; } cases[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: h\r\n", 400 },       /* head cut short */
		{ "GET /metrics HTTP/1.1", 400 },                      /* no line end */
		{ "", 400 },
		{ "GET /metrics\r\n\r\n", 400 },                        /* HTTP/0.9 */
		{ "GET /metrics HTTP/2.0\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.x\r\n\r\n", 400 },
		{ "GET  /metrics HTTP/1.1\r\n\r\n", 400 },              /* empty target */
		{ "get /metrics HTTP/1.1\r\n\r\n", 400 },               /* methods are upper case */
		{ " /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET /a\x01 HTTP/1.1\r\n\r\n", 400 },                 /* CTL in the target */
		{ "GET /\xc3\xa9 HTTP/1.1\r\n\r\n", 400 },             /* not ASCII */
		{ "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400 },          /* space before ':' */
		{ "GET / HTTP/1.1\r\n: h\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost h\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400 }, /* obs-fold */
		{ "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400 },        /* bare CR in a value */
		{ "GETTINGVERYLONGMETHOD / HTTP/1.1\r\n\r\n", 405 },    /* longer than method[] */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct req r = parse(cases[i].head);

		CHECK_INT(r.status, cases[i].status);
		if (r.status != cases[i].status)
			fprintf(stderr, "    request %zu\n", i);
	}
}

/* A path longer than the caller's buffer: 414, never cut. */
static void test_long_path(void)
{
	static const char nul[] = "GET /\0x HTTP/1.1\r\n\r\n";
	char head[256], path[8], method[8];
	bool gzip;

	snprintf(head, sizeof(head), "GET /%s HTTP/1.1\r\n\r\n", "0123456789");
	CHECK_INT(http_parse_request(head, strlen(head), method, sizeof(method), path,
				     sizeof(path), &gzip), 414);
	snprintf(head, sizeof(head), "GET /%s HTTP/1.1\r\n\r\n", "012345");
	CHECK_INT(http_parse_request(head, strlen(head), method, sizeof(method), path,
				     sizeof(path), &gzip), 0);
	CHECK_STR(path, "/012345");
	/* A NUL inside the length given is a CTL, not the end of the head. */
	CHECK_INT(http_parse_request(nul, sizeof(nul) - 1, method, sizeof(method),
				     path, sizeof(path), &gzip), 400);
}

/* Accept: OpenMetrics 1.0 when ranked above 0 and not below text 0.0.4. */
static bool om(const char *accept)
{
	char head[1024];

	snprintf(head, sizeof(head), "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: %s\r\n\r\n",
		 accept);
	return http_wants_openmetrics(head, strlen(head));
}

static void test_openmetrics(void)
{
	const char *none = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

	/* What Prometheus 2.42 sends. */
	CHECK(om("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		 "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
	CHECK(om("application/openmetrics-text"));
	CHECK(om("Application/OpenMetrics-Text; version=1.0.0; q=0.9, text/plain; q=0.9"));
	CHECK(!http_wants_openmetrics(none, strlen(none)));
	CHECK(!om("*/*"));
	CHECK(!om("text/plain"));
	CHECK(!om("application/openmetrics-text;version=0.0.1"));
	CHECK(!om("application/openmetrics-text;version=1.0.0;q=0"));
	CHECK(!om("application/openmetrics-text;version=1.0.0;q=0.2,text/plain;q=0.9"));
	CHECK(!om("application/openmetrics-textual"));
	/* A parameter value may be quoted (RFC 9110 5.6.6); a version is
	 * the whole value, not its start. */
	CHECK(om("application/openmetrics-text; version=\"1.0.0\""));
	CHECK(!om("application/openmetrics-text; version=\"1.0.0"));
	CHECK(!om("application/openmetrics-text;version=1.0.01"));
}

int main(void)
{
	unit_start();
	test_good();
	test_gzip();
	test_bad();
	test_long_path();
	test_openmetrics();
	return UNIT_END();
}
