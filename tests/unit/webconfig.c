// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --web.config.file (readers/core/webconfig.c, basicauth.c): what the parser
 * takes from a file, what it refuses and how it says so; basic auth against
 * a bcrypt hash; the Authorization field found in a request head
 * (readers/exporter/http.c). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "exporter.h"
#include "unit.h"
#include "webconfig.h"

static char dir[] = "/tmp/ebpf-unit-webconfig-XXXXXX";
static char path[128];

static int parse_text(struct webconfig *wc, const char *text, struct diag *d)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return webconfig_parse(wc, path, d);
}

static void test_good(void)
{
	struct webconfig wc;
	struct diag d = {};

	CHECK_INT(parse_text(&wc,
			     "tls_server_config:\n"
			     "  cert_file: srv.crt\n"
			     "  key_file: /abs/srv.key\n"
			     "  client_auth_type: RequireAndVerifyClientCert\n"
			     "  client_ca_file: ca.crt\n"
			     "  min_version: TLS13\n"
			     "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"
			     "  prefer_server_cipher_suites: true\n"
			     "http_server_config:\n"
			     "  http2: false\n"
			     "  headers:\n"
			     "    X-Frame-Options: deny\n"
			     "basic_auth_users:\n"
			     "  alice: $2b$04$abcdefghijklmnopqrstuu5Gh0/Po9dfl0L0o6Y0AXkOOiVWE2uRq\n",
			     &d), 0);
	CHECK(wc.tls);
	/* Relative to the file's directory, as the toolkit reads them. */
	CHECK(wc.cert_file && !strncmp(wc.cert_file, dir, strlen(dir)) &&
	      !strcmp(wc.cert_file + strlen(dir), "/srv.crt"));
	CHECK_STR(wc.key_file, "/abs/srv.key");
	CHECK_INT(wc.client_auth, WEB_REQUIRE_AND_VERIFY_CLIENT_CERT);
	CHECK_INT(wc.ncipher_suites, 1);
	CHECK_INT(wc.nusers, 1);
	CHECK_STR(wc.users[0].name, "alice");
	CHECK_STR(wc.headers.buf, "X-Frame-Options: deny\r\n");
	webconfig_free(&wc);

	/* An empty file: plain HTTP, nothing required. */
	CHECK_INT(parse_text(&wc, "", &d), 0);
	CHECK(!wc.tls && !wc.nusers);
	webconfig_free(&wc);
}

/* A bad file: -EINVAL and the message ends with want. */
static void bad(const char *text, const char *want)
{
	struct webconfig wc;
	struct diag d = {};
	const char *msg;

	CHECK_INT(parse_text(&wc, text, &d), -EINVAL);
	msg = diag_msg(&d, -EINVAL);
	CHECK(strlen(msg) >= strlen(want) && !strcmp(msg + strlen(msg) - strlen(want), want));
	if (strlen(msg) < strlen(want) || strcmp(msg + strlen(msg) - strlen(want), want))
		fprintf(stderr, "  got: %s\n", msg);
}

static void test_bad(void)
{
	bad("tls_server_config:\n  cert_file: a\n  key_file: b\n  cert_flie: c\n",
	    "web.yml:4: cert_flie: unknown key in tls_server_config");
	bad("nope: 1\n", "web.yml:1: nope: unknown key (tls_server_config, http_server_config, basic_auth_users)");
	bad("tls_server_config:\n  cert_file: a\n", "tls_server_config: cert_file and key_file are required");
	bad("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n",
	    "client_ca_file is required");
	bad("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n",
	    "min_version: one of TLS10, TLS11, TLS12, TLS13 is expected");
	bad("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n",
	    "min_version is above max_version");
	bad("basic_auth_users:\n  bob: secret\n", "bob: a bcrypt hash ($2a$, $2b$, $2y$) is expected");
	bad("http_server_config:\n  headers:\n    Content-Type: x\n",
	    "Content-Type: not a header that may be set (Strict-Transport-Security, "
	    "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)");
	bad("tls_server_config: [1]\n", "tls_server_config: a mapping is expected");
	bad("a: [\n", "did not find expected node content");
}

/* The three steps as the exporter takes them, on one thread. */
static bool auth_ok(const struct webconfig *wc, struct web_auth_cache *cache, const char *value,
		    size_t vlen)
{
	struct web_auth_job job;
	int r = web_auth_begin(wc, cache, value, vlen, &job);

	if (r == WEB_AUTH_CHECK) {
		r = web_auth_run(&job) ? WEB_AUTH_YES : WEB_AUTH_NO;
		CHECK(job.password[0] == '\0'); /* wiped */
		web_auth_remember(cache, &job);
	}
	return r == WEB_AUTH_YES;
}

static void test_auth(void)
{
	struct web_auth_cache cache = {};
	struct webconfig wc;
	struct diag d = {};
	const char *v;
	size_t vl;
	static const char head[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
				   "authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n";

	/* alice:secret, a cost-4 hash made with python3-bcrypt. */
	CHECK_INT(parse_text(&wc, "basic_auth_users:\n"
			     "  alice: $2b$04$8zX1OANSL730vsRtncXQa.CChak6O8lTKfiL7fljQQgh.LAEHtFgC\n",
			     &d), 0);
	CHECK_INT(http_find_field(head, sizeof(head) - 1, "Authorization", &v, &vl), 0);
	CHECK_MEM(v, vl, "Basic YWxpY2U6c2VjcmV0", 22);
	CHECK_INT(http_find_field(head, sizeof(head) - 1, "Cookie", &v, &vl), -ENOENT);
	/* Wrong password (alice:secreT), unknown user (bob:secret), not basic. */
	CHECK(!auth_ok(&wc, &cache, "Basic YWxpY2U6c2VjcmVU", 22));
	CHECK(!auth_ok(&wc, &cache, "Basic Ym9iOnNlY3JldA==", 22));
	CHECK(!auth_ok(&wc, &cache, "Bearer YWxpY2U6c2VjcmV0", 23));
	CHECK(!auth_ok(&wc, &cache, "Basic !!!!", 10));
	CHECK_INT(cache.n, 0);
	CHECK(auth_ok(&wc, &cache, v, vl));
	CHECK_INT(cache.n, 1);
	/* Again: from the cache of checked passwords, the same answer. */
	CHECK(auth_ok(&wc, &cache, v, vl));
	CHECK_INT(cache.n, 1);
	webconfig_free(&wc);
}

int main(void)
{
	unit_start();
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/web.yml", dir);
	test_good();
	test_bad();
	test_auth();
	unlink(path);
	rmdir(dir);
	return UNIT_END();
}
