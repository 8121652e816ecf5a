/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The reader core: what every reader (ebpf-print, ebpf-exporter, ebpf-stream)
 * shares. It finds the pinned maps under a pin root, opens them read-only,
 * compiles their BTF into flat layouts (schemas) once, snapshots them with
 * batch lookups into reused buffers, and rescans when backends come and go.
 * Writers differ; this data path does not.
 */
#ifndef EBPF_READER_H
#define EBPF_READER_H

#include "escape.h"
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include "decoder.h"
#include "diag.h"

struct btf;

/* ---- Layouts compiled from BTF (or from sizes when there is none) ---- */

enum field_kind {
	FIELD_UINT,
	FIELD_INT,
	FIELD_BOOL,
	FIELD_ENUM,     /* integer shown by enumerator name */
	FIELD_STRING,   /* char array */
	FIELD_HEX,      /* bytes we cannot type */
};

struct field {
	char name[96];          /* dotted path; "" for a scalar */
	enum field_kind kind;
	uint32_t offset;        /* bytes from the start of the key/value */
	uint32_t size;          /* one element (the whole array for strings/hex) */
	uint32_t count;         /* > 1: an array of `count` elements */
	/* FIELD_ENUM */
	const struct btf *btf;
	int enum_id;
	/* Enumerator prefixes left out (enum_strip_init): the one all
	 * names share, or the longer one most share, for names with it. */
	uint16_t strip;
	uint16_t strip_most_len;
	const char *strip_most; /* in btf's strings */
	/* An ebpf:decode tag's decoder (NULL: none), as tagged ("enum:x"),
	 * and for kstack the backend's stack map (owned, -1: none). FIELD_ENUM
	 * and enum: decoders use btf/enum_id/strip above. */
	const struct decoder *dec;
	char dec_name[64];
	int dec_fd;
	/* argv:SIZE: the field of the same key, value or record that holds
	 * the size of the whole argument list, where its offset is and its
	 * size in bytes (0: no such field). */
	uint32_t aux_offset;
	uint32_t aux_size;
};

struct schema {
	struct field *fields;
	size_t n;
	uint32_t size;
	bool scalar;            /* one unnamed field: a bare number or string */
};

int schema_from_btf(const struct btf *btf, uint32_t type_id, uint32_t size, struct schema *s);
/* No BTF: an integer of the size, or u64/u32 elements, or hex. */
int schema_from_size(uint32_t size, struct schema *s);
void schema_free(struct schema *s);
/* Use enum `enum_name` for an integer scalar (the key_enum tag). */
int schema_set_enum(struct schema *s, const struct btf *btf, const char *enum_name);
/* Set f->strip and f->strip_most from f->btf's enum f->enum_id. */
void enum_strip_init(struct field *f);
/* Find a field by name (NULL if absent). */
const struct field *schema_field(const struct schema *s, const char *name);

bool field_is_numeric(const struct field *f);
uint64_t field_u64(const struct field *f, const void *data, uint32_t idx);
int64_t field_s64(const struct field *f, const void *data, uint32_t idx);
/* Numeric value as double (signed or not). */
double field_number(const struct field *f, const void *data, uint32_t idx);
/* Enumerator display name without the enum's common prefix, lowercased
 * ("IP_PROTO_UDP" -> "udp"); NULL when the value has no enumerator. */
const char *field_enum_name(const struct field *f, int64_t v, char *buf, size_t size);
/* Elements shown one by one: 1 for a string, hex bytes, or a field whose
 * decoder takes the whole field (an address in a __u8[16]). */
uint32_t field_elements(const struct field *f);
/* Decoded text of element idx of f (the whole field for a whole decoder):
 * 0, or -errno when f has no decoder (-ENOENT) or it cannot map the value;
 * the caller then shows the raw value. */
int field_decode(const struct field *f, const void *data, uint32_t idx, char *buf, size_t size);
/* Text of element idx of f: decoded when it can be ("10.1.2.3"), else
 * "udp", "42", "true", "bash", hex bytes. */
int field_format(const struct field *f, const void *data, uint32_t idx, char *buf, size_t size);
/* Text of the whole field: element 0's, or "[1,2,3]" for an array of
 * numbers, bools or enums (integers exact, never through a double);
 * -ENOSPC when cut. field_text_size() is a size that is never cut. */
int field_text(const struct field *f, const void *data, char *buf, size_t size);
size_t field_text_size(const struct field *f);
/* Sum the numeric fields of nr_cpus per-CPU slots (stride bytes apart) into
 * out; non-numeric fields are taken from the first CPU. */
