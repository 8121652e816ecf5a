// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Flat layouts of keys and values, compiled once per map from BTF, so that
 * decoding an entry is reading fixed offsets: no per-entry allocation. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "reader.h"
#include "util.h"

#define MAX_FIELDS 4096
#define MAX_UNROLL 64 /* arrays of structs: expanded up to this many */


static int add_field(struct schema *s, const struct field *f)
{
	struct field *nf;

	if (s->n >= MAX_FIELDS)
		return -E2BIG;
	nf = realloc(s->fields, (s->n + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	s->fields = nf;
	s->fields[s->n++] = *f;
	return 0;
}

static int add_simple(struct schema *s, const char *name, enum field_kind kind, uint32_t off,
		      uint32_t size, uint32_t count)
{
	struct field f = { .kind = kind, .offset = off, .size = size, .count = count };

	strscpy(f.name, name, sizeof(f.name));
	return add_field(s, &f);
}

static const char *enumerator_name(const struct btf *btf, const struct btf_type *t, uint16_t i)
{
	return btf__name_by_offset(btf, btf_is_enum(t) ? btf_enum(t)[i].name_off
						       : btf_enum64(t)[i].name_off);
}

/* How many enumerators start with the len bytes of prefix. */
static uint16_t sharing(const struct btf *btf, const struct btf_type *t, const char *prefix,
			size_t len)
{
	uint16_t n = 0;

	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		const char *name = enumerator_name(btf, t, i);

		n += name && strlen(name) > len && !strncmp(name, prefix, len);
	}
	return n;
}

/* Candidates tried for the prefix most enumerators share: a kernel enum
 * can have thousands, and its exceptions are a few, near the start. */
#define ENUM_PREFIX_CANDIDATES 16

/*
 * The enumerator prefixes to leave out (always cut after a '_'): common,
 * the one every name has, and most, the longest one at least 90 % of them
 * have, which is what a name shows without when it has it. So the kernel's
 * skb_drop_reason, whose SKB_NOT_DROPPED_YET and SKB_CONSUMED stand beside
 * a hundred SKB_DROP_REASON_*, shows no_socket and consumed alike. A name
 * always keeps something to show.
 */
static void enum_prefixes(const struct btf *btf, const struct btf_type *t, uint16_t *common,
			  const char **most, uint16_t *most_len)
{
	uint16_t vlen = btf_vlen(t), need = (uint16_t)((vlen * 9 + 9) / 10);
	size_t all = SIZE_MAX, best = 0, j;
	const char *first = NULL, *best_name = NULL, *name;

	*common = *most_len = 0;
	*most = NULL;
	for (uint16_t i = 0; i < vlen; i++) {
		name = enumerator_name(btf, t, i);
		if (!name)
			return;
		if (!first) {
			first = name;
			all = strlen(name);
			continue;
		}
		for (j = 0; j < all && name[j] == first[j]; j++)
			;
		all = j;
	}
	if (!first || all == SIZE_MAX)
		return;
	while (all > 0 && first[all - 1] != '_')
		all--;
	*common = all < strlen(first) ? (uint16_t)all : 0;
	for (uint16_t i = 0; i < vlen && i < ENUM_PREFIX_CANDIDATES; i++) {
		name = enumerator_name(btf, t, i);
		for (j = strlen(name); j-- > 0;) {
			if (name[j] != '_' || j + 1 <= best || j + 1 >= strlen(name))
				continue;
			if (sharing(btf, t, name, j + 1) >= need) {
				best = j + 1;
				best_name = name;
				break;
			}
		}
	}
	if (best > *common && best_name && best <= UINT16_MAX) {
		*most = best_name;
		*most_len = (uint16_t)best;
	}
}

void enum_strip_init(struct field *f)
{
	const struct btf_type *t = f->btf ? btf__type_by_id(f->btf, f->enum_id) : NULL;

	f->strip = f->strip_most_len = 0;
	f->strip_most = NULL;
	if (t && (btf_is_enum(t) || btf_is_enum64(t)))
		enum_prefixes(f->btf, t, &f->strip, &f->strip_most, &f->strip_most_len);
}

static bool is_char_int(const struct btf *btf, const struct btf_type *t)
{
	const char *name;

	if (!btf_is_int(t) || t->size != 1)
		return false;
	if (btf_int_encoding(t) & BTF_INT_CHAR)
		return true;
	/* "char" is text (comm, filename); __u8 ("unsigned char") is bytes. */
	name = btf__name_by_offset(btf, t->name_off);
	return name && !strcmp(name, "char");
}

static int flatten(const struct btf *btf, uint32_t id, uint32_t off, const char *name,
		   struct schema *s, int depth);

static int flatten_array(const struct btf *btf, const struct btf_type *t, uint32_t off,
			 const char *name, struct schema *s, int depth)
{
	const struct btf_array *a = btf_array(t);
	uint32_t elem_id = btf__resolve_type(btf, a->type);
	const struct btf_type *et = btf__type_by_id(btf, elem_id);
	__s64 esize = btf__resolve_size(btf, elem_id);
	char sub[sizeof(((struct field *)0)->name)];
	uint32_t i;
	int r;

	if (!et || esize <= 0)
		return add_simple(s, name, FIELD_HEX, off, t->size, 1);
	if (is_char_int(btf, et))
		return add_simple(s, name, FIELD_STRING, off, a->nelems, 1);
	if (btf_is_int(et) || btf_is_enum(et) || btf_is_enum64(et)) {
		r = flatten(btf, elem_id, off, name, s, depth + 1);
		if (r == 0 && s->n)
			s->fields[s->n - 1].count = a->nelems;
		return r;
	}
	if (a->nelems > MAX_UNROLL)
		return add_simple(s, name, FIELD_HEX, off, (uint32_t)(esize * a->nelems), 1);
	for (i = 0; i < a->nelems; i++) {
		snprintf(sub, sizeof(sub), "%s[%u]", name, i);
		r = flatten(btf, elem_id, off + i * (uint32_t)esize, sub, s, depth + 1);
		if (r)
			return r;
	}
	return 0;
}

static void member_name(char *buf, size_t size, const char *prefix, const char *member)
{
	if (!member || !*member)
		member = "_";
	if (prefix && *prefix)
		snprintf(buf, size, "%s.%s", prefix, member);
	else
		snprintf(buf, size, "%s", member);
}

static int flatten(const struct btf *btf, uint32_t id, uint32_t off, const char *name,
		   struct schema *s, int depth)
{
	const struct btf_type *t;
	char sub[sizeof(((struct field *)0)->name)];
	int r;

	if (depth > 16)
		return -ELOOP;
	id = btf__resolve_type(btf, id);
	t = btf__type_by_id(btf, id);
	if (!t)
		return -EINVAL;

	if (btf_is_int(t)) {
		enum field_kind k = (btf_int_encoding(t) & BTF_INT_BOOL) ? FIELD_BOOL :
				    (btf_int_encoding(t) & BTF_INT_SIGNED) ? FIELD_INT : FIELD_UINT;

		if (t->size > 8)
			k = FIELD_HEX;
		return add_simple(s, name, k, off, t->size, 1);
	}
	if (btf_is_enum(t) || btf_is_enum64(t)) {
		struct field f = { .kind = FIELD_ENUM, .offset = off, .size = t->size,
				   .count = 1, .btf = btf, .enum_id = id };

		/* Enums are signed in C; BTF says so (kflag) since Linux 6.0. */
		strscpy(f.name, name, sizeof(f.name));
		enum_strip_init(&f);
		return add_field(s, &f);
	}
	if (btf_is_ptr(t))
		return add_simple(s, name, FIELD_UINT, off, 8, 1);
	if (btf_is_array(t))
		return flatten_array(btf, t, off, name, s, depth);
	if (btf_is_struct(t)) {
		const struct btf_member *m = btf_members(t);

		for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
			uint32_t bits = btf_member_bit_offset(t, i);

			if (btf_member_bitfield_size(t, i) || bits % 8)
				continue; /* bitfields: not presented */
			member_name(sub, sizeof(sub), name, btf__name_by_offset(btf, m->name_off));
			r = flatten(btf, m->type, off + bits / 8, sub, s, depth + 1);
			if (r)
				return r;
		}
		return 0;
	}
	if (btf_is_datasec(t)) {
		const struct btf_var_secinfo *v = btf_var_secinfos(t);

		for (uint16_t i = 0; i < btf_vlen(t); i++, v++) {
			const struct btf_type *var = btf__type_by_id(btf, v->type);

			if (!var || !btf_is_var(var))
				continue;
			member_name(sub, sizeof(sub), name, btf__name_by_offset(btf, var->name_off));
			r = flatten(btf, var->type, off + v->offset, sub, s, depth + 1);
			if (r)
				return r;
		}
		return 0;
	}
	/* unions, floats, anything else: bytes */
	r = (int)btf__resolve_size(btf, id);
	return add_simple(s, name, FIELD_HEX, off, r > 0 ? (uint32_t)r : 0, 1);
}

