/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Libraries loaded on first use instead of linked (weblibs.h for the web
 * code's, readers/stream/natslibs.h for libnats): a table of function
 * pointers, filled from the libraries' Debian sonames. Why: a linked
 * library's relocations and pages cost every process peak RSS whether it
 * uses the feature or not (bench/notes.md).
 */
#ifndef EBPF_LIBLOAD_H
#define EBPF_LIBLOAD_H

#include <stdbool.h>
#include <stddef.h>

/* One function: its library (an index into sonames), its name, where its
 * pointer goes in the table. */
struct libload_fn {
	int lib;
	const char *name;
	size_t offset;
};
#define LIBLOAD_FN(type, lib, fn) { lib, #fn, offsetof(type, fn) },

struct libload {
	const char *const *sonames; /* in load order (a library after those it needs) */
	void **handles;             /* nlibs of them, NULL until loaded */
	int nlibs;
	const struct libload_fn *fns;
	size_t nfns;
	void *table;                /* the pointers; zeroed again on failure */
	size_t table_size;
	bool loaded;                /* for good: what they made outlives any call */
};

/* Load the libraries and resolve the table, once: 0, or -ELIBACC with
 * *failed the index of the library that could not be loaded (or lacks a
 * function) and why its dlerror() text, nothing left loaded. */
int libload_open(struct libload *l, int *failed, char *why, size_t whylen);

#endif
