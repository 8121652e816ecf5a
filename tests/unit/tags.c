// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Tags on a map's variable (lib/btftags.c, readers/core/tags.c): found
 * on the VAR in ".maps" only, read into map_tags, and the field paths and
 * decoder names a decode tag may use. */
#include "btftags.h"
#include "reader.h"
#include "unit.h"
#include "btfbuild.h"

static void test_var_find(const struct test_btf *t)
{
	CHECK_INT(btf_map_var_find(t->btf, "counts"), t->counts);
	CHECK_INT(btf_map_var_find(t->btf, "hist"), t->hist);
	/* A variable outside ".maps" is no map, tags or not. */
	CHECK_INT(btf_map_var_find(t->btf, "not_a_map"), -ENOENT);
	CHECK_INT(btf_map_var_find(t->btf, "nothing"), -ENOENT);
}

static int collect(const char *tag, void *ctx)
{
	char *buf = ctx;

	strcat(buf, tag);
	strcat(buf, "|");
	return 0;
}

static int stop_at_unit(const char *tag, void *ctx)
{
	(*(int *)ctx)++;
	return strncmp(tag, "unit=", 5) ? 0 : 42;
}

static void test_foreach(const struct test_btf *t)
{
	char buf[1024] = "";
	int calls = 0;

	/* In BTF order, prefix left out; "other:" and the member's tag not. */
	CHECK_INT(btf_map_tags_foreach(t->btf, "counts", collect, buf), 0);
	CHECK_STR(buf, "kind=counter|help=Packets seen, by key|unit=seconds|scale=1e-9|"
		       "label=proto|decode=addr:inet_ip|decode=addr:hex|decode=pid|"
		       "decode=proto:enum:ip_proto|hidden|");
	CHECK_INT(btf_map_tags_foreach(t->btf, "counts", stop_at_unit, &calls), 42);
	CHECK_INT(calls, 3);
	buf[0] = '\0';
	CHECK_INT(btf_map_tags_foreach(t->btf, "not_a_map", collect, buf), 0);
	CHECK_STR(buf, "");
	CHECK_STR(btf_map_tag_value(t->btf, "counts", "help"), "Packets seen, by key");
	CHECK_STR(btf_map_tag_value(t->btf, "counts", "decode"), "addr:inet_ip");
	CHECK(btf_map_tag_value(t->btf, "counts", "hid") == NULL);
	CHECK(btf_map_tag_value(t->btf, "counts", "bucket_width") == NULL);
	CHECK(btf_map_tag_value(t->btf, "nothing", "kind") == NULL);
}

static void test_tags(const struct test_btf *t)
{
	struct map_tags h;

	CHECK_INT(tags_read(t->btf, "counts", &h), 0);
	CHECK_INT(h.kind, KIND_COUNTER);
	CHECK_STR(h.help, "Packets seen, by key");
	CHECK_STR(h.unit, "seconds");
	CHECK(h.scale == 1e-9);
	CHECK_STR(h.label, "proto");
	CHECK(h.hidden);
	/* The first decode tag of a field wins; one without a decoder is none. */
	CHECK_INT(h.nr_decode, 2);
	CHECK_STR(h.decode[0].field, "addr");
	CHECK_STR(h.decode[0].decoder, "inet_ip");
	CHECK_STR(h.decode[1].field, "proto");
	CHECK_STR(h.decode[1].decoder, "enum:ip_proto");

	CHECK_INT(tags_read(t->btf, "hist", &h), 0);
	CHECK_INT(h.kind, KIND_LINEAR_HIST);
	CHECK_U64(h.bucket_width, 1); /* untagged width: 1 */
	CHECK(!h.hidden);
	CHECK(h.scale == 1.0);

	/* No BTF (a classic map): no tags, scale 1. */
	CHECK_INT(tags_read(NULL, "counts", &h), 0);
	CHECK_INT(h.kind, KIND_NONE);
	CHECK(h.scale == 1.0);
	CHECK_INT(h.nr_decode, 0);
	CHECK_STR(metric_kind_name(KIND_LOG2_HIST), "log2_histogram");
	CHECK_STR(metric_kind_name(KIND_NONE), "untyped");
}

/* Tags with bad values leave the default: a map is shown, never refused. */
static void test_bad_values(void)
{
	static const char *const tags[] = {
		"ebpf:kind=bogus", "ebpf:scale=-1", "ebpf:scale=1e-3x", "ebpf:decode=:hex",
		"ebpf:decode=field:", "ebpf:kind", "ebpf:bucket_width=0x10",
	};
	struct test_btf t = { .btf = btf__new_empty() };
	struct map_tags h;
	int u32, var;

	if (!t.btf)
		return;
	u32 = btf__add_int(t.btf, "unsigned int", 4, 0);
	var = add_map_var(&t, "bad", u32, tags, sizeof(tags) / sizeof(tags[0]));
	CHECK(var > 0);
	CHECK(btf__add_datasec(t.btf, ".maps", 8) > 0);
	CHECK_INT(btf__add_datasec_var_info(t.btf, var, 0, 8), 0);
	CHECK_INT(tags_read(t.btf, "bad", &h), 0);
	CHECK_INT(h.kind, KIND_NONE);
	CHECK(h.scale == 1.0);
	CHECK_INT(h.nr_decode, 0);
	CHECK_U64(h.bucket_width, 16);
	btf__free(t.btf);
}

