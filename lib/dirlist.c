// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dirlist.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dirlist_read(const char *path, struct dirlist *l)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	size_t cap = 0;
	int r = 0;

	l->names = NULL;
	l->n = 0;
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		if (l->n == cap) {
			char **names;

			cap = cap ? 2 * cap : 16;
			names = realloc(l->names, cap * sizeof(*names));
			if (!names) {
				r = -ENOMEM;
				break;
			}
			l->names = names;
		}
		l->names[l->n] = strdup(e->d_name);
		if (!l->names[l->n]) {
			r = -ENOMEM;
			break;
		}
		l->n++;
	}
	closedir(dir);
	if (r) {
		dirlist_free(l);
		return r;
	}
	if (l->n)
		qsort(l->names, l->n, sizeof(*l->names), cmp_names);
	return 0;
}

void dirlist_free(struct dirlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->n = 0;
}
