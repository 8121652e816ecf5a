// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Schema compilation (readers/core/schema.c): BTF flattened into the
 * fields every reader shows, and the text of each. */
#include <stdlib.h>
#include "reader.h"
#include "unit.h"
#include "btfbuild.h"

struct want {
	const char *name;
	enum field_kind kind;
	uint32_t offset, size, count;
};

/* struct key of btfbuild.h, flattened: the bitfield `flags` is missing. */
static const struct want key_fields[] = {
	{ "pid", FIELD_UINT, 0, 4, 1 },
	{ "comm", FIELD_STRING, 4, 16, 1 },
	{ "in.a", FIELD_UINT, 20, 2, 1 },
	{ "in.b", FIELD_UINT, 22, 2, 1 },
	{ "_.x", FIELD_UINT, 24, 4, 1 },
	{ "proto", FIELD_ENUM, 28, 4, 1 },
	{ "ok", FIELD_BOOL, 36, 1, 1 },
	{ "addr", FIELD_UINT, 37, 1, 16 },
	{ "buckets", FIELD_UINT, 56, 8, 4 },
	{ "delta", FIELD_INT, 88, 4, 1 },
	{ "pairs[0].a", FIELD_UINT, 92, 2, 1 },
	{ "pairs[0].b", FIELD_UINT, 94, 2, 1 },
	{ "pairs[1].a", FIELD_UINT, 96, 2, 1 },
	{ "pairs[1].b", FIELD_UINT, 98, 2, 1 },
};
#define NR_KEY_FIELDS (sizeof(key_fields) / sizeof(key_fields[0]))

static void test_flatten(const struct test_btf *t)
{
	struct schema s;

	CHECK_INT(schema_from_btf(t->btf, t->key, KEY_SIZE, &s), 0);
	CHECK_INT(s.n, NR_KEY_FIELDS);
	CHECK(!s.scalar);
	CHECK_INT(s.size, KEY_SIZE);
	for (size_t i = 0; i < NR_KEY_FIELDS && i < s.n; i++) {
		CHECK_STR(s.fields[i].name, key_fields[i].name);
		CHECK_INT(s.fields[i].kind, key_fields[i].kind);
		CHECK_INT(s.fields[i].offset, key_fields[i].offset);
		CHECK_INT(s.fields[i].size, key_fields[i].size);
		CHECK_INT(s.fields[i].count, key_fields[i].count);
	}
	CHECK(schema_field(&s, "flags") == NULL);
	CHECK(schema_field(&s, "in") == NULL);
	CHECK(schema_field(&s, "pairs[1].b") == &s.fields[13]);
	/* The enum's common prefix "IP_PROTO_" is left out when shown. */
	CHECK_INT(schema_field(&s, "proto")->strip, 9);
	schema_free(&s);
	CHECK(s.fields == NULL && s.n == 0);
}

/* Every field must lie inside the map's key or value: BTF that says
 * otherwise is refused, not read past the buffer. */
static void test_sizes(const struct test_btf *t)
{
	struct schema s;

	CHECK_INT(schema_from_btf(t->btf, t->key, 100, &s), 0); /* tail padding */
	schema_free(&s);
	CHECK_INT(schema_from_btf(t->btf, t->key, 99, &s), -EPROTO);
	CHECK(s.fields == NULL);
	CHECK_INT(schema_from_btf(t->btf, t->u64, 4, &s), -EPROTO);
	CHECK_INT(schema_from_btf(t->btf, 9999, 8, &s), -EINVAL);
}

static void test_scalars(const struct test_btf *t)
{
	struct schema s;

	CHECK_INT(schema_from_btf(t->btf, t->u64, 8, &s), 0);
	CHECK(s.scalar);
	CHECK_INT(s.n, 1);
	CHECK_STR(s.fields[0].name, "");
	CHECK_INT(s.fields[0].kind, FIELD_UINT);
	/* key_enum: the scalar shown by an enum's names. */
	CHECK_INT(schema_set_enum(&s, t->btf, "ip_proto"), 0);
	CHECK_INT(s.fields[0].kind, FIELD_ENUM);
	CHECK(schema_set_enum(&s, t->btf, "no_such_enum") < 0);
	CHECK_INT(s.fields[0].enum_id, t->proto); /* left as it was */
	schema_free(&s);

	CHECK_INT(schema_from_btf(t->btf, t->key, KEY_SIZE, &s), 0);
	CHECK_INT(schema_set_enum(&s, t->btf, "ip_proto"), -EINVAL); /* not a scalar */
	schema_free(&s);
}