static void test_scale(void)
{
	/* 1/N divides: 1023 * 1e-6 is the double nearest 0.001023. */
	CHECK(scale_apply(1e-6, 1023) == 0.001023);
	CHECK(scale_apply(1.0, 7) == 7);
	CHECK(scale_apply(1024, 2) == 2048);
	CHECK(scale_apply(0.3, 10) == 0.3 * 10);
}

/* The paths a decode tag names, as the schema flattens them. */
static void test_field_find(const struct test_btf *t)
{
	CHECK_INT(btf_field_find(t->btf, t->key, "pid"), t->u32);
	CHECK_INT(btf_field_find(t->btf, t->key, "in.a"), t->u16);
	CHECK_INT(btf_field_find(t->btf, t->key, "_.x"), t->u32);
	CHECK_INT(btf_field_find(t->btf, t->key, "pairs[1].b"), t->u16);
	CHECK_INT(btf_field_find(t->btf, t->key, "proto"), t->proto);
	CHECK(btf_field_find(t->btf, t->key, "comm") > 0);
	CHECK(btf_field_find(t->btf, t->key, "delta") > 0);
	/* A struct is no leaf: its members are the fields. */
	CHECK_INT(btf_field_find(t->btf, t->key, "in"), -EISDIR);
	CHECK_INT(btf_field_find(t->btf, t->key, "pairs"), -EISDIR);
	CHECK_INT(btf_field_find(t->btf, t->key, "pairs[0]"), -EISDIR);
	/* Bitfields are not presented, so not named either. */
	CHECK_INT(btf_field_find(t->btf, t->key, "flags"), -ENOENT);
	CHECK_INT(btf_field_find(t->btf, t->key, "pairs[2].a"), -ENOENT);
	CHECK_INT(btf_field_find(t->btf, t->key, "pairs[1]x.a"), -ENOENT);
	CHECK_INT(btf_field_find(t->btf, t->key, "in."), -ENOENT);
	CHECK_INT(btf_field_find(t->btf, t->key, ".in"), -ENOENT);
	CHECK_INT(btf_field_find(t->btf, t->key, "in..a"), -ENOENT);
	CHECK_INT(btf_field_find(t->btf, t->key, "in.c"), -ENOENT);
	CHECK_INT(btf_field_find(t->btf, t->key, "pid.x"), -ENOENT);
	CHECK_INT(btf_field_find(t->btf, t->key, "nope"), -ENOENT);
}

static void test_types(const struct test_btf *t)
{
	CHECK_INT(btf_enum_find(t->btf, "ip_proto"), t->proto);
	CHECK_INT(btf_enum_find(t->btf, "pair"), -ENOENT);
	CHECK_INT(btf_record_type_find(t->btf, "pair"), t->pair);
	CHECK_INT(btf_record_type_find(t->btf, "ip_proto"), -ENOENT);
	/* A typedef counts when it names a struct, not an int. */
	CHECK_INT(btf_record_type_find(t->btf, "delta_t"), -ENOENT);
}

static void test_decoder_names(void)
{
	static const struct { const char *spec; bool known; } cases[] = {
		{ "inet_ip", true }, { "port", true }, { "hex", true }, { "syscall", true },
		{ "errno", true }, { "signal", true }, { "ksym", true }, { "kstack", true },
		{ "cgroup", true }, { "majorminor", true }, { "ifname", true },
		{ "enum:tcp_state", true },
		{ "enum", false }, { "enum:", false }, { "hex:x", false }, { "inet", false },
		{ "inet_ipx", false }, { "", false }, { "Hex", false }, { ":hex", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = ebpf_decoder_known(cases[i].spec);

		CHECK(got == cases[i].known);
		if (got != cases[i].known)
			fprintf(stderr, "    spec \"%s\"\n", cases[i].spec);
	}
	/* The loader's list and the readers' table are one list. */
	for (size_t i = 0; i < ebpf_nr_decoder_names; i++) {
		char spec[80];

		snprintf(spec, sizeof(spec), "%s%s", ebpf_decoder_names[i],
			 strcmp(ebpf_decoder_names[i], "enum") ? "" : ":x");
		CHECK(decoder_find(spec) != NULL);
	}
}

int main(void)
{
	struct test_btf t;

	unit_start();
	CHECK_INT(test_btf_build(&t), 0);
	if (!t.btf)
		return UNIT_END();
	test_var_find(&t);
	test_foreach(&t);
	test_tags(&t);
	test_bad_values();
	test_scale();
	test_field_find(&t);
	test_types(&t);
	test_decoder_names();
	btf__free(t.btf);
	return UNIT_END();
}
