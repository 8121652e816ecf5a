/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small streaming JSON writer: the caller says what comes next, the writer
 * places commas, escapes strings and refuses to nest deeper than it tracks.
 */
#ifndef EBPF_JSON_WRITER_H
#define EBPF_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32
#define JSON_BUF_SIZE 65536

/* Output is gathered in buf and handed to out in big pieces: a big map's
 * document is millions of short tokens, and one stdio call per token was
 * half the cost of writing it. A document is flushed when its outermost
 * value closes; jw_flush() hands over the rest at any other time. */
struct json_writer {
	FILE *out;
	size_t len;                 /* bytes waiting in buf */
	char buf[JSON_BUF_SIZE];
	int depth;
	bool first[JSON_MAX_DEPTH]; /* nothing written yet at this depth */
	bool after_key;
	bool overflow;              /* nesting went past JSON_MAX_DEPTH */
};

void jw_init(struct json_writer *w, FILE *out);
void jw_flush(struct json_writer *w);
void jw_start_object(struct json_writer *w);
void jw_end_object(struct json_writer *w);
void jw_start_array(struct json_writer *w);
void jw_end_array(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);
void jw_string(struct json_writer *w, const char *s);
/* A string of at most len bytes (stops at NUL): for char arrays. */
void jw_string_n(struct json_writer *w, const char *s, size_t len);
void jw_uint(struct json_writer *w, uint64_t v);
void jw_int(struct json_writer *w, int64_t v);
void jw_double(struct json_writer *w, double v);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
/* Bytes as a lowercase hex string. */
void jw_hex(struct json_writer *w, const void *data, size_t len);

/* key + value shorthands */
void jw_kv_string(struct json_writer *w, const char *k, const char *v);
void jw_kv_uint(struct json_writer *w, const char *k, uint64_t v);
void jw_kv_int(struct json_writer *w, const char *k, int64_t v);
void jw_kv_bool(struct json_writer *w, const char *k, bool v);

#endif
