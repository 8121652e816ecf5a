/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The "ebpf:<key>=<value>" decl tags on a map's variable (bpf/ebpf_tags.h,
 * docs/tags.md), as the loader and the readers both find them: the loader
 * checks what the tags name, the readers present the map by them.
 */
#ifndef EBPF_BTFTAGS_H
#define EBPF_BTFTAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

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

/* The id of the enum (or enum64) named name; -ENOENT if none. */
int btf_enum_find(const struct btf *btf, const char *name);

/* The leaf a decode tag's field path names inside type_id, as the readers
 * flatten it (docs/tags.md): members joined with ".", an anonymous member
 * as "_", an element of an array of structs as "name[i]". The leaf's type
 * id; -ENOENT when no such field, -EISDIR when the path stops at a struct
 * (its members are the fields). */
int btf_field_find(const struct btf *btf, __u32 type_id, const char *path);

/* The decoders the readers know, as a decode tag spells them ("enum" for
 * enum:<name>): the loader refuses a tag naming another. */
extern const char *const ebpf_decoder_names[];
extern const size_t ebpf_nr_decoder_names;

/* Whether spec names a known decoder; enum wants a non-empty ":<name>". */
bool ebpf_decoder_known(const char *spec);

#endif
