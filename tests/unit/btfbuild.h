/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BTF built in memory with libbpf's btf__add_*(), as clang would emit it
 * for the C below: the subject of the schema, tags and decoder tests. No
 * object file, no kernel.
 *
 *	enum ip_proto { IP_PROTO_TCP = 6, IP_PROTO_UDP = 17 };
 *	struct pair { __u16 a, b; };
 *	typedef int delta_t;
 *	struct key {                        // 104 bytes
 *		__u32 pid;                  //   0
 *		char comm[16];              //   4: text
 *		struct pair in;             //  20: "in.a", "in.b"
 *		struct { __u32 x; };        //  24: anonymous: "_.x"
 *		enum ip_proto proto;        //  28
 *		__u32 flags : 3;            //  32: a bitfield, not presented
 *		_Bool ok;                   //  36
 *		__u8 addr[16];              //  37: bytes, 16 numbers
 *		__u64 buckets[4];           //  56
 *		delta_t delta;              //  88: through a typedef
 *		struct pair pairs[2];       //  92: "pairs[0].a" ... "pairs[1].b"
 *	};
 *	struct { struct key *key; } counts SEC(".maps") __tags(...);
 *	struct { int *type; } hist SEC(".maps") __tags(...);
 *	int not_a_map SEC(".data") __tag("ebpf:kind=gauge");
 */
#ifndef EBPF_UNIT_BTFBUILD_H
#define EBPF_UNIT_BTFBUILD_H

#include <bpf/btf.h>

#define KEY_SIZE 104u

struct test_btf {
	struct btf *btf;
	int u8, u16, u32, s32, u64, chr, boolean;
	int proto;      /* enum ip_proto */
	int pair;       /* struct pair */
	int key;        /* struct key */
	int counts;     /* VAR counts, in .maps */
	int hist;       /* VAR hist, in .maps */
};

/* Each ebpf:... tag on `counts`, in this order. */
static const char *const counts_tags[] = {
	"ebpf:kind=counter",
	"ebpf:help=Packets seen, by key",
	"ebpf:unit=seconds",
	"ebpf:scale=1e-9",
	"ebpf:label=proto",
	"ebpf:decode=addr:inet_ip",
	"ebpf:decode=addr:hex",         /* second for the same field: ignored */
	"ebpf:decode=pid",              /* no decoder: ignored */
	"ebpf:decode=proto:enum:ip_proto",
	"ebpf:hidden",
	"other:kind=gauge",             /* not ours */
};

static inline int add_key_struct(struct test_btf *t)
{
	struct btf *b = t->btf;
	int comm, anon, addr, buckets, delta, pairs, r = 0;

	comm = btf__add_array(b, t->u32, t->chr, 16);
	addr = btf__add_array(b, t->u32, t->u8, 16);
	buckets = btf__add_array(b, t->u32, t->u64, 4);
	pairs = btf__add_array(b, t->u32, t->pair, 2);
	delta = btf__add_typedef(b, "delta_t", t->s32);
	anon = btf__add_struct(b, NULL, 4);
	r |= btf__add_field(b, "x", t->u32, 0, 0);
	t->key = btf__add_struct(b, "key", KEY_SIZE);
	r |= btf__add_field(b, "pid", t->u32, 0, 0);
	r |= btf__add_field(b, "comm", comm, 4 * 8, 0);
	r |= btf__add_field(b, "in", t->pair, 20 * 8, 0);
	r |= btf__add_field(b, NULL, anon, 24 * 8, 0);
	r |= btf__add_field(b, "proto", t->proto, 28 * 8, 0);
	r |= btf__add_field(b, "flags", t->u32, 32 * 8, 3);
	r |= btf__add_field(b, "ok", t->boolean, 36 * 8, 0);
	r |= btf__add_field(b, "addr", addr, 37 * 8, 0);
	r |= btf__add_field(b, "buckets", buckets, 56 * 8, 0);
	r |= btf__add_field(b, "delta", delta, 88 * 8, 0);
	r |= btf__add_field(b, "pairs", pairs, 92 * 8, 0);
	return (r || comm < 0 || addr < 0 || buckets < 0 || pairs < 0 || delta < 0 || anon < 0 ||
		t->key < 0) ? -EINVAL : 0;
}

