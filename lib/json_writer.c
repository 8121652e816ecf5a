// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "json_writer.h"

void jw_init(struct json_writer *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->first[0] = true;
}

/* Separator before a value or key at the current depth. */
static void jw_sep(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth < JSON_MAX_DEPTH && !w->first[w->depth])
		fputc(',', w->out);
	if (w->depth < JSON_MAX_DEPTH)
		w->first[w->depth] = false;
}

static void jw_open(struct json_writer *w, char c)
{
	jw_sep(w);
	fputc(c, w->out);
	if (++w->depth >= JSON_MAX_DEPTH)
		w->overflow = true;
	else
		w->first[w->depth] = true;
}

static void jw_close(struct json_writer *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	fputc(c, w->out);
	if (!w->depth)
		fputc('\n', w->out);
}

void jw_start_object(struct json_writer *w) { jw_open(w, '{'); }
void jw_end_object(struct json_writer *w) { jw_close(w, '}'); }
void jw_start_array(struct json_writer *w) { jw_open(w, '['); }
void jw_end_array(struct json_writer *w) { jw_close(w, ']'); }

static void jw_escaped(struct json_writer *w, const char *s, size_t len)
{
	size_t i;

	fputc('"', w->out);
	for (i = 0; i < len && s[i]; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '"': fputs("\\\"", w->out); break;
		case '\\': fputs("\\\\", w->out); break;
		case '\n': fputs("\\n", w->out); break;
		case '\r': fputs("\\r", w->out); break;
		case '\t': fputs("\\t", w->out); break;
		default:
			/* Control bytes and non-ASCII (which may not be valid
			 * UTF-8 in a kernel char array) are escaped. */
			if (c < 0x20 || c >= 0x7f)
				fprintf(w->out, "\\u%04x", c);
			else
				fputc(c, w->out);
		}
	}
	fputc('"', w->out);
}

void jw_key(struct json_writer *w, const char *key)
{
	jw_sep(w);
	jw_escaped(w, key, SIZE_MAX);
	fputc(':', w->out);
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
	fprintf(w->out, "%" PRIu64, v);
}

void jw_int(struct json_writer *w, int64_t v)
{
	jw_sep(w);
	fprintf(w->out, "%" PRId64, v);
}

void jw_double(struct json_writer *w, double v)
{
	jw_sep(w);
	if (isfinite(v))
		fprintf(w->out, "%.17g", v);
	else
		fputs("null", w->out); /* JSON has no NaN or Inf */
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
