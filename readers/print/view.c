// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebpf-print's view of a map: its values as a writer shows them (per-CPU
 * sums, or rates per second with --delta) and which entries in which order
 * (arrays by index, hashes largest first, --top). Writers only read it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "print.h"

/* Per-map state kept across refreshes (rmap.user). */
struct map_state {
	struct snapshot snap;   /* the raw read */
	struct value_sums sums; /* per-CPU values summed: one slot per entry */
	/* --delta: the previous sample, sorted by key */
	struct snapshot prev;
	const uint8_t **prevp;
	size_t *order;
	double *sortv;          /* the sort value of each entry, computed once */
	size_t order_cap;
	/* JSON and --top read the map chunk by chunk: memory by chunk, not
	 * by map. --top keeps its N entries (and a spare) in tkeys/tvals. */
	struct snapshot_iter it;
	uint8_t *tkeys, *tvals;
	size_t tcap;
	bool have_prev;
	bool error_reported;
};

/* What the comparators of qsort_r compare: passed, not kept in globals. */
struct order_ctx {
	const uint8_t *keys;
	size_t key_size;
	const struct field *key_num; /* a scalar numeric key: compare numbers */
	const double *sortv;         /* cmp_value_desc: the sort value of each entry */
};

void view_free(void *ctx, struct rmap *m)
{
	struct map_state *st = m->user;

	if (!st)
		return;
	snapshot_free(&st->snap);
	snapshot_free(&st->prev);
	snapshot_iter_close(&st->it);
	free(st->tkeys);
	free(st->tvals);
	value_sums_free(&st->sums);
	free(st->prevp);
	free(st->order);
	free(st->sortv);
	free(st);
	m->user = NULL;
}

bool view_first_error(struct rmap *m)
{
	struct map_state *st = m->user;
	bool first = st && !st->error_reported;

	if (st)
		st->error_reported = true;
	return first;
}

double view_number(const struct view *v, size_t entry, int slot, const struct field *f,
		   uint32_t idx)
{
	double now = field_number(f, view_value(v, entry, slot), idx);

	/* A gauge's rate means nothing: it is shown as it is. */
	if (!v->dt || v->m->tags.kind == KIND_GAUGE)
		return now;
	if (!v->prev || !v->prev[entry])
		return now / v->dt; /* new entry: all of it is new */
	/* Differences of unsigned counters in 64 bits, then to double. */
	if (f->kind == FIELD_UINT)
		return (double)(field_u64(f, view_value(v, entry, slot), idx) -
				field_u64(f, v->prev[entry] + (size_t)slot * v->stride, idx)) / v->dt;
	return (now - field_number(f, v->prev[entry] + (size_t)slot * v->stride, idx)) / v->dt;
}

static int cmp_key_at(const void *a, const void *b, void *ctx)
{
	const struct order_ctx *c = ctx;
	const uint8_t *x = c->keys + *(const size_t *)a * c->key_size;
	const uint8_t *y = c->keys + *(const size_t *)b * c->key_size;

	if (c->key_num) {
		uint64_t u = field_u64(c->key_num, x, 0), v = field_u64(c->key_num, y, 0);

		return u < v ? -1 : u > v;
	}
	return memcmp(x, y, c->key_size);
}

/* Largest first, then by key. Sort values are computed before the sort:
 * decoding them in the comparator costs 2 n log n decodes instead of n. */
static int cmp_value_desc(const void *a, const void *b, void *ctx)
{
	const struct order_ctx *c = ctx;
	double x = c->sortv[*(const size_t *)a], y = c->sortv[*(const size_t *)b];

	if (x != y)
		return x < y ? 1 : -1;
	return cmp_key_at(a, b, ctx);
}

static double sort_value(const struct view *v, const struct field *f, size_t i)
{
	double sum = 0;

	for (int s = 0; s < v->slots; s++)
		sum += view_number(v, i, s, f, 0);
	return sum;
}

static const struct field *first_numeric(const struct schema *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (field_is_numeric(&s->fields[i]))
			return &s->fields[i];
	return NULL;
}

