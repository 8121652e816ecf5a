// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The table of decoders, and their binding to a map's fields: the
 * ebpf:decode tags are matched to schema fields once, when the map is
 * opened, so that decoding an entry is one indirect call per field. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "btftags.h"
#include "decoder.h"
#include "reader.h"
#include "util.h"

static const struct decoder decoders[] = {
	{ .name = "inet_ip", .fn = dec_inet_ip, .whole = true, .plain = true },
	{ .name = "port", .fn = dec_port, .plain = true },
	{ .name = "hex", .fn = dec_hex, .whole = true, .plain = true },
	{ .name = "argv", .fn = dec_argv, .whole = true },
	{ .name = "enum", .fn = dec_enum, .arg = true },
	{ .name = "syscall", .fn = dec_syscall, .plain = true },
	{ .name = "errno", .fn = dec_errno, .plain = true },
	{ .name = "signal", .fn = dec_signal, .plain = true },
	{ .name = "ksym", .fn = dec_ksym },
	{ .name = "kstack", .fn = dec_kstack, .stack = true },
	{ .name = "cgroup", .fn = dec_cgroup },
	{ .name = "majorminor", .fn = dec_majorminor },
	{ .name = "ifname", .fn = dec_ifname },
};

const struct decoder *decoder_find(const char *spec)
{
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);

	/* The spelling rule is the one the loader checks tags by. */
	if (!ebpf_decoder_known(spec))
		return NULL;
	for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
		const struct decoder *d = &decoders[i];

		if (strlen(d->name) == len && !strncmp(d->name, spec, len))
			return d;
	}
	return NULL;
}

int dec_uint(const uint8_t *p, size_t len, uint64_t *v)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	switch (len) {
	case 1: memcpy(&v8, p, 1); *v = v8; return 0;
	case 2: memcpy(&v16, p, 2); *v = v16; return 0;
	case 4: memcpy(&v32, p, 4); *v = v32; return 0;
	case 8: memcpy(v, p, 8); return 0;
	default: return -EINVAL;
	}
}

int dec_int(const uint8_t *p, size_t len, int64_t *v)
{
	uint64_t u;
	int r = dec_uint(p, len, &u);

	if (r)
		return r;
	switch (len) {
	case 1: *v = (int8_t)u; break;
	case 2: *v = (int16_t)u; break;
	case 4: *v = (int32_t)u; break;
	default: *v = (int64_t)u; break;
	}
	return 0;
}

int dec_copy(const char *name, char *buf, size_t size)
{
	size_t len = strlen(name);

	if (len >= size) {
		if (size)
			buf[0] = '\0';
		return -ENOSPC;
	}
	memcpy(buf, name, len + 1);
	return 0;
}

/* The backend's stack trace map, opened read-only from the directory the
 * map is pinned in; -ENOENT when it has none. */
static int open_stack_map(const char *map_path)
{
	char dir[PATH_MAX], path[PATH_MAX];
	const char *slash = strrchr(map_path, '/');
	struct dirent *de;
	int fd = -ENOENT;
	DIR *d;

	if (!slash || (size_t)(slash - map_path) >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, map_path, (size_t)(slash - map_path));
	dir[slash - map_path] = '\0';
	d = opendir(dir);
	if (!d)
		return -errno;
	while (fd < 0 && (de = readdir(d))) {
		LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int cand;

		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		cand = bpf_obj_get_opts(path, &opts);
		if (cand < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(cand, &info, &len) &&
		    info.type == BPF_MAP_TYPE_STACK_TRACE)
			fd = cand;
		else
			close(cand);
	}
	closedir(d);
	return fd;
}

/* The field a decode tag names: "key"/"value" for a scalar, else a field
 * name in the key, then in the value. */
static struct field *tagged_field(struct schema *key, struct schema *value, const char *name)
{
	struct schema *ss[] = { key, value };

	if (!strcmp(name, "key") && key && key->scalar)
		return &key->fields[0];
	if (!strcmp(name, "value") && value && value->scalar)
		return &value->fields[0];
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; ss[k] && i < ss[k]->n; i++)
			if (ss[k]->fields[i].name[0] && !strcmp(ss[k]->fields[i].name, name))
				return &ss[k]->fields[i];
	return NULL;
}

