// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The stream's hand-written protobuf (readers/stream/pbwire.h): each
 * helper's bytes against protobuf-c's packing of the same message. */
#include <stdlib.h>
#include "ebpf_stream.pb-c.h"
#include "pbwire.h"
#include "unit.h"
#include "btfbuild.h"

typedef Ebpf__Stream__V1__Value Value;
typedef Ebpf__Stream__V1__Field Field;

static uint8_t ref[4096];

static size_t pack_value(const Value *v)
{
	return ebpf__stream__v1__value__pack(v, ref);
}

static size_t pack_field(const Field *f)
{
	return ebpf__stream__v1__field__pack(f, ref);
}

static const uint64_t u64s[] = {
	0, 1, 127, 128, 255, 300, 16383, 16384, UINT32_MAX, (uint64_t)UINT32_MAX + 1,
	1ull << 56, (1ull << 63) - 1, 1ull << 63, UINT64_MAX,
};
static const int64_t s64s[] = {
	0, 1, -1, 63, -64, 64, -65, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN,
};
#define NR(a) (sizeof(a) / sizeof((a)[0]))

/* Value{u}: its tag, then the varint; put_varint() and back_varint()
 * write that varint forwards and backwards. */
static void test_varint(void)
{
	for (size_t i = 0; i < NR(u64s); i++) {
		Value v = EBPF__STREAM__V1__VALUE__INIT;
		uint8_t fwd[16], back[16], *p = back + sizeof(back);
		size_t n, fn;

		v.v_case = EBPF__STREAM__V1__VALUE__V_U;
		v.u = u64s[i];
		n = pack_value(&v);
		fn = (size_t)(put_varint(fwd, u64s[i]) - fwd);
		p = back_varint(p, u64s[i]);
		CHECK_MEM(fwd, fn, ref + 1, n - 1);
		CHECK_MEM(p, (size_t)(back + sizeof(back) - p), ref + 1, n - 1);
		CHECK_INT(varint_len(u64s[i]), n - 1);
	}
}

/* Value{i} is a sint64: zigzag, then a varint. */
static void test_zigzag(void)
{
	for (size_t i = 0; i < NR(s64s); i++) {
		Value v = EBPF__STREAM__V1__VALUE__INIT;
		uint8_t fwd[16];
		size_t n, fn;

		v.v_case = EBPF__STREAM__V1__VALUE__V_I;
		v.i = s64s[i];
		n = pack_value(&v);
		fn = (size_t)(put_varint(fwd, zigzag(s64s[i])) - fwd);
		CHECK_MEM(fwd, fn, ref + 1, n - 1);
	}
	CHECK_U64(zigzag(-1), 1);
	CHECK_U64(zigzag(INT64_MIN), UINT64_MAX);
}

/* pack_string() appends Field.name as protobuf-c writes it; an empty
 * string is left out, as proto3 does. */
static void test_string(void)
{
	static const char long_name[] =
		"a name longer than one hundred and twenty-seven bytes, so that its length "
		"takes a varint of two bytes, which is the case to test here .....";
	static const char *const names[] = { "", "a", "comm", long_name };
	const uint8_t name_tag = 1 << 3 | 2; /* Field.name = 1, length-delimited */

	for (size_t i = 0; i < NR(names); i++) {
		Field f = EBPF__STREAM__V1__FIELD__INIT;
		struct strbuf sb = {};
		size_t n;

		f.name = (char *)names[i];
		n = pack_field(&f);
		pack_string(&sb, name_tag, names[i]);
		CHECK_MEM(sb.buf, sb.len, ref, n);
		CHECK_INT(delim_len(strlen(names[i])), strlen(names[i]) ? n : 2);
		sb_free(&sb);
	}
}

/* Field.values of f from data: back_field_values() against protobuf-c,
 * and field_values_size() against both. */
static void check_values(const struct field *f, const uint8_t *data, Value **vals, size_t nv,
			 int line)
{
	Field msg = EBPF__STREAM__V1__FIELD__INIT;
	uint8_t out[4096], *end = out + sizeof(out), *p;
	size_t n;

	msg.n_values = nv;
	msg.values = vals;
	n = pack_field(&msg);
	p = back_field_values(end, f, data);
	unit_mem(p, (size_t)(end - p), ref, n, __FILE__, line, "back_field_values() == protobuf-c");
	CHECK_INT(field_values_size(f, data), n);
	CHECK(field_bound(f, 0) >= n);
}

