// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter-toolkit web configuration file (webconfig.h), read with
 * libyaml. Strict as the toolkit is: a key it does not know is an error,
 * not something silently ignored that the operator believes in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "webconfig.h"
#include "weblibs.h"

struct wparse {
	yaml_document_t *doc;
	const char *path;
	char *dir;              /* the file's directory, for relative paths */
	struct diag *d;
};

static int bad(struct wparse *p, const yaml_node_t *n, const char *key, const char *why)
{
	return diag_set(p->d, -EINVAL, "%s:%lu: %s: %s", p->path,
			(unsigned long)n->start_mark.line + 1, key, why);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A string value; an empty or null one is no value (as Go's zero value). */
static int get_str(struct wparse *p, yaml_node_t *n, const char *key, char **out)
{
	const char *s = scalar(n);

	if (!s)
		return bad(p, n, key, "a string is expected");
	free(*out);
	*out = NULL;
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null"))
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

/* A file name: relative ones are relative to the configuration file's
 * directory, as the toolkit reads them. */
static int get_path(struct wparse *p, yaml_node_t *n, const char *key, char **out)
{
	int r = get_str(p, n, key, out);
	char *abs;

	if (r || !*out || **out == '/')
		return r;
	if (asprintf(&abs, "%s/%s", p->dir, *out) < 0)
		return -ENOMEM;
	free(*out);
	*out = abs;
	return 0;
}

static void free_list(char **l)
{
	for (size_t i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

static int get_list(struct wparse *p, yaml_node_t *n, const char *key, char ***out, size_t *nout)
{
	free_list(*out); /* a key given twice: the last one counts */
	*out = NULL;
	*nout = 0;
	if (n->type == YAML_SCALAR_NODE && !*scalar(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return bad(p, n, key, "a list is expected");
	*out = calloc((size_t)(n->data.sequence.items.top - n->data.sequence.items.start) + 1,
		      sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		int r = get_str(p, yaml_document_get_node(p->doc, *it), key, &(*out)[*nout]);

		if (r)
			return r;
		if ((*out)[*nout])
			(*nout)++;
	}
	return 0;
}

static int get_bool(struct wparse *p, yaml_node_t *n, const char *key, bool *out)
{
	const char *s = scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "false"))) {
		*out = s[0] == 't';
		return 0;
	}
	return bad(p, n, key, "true or false is expected");
}

static int get_version(struct wparse *p, yaml_node_t *n, const char *key, int *out)
{
	static const struct { const char *name; int v; } vs[] = {
		{ "TLS10", TLS1_VERSION }, { "TLS11", TLS1_1_VERSION },
		{ "TLS12", TLS1_2_VERSION }, { "TLS13", TLS1_3_VERSION },
	};
	const char *s = scalar(n);

	for (size_t i = 0; s && i < sizeof(vs) / sizeof(vs[0]); i++)
		if (!strcmp(s, vs[i].name)) {
			*out = vs[i].v;
			return 0;
		}
	return bad(p, n, key, "one of TLS10, TLS11, TLS12, TLS13 is expected");
}

static int get_client_auth(struct wparse *p, yaml_node_t *n, const char *key,
			   enum web_client_auth *out)
{
	static const char *const names[] = {
		[WEB_NO_CLIENT_CERT] = "NoClientCert",
		[WEB_REQUEST_CLIENT_CERT] = "RequestClientCert",
		[WEB_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
		[WEB_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
		[WEB_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
	};
	const char *s = scalar(n);

	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum web_client_auth)i;
			return 0;
		}
	if (s && !*s)
		return 0;
	return bad(p, n, key, "one of NoClientCert, RequestClientCert, RequireAnyClientCert, "
			      "VerifyClientCertIfGiven, RequireAndVerifyClientCert is expected");
}

/* Call fn for each key: value of a mapping (an empty value: no entries). */
typedef int (*pair_fn)(struct wparse *p, struct webconfig *wc, const char *key, yaml_node_t *v);

static int each_pair(struct wparse *p, struct webconfig *wc, yaml_node_t *n, const char *what,
		     pair_fn fn)
{
	if (n->type == YAML_SCALAR_NODE && !*scalar(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return bad(p, n, what, "a mapping is expected");
	for (yaml_node_pair_t *it = n->data.mapping.pairs.start; it < n->data.mapping.pairs.top;
	     it++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, it->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, it->value);
		int r;

		if (!scalar(k))
			return bad(p, k, what, "keys are strings");
		r = fn(p, wc, scalar(k), v);
		if (r)
			return r;
	}
	return 0;
}

static int tls_pair(struct wparse *p, struct webconfig *wc, const char *key, yaml_node_t *v)
{
	bool ignored;

	if (!strcmp(key, "cert_file"))
		return get_path(p, v, key, &wc->cert_file);
	if (!strcmp(key, "key_file"))
		return get_path(p, v, key, &wc->key_file);
	if (!strcmp(key, "client_ca_file"))
		return get_path(p, v, key, &wc->client_ca_file);
	if (!strcmp(key, "client_auth_type"))
		return get_client_auth(p, v, key, &wc->client_auth);
	if (!strcmp(key, "min_version"))
		return get_version(p, v, key, &wc->min_version);
	if (!strcmp(key, "max_version"))
		return get_version(p, v, key, &wc->max_version);
	if (!strcmp(key, "cipher_suites"))
		return get_list(p, v, key, &wc->cipher_suites, &wc->ncipher_suites);
	if (!strcmp(key, "curve_preferences"))
		return get_list(p, v, key, &wc->curves, &wc->ncurves);
	if (!strcmp(key, "client_allowed_sans"))
		return get_list(p, v, key, &wc->allowed_sans, &wc->nallowed_sans);
	/* OpenSSL's server picks by its own order when told to (tls.c
	 * always does, as Go does since 1.17, which ignores it too). */
	if (!strcmp(key, "prefer_server_cipher_suites"))
		return get_bool(p, v, key, &ignored);
	return bad(p, v, key, "unknown key in tls_server_config");
}

static int header_pair(struct wparse *p, struct webconfig *wc, const char *key, yaml_node_t *v)
{
	/* What the toolkit allows: security headers, nothing that would
	 * change what the response means. */
	static const char *const allowed[] = {
		"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
		"X-XSS-Protection", "Content-Security-Policy",
	};
	const char *s = scalar(v);
	size_t i;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && strcmp(key, allowed[i]); i++)
		;
	if (i == sizeof(allowed) / sizeof(allowed[0]))
		return bad(p, v, key, "not a header that may be set (Strict-Transport-Security, "
				      "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, "
				      "Content-Security-Policy)");
	if (!s || strpbrk(s, "\r\n"))
		return bad(p, v, key, "a one-line string is expected");
	sb_printf(&wc->headers, "%s: %s\r\n", key, s);
	return wc->headers.oom ? -ENOMEM : 0;
}

static int http_pair(struct wparse *p, struct webconfig *wc, const char *key, yaml_node_t *v)
{
	bool http2;

	if (!strcmp(key, "headers"))
		return each_pair(p, wc, v, key, header_pair);
	/* HTTP/2 is what a Go server may offer besides HTTP/1.1; ours
	 * speaks HTTP/1.1 only, which every scraper speaks. */
	if (!strcmp(key, "http2"))
		return get_bool(p, v, key, &http2);
	return bad(p, v, key, "unknown key in http_server_config");
}

static int user_pair(struct wparse *p, struct webconfig *wc, const char *key, yaml_node_t *v)
{
	struct web_pair *u = realloc(wc->users, (wc->nusers + 1) * sizeof(*u));
	const char *h = scalar(v);

	if (!u)
		return -ENOMEM;
	wc->users = u;
	if (!h || strncmp(h, "$2", 2))
		return bad(p, v, key, "a bcrypt hash ($2a$, $2b$, $2y$) is expected");
	u[wc->nusers] = (struct web_pair){ strdup(key), strdup(h) };
	if (!u[wc->nusers].name || !u[wc->nusers].value) {
		free(u[wc->nusers].name);
		free(u[wc->nusers].value);
		return -ENOMEM;
	}
	wc->nusers++;
	return 0;
}

static int top_pair(struct wparse *p, struct webconfig *wc, const char *key, yaml_node_t *v)
{
	if (!strcmp(key, "tls_server_config")) {
		wc->tls = true;
		return each_pair(p, wc, v, key, tls_pair);
	}
	if (!strcmp(key, "http_server_config"))
		return each_pair(p, wc, v, key, http_pair);
	if (!strcmp(key, "basic_auth_users"))
		return each_pair(p, wc, v, key, user_pair);
	return bad(p, v, key, "unknown key (tls_server_config, http_server_config, basic_auth_users)");
}

/* What the toolkit requires of a TLS section, said before any file is read. */
static int check(struct wparse *p, struct webconfig *wc)
{
	bool verify = wc->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN ||
		      wc->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT;

	if (!wc->tls)
		return 0;
	if (!wc->cert_file || !wc->key_file)
		return diag_set(p->d, -EINVAL, "%s: tls_server_config: cert_file and key_file are required",
				p->path);
	if (verify && !wc->client_ca_file)
		return diag_set(p->d, -EINVAL, "%s: tls_server_config: client_auth_type verifies "
				"client certificates: client_ca_file is required", p->path);
	if (wc->client_ca_file && !verify)
		return diag_set(p->d, -EINVAL, "%s: tls_server_config: client_ca_file is set but "
				"client_auth_type does not verify (VerifyClientCertIfGiven or "
				"RequireAndVerifyClientCert)", p->path);
	if (wc->max_version && wc->min_version > wc->max_version)
		return diag_set(p->d, -EINVAL, "%s: tls_server_config: min_version is above max_version",
				p->path);
	return 0;
}

static int load(struct wparse *p, FILE *f, struct webconfig *wc)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int r;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		r = diag_set(p->d, -EINVAL, "%s:%lu: %s", p->path,
			     (unsigned long)parser.problem_mark.line + 1,
			     parser.problem ? parser.problem : "not YAML");
		yaml_parser_delete(&parser);
		return r;
	}
	p->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	/* An empty file is a configuration with nothing in it: plain HTTP. */
	r = root ? each_pair(p, wc, root, "top level", top_pair) : 0;
	if (!r)
		r = check(p, wc);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}

int webconfig_parse(struct webconfig *wc, const char *path, struct diag *d)
{
	struct wparse p = { .path = path, .d = d };
	const char *slash = strrchr(path, '/');
	FILE *f;
	int r;

	memset(wc, 0, sizeof(*wc));
	/* The first file read is when the libraries are needed. */
	r = weblibs_load(path, d);
	if (r)
		return r;
	p.dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	if (!p.dir)
		return -ENOMEM;
	if (slash == path)
		p.dir[0] = '\0'; /* "/x.yml": "" + "/" + name */
	f = fopen(path, "re");
	if (!f) {
		r = diag_set(d, -errno, "%s: %s", path, strerror(errno));
		free(p.dir);
		return r;
	}
	r = load(&p, f, wc);
	fclose(f);
	free(p.dir);
	if (r == -ENOMEM)
		diag_set(d, r, "%s: out of memory", path);
	if (r)
		webconfig_free(wc);
	return r;
}

void webconfig_free(struct webconfig *wc)
{
	free(wc->cert_file);
	free(wc->key_file);
	free(wc->client_ca_file);
	free_list(wc->cipher_suites);
	free_list(wc->curves);
	free_list(wc->allowed_sans);
	for (size_t i = 0; i < wc->nusers; i++) {
		explicit_bzero(wc->users[i].value, strlen(wc->users[i].value));
		free(wc->users[i].name);
		free(wc->users[i].value);
	}
	free(wc->users);
	sb_free(&wc->headers);
	memset(wc, 0, sizeof(*wc));
}