int schema_from_btf(const struct btf *btf, uint32_t type_id, uint32_t size, struct schema *s)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->size = size;
	r = flatten(btf, type_id, 0, "", s, 0);
	if (r) {
		schema_free(s);
		return r;
	}
	/* A field past the end would read outside the buffer: refuse BTF that
	 * does not match the map's sizes. */
	for (size_t i = 0; i < s->n; i++) {
		const struct field *f = &s->fields[i];

		if ((uint64_t)f->offset + (uint64_t)f->size * (f->count ? f->count : 1) > size) {
			schema_free(s);
			return -EPROTO;
		}
	}
	s->scalar = s->n == 1 && !s->fields[0].name[0];
	return 0;
}

int schema_from_size(uint32_t size, struct schema *s)
{
	memset(s, 0, sizeof(*s));
	s->size = size;
	s->scalar = true;
	if (size == 1 || size == 2 || size == 4 || size == 8)
		return add_simple(s, "", FIELD_UINT, 0, size, 1);
	if (size && size % 8 == 0)
		return add_simple(s, "", FIELD_UINT, 0, 8, size / 8);
	if (size && size % 4 == 0)
		return add_simple(s, "", FIELD_UINT, 0, 4, size / 4);
	return add_simple(s, "", FIELD_HEX, 0, size, 1);
}

