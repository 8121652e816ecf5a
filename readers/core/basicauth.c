// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP basic auth against basic_auth_users (webconfig.h): the password is
 * checked with libxcrypt's bcrypt, the result compared in constant time,
 * and a user name that is not there costs the same as one that is, so
 * that timing tells nothing about which users exist.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sha256.h"
#include "util.h"
#include "webconfig.h"
#include "weblibs.h"

#define CRED_MAX 512

/* A bcrypt hash of nothing anybody knows, checked when the user is
 * unknown: the same work as for a known user (cost 10, the usual). */
static const char dummy_hash[] = "$2b$10$qZGEFZ2X4l6iVgwPvgkvL./9pc18gf8SBviQwFYQ64A0lQ3P6ncUy";

static bool cache_has(const struct web_auth_cache *c, const uint8_t key[32])
{
	bool hit = false;

	for (size_t i = 0; i < c->n; i++)
		hit |= !CRYPTO_memcmp(c->key[i], key, 32);
	return hit;
}

static void cache_add(struct web_auth_cache *c, const uint8_t key[32])
{
	memcpy(c->key[c->next], key, 32);
	c->next = (c->next + 1) % WEB_AUTH_CACHE;
	if (c->n < WEB_AUTH_CACHE)
		c->n++;
}

/* "Basic BASE64(user:password)" into cred (NUL-terminated), *colon at the
 * separator. false when it is not that. */
static bool decode(const char *value, size_t vlen, char *cred, size_t *colon)
{
	unsigned char raw[CRED_MAX];
	size_t b64, pad = 0;
	int n;

	if (vlen < 6 || strncasecmp(value, "Basic ", 6))
		return false;
	value += 6;
	vlen -= 6;
	while (vlen && *value == ' ')
		value++, vlen--;
	b64 = vlen;
	if (!b64 || b64 % 4 || b64 / 4 * 3 >= CRED_MAX)
		return false;
	n = EVP_DecodeBlock(raw, (const unsigned char *)value, (int)b64);
	if (n < 0)
		return false;
	/* EVP_DecodeBlock counts the padding as data: take it off. */
	pad = (value[b64 - 1] == '=') + (value[b64 - 2] == '=');
	n -= (int)pad;
	memcpy(cred, raw, (size_t)n);
	cred[n] = '\0';
	explicit_bzero(raw, sizeof(raw));
	if (strlen(cred) != (size_t)n || !strchr(cred, ':'))
		return false;
	*colon = (size_t)(strchr(cred, ':') - cred);
	return true;
}

/* The user's hash, looked at in every user's name, all of it, whatever
 * matched: the time does not depend on which (or whether one) did. */
static const char *find_hash(const struct webconfig *wc, const char *user, size_t ulen)
{
	const char *found = NULL;

	for (size_t i = 0; i < wc->nusers; i++) {
		size_t nl = strlen(wc->users[i].name);
		bool eq = nl == ulen && !CRYPTO_memcmp(wc->users[i].name, user, ulen);

		if (eq)
			found = wc->users[i].value;
	}
	return found;
}

int web_auth_begin(const struct webconfig *wc, const struct web_auth_cache *cache,
		   const char *value, size_t vlen, struct web_auth_job *job)
{
	char cred[CRED_MAX];
	const char *hash;
	size_t colon;
	int r;

	memset(job, 0, sizeof(*job));
	if (!value || !decode(value, vlen, cred, &colon)) {
		explicit_bzero(cred, sizeof(cred)); /* decode may have copied it */
		return WEB_AUTH_NO;
	}
	sha256(cred, strlen(cred), job->key);
	if (cache_has(cache, job->key)) {
		r = WEB_AUTH_YES;
	} else {
		hash = find_hash(wc, cred, colon);
		job->known = hash != NULL;
		/* Both fit: a hash is 60 characters, cred under CRED_MAX. */
		strscpy(job->hash, hash ? hash : dummy_hash, sizeof(job->hash));
		strscpy(job->password, cred + colon + 1, sizeof(job->password));
		r = WEB_AUTH_CHECK;
	}
	explicit_bzero(cred, sizeof(cred));
	return r;
}

bool web_auth_run(struct web_auth_job *job)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	size_t hl = strlen(job->hash);

	job->ok = false;
	if (cd && crypt_rn(job->password, job->hash, cd, sizeof(*cd)))
		job->ok = strlen(cd->output) == hl && !CRYPTO_memcmp(cd->output, job->hash, hl) &&
			  job->known;
	if (cd) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
	}
	explicit_bzero(job->password, sizeof(job->password));
	return job->ok;
}

void web_auth_remember(struct web_auth_cache *cache, const struct web_auth_job *job)
{
	if (job->ok)
		cache_add(cache, job->key);
}
