// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Snapshot frames, encoded straight from the raw snapshot into the output.
 *
 * frame_snapshot() + frame_pack() build a protobuf-c message per entry,
 * field and value in the arena (hundreds of bytes an entry: 450 MB for a
 * million entries), then walk that tree twice. Here the frame is written
 * from the snapshot's keys and values in two passes over them: the first
 * adds up what each entry takes, so that the frame's length is known
 * before its first byte; the second writes each entry back to front into
 * a scratch buffer (its length prefixes known when written, as in evenc.c)
 * and appends it to the output, which may be drained as it fills: the
 * frame need not be in memory whole. Each Field.name is packed once per
 * map. No allocation per entry or per frame. The bytes are those
 * protobuf-c writes for the same frame (pbwire.h). A map's snapshot is
 * one such frame per chunk read (struct snap_frame, main.c), so that
 * neither the map nor the frame is ever in memory whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pbwire.h"
#include "stream.h"

void snap_enc_free(struct snap_enc *e)
{
	sb_free(&e->names);
	free(e->name_off);
	free(e->scratch);
	free(e->decbuf);
	memset(e, 0, sizeof(*e));
}

/* Field.name of each field of s, packed, and the most its Fields take. */
static size_t pack_names(struct snap_enc *e, const struct schema *s, size_t at)
{
	size_t bound = 0;

	for (size_t i = 0; i < s->n; i++) {
		size_t before = e->names.len;

		e->name_off[at + i] = (uint32_t)before;
		pack_string(&e->names, T_FIELD_NAME, s->fields[i].name);
		bound += field_bound(&s->fields[i], e->names.len - before);
	}
	return bound;
}

int snap_enc_init(struct snap_enc *e, const struct rmap *m)
{
	size_t kb, vb;

	memset(e, 0, sizeof(*e));
	e->name_off = calloc(m->key.n + m->value.n + 1, sizeof(*e->name_off));
	/* names.buf is never NULL, even when every field is unnamed: the
	 * encoder adds offsets to it, and NULL + 0 is undefined. */
	if (!e->name_off || sb_reserve(&e->names, 64))
		goto oom;
	kb = pack_names(e, &m->key, 0);
	vb = pack_names(e, &m->value, m->key.n);
	e->name_off[m->key.n + m->value.n] = (uint32_t)e->names.len;
	if (e->names.oom)
		goto oom;
	/* The widest entry, per CPU or not: its tag and length, the key's
	 * fields, nr_cpus CpuValues (or the value's fields), raw key and
	 * value with theirs. */
	e->bound = 11 + kb + (size_t)(m->nr_cpus > 0 ? m->nr_cpus : 1) * (11 + vb) +
		   11 + m->info.key_size + 11 + m->info.value_size;
	/* Also where a per-CPU value is summed (snap_sum_percpu). */
	if (e->bound < m->stride)
		e->bound = m->stride;
	e->scratch = malloc(e->bound);
	e->decbuf = malloc(DECODED_MAX);
	if (!e->scratch || !e->decbuf)
		goto oom;
	e->ready = true;
	return 0;
oom:
	snap_enc_free(e);
	return -ENOMEM;
}

void snap_sum_percpu(struct snap_enc *e, const struct rmap *m, struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		uint8_t *v = s->values + i * s->value_size;

		schema_sum_percpu(&m->value, v, m->stride, m->nr_cpus, e->scratch);
		memcpy(v, e->scratch, m->value.size);
	}
}

/* What the Fields of schema s take in their parent, tags and lengths too. */
static inline size_t fields_size(const struct snap_enc *e, const struct schema *s, size_t at,
				 const uint8_t *data)
{
	size_t len = 0;

	for (size_t i = 0; i < s->n; i++)
		len += delim_len(e->name_off[at + i + 1] - e->name_off[at + i] +
				 field_values_size(&s->fields[i], data) +
				 field_decoded_size(&s->fields[i], data, e->decbuf));
	return len;
}

/* The Fields of schema s, each with tag `tag`, back to front. */
static inline uint8_t *back_fields(const struct snap_enc *e, uint8_t *p, const struct schema *s,
				   size_t at, const uint8_t *data, uint8_t tag)
{
	for (size_t i = s->n; i-- > 0;) {
		uint8_t *fend = p;
		uint32_t off = e->name_off[at + i];

		p = back_field_decoded(p, &s->fields[i], data, e->decbuf);
		p = back_field_values(p, &s->fields[i], data);
		p = back_bytes(p, e->names.buf + off, e->name_off[at + i + 1] - off);
		p = back_varint(p, (uint64_t)(fend - p));
		*--p = tag;
	}
	return p;
}

struct entry_ctx {
	const struct snap_enc *e;
	const struct rmap *m;
	const struct snapshot *s;
	bool per_cpu;           /* one CpuValue per CPU, not Entry.value */
	bool raw;               /* no BTF: raw_key and raw_value too */
};

/* Entry i, without its tag and length. */
static size_t entry_size(const struct entry_ctx *c, size_t i)
{
	const struct rmap *m = c->m;
	const uint8_t *val = snapshot_value(c->s, i);
	size_t len = fields_size(c->e, &m->key, 0, snapshot_key(c->s, i));

	if (c->per_cpu) {
		for (int cpu = 0; cpu < m->nr_cpus; cpu++)
			len += delim_len(fields_size(c->e, &m->value, m->key.n,
						     val + (size_t)cpu * m->stride));
	} else {
		len += fields_size(c->e, &m->value, m->key.n, val);
	}
	if (c->raw) {
		if (m->info.key_size)
			len += delim_len(m->info.key_size);
		if (!c->per_cpu && m->info.value_size)
			len += delim_len(m->info.value_size);
	}
	return len;
}

