// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
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