/* The (key, value) pairs of v, sorted by key bytes into p. */
static int copy_sorted_by_key(struct snapshot *p, const struct view *v)
{
	struct order_ctx c = { .keys = v->keys, .key_size = v->key_size };
	size_t *idx = malloc(v->n * sizeof(*idx) + 1), i;
	uint8_t *k = malloc(v->n * v->key_size + 1), *val = malloc(v->n * v->value_size + 1);

	if (!idx || !k || !val) {
		free(idx);
		free(k);
		free(val);
		return -ENOMEM;
	}
	for (i = 0; i < v->n; i++)
		idx[i] = i;
	/* Byte order, not numeric: find_previous bisects with memcmp. */
	qsort_r(idx, v->n, sizeof(*idx), cmp_key_at, &c);
	for (i = 0; i < v->n; i++) {
		memcpy(k + i * v->key_size, v->keys + idx[i] * v->key_size, v->key_size);
		memcpy(val + i * v->value_size, v->values + idx[i] * v->value_size, v->value_size);
	}
	free(idx);
	free(p->keys);
	free(p->values);
	p->keys = k;
	p->values = val;
	p->key_size = v->key_size;
	p->value_size = v->value_size;
	p->n = v->n;
	return 0;
}

int view_keep_previous(const struct view *v)
{
	struct map_state *st = v->m->user;
	int r = copy_sorted_by_key(&st->prev, v);

	if (r)
		return r;
	st->have_prev = true;
	return 0;
}

