// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Presentation tags: the "ebpf:<key>=<value>" BTF decl tags on a map's
 * variable in the ".maps" section (bpf/ebpf_tags.h, docs/tags.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "btftags.h"
#include "reader.h"
#include "util.h"

/* "<field>:<decoder>", the decoder possibly with its own ":<arg>". A
 * second tag for the same field is ignored: the first one wins. */
static void add_decode(struct map_tags *h, const char *val)
{
	const char *colon = strchr(val, ':');
	size_t flen = colon ? (size_t)(colon - val) : 0;

	if (!flen || !colon[1] || flen >= sizeof(h->decode[0].field) ||
	    h->nr_decode >= sizeof(h->decode) / sizeof(h->decode[0]))
		return;
	for (size_t i = 0; i < h->nr_decode; i++)
		if (strlen(h->decode[i].field) == flen && !strncmp(h->decode[i].field, val, flen))
			return;
	memcpy(h->decode[h->nr_decode].field, val, flen);
	h->decode[h->nr_decode].field[flen] = '\0';
	strscpy(h->decode[h->nr_decode].decoder, colon + 1, sizeof(h->decode[0].decoder));
	h->nr_decode++;
}

static void apply_tag(struct map_tags *h, const char *tag)
{
	const char *eq = strchr(tag, '=');
	size_t klen;
	const char *val;

	if (!strcmp(tag, "hidden")) {
		h->hidden = true;
		return;
	}
	if (!eq)
		return;
	klen = (size_t)(eq - tag);
	val = eq + 1;
#define KEY_IS(k) (klen == strlen(k) && !strncmp(tag, k, klen))
	if (KEY_IS("kind")) {
		if (!strcmp(val, "counter"))
			h->kind = KIND_COUNTER;
		else if (!strcmp(val, "gauge"))
			h->kind = KIND_GAUGE;
		else if (!strcmp(val, "log2_histogram"))
			h->kind = KIND_LOG2_HIST;
		else if (!strcmp(val, "linear_histogram"))
			h->kind = KIND_LINEAR_HIST;
	} else if (KEY_IS("help")) {
		strscpy(h->help, val, sizeof(h->help));
	} else if (KEY_IS("unit")) {
		strscpy(h->unit, val, sizeof(h->unit));
	} else if (KEY_IS("scale")) {
		char *end;
		double v = strtod(val, &end);

		if (end != val && !*end && v > 0)
			h->scale = v;
	} else if (KEY_IS("label")) {
		strscpy(h->label, val, sizeof(h->label));
	} else if (KEY_IS("key_enum")) {
		strscpy(h->key_enum, val, sizeof(h->key_enum));
	} else if (KEY_IS("record")) {
		strscpy(h->record, val, sizeof(h->record));
	} else if (KEY_IS("decode")) {
		add_decode(h, val);
	} else if (KEY_IS("bucket_width")) {
		h->bucket_width = strtoull(val, NULL, 0);
	}
#undef KEY_IS
}

static int read_tag(const char *tag, void *ctx)
{
	apply_tag(ctx, tag);
	return 0;
}

int tags_read(const struct btf *btf, const char *map_name, struct map_tags *h)
{
	memset(h, 0, sizeof(*h));
	h->scale = 1.0;
	if (!btf)
		return 0;
	btf_map_tags_foreach(btf, map_name, read_tag, h);
	if (h->kind == KIND_LINEAR_HIST && !h->bucket_width)
		h->bucket_width = 1;
	return 0;
}

double scale_apply(double scale, double v)
{
	double inv;

	if (scale == 1.0)
		return v;
	/* 1/scale rounded to an integer (without libm): exact when the scale
	 * is 1/N, which inv * scale == 1 confirms. */
	if (scale > 0x1p-53 && scale < 1.0) {
		inv = (double)(uint64_t)(1.0 / scale + 0.5);
		if (inv >= 2.0 && inv * scale == 1.0)
			return v / inv;
	}
	return v * scale;
}

const char *metric_kind_name(enum metric_kind k)
{
	switch (k) {
	case KIND_COUNTER: return "counter";
	case KIND_GAUGE: return "gauge";
	case KIND_LOG2_HIST: return "log2_histogram";
	case KIND_LINEAR_HIST: return "linear_histogram";
	default: return "untyped";
	}
}
