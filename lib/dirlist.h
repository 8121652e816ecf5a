/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Sorted directory listings, for walking the pin tree in a stable order. */
#ifndef EBPF_DIRLIST_H
#define EBPF_DIRLIST_H

#include <stddef.h>

struct dirlist {
	char **names;
	size_t n;
};

/* Entries of dir except "." and ".." and hidden ones, sorted. */
int dirlist_read(const char *dir, struct dirlist *l);
void dirlist_free(struct dirlist *l);

#endif
