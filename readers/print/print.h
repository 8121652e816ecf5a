/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ebpf-print: one data path (reader core + view), writers (text, live, JSON)
 * chosen once through a table. */
#ifndef EBPF_PRINT_H
#define EBPF_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "reader.h"

struct print_opts {
	const char *pin_root;
	double interval;        /* seconds */
	long count;             /* 0: until interrupted */
	bool once;
	bool delta;
	bool json;
	bool per_cpu;
	long top;               /* 0: all */
	bool all;               /* hidden maps too */
};

/* ---- The view (view.c): what a writer sees of one map ---- */

struct view {
	const struct rmap *m;
	const struct print_opts *o; /* streamed: for view_next_chunk */
	size_t n;
	const uint8_t *keys;
	size_t key_size;
	const uint8_t *values;  /* one slot per entry, or nr_cpus slots with --per-cpu */
	size_t value_size;      /* bytes per entry in values */
	int slots;              /* 1, or nr_cpus with --per-cpu */
	size_t stride;          /* bytes per slot */
	const uint8_t **prev;   /* --delta: the previous value of entry i, or NULL */
	double dt;              /* --delta: seconds between the two samples */
	const size_t *order;    /* entries to show, in order */
	size_t n_shown;
	size_t n_fit;           /* of those, the ones written: fewer when the live
				 * view cuts a map to fit the terminal */
	bool batched;
	size_t total;           /* entries read from the map (so far, when streamed) */
	/* JSON in kernel order: the entries come chunk by chunk; after
	 * writing n_shown of them, view_next_chunk() brings the next. */
	bool streamed;
	int err;                /* a chunk that could not be read: -errno */
};

/* Read m (its view state in m->user, made on first use) and build its view:
 * which values (per-CPU sums unless --per-cpu), rates against the previous
 * sample with --delta, which entries in which order (--top). 1 when there is
 * a view to write, 0 when not (the first sample of --delta is only a
 * baseline), -errno when m cannot be read. */
int view_build(const struct print_opts *o, struct rmap *m, double dt, struct view *v);
/* A streamed view's next chunk (the entries of the last are gone): 1, 0
 * at the end of the map, -errno (also in v->err). */
int view_next_chunk(struct view *v);
/* --delta: keep v's sample for the next rate. Only once v has been written:
 * v->prev points into the sample it replaces. */
int view_keep_previous(const struct view *v);
/* True the first time m fails to read: an error is reported once a map. */
bool view_first_error(struct rmap *m);
/* The reader's on_map_free: release m->user. */
void view_free(void *ctx, struct rmap *m);

/* Current value, or its rate per second with --delta. */
double view_number(const struct view *v, size_t entry, int slot, const struct field *f,
		   uint32_t idx);
static inline const uint8_t *view_value(const struct view *v, size_t entry, int slot)
{
	return v->values + entry * v->value_size + (size_t)slot * v->stride;
}
static inline const uint8_t *view_key(const struct view *v, size_t entry)
{
	return v->keys + entry * v->key_size;
}

/* ---- Writers ---- */

struct snapshot_meta {
	struct timespec realtime;
	const char *pin_root;
	bool delta;
	double dt;
};

/* One way to write snapshots. main() picks the first in its table that
 * wants the options; open() makes the writer's state, which every call gets. */
struct print_writer {
	const char *name;
	bool (*wanted)(const struct print_opts *o);
	void *(*open)(const struct print_opts *o); /* NULL: out of memory */
	/* The maps of one refresh, in order. */
	void (*snapshot)(void *state, const struct snapshot_meta *sm, struct view *views,
			 size_t n);
	void (*close)(void *state);
};

extern const struct print_writer writer_text;  /* text.c */
extern const struct print_writer writer_live;  /* live.c */
extern const struct print_writer writer_json;  /* json.c */

/* The text writer's parts the live view draws with (text.c). */
struct text_state;
struct text_state *text_open(const struct print_opts *o);
void text_close(struct text_state *t);
void text_begin(struct text_state *t, const struct snapshot_meta *sm);
void text_map(struct text_state *t, const struct view *v);
void text_end(struct text_state *t);
/* Text hides the all-zero entries of array maps. */
bool text_entry_hidden(const struct view *v, size_t e);

#endif