void schema_sum_percpu(const struct schema *s, const void *slots, size_t stride, int nr_cpus,
		       void *out);

/* ---- Presentation tags: BTF decl tags ("ebpf:k=v") ---- */

enum metric_kind {
	KIND_NONE,
	KIND_COUNTER,
	KIND_GAUGE,
	KIND_LOG2_HIST,
	KIND_LINEAR_HIST,
};

struct map_tags {
	enum metric_kind kind;
	char help[256];
	char unit[32];
	double scale;           /* 1.0 unless tagged */
	char label[64];         /* label name for a scalar key */
	char key_enum[64];
	char record[64];        /* ring buffer record struct */
	uint64_t bucket_width;  /* linear histograms */
	bool hidden;            /* tagged ebpf:hidden: internal state */
	struct {                /* ebpf:decode=<field>:<decoder> */
		char field[96];
		char decoder[64];
	} decode[32];
	size_t nr_decode;
};

int tags_read(const struct btf *btf, const char *map_name, struct map_tags *h);
const char *metric_kind_name(enum metric_kind k);
/* A stored value in the map's unit: v * scale. A scale of 1/N (1e-6) divides
 * by N instead, so that 1023 * 1e-6 comes out as the double nearest to
 * 0.001023 and prints as such. Every reader scales through this. */
double scale_apply(double scale, double v);
struct rmap;
/* Give the fields of key and value (either may be NULL) the decoders m's
 * decode tags name; a tag that names no field or no decoder is left out. */
void decoders_bind(const struct rmap *m, struct schema *key, struct schema *value);

/* ---- Pinned maps ---- */

struct rmap {
	char backend[64];       /* "shared" for <root>/shared */
	char name[64];          /* pin name */
	char path[PATH_MAX];
	int fd;                 /* read-only */
	unsigned long ino;      /* of the pin: a new inode means a new map */
	struct bpf_map_info info;
	struct btf *btf;        /* NULL: no BTF */
	struct schema key, value;
	struct map_tags tags;
	bool percpu;
	int nr_cpus;            /* 1 unless percpu */
	size_t stride;          /* bytes per CPU slot of a value */
	bool snapshottable;     /* hash/array-like: has keys and values */
	/* Internal state, out of sight by default: tagged ebpf:hidden, or a
	 * global-data map (.rodata, .bss, .data, ...). */
	bool hidden;
	bool seen;              /* rescan mark */
	void *user;             /* the writer's per-map state */
};

/* An array map: every index exists from creation on, so an all-zero entry is
 * an unused slot rather than data, and its order is its index. */