/* No BTF: fields from the size alone. */
static void test_from_size(void)
{
	static const struct { uint32_t size; enum field_kind kind; uint32_t esize, count; } cases[] = {
		{ 1, FIELD_UINT, 1, 1 }, { 2, FIELD_UINT, 2, 1 }, { 4, FIELD_UINT, 4, 1 },
		{ 8, FIELD_UINT, 8, 1 }, { 16, FIELD_UINT, 8, 2 }, { 12, FIELD_UINT, 4, 3 },
		{ 3, FIELD_HEX, 3, 1 }, { 6, FIELD_HEX, 6, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct schema s;

		CHECK_INT(schema_from_size(cases[i].size, &s), 0);
		CHECK(s.scalar && s.n == 1);
		CHECK_INT(s.fields[0].kind, cases[i].kind);
		CHECK_INT(s.fields[0].size, cases[i].esize);
		CHECK_INT(s.fields[0].count, cases[i].count);
		schema_free(&s);
	}
}

/* The prefix enum_strip_init leaves out of every name of enum id. */
static int strip_of(const struct btf *btf, int id)
{
	struct field f = { .kind = FIELD_ENUM, .btf = btf, .enum_id = id };

	enum_strip_init(&f);
	return f.strip;
}

/* The name field_enum_name shows for value v of enum id. */
static const char *enum_text(const struct btf *btf, int id, int64_t v, char *buf, size_t size)
{
	struct field f = { .kind = FIELD_ENUM, .size = 4, .count = 1, .btf = btf, .enum_id = id };

	enum_strip_init(&f);
	return field_enum_name(&f, v, buf, size);
}

static void test_enum_prefix(const struct test_btf *t)
{
	struct btf *b = btf__new_empty();
	char buf[64], name[64];
	int none, one, most;

	CHECK_INT(strip_of(t->btf, t->proto), 9);
	CHECK_INT(strip_of(t->btf, t->u32), 0);
	if (!b)
		return;
	none = btf__add_enum(b, "colour", 4);
	btf__add_enum_value(b, "RED", 0);
	btf__add_enum_value(b, "READY", 1); /* "RE" is shared, but no '_' ends it */
	one = btf__add_enum(b, "state", 4);
	btf__add_enum_value(b, "TCP_ESTABLISHED", 1);
	CHECK_INT(strip_of(b, none), 0);
	CHECK_INT(strip_of(b, one), 4);
	/* As the kernel's skb_drop_reason: two names beside many that share a
	 * longer prefix. Those lose it, the two only what all share. */
	most = btf__add_enum(b, "drop", 4);
	btf__add_enum_value(b, "SKB_NOT_DROPPED_YET", 0);
	btf__add_enum_value(b, "SKB_CONSUMED", 1);
	for (int i = 0; i < 18; i++) {
		snprintf(name, sizeof(name), "SKB_DROP_REASON_R%d", i);
		btf__add_enum_value(b, name, 2 + i);
	}
	btf__add_enum_value(b, "SKB_DROP_REASON_NO_SOCKET", 20);
	CHECK_INT(strip_of(b, most), 4);
	CHECK_STR(enum_text(b, most, 20, buf, sizeof(buf)), "no_socket");
	CHECK_STR(enum_text(b, most, 1, buf, sizeof(buf)), "consumed");
	CHECK_STR(enum_text(b, most, 0, buf, sizeof(buf)), "not_dropped_yet");
	/* Under 90 % sharing the longer prefix: all keep it. */
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "SKB_OTHER_%d", i);
		btf__add_enum_value(b, name, 100 + i);
	}
	CHECK_STR(enum_text(b, most, 20, buf, sizeof(buf)), "drop_reason_no_socket");
	btf__free(b);
}

