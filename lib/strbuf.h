/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A growable byte buffer, reused across scrapes/frames: it only grows. */
#ifndef EBPF_STRBUF_H
#define EBPF_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	bool oom;       /* an append failed: the content is incomplete */
};

void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
int sb_reserve(struct strbuf *sb, size_t extra);
void sb_put_u64(struct strbuf *sb, uint64_t v);
void sb_put_i64(struct strbuf *sb, int64_t v);

/* One byte: inline, as it is called once or more per byte of a scrape. */
static inline void sb_putc(struct strbuf *sb, char c)
{
	if (sb->len + 2 <= sb->cap || !sb_reserve(sb, 1)) {
		sb->buf[sb->len++] = c;
		sb->buf[sb->len] = '\0';
	}
}
/* Inline too: a scrape appends a few pieces per series, and the call and
 * the capacity check cost more than copying a short label. */
static inline void sb_append(struct strbuf *sb, const void *data, size_t len)
{
	if (sb->len + len + 1 <= sb->cap || !sb_reserve(sb, len)) {
		memcpy(sb->buf + sb->len, data, len);
		sb->len += len;
		sb->buf[sb->len] = '\0';
	}
}

static inline void sb_puts(struct strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
