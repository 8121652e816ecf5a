// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live view of ebpf-print: on a terminal, each refresh replaces the last
 * one, like top(1): home, clear, then a frame that fits the screen. Appended
 * refreshes would scroll a busy map out of sight before it can be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "print.h"
#include "util.h"

#define HOME_CLEAR "\033[H\033[2J"
#define DEFAULT_ROWS 24

/* The live writer's state: the text writer it draws with. */
struct live_state {
	const struct print_opts *o;
	struct text_state *text;
};

/* Text on a terminal, refreshed: not --once, not JSON, not TERM=dumb. */
static bool live_wanted(const struct print_opts *o)
{
	const char *term = getenv("TERM");

	if (o->json || o->once || !isatty(STDOUT_FILENO))
		return false;
	/* A terminal that cannot move its cursor would print the escapes. */
	return !term || strcmp(term, "dumb");
}

static size_t terminal_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return DEFAULT_ROWS;
	return ws.ws_row;
}

/*
 * The text writer prints to stdout. To measure a map, and to write a frame
 * in one piece (no flicker), stdout is pointed at a memory stream meanwhile:
 * glibc documents stdout as a variable a program may assign.
 */
struct capture {
	FILE *saved;
	FILE *mem;
	char *buf;
	size_t len;
};

static int capture_begin(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	fflush(stdout);
	c->mem = open_memstream(&c->buf, &c->len);
	if (!c->mem)
		return -errno;
	c->saved = stdout;
	stdout = c->mem;
	return 0;
}

/* Restores stdout; the text is in c->buf (free it), NULL on failure. */
static int capture_end(struct capture *c)
{
	bool bad = ferror(c->mem);

	stdout = c->saved;
	if (fclose(c->mem) || bad) {
		free(c->buf);
		c->buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Lines the text writer takes for v as it stands (v->n_fit entries). */
static int map_lines(struct text_state *t, const struct view *v, size_t *lines)
{
	struct capture c;
	int r = capture_begin(&c);

	if (r)
		return r;
	text_map(t, v);
	r = capture_end(&c);
	if (r)
		return r;
	*lines = 0;
	for (size_t i = 0; i < c.len; i++)
		*lines += c.buf[i] == '\n';
	free(c.buf);
	return 0;
}

/* The next n_fit of v that shows one more entry (hidden ones take no line). */
static size_t next_fit(const struct view *v)
{
	size_t k = v->n_fit;

	while (k < v->n_shown && text_entry_hidden(v, v->order[k]))
		k++;
	return k < v->n_shown ? k + 1 : k;
}

/*
 * Give each map its heading, then one entry at a time to each map in turn
 * (largest first within a map: build_view ordered them) while the lines fit
 * in budget. Returns how many maps are shown; maps past them did not fit
 * even without entries. cost[] is scratch, one per map.
 */
static int fit(struct text_state *t, struct view *views, size_t n, size_t budget,
	       size_t *cost, bool *full, size_t *shown)
{
	size_t used = 0, i, lines;
	bool grew = true;
	int r;

	*shown = 0;
	for (i = 0; i < n; i++) {
		views[i].n_fit = 0;
		r = map_lines(t, &views[i], &cost[i]);
		if (r)
			return r;
		if (used + cost[i] > budget)
			break;
		used += cost[i];
		full[i] = false;
		(*shown)++;
	}
	/* The line that says how many maps were left out must fit too. */
	while (*shown < n && *shown && used + 2 > budget)
		used -= cost[--(*shown)];
	while (grew) {
		grew = false;
		for (i = 0; i < *shown; i++) {
			struct view *v = &views[i];
			size_t old = v->n_fit;

			if (full[i] || old == v->n_shown)
				continue;
			v->n_fit = next_fit(v);
			r = map_lines(t, v, &lines);
			if (r)
				return r;
			if (used - cost[i] + lines > budget) {
				v->n_fit = old;
				full[i] = true;
				continue;
			}
			used += lines - cost[i];
			cost[i] = lines;
			grew = true;
		}
	}
	return 0;
}

static void header(const struct print_opts *o, const struct snapshot_meta *sm)
{
	char when[64];
	struct tm tm;

	localtime_r(&sm->realtime.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("%s  every %gs  %s%s\n", when, o->interval,
	       o->delta ? "rates per second" : "totals", o->per_cpu ? ", per CPU" : "");
}

/*
 * Redraw the screen with the maps of one refresh, cut to the terminal's
 * height: the largest entries of each map, a line for what was left out.
 */
static int live_frame(struct live_state *ls, const struct snapshot_meta *sm,
		      struct view *views, size_t n)
{
	size_t rows = terminal_rows(), shown, budget;
	_cleanup_free_ size_t *cost = calloc(n + 1, sizeof(*cost));
	_cleanup_free_ bool *full = calloc(n + 1, sizeof(*full));
	struct capture c;
	int r;

	if (!cost || !full)
		return -ENOMEM;
	/* The header, the writer's closing blank line, and the cursor's line. */
	budget = rows > 3 ? rows - 3 : 0;
	r = fit(ls->text, views, n, budget, cost, full, &shown);
	if (r)
		return r;
	r = capture_begin(&c);
	if (r)
		return r;
	header(ls->o, sm);
	for (size_t i = 0; i < shown; i++)
		text_map(ls->text, &views[i]);
	if (shown < n)
		printf("\n%zu more map%s not shown\n", n - shown, n - shown == 1 ? "" : "s");
	text_end(ls->text);
	r = capture_end(&c);
	if (r)
		return r;
	fputs(HOME_CLEAR, stdout);
	fwrite(c.buf, 1, c.len, stdout);
	free(c.buf);
	return 0;
}

static void *live_open(const struct print_opts *o)
{
	struct live_state *ls = calloc(1, sizeof(*ls));

	if (!ls)
		return NULL;
	ls->o = o;
	ls->text = text_open(o);
	if (!ls->text) {
		free(ls);
		return NULL;
	}
	return ls;
}

static void live_snapshot(void *state, const struct snapshot_meta *sm, struct view *views,
			  size_t n)
{
	struct live_state *ls = state;

	if (!live_frame(ls, sm, views, n))
		return;
	/* A frame the live view cannot make is written the plain way. */
	writer_text.snapshot(ls->text, sm, views, n);
}

static void live_close(void *state)
{
	struct live_state *ls = state;

	if (!ls)
		return;
	text_close(ls->text);
	free(ls);
}

const struct print_writer writer_live = {
	.name = "live",
	.wanted = live_wanted,
	.open = live_open,
	.snapshot = live_snapshot,
	.close = live_close,
};