static const uint8_t *find_previous(const struct map_state *st, const void *key)
{
	size_t lo = 0, hi = st->prev.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(st->prev.keys + mid * st->prev.key_size, key, st->prev.key_size);

		if (!c)
			return st->prev.values + mid * st->prev.value_size;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* v's entries are those of snapshot s of m: keys, and the values a writer
 * shows (per-CPU sums unless --per-cpu). */
static int fill_view(const struct print_opts *o, struct rmap *m, struct map_state *st,
		     const struct snapshot *s, struct view *v)
{
	size_t one = m->info.value_size ? m->info.value_size : 1;

	memset(v, 0, sizeof(*v));
	v->m = m;
	v->n = s->n;
	v->total = s->n;
	v->keys = s->keys;
	v->key_size = s->key_size;
	v->batched = s->batched;
	if (m->percpu && !o->per_cpu) {
		int r = snapshot_sum_percpu(m, s, v->n, &st->sums);

		if (r)
			return r;
		v->values = st->sums.buf;
		v->value_size = one;
		v->slots = 1;
		v->stride = one;
	} else {
		v->values = s->values;
		v->value_size = s->value_size;
		v->slots = m->nr_cpus;
		v->stride = m->stride;
	}
	return 0;
}

/* Take a snapshot of m into v, every entry at once. */
static int read_values(const struct print_opts *o, struct rmap *m, struct map_state *st,
		       struct view *v)
{
	int r = snapshot_take(m, &st->snap);

	return r ? r : fill_view(o, m, st, &st->snap, v);
}

/* Room for n entries in the per-entry arrays of st. */
static int reserve_entries(struct map_state *st, size_t n)
{
	if (st->order_cap >= n)
		return 0;
	size_t *ord = realloc(st->order, n * sizeof(*ord) + 1);
	const uint8_t **pp = realloc(st->prevp, n * sizeof(*pp) + 1);
	double *sv = realloc(st->sortv, n * sizeof(*sv) + 1);

	if (ord)
		st->order = ord;
	if (pp)
		st->prevp = pp;
	if (sv)
		st->sortv = sv;
	if (!ord || !pp || !sv)
		return -ENOMEM;
	st->order_cap = n;
	return 0;
}

/* --delta: point each entry at its previous value. Pointers into the
 * previous sample: it is replaced only after this view has been written. */
static void link_previous(struct map_state *st, struct view *v, double dt)
{
	for (size_t i = 0; i < v->n; i++)
		st->prevp[i] = find_previous(st, view_key(v, i));
	v->prev = st->prevp;
	v->dt = dt > 0 ? dt : 1;
}

/* Which entries, in which order: arrays by index, hashes by value. */
static void order_entries(const struct print_opts *o, const struct rmap *m,
			  struct map_state *st, struct view *v)
{
	const struct field *sf = first_numeric(&m->value);
	bool numeric_key = m->key.scalar && field_is_numeric(&m->key.fields[0]) &&
			   m->key.fields[0].count <= 1;
	struct order_ctx c = { .keys = v->keys, .key_size = v->key_size,
			       .key_num = numeric_key ? &m->key.fields[0] : NULL,
			       .sortv = st->sortv };

	for (size_t i = 0; i < v->n; i++)
		st->order[i] = i;
	v->order = st->order;
	v->n_shown = v->n;
	if (v->n < 2) {
		/* nothing to order (and st->order may still be NULL) */
	} else if (o->json && !o->top) {
		/* JSON is for programs: the kernel's order (index order for
		 * arrays), no sort to pay for on a million entries. */
	} else if (sf && (o->top || !rmap_is_array(m))) {
		for (size_t i = 0; i < v->n; i++)
			st->sortv[i] = sort_value(v, sf, i);
		qsort_r(st->order, v->n, sizeof(*st->order), cmp_value_desc, &c);
	} else {
		qsort_r(st->order, v->n, sizeof(*st->order), cmp_key_at, &c);
	}
	if (o->top && (size_t)o->top < v->n_shown)
		v->n_shown = o->top;
	v->n_fit = v->n_shown;
}

/* The entries of the iterator's next chunk into v, in kernel order. */
static int chunk_view(const struct print_opts *o, struct rmap *m, struct map_state *st,
		      struct view *v)
{
	int r = snapshot_iter_next(&st->it);

	if (r < 0)
		return r;
	r = fill_view(o, m, st, &st->it.chunk, v);
	if (!r)
		r = reserve_entries(st, v->n);
	if (r)
		return r;
	for (size_t i = 0; i < v->n; i++)
		st->order[i] = i;
	v->order = st->order;
	v->n_shown = v->n_fit = v->n;
	v->total = st->it.total;
	v->batched = st->it.chunk.batched;
	v->streamed = true;
	return 0;
}

int view_next_chunk(struct view *v)
{
	struct rmap *m = (struct rmap *)v->m;
	const struct print_opts *o = v->o;
	int r = chunk_view(o, m, m->user, v);

	v->o = o;
	if (r < 0) {
		v->n = v->n_shown = v->n_fit = 0;
		v->err = r;
		return r;
	}
	return v->n > 0;
}

/* --top N without --delta: the first N entries in the order order_entries
 * gives (largest first, then by key; by key without a numeric value), kept
 * in a heap of N slots while the map is read chunk by chunk. The heap's
 * root is the last of them, replaced by any entry that comes before it. */
struct top_heap {
	struct order_ctx c;     /* over the slots: tkeys and sortv */
	bool by_value;
	size_t *h;              /* slot indexes */
	size_t n;
};

static int top_cmp(const struct top_heap *t, size_t a, size_t b)
{
	return t->by_value ? cmp_value_desc(&a, &b, (void *)&t->c) : cmp_key_at(&a, &b, (void *)&t->c);
}

static void top_sift(struct top_heap *t, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, big = i, x;

		if (l < t->n && top_cmp(t, t->h[l], t->h[big]) > 0)
			big = l;
		if (r < t->n && top_cmp(t, t->h[r], t->h[big]) > 0)
			big = r;
		if (big == i)
			return;
		x = t->h[i];
		t->h[i] = t->h[big];
		t->h[big] = x;
		i = big;
	}
}

static void top_push(struct top_heap *t, size_t slot)
{
	size_t i = t->n++;

	t->h[i] = slot;
	while (i > 0 && top_cmp(t, t->h[i], t->h[(i - 1) / 2]) > 0) {
		size_t p = (i - 1) / 2, x = t->h[p];

		t->h[p] = t->h[i];
		t->h[i] = x;
		i = p;
	}
}

/* N + 1 slots of keys and values (the spare takes the entry being read). */
static int top_reserve(struct map_state *st, size_t slots, size_t key_size, size_t value_size)
{
	if (st->tcap < slots) {
		uint8_t *k = realloc(st->tkeys, slots * key_size + 1);
		uint8_t *v = k ? realloc(st->tvals, slots * value_size + 1) : NULL;

		if (k)
			st->tkeys = k;
		if (!v)
			return -ENOMEM;
		st->tvals = v;
		st->tcap = slots;
	}
	return reserve_entries(st, slots);
}

