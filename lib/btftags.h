/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The "ebpf:<key>=<value>" decl tags on a map's variable (bpf/ebpf_tags.h,
 * docs/tags.md), as the loader and the readers both find them: the loader
 * checks what the tags name, the readers present the map by them.
 */
#ifndef EBPF_BTFTAGS_H
#define EBPF_BTFTAGS_H

#include <stddef.h>

#define EBPF_TAG_PREFIX "ebpf:"

struct btf;

/* The id of the VAR named map_name in DATASEC ".maps"; -ENOENT if none. */
int btf_map_var_find(const struct btf *btf, const char *map_name);

/* fn(tag, ctx) for each "ebpf:" tag on map_name's variable, in BTF order,
 * with the prefix left out ("kind=counter"); stops at and returns the first
 * non-zero fn returns. 0 when the map has no variable or no tag. */
int btf_map_tags_foreach(const struct btf *btf, const char *map_name,
			 int (*fn)(const char *tag, void *ctx), void *ctx);

/* The value of the first "ebpf:<key>=" tag on map_name's variable, or NULL:
 * a string inside btf, valid as long as btf is. */
const char *btf_map_tag_value(const struct btf *btf, const char *map_name, const char *key);

/* The type a record=<name> tag names: a struct or union of that name, or a
 * typedef of one. Its id, or -ENOENT. */
int btf_record_type_find(const struct btf *btf, const char *name);

#endif