/* The field named name in the same schema as f (key, value or record):
 * an integer of 1, 2, 4 or 8 bytes; NULL if there is none. */
static const struct field *sibling_uint(const struct schema *key, const struct schema *value,
					const struct field *f, const char *name)
{
	const struct schema *ss[2] = { key, value };

	for (size_t k = 0; k < 2; k++) {
		if (!ss[k] || f < ss[k]->fields || f >= ss[k]->fields + ss[k]->n)
			continue;
		for (size_t i = 0; i < ss[k]->n; i++) {
			const struct field *g = &ss[k]->fields[i];

			if (g != f && !strcmp(g->name, name) && g->kind == FIELD_UINT &&
			    g->count <= 1 && (g->size == 1 || g->size == 2 || g->size == 4 ||
					      g->size == 8))
				return g;
		}
	}
	return NULL;
}

static int bind_one(const struct rmap *m, const struct schema *key, const struct schema *value,
		    struct field *f, const char *spec)
{
	const struct decoder *d = decoder_find(spec);
	int r;

	if (!d)
		return -EINVAL;
	/* argv:SIZE: without such a field, argv as without the argument. */
	if (d->fn == dec_argv && strchr(spec, ':')) {
		const struct field *g = sibling_uint(key, value, f, strchr(spec, ':') + 1);

		f->aux_offset = g ? g->offset : 0;
		f->aux_size = g ? g->size : 0;
	}
	if (d->arg) {
		r = dec_enum_resolve(m->btf, strchr(spec, ':') + 1, &f->btf, &f->enum_id);
		if (r)
			return r;
		enum_strip_init(f);
	}
	f->dec_fd = -1;
	if (d->stack) {
		r = open_stack_map(m->path);
		if (r < 0)
			return r;
		f->dec_fd = r;
	}
	f->dec = d;
	strscpy(f->dec_name, spec, sizeof(f->dec_name));
	return 0;
}

void decoders_bind(const struct rmap *m, struct schema *key, struct schema *value)
{
	for (size_t i = 0; i < m->tags.nr_decode; i++) {
		struct field *f = tagged_field(key, value, m->tags.decode[i].field);

		/* A tag naming no field, or a decoder we do not know or
		 * cannot set up, leaves the field raw: shown, not lost. */
		if (f && !f->dec)
			bind_one(m, key, value, f, m->tags.decode[i].decoder);
	}
}

/* A lookup may return bytes that are not printable ASCII (a cgroup
 * directory named with a newline or in Latin-1): pass them through the
 * readers' one escaping (str_escape), so that the text is safe in a label,
 * a JSON string and a proto3 string, and two names stay two texts. The
 * usual text is printable and left alone without a copy. */
static int escape_decoded(char *buf, size_t size)
{
	char raw[DECODED_MAX];
	size_t n = 0, need = 0;

	for (const unsigned char *c = (const unsigned char *)buf; *c; c++, n++)
		need += *c == '\\' ? 2 : (*c < 0x20 || *c > 0x7e) ? 4 : 1;
	if (need == n)
		return 0;
	if (n >= sizeof(raw) || need >= size)
		return -ENOSPC;
	memcpy(raw, buf, n);
	str_escape(raw, n, buf, size);
	return 0;
}

/* Bytes of the element idx, or of the whole field for a whole decoder. */
int field_decode(const struct field *f, const void *data, uint32_t idx, char *buf, size_t size)
{
	const uint8_t *p = (const uint8_t *)data + f->offset;
	size_t len = f->size;
	int r;

	if (!f->dec)
		return -ENOENT;
	if (f->dec->whole)
		len = (size_t)f->size * (f->count ? f->count : 1);
	else
		p += (size_t)idx * f->size;
	r = f->dec->fn(f, p, len, buf, size);
	if (!r && !f->dec->plain)
		r = escape_decoded(buf, size);
	if (r && size)
		buf[0] = '\0';
	return r;
}
