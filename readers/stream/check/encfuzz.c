// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * encfuzz [ROUNDS [SEED]]: the direct encoders (snapenc.c, evenc.c) against
 * protobuf-c (check/refframes.c) on random layouts and random bytes, for the kinds of
 * field the shipped BPF objects do not all have: signed and unsigned
 * integers of every size, bools, enums (named values, unnamed ones, 1, 4
 * and 8 bytes, arrays of them), strings (cut at the NUL, at 255 bytes, with
 * unprintable bytes), hex (unions), arrays, structs and arrays of structs;
 * maps without BTF (raw key and value, odd sizes); per-CPU maps, summed or
 * not; empty names; snapshots written in pieces. Prints "encfuzz: N
 * snapshots, M events: same bytes" or the first difference, exit 1.
 *
 * Not part of the build (only readers/stream/ itself is): tests/90-stream.bats
 * compiles it against the stream's objects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "stream.h"
#include "util.h"

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static void die(const char *what)
{
	fprintf(stderr, "encfuzz: %s\n", what);
	exit(2);
}

/* Every kind of member, in a value struct; a smaller key struct. */
struct types {
	struct btf *btf;
	int value_id, key_id;
	uint32_t value_size, key_size;
	int e4, e1, e64;
};

static int member(struct btf *b, const char *name, int type, uint32_t byte_off)
{
	if (btf__add_field(b, name, type, byte_off * 8, 0))
		die("btf__add_field");
	return 0;
}

static void build_btf(struct types *t)
{
	struct btf *b = btf__new_empty();
	int u8, s8, u16, s16, u32, s32, u64, s64, boolean, ch, uch, idx;
	int e4, e1, e64, un, inner, ptr;
	int comm, longstr, bytes, barr, iarr, earr, inarr, e1arr, empty;

	if (!b)
		die("btf__new_empty");
	u8 = btf__add_int(b, "unsigned char", 1, 0);
	s8 = btf__add_int(b, "signed char", 1, BTF_INT_SIGNED);
	u16 = btf__add_int(b, "unsigned short", 2, 0);
	s16 = btf__add_int(b, "short", 2, BTF_INT_SIGNED);
	u32 = btf__add_int(b, "unsigned int", 4, 0);
	s32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	u64 = btf__add_int(b, "unsigned long long", 8, 0);
	s64 = btf__add_int(b, "long long", 8, BTF_INT_SIGNED);
	boolean = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
	ch = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	uch = u8;
	idx = u32;
	e4 = btf__add_enum(b, "color", 4);
	btf__add_enum_value(b, "COLOR_RED", 0);
	btf__add_enum_value(b, "COLOR_GREEN", 1);
	btf__add_enum_value(b, "COLOR_DEEP_BLUE", 2);
	btf__add_enum_value(b, "COLOR_MINUS", -3);
	e1 = btf__add_enum(b, "tiny", 1);
	btf__add_enum_value(b, "A", 0);
	btf__add_enum_value(b, "B_C", 5);
	e64 = btf__add_enum64(b, "wide", 8, false);
	btf__add_enum64_value(b, "WIDE_ONE", 1);
	btf__add_enum64_value(b, "WIDE_HUGE", 0xfedcba9876543210ull);
	un = btf__add_union(b, "u", 8);
	btf__add_field(b, "x", u64, 0, 0);
	btf__add_field(b, "y", u32, 0, 0);
	inner = btf__add_struct(b, "inner", 8);
	member(b, "a", u32, 0);
	member(b, "b", s16, 4);
	member(b, "on", boolean, 6);
	ptr = btf__add_ptr(b, u32);
	comm = btf__add_array(b, idx, ch, 16);
	longstr = btf__add_array(b, idx, ch, 300);
	bytes = btf__add_array(b, idx, uch, 5);
	barr = btf__add_array(b, idx, boolean, 3);
	iarr = btf__add_array(b, idx, s32, 4);
	earr = btf__add_array(b, idx, e4, 2);
	e1arr = btf__add_array(b, idx, e1, 3);
	inarr = btf__add_array(b, idx, inner, 2);
	empty = btf__add_array(b, idx, ch, 0);
	t->value_size = 512;
	t->value_id = btf__add_struct(b, "value", t->value_size);
	member(b, "u8", u8, 0);
	member(b, "s8", s8, 1);
	member(b, "u16", u16, 2);
	member(b, "s16", s16, 4);
	member(b, "flag", boolean, 6);
	member(b, "tiny", e1, 7);
	member(b, "u32", u32, 8);
	member(b, "s32", s32, 12);
	member(b, "u64", u64, 16);
	member(b, "s64", s64, 24);
	member(b, "color", e4, 32);
	member(b, "", u32, 36);                 /* an empty name */
	member(b, "wide", e64, 40);
	member(b, "u", un, 48);
	member(b, "ptr", ptr, 56);
	member(b, "comm", comm, 64);
	member(b, "bytes", bytes, 80);
	member(b, "flags", barr, 85);
	member(b, "ints", iarr, 88);
	member(b, "colors", earr, 104);
	member(b, "tinies", e1arr, 112);
	member(b, "in", inarr, 120);
	member(b, "none", empty, 136);
	member(b, "a_rather_long_member_name_to_see_names_packed_once_per_map", longstr, 136);
	/* 436..511: padding, not a field */
	t->key_size = 24;
	t->key_id = btf__add_struct(b, "key", t->key_size);
	member(b, "pid", u32, 0);
	member(b, "kind", e4, 4);
	member(b, "comm", comm, 8);
	if (t->value_id < 0 || t->key_id < 0 || e64 < 0)
		die("btf");
	t->btf = b;
	t->e4 = e4;
	t->e1 = e1;
	t->e64 = e64;
}

