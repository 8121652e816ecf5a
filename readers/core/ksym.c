// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ksym` decoder: kernel address -> the name of the function that holds it.
 *
 * Like ebpf_exporter's ksym decoder, the text is the bare symbol name, no
 * "+0xoff": a label is for grouping, and every address inside one function
 * must group together (a per-offset label would also multiply series).
 *
 * /proc/kallsyms is read once into one array sorted by address (text
 * symbols only, their names in one string pool) and searched by bisection.
 * A miss rereads it, at most once every KSYM_REFRESH_MS, so a module or a
 * BPF program loaded later is found, and an attacker's bogus addresses cost
 * one read per period at most. Without CAP_SYSLOG (kptr_restrict, or
 * perf_event_paranoid >= 2 for non-root) the kernel shows every address as
 * zero: such a table is treated as unavailable, every lookup -ENOENT. The
 * kernel decides that when the file is opened, from the opener's
 * credentials: a reader that drops CAP_SYSLOG calls sysnames_prepare()
 * first, and every reread goes through the file it opened then.
 * Not thread-safe: the readers are single-threaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscache.h"
#include "sysnames.h"

#define KSYM_PATH "/proc/kallsyms"
#define KSYM_REFRESH_MS 5000
/* The last symbol has no end: an address further than this past it is
 * not taken for part of it (functions this large are not in a kernel). */
#define KSYM_TAIL_MAX 0x10000
/* A bound on what we take from the file (6.x kernels have ~250k lines). */
#define KSYM_MAX_SYMS (1u << 22)
#define KSYM_MAX_POOL (64u << 20)
/* An entry that only ends the symbol before it (data, rodata, bss). */
#define KSYM_NO_NAME UINT32_MAX

struct ksym_entry {
	uint64_t addr;
	uint32_t name;	/* offset in the pool, or KSYM_NO_NAME */
};

struct ksym_table {
	struct ksym_entry *sym;
	size_t n, cap;
	char *pool;
	size_t pool_len, pool_cap;
};

static struct ksym_table ktab;
static uint64_t ktab_read_ms;	/* 0: never read */
/* /proc/kallsyms opened by sysnames_prepare(), or -1: rereads go through
 * it, as the addresses it shows were decided when it was opened. */
static int kallsyms_fd = -1;

static void table_free(struct ksym_table *t)
{
	free(t->sym);
	free(t->pool);
	memset(t, 0, sizeof(*t));
}

static int table_add(struct ksym_table *t, uint64_t addr, const char *name, size_t len)
{
	uint32_t off = KSYM_NO_NAME;

	if (t->n >= KSYM_MAX_SYMS)
		return -E2BIG;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 65536;
		struct ksym_entry *s = realloc(t->sym, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		t->sym = s;
		t->cap = cap;
	}
	if (name) {
		if (t->pool_len + len + 1 > KSYM_MAX_POOL)
			return -E2BIG;
		if (t->pool_len + len + 1 > t->pool_cap) {
			size_t cap = t->pool_cap ? t->pool_cap * 2 : 1u << 20;
			char *p = realloc(t->pool, cap);

			if (!p)
				return -ENOMEM;
			t->pool = p;
			t->pool_cap = cap;
		}
		off = (uint32_t)t->pool_len;
		memcpy(t->pool + off, name, len);
		t->pool[off + len] = '\0';
		t->pool_len += len + 1;
	}
	t->sym[t->n].addr = addr;
	t->sym[t->n].name = off;
	t->n++;
	return 0;
}

/*
 * "ffffffff81000080 T entry_SYSCALL_64" or "... t name\t[module]".
 * Text symbols (t, T, and weak w, W: weak defaults are functions) get a
 * name; any other symbol ends the one before it, so an address in data
 * is not taken for the last function before the data. The __pfx_ padding
 * before each function (CONFIG_FUNCTION_PADDING) is skipped: no stack
 * points there, and it would double the table.
 */