static void test_values(const struct test_btf *t)
{
	uint8_t data[64] = { 0 };
	Value v[4], *vp[4];
	uint64_t u[3] = { 0, 300, UINT64_MAX };
	int16_t s16 = -2;
	uint32_t e = 17;

	for (int i = 0; i < 4; i++) {
		ebpf__stream__v1__value__init(&v[i]);
		vp[i] = &v[i];
	}
	/* An array of u64, a zero among them: still written, it is a oneof. */
	memcpy(data, u, sizeof(u));
	struct field fu = { .kind = FIELD_UINT, .offset = 0, .size = 8, .count = 3 };
	for (int i = 0; i < 3; i++) {
		v[i].v_case = EBPF__STREAM__V1__VALUE__V_U;
		v[i].u = u[i];
	}
	check_values(&fu, data, vp, 3, __LINE__);

	memcpy(data + 24, &s16, 2);
	struct field fi = { .kind = FIELD_INT, .offset = 24, .size = 2, .count = 1 };
	v[0].v_case = EBPF__STREAM__V1__VALUE__V_I;
	v[0].i = -2;
	check_values(&fi, data, vp, 1, __LINE__);

	data[26] = 1;
	data[27] = 0;
	struct field fb = { .kind = FIELD_BOOL, .offset = 26, .size = 1, .count = 2 };
	v[0].v_case = v[1].v_case = EBPF__STREAM__V1__VALUE__V_FLAG;
	v[0].flag = 1;
	v[1].flag = 0;
	check_values(&fb, data, vp, 2, __LINE__);

	/* An enum: its name when it has one, else the number as Value.i. */
	memcpy(data + 28, &e, 4);
	struct field fe = { .kind = FIELD_ENUM, .offset = 28, .size = 4, .count = 1,
			    .btf = t->btf, .enum_id = t->proto };
	enum_strip_init(&fe);
	v[0].v_case = EBPF__STREAM__V1__VALUE__V_S;
	v[0].s = "udp";
	check_values(&fe, data, vp, 1, __LINE__);
	e = 99;
	memcpy(data + 28, &e, 4);
	v[0].v_case = EBPF__STREAM__V1__VALUE__V_I;
	v[0].i = 99;
	check_values(&fe, data, vp, 1, __LINE__);

	/* A string up to its NUL; bytes that are not text escaped. */
	memcpy(data + 32, "bash\0zzz", 8);
	struct field fs = { .kind = FIELD_STRING, .offset = 32, .size = 16, .count = 1 };
	v[0].v_case = EBPF__STREAM__V1__VALUE__V_S;
	v[0].s = "bash";
	check_values(&fs, data, vp, 1, __LINE__);
	memcpy(data + 32, "a\tb\\", 5);
	v[0].s = "a\\x09b\\\\";
	check_values(&fs, data, vp, 1, __LINE__);

	/* Bytes as they are. */
	struct field fh = { .kind = FIELD_HEX, .offset = 48, .size = 6, .count = 1 };
	memcpy(data + 48, "\x00\xff\x10\x00\x00\x01", 6);
	v[0].v_case = EBPF__STREAM__V1__VALUE__V_B;
	v[0].b.data = data + 48;
	v[0].b.len = 6;
	check_values(&fh, data, vp, 1, __LINE__);
}

/* Field.decoded: one string per element, "" where the decoder could not
 * map it. */
static void test_decoded(void)
{
	Field msg = EBPF__STREAM__V1__FIELD__INIT;
	struct field f = { .kind = FIELD_INT, .offset = 0, .size = 4, .count = 3,
			   .dec = decoder_find("errno"), .dec_fd = -1 };
	int32_t errs[3] = { -ENOENT, 4000, EPERM };
	char *texts[3] = { "ENOENT", "", "EPERM" };
	uint8_t out[4096], *end = out + sizeof(out), *p;
	static char buf[DECODED_MAX];
	size_t n;

	msg.n_decoded = 3;
	msg.decoded = texts;
	n = pack_field(&msg);
	p = back_field_decoded(end, &f, (const uint8_t *)errs, buf);
	CHECK_MEM(p, (size_t)(end - p), ref, n);
	CHECK_INT(field_decoded_size(&f, (const uint8_t *)errs, buf), n);
	f.dec = NULL;
	CHECK(back_field_decoded(end, &f, (const uint8_t *)errs, buf) == end);
}

int main(void)
{
	struct test_btf t;

	unit_start();
	test_varint();
	test_zigzag();
	test_string();
	test_decoded();
	CHECK_INT(test_btf_build(&t), 0);
	if (t.btf) {
		test_values(&t);
		btf__free(t.btf);
	}
	return UNIT_END();
}