/* A key as the BPF side would write it. */
static void fill_key(uint8_t *k)
{
	uint32_t pid = 4242, x = 7, proto = 17;
	uint16_t a = 65535;
	int32_t delta = -5;
	uint64_t b3 = UINT64_MAX;

	memset(k, 0, KEY_SIZE);
	memcpy(k, &pid, 4);
	memcpy(k + 4, "bash", 4);
	memcpy(k + 20, &a, 2);
	memcpy(k + 24, &x, 4);
	memcpy(k + 28, &proto, 4);
	k[36] = 1;
	k[37] = 10;
	k[38] = 200;
	memcpy(k + 56 + 3 * 8, &b3, 8);
	memcpy(k + 88, &delta, 4);
}

static const char *text(const struct schema *s, const char *name, const uint8_t *k, char *buf,
			size_t size)
{
	const struct field *f = schema_field(s, name);

	if (!f || field_text(f, k, buf, size))
		return NULL;
	return buf;
}

static void test_format(const struct test_btf *t)
{
	uint8_t k[KEY_SIZE];
	char buf[512];
	struct schema s;
	uint32_t other = 99;

	fill_key(k);
	CHECK_INT(schema_from_btf(t->btf, t->key, KEY_SIZE, &s), 0);
	if (s.n != NR_KEY_FIELDS)
		return;
	CHECK_STR(text(&s, "pid", k, buf, sizeof(buf)), "4242");
	CHECK_STR(text(&s, "comm", k, buf, sizeof(buf)), "bash");
	CHECK_STR(text(&s, "in.a", k, buf, sizeof(buf)), "65535");
	CHECK_STR(text(&s, "_.x", k, buf, sizeof(buf)), "7");
	CHECK_STR(text(&s, "proto", k, buf, sizeof(buf)), "udp");
	CHECK_STR(text(&s, "ok", k, buf, sizeof(buf)), "true");
	CHECK_STR(text(&s, "delta", k, buf, sizeof(buf)), "-5");
	CHECK_STR(text(&s, "buckets", k, buf, sizeof(buf)), "[0,0,0,18446744073709551615]");
	CHECK_STR(text(&s, "addr", k, buf, sizeof(buf)), "[10,200,0,0,0,0,0,0,0,0,0,0,0,0,0,0]");
	/* An enum value without an enumerator: the number. */
	memcpy(k + 28, &other, 4);
	CHECK_STR(text(&s, "proto", k, buf, sizeof(buf)), "99");
	/* A comm that is not text: escaped, never raw bytes. */
	memcpy(k + 4, "a\nb", 4);
	CHECK_STR(text(&s, "comm", k, buf, sizeof(buf)), "a\\x0ab");
	/* A buffer too small for the array: cut and said so. */
	CHECK_INT(field_text(schema_field(&s, "buckets"), k, buf, 8), -ENOSPC);
	CHECK(field_text_size(schema_field(&s, "buckets")) > strlen("[0,0,0,18446744073709551615]"));
	schema_free(&s);
}

/* Per-CPU values: numbers summed over the CPUs, the rest from the first. */
static void test_percpu(const struct test_btf *t)
{
	uint8_t slots[3][KEY_SIZE], out[KEY_SIZE];
	struct schema s;
	uint64_t b;
	uint32_t pid;

	CHECK_INT(schema_from_btf(t->btf, t->key, KEY_SIZE, &s), 0);
	for (int c = 0; c < 3; c++) {
		fill_key(slots[c]);
		slots[c][4] = (uint8_t)('x' + c);
	}
	schema_sum_percpu(&s, slots, KEY_SIZE, 3, out);
	memcpy(&pid, out, 4);
	CHECK_INT(pid, 3 * 4242);
	memcpy(&b, out + 56 + 3 * 8, 8);
	CHECK_U64(b, UINT64_MAX * 3); /* wraps, as the kernel's counters do */
	CHECK_INT(out[4], 'x');
	schema_free(&s);
}

int main(void)
{
	struct test_btf t;

	unit_start();
	CHECK_INT(test_btf_build(&t), 0);
	if (!t.btf)
		return UNIT_END();
	test_flatten(&t);
	test_sizes(&t);
	test_scalars(&t);
	test_from_size();
	test_enum_prefix(&t);
	test_format(&t);
	test_percpu(&t);
	btf__free(t.btf);
	return UNIT_END();
}
