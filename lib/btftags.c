// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "btftags.h"

int btf_map_var_find(const struct btf *btf, const char *map_name)
{
	__u32 n = btf__type_cnt(btf);

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *v;
		const char *name;

		if (!btf_is_datasec(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (!name || strcmp(name, ".maps"))
			continue;
		v = btf_var_secinfos(t);
		for (__u16 i = 0; i < btf_vlen(t); i++, v++) {
			const struct btf_type *var = btf__type_by_id(btf, v->type);
			const char *vname = var ? btf__name_by_offset(btf, var->name_off) : NULL;

			if (vname && !strcmp(vname, map_name))
				return (int)v->type;
		}
	}
	return -ENOENT;
}

int btf_map_tags_foreach(const struct btf *btf, const char *map_name,
			 int (*fn)(const char *tag, void *ctx), void *ctx)
{
	size_t plen = strlen(EBPF_TAG_PREFIX);
	int var = btf_map_var_find(btf, map_name), r;
	__u32 n = btf__type_cnt(btf);

	if (var < 0)
		return 0;
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *tag;

		if (!btf_is_decl_tag(t) || t->type != (__u32)var ||
		    btf_decl_tag(t)->component_idx != -1)
			continue;
		tag = btf__name_by_offset(btf, t->name_off);
		if (tag && !strncmp(tag, EBPF_TAG_PREFIX, plen) && (r = fn(tag + plen, ctx)))
			return r;
	}
	return 0;
}

struct tag_find {
	const char *key;
	const char *value;
};

static int tag_match(const char *tag, void *ctx)
{
	struct tag_find *f = ctx;
	size_t klen = strlen(f->key);

	if (strncmp(tag, f->key, klen) || tag[klen] != '=')
		return 0;
	f->value = tag + klen + 1;
	return 1;
}

const char *btf_map_tag_value(const struct btf *btf, const char *map_name, const char *key)
{
	struct tag_find f = { .key = key };

	btf_map_tags_foreach(btf, map_name, tag_match, &f);
	return f.value;
}

int btf_record_type_find(const struct btf *btf, const char *name)
{
	static const int kinds[] = { BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_TYPEDEF };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int id = btf__find_by_name_kind(btf, name, kinds[i]);
		const struct btf_type *t;

		if (id <= 0)
			continue;
		if (kinds[i] != BTF_KIND_TYPEDEF)
			return id;
		/* A typedef counts only if it names a struct or union. */
		t = btf__type_by_id(btf, btf__resolve_type(btf, id));
		if (t && btf_is_composite(t))
			return id;
	}
	return -ENOENT;
}

int btf_enum_find(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM);

	if (id < 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM64);
	return id < 0 ? -ENOENT : id;
}

/* Strip typedefs and modifiers, as the readers' flattening does. */
static const struct btf_type *resolved(const struct btf *btf, __u32 *id)
{
	int r = btf__resolve_type(btf, *id);

	if (r < 0)
		return NULL;
	*id = (__u32)r;
	return btf__type_by_id(btf, *id);
}

/* One path segment: a member of a struct ("_" for an anonymous one),
 * possibly followed by "[i]" for an element of an array of structs. */
static int member_step(const struct btf *btf, __u32 *id, const char *seg, size_t len)
{
	const struct btf_type *t = resolved(btf, id);
	const char *bracket = memchr(seg, '[', len);
	size_t nlen = bracket ? (size_t)(bracket - seg) : len;
	const struct btf_member *m;

	if (!t || !btf_is_struct(t))
		return -ENOENT;
	m = btf_members(t);
	for (__u16 i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (!name || !*name)
			name = "_";
		if (strlen(name) != nlen || strncmp(name, seg, nlen))
			continue;
		if (btf_member_bitfield_size(t, i) || btf_member_bit_offset(t, i) % 8)
			return -ENOENT; /* bitfields are not presented */
		*id = m->type;
		if (!bracket)
			return 0;
		/* "name[i]": an element of an array of structs. */
		char *end;
		unsigned long idx = strtoul(bracket + 1, &end, 10);
		const struct btf_type *a = resolved(btf, id);

		if (end != seg + len - 1 || *end != ']' || !a || !btf_is_array(a) ||
		    idx >= btf_array(a)->nelems)
			return -ENOENT;
		*id = btf_array(a)->type;
		return 0;
	}
	return -ENOENT;
}

int btf_field_find(const struct btf *btf, __u32 type_id, const char *path)
{
	__u32 id = type_id;
	const struct btf_type *t;

	for (const char *seg = path; *seg;) {
		const char *dot = strchr(seg, '.');
		size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
		int r;

		if (!len)
			return -ENOENT;
		r = member_step(btf, &id, seg, len);
		if (r)
			return r;
		seg += len + (dot ? 1 : 0);
		if (dot && !*seg)
			return -ENOENT;
	}
	t = resolved(btf, &id);
	if (!t)
		return -ENOENT;
	if (btf_is_struct(t))
		return -EISDIR;
	if (btf_is_array(t)) {
		__u32 elem = btf_array(t)->type;
		const struct btf_type *e = resolved(btf, &elem);

		if (e && btf_is_struct(e))
			return -EISDIR;
	}
	return (int)id;
}

const char *const ebpf_decoder_names[] = {
	"inet_ip", "port", "hex", "enum", "syscall", "errno", "signal",
	"ksym", "kstack", "cgroup", "majorminor", "ifname", "argv",
};
const size_t ebpf_nr_decoder_names = sizeof(ebpf_decoder_names) / sizeof(ebpf_decoder_names[0]);

bool ebpf_decoder_known(const char *spec)
{
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);

	for (size_t i = 0; i < ebpf_nr_decoder_names; i++) {
		const char *n = ebpf_decoder_names[i];

		if (strlen(n) != len || strncmp(n, spec, len))
			continue;
		/* enum needs an argument, argv may have one (its size field),
		 * the others take none. */
		if (!strcmp(n, "enum"))
			return colon && colon[1];
		if (!strcmp(n, "argv"))
			return !colon || colon[1];
		return !colon;
	}
	return false;
}
