// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "json_writer.h"
#include "util.h"

void jw_init(struct json_writer *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->first[0] = true;
}

/* Numbers are most of a big map's document: one unlocked write each. */
static void put_int(struct json_writer *w, uint64_t u, int64_t i, bool is_signed)
{
	char buf[FMT_INT_MAX];
	size_t n = is_signed ? fmt_i64(buf, i) : fmt_u64(buf, u);

	fwrite_unlocked(buf, 1, n, w->out);
}

/* Separator before a value or key at the current depth. */
static void jw_sep(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth < JSON_MAX_DEPTH && !w->first[w->depth])
		fputc_unlocked(',', w->out);
	if (w->depth < JSON_MAX_DEPTH)
		w->first[w->depth] = false;
}

static void jw_open(struct json_writer *w, char c)
{
	jw_sep(w);
	fputc_unlocked(c, w->out);
	if (++w->depth >= JSON_MAX_DEPTH)
		w->overflow = true;
	else
		w->first[w->depth] = true;
}

static void jw_close(struct json_writer *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	fputc_unlocked(c, w->out);
	if (!w->depth)
		fputc_unlocked('\n', w->out);
}

void jw_start_object(struct json_writer *w) { jw_open(w, '{'); }
void jw_end_object(struct json_writer *w) { jw_close(w, '}'); }
void jw_start_array(struct json_writer *w) { jw_open(w, '['); }
void jw_end_array(struct json_writer *w) { jw_close(w, ']'); }

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
}

static void jw_escaped(struct json_writer *w, const char *s, size_t len)
{
	size_t i, run;

	fputc_unlocked('"', w->out);
	for (i = 0; i < len && s[i];) {
		unsigned char c = s[i];

		/* Plain bytes go out as one run. */
		for (run = i; run < len && s[run] && !needs_escape((unsigned char)s[run]); run++)
			;
		if (run > i) {
			fwrite_unlocked(s + i, 1, run - i, w->out);
			i = run;
			continue;
		}
		switch (c) {
		case '"': fputs_unlocked("\\\"", w->out); break;
		case '\\': fputs_unlocked("\\\\", w->out); break;
		case '\n': fputs_unlocked("\\n", w->out); break;
		case '\r': fputs_unlocked("\\r", w->out); break;
		case '\t': fputs_unlocked("\\t", w->out); break;
		default:
			/* Control bytes and non-ASCII (which may not be valid
			 * UTF-8 in a kernel char array) are escaped. */
			fprintf(w->out, "\\u%04x", c);
		}
		i++;
	}
	fputc_unlocked('"', w->out);
}

void jw_key(struct json_writer *w, const char *key)
{
	jw_sep(w);
	jw_escaped(w, key, SIZE_MAX);
	fputc_unlocked(':', w->out);
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
	if (isfinite(v)) {
		fmt_double(buf, v);
		fputs(buf, w->out);
	} else {
		fputs("null", w->out); /* JSON has no NaN or Inf */
	}
}

void jw_bool(struct json_writer *w, bool v)
{
	jw_sep(w);
	fputs(v ? "true" : "false", w->out);
}

void jw_null(struct json_writer *w)
{
	jw_sep(w);
	fputs("null", w->out);
}

void jw_hex(struct json_writer *w, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	jw_sep(w);
	fputc('"', w->out);
	for (i = 0; i < len; i++)
		fprintf(w->out, "%02x", p[i]);
	fputc('"', w->out);
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