/* A map's VAR (a struct holding a pointer to its key type, as __type()
 * makes it), with its tags. */
static inline int add_map_var(struct test_btf *t, const char *name, int key_type,
			      const char *const *tags, size_t nr_tags)
{
	struct btf *b = t->btf;
	int ptr = btf__add_ptr(b, key_type), def, var, r = 0;

	def = btf__add_struct(b, NULL, 8);
	r |= btf__add_field(b, "key", ptr, 0, 0);
	var = btf__add_var(b, name, BTF_VAR_GLOBAL_ALLOCATED, def);
	for (size_t i = 0; i < nr_tags; i++)
		if (btf__add_decl_tag(b, tags[i], var, -1) < 0)
			r = -EINVAL;
	return (r || ptr < 0 || def < 0 || var < 0) ? -EINVAL : var;
}

static inline int test_btf_build(struct test_btf *t)
{
	static const char *const hist_tags[] = { "ebpf:kind=linear_histogram" };
	static const char *const data_tags[] = { "ebpf:kind=gauge" };
	struct btf *b = btf__new_empty();
	int r = 0, data_var, member_tag;

	memset(t, 0, sizeof(*t));
	if (!b)
		return -ENOMEM;
	t->btf = b;
	t->u8 = btf__add_int(b, "unsigned char", 1, 0);
	t->u16 = btf__add_int(b, "unsigned short", 2, 0);
	t->u32 = btf__add_int(b, "unsigned int", 4, 0);
	t->s32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	t->u64 = btf__add_int(b, "unsigned long long", 8, 0);
	t->chr = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	t->boolean = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
	t->proto = btf__add_enum(b, "ip_proto", 4);
	r |= btf__add_enum_value(b, "IP_PROTO_TCP", 6);
	r |= btf__add_enum_value(b, "IP_PROTO_UDP", 17);
	t->pair = btf__add_struct(b, "pair", 4);
	r |= btf__add_field(b, "a", t->u16, 0, 0);
	r |= btf__add_field(b, "b", t->u16, 16, 0);
	r |= add_key_struct(t);

	t->counts = add_map_var(t, "counts", t->key, counts_tags,
				sizeof(counts_tags) / sizeof(counts_tags[0]));
	t->hist = add_map_var(t, "hist", t->s32, hist_tags, 1);
	/* A tag on a member of the map's struct is not the map's. */
	member_tag = btf__add_decl_tag(b, "ebpf:unit=bytes", t->key, 0);
	data_var = btf__add_var(b, "not_a_map", BTF_VAR_GLOBAL_ALLOCATED, t->s32);
	if (data_var >= 0 && btf__add_decl_tag(b, data_tags[0], data_var, -1) < 0)
		r = -EINVAL;
	if (btf__add_datasec(b, ".maps", 16) < 0 ||
	    btf__add_datasec_var_info(b, t->counts, 0, 8) ||
	    btf__add_datasec_var_info(b, t->hist, 8, 8) ||
	    btf__add_datasec(b, ".data", 4) < 0 ||
	    btf__add_datasec_var_info(b, data_var, 0, 4))
		r = -EINVAL;
	if (r || t->u8 < 0 || t->u16 < 0 || t->u32 < 0 || t->s32 < 0 || t->u64 < 0 ||
	    t->chr < 0 || t->boolean < 0 || t->proto < 0 || t->pair < 0 || t->counts < 0 ||
	    t->hist < 0 || member_tag < 0 || data_var < 0) {
		btf__free(b);
		t->btf = NULL;
		return -EINVAL;
	}
	return 0;
}

#endif
