// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Number -> name for the `syscall`, `errno` and `signal` decoders. The
 * tables come from $(OUTPUT)/names_gen.h, which scripts/gen-names.sh writes
 * at build time from the target's kernel headers: each sorted by number,
 * so a lookup is a binary search that any 64-bit value (the numbers come
 * from maps a BPF program or an attacker may fill) can only miss.
 */
#include <stddef.h>
#include "names.h"

struct name_entry {
	uint64_t nr;
	const char *name;
};

#include "names_gen.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *lookup(const struct name_entry *t, size_t n, uint64_t nr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].nr == nr)
			return t[mid].name;
		if (t[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *syscall_name(uint64_t nr)
{
	return lookup(syscall_names, ARRAY_SIZE(syscall_names), nr);
}

/* |e| computed unsigned: -INT64_MIN does not exist as an int64_t. */
const char *errno_name(int64_t e)
{
	uint64_t mag = e < 0 ? -(uint64_t)e : (uint64_t)e;

	return lookup(errno_names, ARRAY_SIZE(errno_names), mag);
}

/* Negative numbers are not signals: no table entry can match them. */
const char *signal_name(int64_t sig)
{
	if (sig <= 0)
		return NULL;
	return lookup(signal_names, ARRAY_SIZE(signal_names), (uint64_t)sig);
}