/* Bytes that hit the interesting cases often: small and extreme numbers,
 * enumerator values, NULs and unprintable bytes in strings. */
static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (below(8)) {
		case 0: p[i] = 0; break;
		case 1: p[i] = 0xff; break;
		case 2: p[i] = (uint8_t)below(6); break;
		case 3: p[i] = (uint8_t)(0x20 + below(0x5f)); break;
		case 4: p[i] = (uint8_t)(0x20 + below(0x5f)); break;
		default: p[i] = (uint8_t)rnd(); break;
		}
	}
	/* Runs of zeroes and printable text, as in real keys and values. */
	if (n && below(2)) {
		size_t at = below((uint32_t)n), len = below((uint32_t)(n - at) + 1);

		memset(p + at, below(2) ? 0 : 'a' + below(26), len);
	}
}

static struct strbuf pieces;

static int take_piece(void *ctx)
{
	struct strbuf *out = ctx;

	/* Drain at random points, as the output does every 64 KiB. */
	if (below(4) == 0) {
		sb_append(&pieces, out->buf, out->len);
		out->len = 0;
	}
	return 0;
}

/* ENCFUZZ_DUMP=PREFIX: the first differing frames to PREFIX.ref, PREFIX.got. */
static void dump(const struct strbuf *ref, const struct strbuf *got)
{
	const char *prefix = getenv("ENCFUZZ_DUMP");
	static bool done;
	char path[4096];
	FILE *f;

	if (!prefix || done)
		return;
	done = true;
	snprintf(path, sizeof(path), "%s.ref", prefix);
	if ((f = fopen(path, "w"))) {
		fwrite(ref->buf, 1, ref->len, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s.got", prefix);
	if ((f = fopen(path, "w"))) {
		fwrite(got->buf, 1, got->len, f);
		fclose(f);
	}
}

static uint32_t round8(uint32_t v)
{
	return (v + 7) & ~7u;
}

/* Decoders on some fields (the ebpf:decode tags): Field.decoded must come
 * out the same both ways, mapped or "" where the value is unknown. */
static void random_decoders(struct schema *sc)
{
	static const char *const names[] = { "inet_ip", "port", "hex", "argv", "errno",
					     "syscall", "signal", "ifname" };

	for (size_t i = 0; i < sc->n; i++) {
		struct field *f = &sc->fields[i];

		if (below(3))
			continue;
		f->dec = decoder_find(names[below(ARRAY_SIZE(names))]);
		snprintf(f->dec_name, sizeof(f->dec_name), "%s", f->dec->name);
		f->dec_fd = -1;
	}
}

/* One snapshot of a made-up map: returns 0 when both encoders agree. */
static int one_snapshot(const struct types *t, struct arena *a, struct strbuf *ref,
			struct strbuf *got, unsigned round)
{
	struct rmap m;
	struct snapshot s = { 0 };
	struct snap_enc e;
	bool raw = below(4) == 0, per_cpu = below(2);
	struct snap_frame sf = { .ts = below(8) ? rnd() >> below(64) : 0,
				 .seq = below(8) ? rnd() >> below(64) : 0,
				 .part = below(2) ? (uint32_t)(rnd() >> below(64)) : 0,
				 .more = below(2) };
	int r = 0;

	memset(&m, 0, sizeof(m));
	snprintf(m.backend, sizeof(m.backend), "%s", below(8) ? "backend" : "");
	snprintf(m.name, sizeof(m.name), "%.*s", (int)below(64),
		 "a_map_name_of_sixty_three_bytes_at_most_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	m.percpu = below(2);
	m.nr_cpus = m.percpu ? 1 + (int)below(4) : 1;
	if (raw) {
		uint32_t sizes[] = { 1, 2, 3, 4, 5, 8, 12, 16, 24, 7, 40 };

		m.info.key_size = sizes[below(ARRAY_SIZE(sizes))];
		m.info.value_size = sizes[below(ARRAY_SIZE(sizes))];
		if (schema_from_size(m.info.key_size, &m.key) ||
		    schema_from_size(m.info.value_size, &m.value))
			die("schema_from_size");
	} else {
		m.btf = t->btf;
		m.info.key_size = below(2) ? t->key_size : 4;
		m.info.value_size = t->value_size;
		if ((m.info.key_size == 4 ? schema_from_size(4, &m.key)
					  : schema_from_btf(t->btf, t->key_id, t->key_size, &m.key)) ||
		    schema_from_btf(t->btf, t->value_id, t->value_size, &m.value))
			die("schema_from_btf");
		/* A scalar key shown by enumerator name (the key_enum tag). */
		if (m.info.key_size == 4 && below(2))
			schema_set_enum(&m.key, t->btf, "color");
	}
	random_decoders(&m.key);
	random_decoders(&m.value);
	m.stride = m.percpu ? round8(m.info.value_size) : m.info.value_size;
	m.snapshottable = true;
	s.n = below(6) ? below(40) : 0;
	s.key_size = m.info.key_size;
	s.value_size = m.stride * m.nr_cpus;
	s.batched = below(2);
	s.keys = malloc(s.n * s.key_size + 1);
	s.values = malloc(s.n * s.value_size + 1);
	if (!s.keys || !s.values)
		die("malloc");
	fill(s.keys, s.n * s.key_size);
	fill(s.values, s.n * s.value_size);

	if (selfcheck_snapshot_ref(a, &m, &s, per_cpu, &sf, ref))
		die("reference");
	if (snap_enc_init(&e, &m))
		die("snap_enc_init");
	if (m.percpu && !per_cpu)
		snap_sum_percpu(&e, &m, &s);
	sb_reset(got);
	sb_reset(&pieces);
	if (below(2)) {
		if (snap_enc_append(&e, &m, &s, per_cpu, &sf, got, NULL, NULL))
			die("snap_enc_append");
	} else {
		if (snap_enc_append(&e, &m, &s, per_cpu, &sf, got, take_piece, got))
			die("snap_enc_append");
		sb_append(&pieces, got->buf, got->len);
		sb_reset(got);
		sb_append(got, pieces.buf, pieces.len);
	}
	if (selfcheck_compare("Snapshot", &m, ref, got->buf, got->len)) {
		fprintf(stderr, "encfuzz: round %u: %s, %s, %d CPUs%s, %zu entries\n", round,
			raw ? "no BTF" : "BTF", m.percpu ? "per-CPU" : "plain", m.nr_cpus,
			per_cpu ? " (--per-cpu)" : "", s.n);
		dump(ref, got);
		r = 1;
	}
	snap_enc_free(&e);
	schema_free(&m.key);
	schema_free(&m.value);
	free(s.keys);
	free(s.values);
	return r;
}

/* One ring buffer record, of the value struct, maybe shorter (not decoded
 * then) or longer. */
static int one_event(const struct types *t, const struct schema *rec, struct arena *a,
		     struct strbuf *ref, struct strbuf *got, unsigned round)
{
	struct rmap m;
	struct event_enc e;
	uint8_t data[600];
	size_t size = below(3) ? t->value_size : below(sizeof(data));
	/* seq counts from 1: evenc.c writes it always, protobuf-c not when 0 */
	uint64_t seq = (rnd() >> below(64)) | 1, ts = below(8) ? rnd() >> below(64) : 0;
	bool typed = below(4) != 0;
	int r = 0;

	memset(&m, 0, sizeof(m));
	snprintf(m.backend, sizeof(m.backend), "%s", below(8) ? "shared" : "");
	snprintf(m.name, sizeof(m.name), "%s", below(8) ? "proc_events" : "");
	snprintf(m.tags.record, sizeof(m.tags.record), "%s", below(8) ? "value" : "");
	fill(data, size);
	if (selfcheck_event_ref(a, &m, typed ? rec : NULL, data, size, seq, ts, ref))
		die("reference");
	if (event_enc_init(&e, &m, typed ? rec : NULL))
		die("event_enc_init");
	sb_reset(got);
	if (event_enc_append(&e, data, size, seq, ts, got))
		die("event_enc_append");
	if (selfcheck_compare("Event", &m, ref, got->buf, got->len)) {
		fprintf(stderr, "encfuzz: round %u: %zu-byte record%s\n", round, size,
			typed ? "" : ", untyped");
		dump(ref, got);
		r = 1;
	}
	event_enc_free(&e);
	return r;
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 20000;
	struct strbuf ref = { 0 }, got = { 0 };
	struct arena a = { 0 };
	struct schema rec;
	struct types t;
	unsigned bad = 0;

	if (argc > 2)
		rng_state ^= strtoull(argv[2], NULL, 0) * 0x9e3779b97f4a7c15ull;
	build_btf(&t);
	if (schema_from_btf(t.btf, t.value_id, t.value_size, &rec))
		die("schema_from_btf");
	random_decoders(&rec);
	for (unsigned i = 0; i < rounds && bad < 5; i++) {
		bad += one_snapshot(&t, &a, &ref, &got, i);
		bad += one_event(&t, &rec, &a, &ref, &got, i);
	}
	if (bad)
		return 1;
	printf("encfuzz: %u snapshots, %u events: same bytes\n", rounds, rounds);
	schema_free(&rec);
	btf__free(t.btf);
	arena_free(&a);
	sb_free(&ref);
	sb_free(&got);
	sb_free(&pieces);
	return 0;
}
