// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "json_writer.h"
#include "util.h"

void jw_init(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->len = 0;
	w->depth = 0;
	memset(w->first, 0, sizeof(w->first));
	w->after_key = false;
	w->overflow = false;
	w->first[0] = true;
}

void jw_flush(struct json_writer *w)
{
	if (w->len)
		fwrite_unlocked(w->buf, 1, w->len, w->out);
	w->len = 0;
}

/* Room for n more bytes in buf (n <= JSON_BUF_SIZE). */
static inline void room(struct json_writer *w, size_t n)
{
	if (w->len + n > sizeof(w->buf))
		jw_flush(w);
}

static inline void put(struct json_writer *w, char c)
{
	room(w, 1);
	w->buf[w->len++] = c;
}

static void put_n(struct json_writer *w, const char *s, size_t n)
{
	if (n > sizeof(w->buf)) {
		jw_flush(w);
		fwrite_unlocked(s, 1, n, w->out);
		return;
	}
	room(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void put_s(struct json_writer *w, const char *s)
{
	put_n(w, s, strlen(s));
}

static void put_int(struct json_writer *w, uint64_t u, int64_t i, bool is_signed)
{
	room(w, FMT_INT_MAX);
	w->len += is_signed ? fmt_i64(w->buf + w->len, i) : fmt_u64(w->buf + w->len, u);
}

/* Separator before a value or key at the current depth. */
static void jw_sep(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth < JSON_MAX_DEPTH && !w->first[w->depth])
		put(w, ',');
	if (w->depth < JSON_MAX_DEPTH)
		w->first[w->depth] = false;
}

static void jw_open(struct json_writer *w, char c)
{
	jw_sep(w);
	put(w, c);
	if (++w->depth >= JSON_MAX_DEPTH)
		w->overflow = true;
	else
		w->first[w->depth] = true;
}

static void jw_close(struct json_writer *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	put(w, c);
	if (!w->depth) {
		put(w, '\n');
		jw_flush(w);
	}
}

void jw_start_object(struct json_writer *w) { jw_open(w, '{'); }
void jw_end_object(struct json_writer *w) { jw_close(w, '}'); }
void jw_start_array(struct json_writer *w) { jw_open(w, '['); }
void jw_end_array(struct json_writer *w) { jw_close(w, ']'); }

/* 1 for a byte JSON needs escaped (control bytes, '"', '\\', and non-ASCII,
 * which a kernel char array may not have as valid UTF-8); 2 for the NUL
 * that ends a string. One lookup per byte in the loop below. */
static const unsigned char escape_class[256] = {
	[0] = 2,
	[1 ... 0x1f] = 1,
	['"'] = 1,
	['\\'] = 1,
	[0x7f ... 0xff] = 1,
};

/* One byte that needs escaping, in its JSON form. */
static void put_escape(struct json_writer *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	room(w, 6); /* the longest form: \u00XX */
	w->buf[w->len++] = '\\';
	switch (c) {
	case '"': w->buf[w->len++] = '"'; break;
	case '\\': w->buf[w->len++] = '\\'; break;
	case '\n': w->buf[w->len++] = 'n'; break;
	case '\r': w->buf[w->len++] = 'r'; break;
	case '\t': w->buf[w->len++] = 't'; break;
	default:
		memcpy(w->buf + w->len, "u00", 3);
		w->buf[w->len + 3] = hex[c >> 4];
		w->buf[w->len + 4] = hex[c & 0xf];
		w->len += 5;
	}
}

/* A plain run of n bytes: short ones (names, addresses) byte by byte, which
 * costs less than a call to memcpy. */
static inline void put_run(struct json_writer *w, const char *s, size_t n)
{
	if (n > 32) {
		put_n(w, s, n);
		return;
	}
	room(w, n);
	for (size_t k = 0; k < n; k++)
		w->buf[w->len + k] = s[k];
	w->len += n;
}

/* s as a JSON string, up to len bytes or its NUL: plain runs are found by
 * one table lookup per byte and copied whole (a big map's document is
 * mostly field names and decoded text, with nothing to escape). */
static void jw_escaped(struct json_writer *w, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	put(w, '"');
	for (;;) {
		size_t run = i;

		if (len == SIZE_MAX) { /* up to the NUL, which stops the scan */
			while (!escape_class[p[run]])
				run++;
		} else {
			while (run < len && !escape_class[p[run]])
				run++;
		}
		if (run > i)
			put_run(w, s + i, run - i);
		if (run >= len || escape_class[p[run]] == 2)
			break;
		put_escape(w, p[run]);
		i = run + 1;
	}
	put(w, '"');
}

void jw_key(struct json_writer *w, const char *key)
{
	jw_sep(w);
	jw_escaped(w, key, SIZE_MAX);
	put(w, ':');
	w->after_key = true;
}

void jw_string(struct json_writer *w, const char *s)
{
	jw_string_n(w, s, SIZE_MAX);
}

void jw_string_n(struct json_writer *w, const char *s, size_t len)
{
	jw_sep(w);
	jw_escaped(w, s, len);
}

void jw_uint(struct json_writer *w, uint64_t v)
{
	jw_sep(w);
	put_int(w, v, 0, false);
}

void jw_int(struct json_writer *w, int64_t v)
{
	jw_sep(w);
	put_int(w, 0, v, true);
}

void jw_double(struct json_writer *w, double v)
{
	char buf[FMT_DOUBLE_MAX];

	jw_sep(w);
	if (isfinite(v))
		put_n(w, buf, fmt_double(buf, v));
	else
		put_s(w, "null"); /* JSON has no NaN or Inf */
}

void jw_bool(struct json_writer *w, bool v)
{
	jw_sep(w);
	put_s(w, v ? "true" : "false");
}

void jw_null(struct json_writer *w)
{
	jw_sep(w);
	put_s(w, "null");
}

void jw_hex(struct json_writer *w, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	static const char hex[] = "0123456789abcdef";

	jw_sep(w);
	put(w, '"');
	for (i = 0; i < len; i++) {
		room(w, 2);
		w->buf[w->len++] = hex[p[i] >> 4];
		w->buf[w->len++] = hex[p[i] & 0xf];
	}
	put(w, '"');
}

void jw_kv_string(struct json_writer *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_string(w, v);
}

void jw_kv_uint(struct json_writer *w, const char *k, uint64_t v)
{
	jw_key(w, k);
	jw_uint(w, v);
}

void jw_kv_int(struct json_writer *w, const char *k, int64_t v)
{
	jw_key(w, k);
	jw_int(w, v);
}

void jw_kv_bool(struct json_writer *w, const char *k, bool v)
{
	jw_key(w, k);
	jw_bool(w, v);
}