/* Entry i with its tag and length, back to front from p. */
static uint8_t *back_entry(const struct entry_ctx *c, uint8_t *p, size_t i)
{
	const struct rmap *m = c->m;
	const uint8_t *val = snapshot_value(c->s, i);
	uint8_t *end = p;

	if (c->raw) {
		if (!c->per_cpu && m->info.value_size) {
			p = back_bytes(p, val, m->info.value_size);
			p = back_varint(p, m->info.value_size);
			*--p = T_EN_RAW_VALUE;
		}
		if (m->info.key_size) {
			p = back_bytes(p, snapshot_key(c->s, i), m->info.key_size);
			p = back_varint(p, m->info.key_size);
			*--p = T_EN_RAW_KEY;
		}
	}
	if (c->per_cpu) {
		for (int cpu = m->nr_cpus; cpu-- > 0;) {
			uint8_t *cend = p;

			p = back_fields(c->e, p, &m->value, m->key.n, val + (size_t)cpu * m->stride,
					T_CPU_VALUE);
			p = back_varint(p, (uint64_t)(cend - p));
			*--p = T_EN_PER_CPU;
		}
	} else {
		p = back_fields(c->e, p, &m->value, m->key.n, val, T_EN_VALUE);
	}
	p = back_fields(c->e, p, &m->key, 0, snapshot_key(c->s, i), T_EN_KEY);
	p = back_varint(p, (uint64_t)(end - p));
	*--p = T_SN_ENTRY;
	return p;
}

static void put_string(uint8_t **p, uint8_t tag, const char *s)
{
	size_t n = strlen(s);

	if (!n)
		return;
	*(*p)++ = tag;
	*p = put_varint(*p, n);
	memcpy(*p, s, n);
	*p += n;
}

/* Snapshot's fields after its entries (batched, more, seq, part) at p:
 * their end. */
static uint8_t *put_tail(uint8_t *p, const struct snapshot *s, const struct snap_frame *sf)
{
	if (s->batched) {
		*p++ = T_SN_BATCHED;
		*p++ = 1;
	}
	if (sf->more) {
		*p++ = T_SN_MORE;
		*p++ = 1;
	}
	if (sf->seq) {
		*p++ = T_SN_SEQ;
		p = put_varint(p, sf->seq);
	}
	if (sf->part) {
		*p++ = T_SN_PART;
		p = put_varint(p, sf->part);
	}
	return p;
}

int snap_enc_append(struct snap_enc *e, const struct rmap *m, const struct snapshot *s,
		    bool per_cpu, const struct snap_frame *sf, struct strbuf *out,
		    int (*appended)(void *ctx), void *ctx)
{
	struct entry_ctx c = { .e = e, .m = m, .s = s, .per_cpu = per_cpu && m->percpu,
			       .raw = m->btf == NULL };
	/* Snapshot.backend and .map: at most 11 + 63 bytes each. */
	uint8_t head[3 * 11 + 2 * (11 + 64)], *h = head, *end = e->scratch + e->bound;
	uint8_t tail[4 + 2 * 11], *t = tail;
	size_t entries = 0, snap_len, head_len, tail_len;

	if (!e->ready)
		return -EINVAL;
	if (sf->ts) {
		*h++ = T_SN_TS;
		h = put_varint(h, sf->ts);
	}
	put_string(&h, T_SN_BACKEND, m->backend);
	put_string(&h, T_SN_MAP, m->name);
	head_len = (size_t)(h - head);
	tail_len = (size_t)(put_tail(t, s, sf) - tail);
	for (size_t i = 0; i < s->n; i++)
		entries += delim_len(entry_size(&c, i));
	snap_len = head_len + entries + tail_len;
	/* The delimiter, Frame.snapshot's tag and length, Snapshot's fields
	 * up to its entries. */
	{
		uint8_t pre[2 * 10 + 1], *q = pre;

		q = put_varint(q, delim_len(snap_len));
		*q++ = T_FRAME_SNAPSHOT;
		q = put_varint(q, snap_len);
		/* Undrained, out takes the whole frame: grown once. */
		if (sb_reserve(out, (size_t)(q - pre) + (appended ? head_len : snap_len)))
			return -ENOMEM;
		memcpy(out->buf + out->len, pre, (size_t)(q - pre));
		out->len += (size_t)(q - pre);
		memcpy(out->buf + out->len, head, head_len);
		out->len += head_len;
	}
	for (size_t i = 0; i < s->n; i++) {
		uint8_t *p = back_entry(&c, end, i);
		size_t n = (size_t)(end - p);

		if (sb_reserve(out, n))
			return -ENOMEM;
		memcpy(out->buf + out->len, p, n);
		out->len += n;
		if (appended) {
			int r = appended(ctx);

			if (r < 0)
				return r;
		}
	}
	if (sb_reserve(out, tail_len))
		return -ENOMEM;
	memcpy(out->buf + out->len, tail, tail_len);
	out->len += tail_len;
	return 0;
}