void schema_free(struct schema *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->fields[i].dec && s->fields[i].dec->stack && s->fields[i].dec_fd >= 0)
			close(s->fields[i].dec_fd);
	free(s->fields);
	memset(s, 0, sizeof(*s));
}

int schema_set_enum(struct schema *s, const struct btf *btf, const char *enum_name)
{
	int id;

	if (!s->scalar || (s->fields[0].kind != FIELD_UINT && s->fields[0].kind != FIELD_INT))
		return -EINVAL;
	id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM);
	if (id < 0)
		id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM64);
	if (id < 0)
		return id;
	s->fields[0].kind = FIELD_ENUM;
	s->fields[0].btf = btf;
	s->fields[0].enum_id = id;
	enum_strip_init(&s->fields[0]);
	return 0;
}

const struct field *schema_field(const struct schema *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->fields[i].name, name))
			return &s->fields[i];
	return NULL;
}

bool field_is_numeric(const struct field *f)
{
	return f->kind == FIELD_UINT || f->kind == FIELD_INT;
}

uint64_t field_u64(const struct field *f, const void *data, uint32_t idx)
{
	const uint8_t *p = (const uint8_t *)data + f->offset + (size_t)idx * f->size;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (f->size) {
	case 1: memcpy(&v8, p, 1); return v8;
	case 2: memcpy(&v16, p, 2); return v16;
	case 4: memcpy(&v32, p, 4); return v32;
	case 8: memcpy(&v64, p, 8); return v64;
	default: return 0;
	}
}

int64_t field_s64(const struct field *f, const void *data, uint32_t idx)
{
	uint64_t v = field_u64(f, data, idx);

	switch (f->size) {
	case 1: return (int8_t)v;
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	default: return (int64_t)v;
	}
}

double field_number(const struct field *f, const void *data, uint32_t idx)
{
	return f->kind == FIELD_INT ? (double)field_s64(f, data, idx)
				    : (double)field_u64(f, data, idx);
}

const char *field_enum_name(const struct field *f, int64_t v, char *buf, size_t size)
{
	const struct btf_type *t = btf__type_by_id(f->btf, f->enum_id);
	const char *name = NULL;
	size_t i, len;

	if (!t)
		return NULL;
	for (uint16_t k = 0; k < btf_vlen(t) && !name; k++) {
		if (btf_is_enum(t)) {
			if ((uint32_t)btf_enum(t)[k].val == (uint32_t)v)
				name = btf__name_by_offset(f->btf, btf_enum(t)[k].name_off);
		} else if ((int64_t)btf_enum64_value(&btf_enum64(t)[k]) == v) {
			name = btf__name_by_offset(f->btf, btf_enum64(t)[k].name_off);
		}
	}
	if (!name)
		return NULL;
	len = strlen(name);
	if (f->strip_most && len > f->strip_most_len && !strncmp(name, f->strip_most, f->strip_most_len))
		name += f->strip_most_len;
	else
		name += f->strip <= len ? f->strip : 0;
	for (i = 0; name[i] && i + 1 < size; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	return buf;
}

static void field_put_u64(const struct field *f, void *data, uint32_t idx, uint64_t v)
{
	uint8_t *p = (uint8_t *)data + f->offset + (size_t)idx * f->size;
	uint8_t v8 = v;
	uint16_t v16 = v;
	uint32_t v32 = v;

	switch (f->size) {
	case 1: memcpy(p, &v8, 1); break;
	case 2: memcpy(p, &v16, 2); break;
	case 4: memcpy(p, &v32, 4); break;
	case 8: memcpy(p, &v, 8); break;
	}
}

void schema_sum_percpu(const struct schema *s, const void *slots, size_t stride, int nr_cpus,
		       void *out)
{
	const uint8_t *base = slots;

	memcpy(out, base, s->size);
	for (size_t i = 0; i < s->n; i++) {
		const struct field *f = &s->fields[i];
		uint32_t count = f->count ? f->count : 1;

		if (!field_is_numeric(f))
			continue;
		for (uint32_t k = 0; k < count; k++) {
			uint64_t sum = 0;

			/* Wrapping sum is right for signed two's complement too. */
			for (int c = 0; c < nr_cpus; c++)
				sum += field_u64(f, base + (size_t)c * stride, k);
			field_put_u64(f, out, k, sum);
		}
	}
}