static inline bool rmap_is_array(const struct rmap *m)
{
	return m->info.type == BPF_MAP_TYPE_ARRAY || m->info.type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

enum rescan_event {
	BACKEND_ADDED,
	BACKEND_REMOVED,
	MAP_ADDED,
	MAP_REMOVED,
};

/* An entry of the pin root the last scan skipped: not part of the pin
 * layout (a pin where a backend directory or maps/ belongs, a non-map in
 * maps/), or unreadable for us (permissions, --group). */
struct reader_skip {
	char *path;
	int err;                /* -ENOTDIR, -EINVAL (not a map), -EACCES, ... */
};

struct reader {
	char root[PATH_MAX];
	char **selectors;
	size_t nr_selectors;
	struct rmap **maps;     /* sorted by backend, then name */
	size_t nr_maps;
	char **backends;        /* at the last scan, sorted */
	size_t nr_backends;
	char **aliases;         /* "user/map" names of shared maps at the last scan */
	size_t nr_aliases;
	/* Called for each change a rescan finds; may be NULL. */
	void (*on_event)(void *ctx, enum rescan_event ev, const char *backend,
			 const struct rmap *m);
	struct reader_skip *skips; /* at the last scan */
	size_t nr_skips;
	size_t nr_unreadable;   /* backends (or the root) with a skip we lack the permission for */
	/* Called once when an entry starts being skipped (again after it was
	 * fine for a scan); may be NULL. */
	void (*on_skip)(void *ctx, const char *path, int err);
	/* Called before a map is closed, to free m->user. */
	void (*on_map_free)(void *ctx, struct rmap *m);
	void *ctx;
};

/* Check the root exists, is a directory on bpffs and can be read; the first
 * rescan opens the maps. */
int reader_init(struct reader *r, const char *root, char **selectors, size_t nr_selectors,
		struct diag *d);
/* Walk the pin root: open maps that appeared (or were replaced: a new pin
 * inode at the same path), close those that left. Selected backends that are
 * missing are not an error here: backends come and go. */
int reader_rescan(struct reader *r);
/* Selectors that match no backend at all (for a clear error at start-up):
 * returns the first such selector or NULL. */
const char *reader_unmatched_selector(const struct reader *r);
/* The first scan, at start-up: an entry we cannot read (of a selected
 * backend) is an error ("PATH: Permission denied" in d), since showing the
 * rest would look like all there is; entries outside the pin layout are
 * passed to on_skip, and the rest is shown. */
int reader_start(struct reader *r, struct diag *d);
/* True for a skip that is about permissions, not about the layout. */
bool reader_skip_is_unreadable(int err);
/* Why an entry was skipped, for a one-line warning: "not a map, skipped". */
const char *reader_skip_reason(int err, char *buf, size_t size);
void reader_free(struct reader *r);

/* ---- Histograms (readers/core/histogram.c) ---- */

/* Tagged as a log2 or linear histogram, with a numeric array "buckets". */
bool rmap_is_histogram(const struct rmap *m);
/* Its value's "buckets" and "sum" fields; NULL where it has none. */
const struct field *histogram_buckets(const struct rmap *m);
const struct field *histogram_sum(const struct rmap *m);
/* Bucket i's bounds [lo, hi] as stored, before the map's scale. */
void histogram_bucket(const struct map_tags *h, uint32_t i, uint64_t *lo, uint64_t *hi);

/* ---- Snapshots ---- */

struct snapshot {
	size_t n;               /* entries */
	size_t key_size;
	size_t value_size;      /* bytes per entry: stride * nr_cpus */
	uint8_t *keys;
	uint8_t *values;
	size_t cap;             /* entries the buffers hold */
	bool batched;           /* read with bpf_map_lookup_batch */
};

/* Read every entry of m into s, reusing s's buffers. */
int snapshot_take(const struct rmap *m, struct snapshot *s);
void snapshot_free(struct snapshot *s);
/* A map read chunk by chunk (bpf_map_lookup_batch pieces of a few
 * thousand entries), for writers whose memory must not grow with the map:
 *
 *	struct snapshot_iter it = {};
 *	if (!snapshot_iter_open(&it, m))
 *		while ((r = snapshot_iter_next(&it)) > 0)
 *			... it.chunk.n entries: snapshot_key(&it.chunk, i) ...
 *	snapshot_iter_close(&it);
 *
 * Open again to walk the map again; the buffers are kept until close.
 * Per-CPU values are summed per chunk with snapshot_sum_percpu (below).
 * The one batch walk of the readers: ebpf-print and the exporter's scrape.
 * Maps without batch lookups (or kernels without them) come as one chunk
 * of every entry. Like any walk of a live map, an entry deleted or added
 * meanwhile may be missed; no key comes twice from a batch walk. */
struct snapshot_iter_state;
struct snapshot_iter {
	const struct rmap *m;
	struct snapshot chunk;  /* the current chunk; chunk.batched as read */
	size_t total;           /* entries yielded so far */
	struct snapshot_iter_state *st;
};

int snapshot_iter_open(struct snapshot_iter *it, const struct rmap *m);
/* The next chunk into it->chunk: 1, 0 at the end (chunk.n == 0), -errno. */
int snapshot_iter_next(struct snapshot_iter *it);
/* The walk has ended: no chunk comes after the current one (a writer that
 * says "more follows" knows it before writing the chunk). Not yet ended
 * may still mean an empty chunk next. */
bool snapshot_iter_done(const struct snapshot_iter *it);
void snapshot_iter_close(struct snapshot_iter *it);
/* Whether maps of this type can be read with bpf_map_lookup_batch. */
bool snapshot_batch_capable(__u32 type);
/* Per-CPU values summed, one slot of info.value_size bytes per entry (at
 * least 1), in a buffer kept from one snapshot to the next. */
struct value_sums {
	uint8_t *buf;
	size_t cap;             /* bytes buf holds: one buffer may serve maps
				 * of different value sizes in turn */
};

/* Sum the per-CPU values of the first n entries of s (read from m) into
 * sums->buf (schema_sum_percpu); -ENOMEM when it cannot grow. */
int snapshot_sum_percpu(const struct rmap *m, const struct snapshot *s, size_t n,
			struct value_sums *sums);
void value_sums_free(struct value_sums *sums);
static inline const void *snapshot_key(const struct snapshot *s, size_t i)
{
	return s->keys + i * s->key_size;
}
static inline const void *snapshot_value(const struct snapshot *s, size_t i)
{
	return s->values + i * s->value_size;
}

#endif