/* Offer every entry of chunk view cv to the heap; spare is the free slot. */
static void top_offer(struct top_heap *t, struct map_state *st, const struct view *cv,
		      const struct field *sf, size_t cap, size_t *spare)
{
	for (size_t i = 0; i < cv->n; i++) {
		double sv = t->by_value ? sort_value(cv, sf, i) : 0;
		size_t slot = t->n < cap ? t->n : *spare;

		if (t->n == cap && t->by_value && sv < st->sortv[t->h[0]])
			continue; /* after the last kept: the common case */
		memcpy(st->tkeys + slot * cv->key_size, view_key(cv, i), cv->key_size);
		memcpy(st->tvals + slot * cv->value_size, cv->values + i * cv->value_size,
		       cv->value_size);
		st->sortv[slot] = sv;
		if (t->n < cap) {
			top_push(t, slot);
		} else if (top_cmp(t, slot, t->h[0]) < 0) {
			*spare = t->h[0];
			t->h[0] = slot;
			top_sift(t, 0);
		}
	}
}

static int top_view(const struct print_opts *o, struct rmap *m, struct map_state *st,
		    struct view *v)
{
	const struct field *sf = first_numeric(&m->value);
	bool numeric_key = m->key.scalar && field_is_numeric(&m->key.fields[0]) &&
			   m->key.fields[0].count <= 1;
	size_t cap = (size_t)o->top, spare = cap;
	struct top_heap t = { .by_value = sf != NULL };
	struct view cv = { 0 };
	int r = snapshot_iter_open(&st->it, m);

	while (!r && (r = snapshot_iter_next(&st->it)) > 0) {
		r = fill_view(o, m, st, &st->it.chunk, &cv);
		if (!r)
			r = top_reserve(st, cap + 1, cv.key_size, cv.value_size);
		if (r)
			break;
		t.h = st->order; /* the heap; sorted into the view's order below */
		t.c = (struct order_ctx){ .keys = st->tkeys, .key_size = cv.key_size,
					  .key_num = numeric_key ? &m->key.fields[0] : NULL,
					  .sortv = st->sortv };
		top_offer(&t, st, &cv, sf, cap, &spare);
		r = 0;
	}
	/* The view's shape, also for a map with no entries. */
	if (r < 0 || (r = fill_view(o, m, st, &st->it.chunk, &cv)))
		return r;
	if (!st->tkeys && (r = top_reserve(st, cap + 1, cv.key_size, cv.value_size)))
		return r;
	cv.n = t.n;
	cv.keys = st->tkeys;
	cv.values = st->tvals;
	cv.total = st->it.total;
	cv.batched = st->it.chunk.batched;
	*v = cv;
	if (t.n > 1)
		qsort_r(st->order, t.n, sizeof(*st->order),
			t.by_value ? cmp_value_desc : cmp_key_at, &t.c);
	v->order = st->order;
	v->n_shown = v->n_fit = t.n;
	return 0;
}

int view_build(const struct print_opts *o, struct rmap *m, double dt, struct view *v)
{
	struct map_state *st = m->user;
	int r;

	if (!st && !(st = m->user = calloc(1, sizeof(*st))))
		return -ENOMEM;
	if (o->json && !o->top && !o->delta) {
		r = snapshot_iter_open(&st->it, m);
		if (!r)
			r = chunk_view(o, m, st, v);
		v->o = o;
		return r < 0 ? r : 1;
	}
	if (o->top && !o->delta) {
		r = top_view(o, m, st, v);
		return r < 0 ? r : 1;
	}
	r = read_values(o, m, st, v);
	if (!r)
		r = reserve_entries(st, v->n);
	if (r)
		return r;
	if (o->delta) {
		if (!st->have_prev) {
			view_keep_previous(v);
			return 0; /* a rate needs two samples */
		}
		link_previous(st, v, dt);
	}
	order_entries(o, m, st, v);
	return 1;
}
