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

const char *btf_map_tag_value(const struct btf *btf, const char *map_name, const char *key)
{
	size_t plen = strlen(EBPF_TAG_PREFIX), klen = strlen(key);
	int var = btf_map_var_find(btf, map_name);
	__u32 n = btf__type_cnt(btf);

	if (var < 0)
		return NULL;
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *tag;

		if (!btf_is_decl_tag(t) || t->type != (__u32)var ||
		    btf_decl_tag(t)->component_idx != -1)
			continue;
		tag = btf__name_by_offset(btf, t->name_off);
		if (tag && !strncmp(tag, EBPF_TAG_PREFIX, plen) &&
		    !strncmp(tag + plen, key, klen) && tag[plen + klen] == '=')
			return tag + plen + klen + 1;
	}
	return NULL;
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