static int parse_line(struct ksym_table *t, const char *line, int *nonzero)
{
	unsigned long long addr;
	const char *name;
	char *end;
	size_t len;
	char type;

	addr = strtoull(line, &end, 16);
	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
		return 0;
	type = end[1];
	name = end + 3;
	len = strcspn(name, " \t\n");
	if (!len)
		return 0;
	if (addr)
		*nonzero = 1;
	/* _etext and _einittext are where text ends, not functions: an
	 * address past them is in no function. */
	if ((type != 't' && type != 'T' && type != 'w' && type != 'W') ||
	    (len == 6 && !strncmp(name, "_etext", 6)) || (len == 10 && !strncmp(name, "_einittext", 10)))
		return table_add(t, addr, NULL, 0);
	if (len > 6 && !strncmp(name, "__pfx_", 6))
		return 0;
	return table_add(t, addr, name, len);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct ksym_entry *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* At one address a name wins over a bare end marker (KSYM_NO_NAME is
	 * the largest offset), and of aliases the first in the file: the same
	 * kernel always gives the same name. */
	return x->name < y->name ? -1 : x->name > y->name;
}

/* Sort, then keep one entry per address (the first, a name if any). */
static void table_sort(struct ksym_table *t)
{
	size_t i, out = 0;

	qsort(t->sym, t->n, sizeof(*t->sym), entry_cmp);
	for (i = 0; i < t->n; i++) {
		if (out && t->sym[out - 1].addr == t->sym[i].addr)
			continue;
		t->sym[out++] = t->sym[i];
	}
	t->n = out;
}

/* Give back what doubling left over (a failed shrink keeps the block). */
static void table_shrink(struct ksym_table *t)
{
	struct ksym_entry *s = t->n ? realloc(t->sym, t->n * sizeof(*s)) : NULL;
	char *p = t->pool_len ? realloc(t->pool, t->pool_len) : NULL;

	if (s) {
		t->sym = s;
		t->cap = t->n;
	}
	if (p) {
		t->pool = p;
		t->pool_cap = t->pool_len;
	}
}

/* kallsyms from its start: through the prepared fd when there is one. */
static FILE *kallsyms_open(void)
{
	FILE *f;
	int fd;

	if (kallsyms_fd < 0)
		return fopen(KSYM_PATH, "re");
	fd = fcntl(kallsyms_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (lseek(fd, 0, SEEK_SET) < 0 || !(f = fdopen(fd, "r"))) {
		int err = errno;

		close(fd);
		errno = err;
		return NULL;
	}
	return f;
}

static int table_read(struct ksym_table *t)
{
	char line[1024];
	int nonzero = 0, err = 0;
	FILE *f = kallsyms_open();

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		/* Longer than any kernel symbol line: skip the rest of it. */
		if (len && line[len - 1] != '\n' && !feof(f)) {
			int c;

			while ((c = getc(f)) != EOF && c != '\n')
				;
			continue;
		}
		err = parse_line(t, line, &nonzero);
		if (err)
			break;
	}
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (!err && !nonzero)
		err = -EPERM;	/* addresses hidden from us: unavailable */
	if (err) {
		table_free(t);
		return err;
	}
	table_sort(t);
	table_shrink(t);
	return 0;
}

/* Reread the table; a failed reread leaves the old one in place. */
static void ksym_refresh(void)
{
	struct ksym_table fresh = { 0 };

	ktab_read_ms = sys_mono_ms();
	if (table_read(&fresh))
		return;
	table_free(&ktab);
	ktab = fresh;
}

/* The function holding addr in t, or NULL. */
static const char *table_find(const struct ksym_table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;
	const struct ksym_entry *e;

	/* The last entry whose address is <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->sym[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	e = &t->sym[lo - 1];
	if (e->name == KSYM_NO_NAME)
		return NULL;
	if (lo == t->n && addr - e->addr > KSYM_TAIL_MAX)
		return NULL;
	return t->pool + e->name;
}

int sysnames_prepare(void)
{
	/* Only opened: the table is read on the first lookup, so a reader
	 * whose maps decode no address never holds it. */
	if (kallsyms_fd < 0) {
		kallsyms_fd = open(KSYM_PATH, O_RDONLY | O_CLOEXEC);
		if (kallsyms_fd < 0)
			return -errno;
	}
	return 0;
}

int ksym_lookup(uint64_t addr, char *buf, size_t size)
{
	const char *name;
	size_t len;

	if (!ktab_read_ms)
		ksym_refresh();
	name = table_find(&ktab, addr);
	if (!name && sys_mono_ms() - ktab_read_ms >= KSYM_REFRESH_MS) {
		ksym_refresh();
		name = table_find(&ktab, addr);
	}
	if (!name)
		return -ENOENT;
	len = strlen(name);
	if (len >= size)
		return -ENOSPC;
	memcpy(buf, name, len + 1);
	return 0;
}
