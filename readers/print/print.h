/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ebpf-print: one data path (reader core + view), two writers (text, JSON). */
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
	bool live;              /* text on a terminal: redraw the screen (live.c) */
};

/* One map's entries as a writer sees them. */
struct view {
	const struct rmap *m;
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
};

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

struct snapshot_meta {
	struct timespec realtime;
	const char *pin_root;
	bool delta;
	double dt;
};

/* Text hides the all-zero entries of array maps. */
bool text_entry_hidden(const struct view *v, size_t e);
void text_begin(const struct print_opts *o, const struct snapshot_meta *sm);
void text_map(const struct print_opts *o, const struct view *v);
void text_end(const struct print_opts *o);
/* The live view: text on a terminal (not --once, not TERM=dumb). */
bool live_wanted(const struct print_opts *o);
/* Redraw the screen with the maps of one refresh, cut to the terminal's
 * height: the largest entries of each map, a line for what was left out. */
int live_frame(const struct print_opts *o, const struct snapshot_meta *sm, struct view *views,
	       size_t n);
void json_begin(const struct print_opts *o, const struct snapshot_meta *sm);
void json_map(const struct print_opts *o, const struct view *v);
void json_end(const struct print_opts *o);

#endif
