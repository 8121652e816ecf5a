// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Libraries dlopen()ed on first use (libload.h). */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include "libload.h"
#include "util.h"

static void unload(struct libload *l)
{
	for (int i = l->nlibs - 1; i >= 0; i--) {
		if (l->handles[i])
			dlclose(l->handles[i]);
		l->handles[i] = NULL;
	}
	memset(l->table, 0, l->table_size);
}

/* dlerror() is read before dlclose() can change it. */
static int fail(struct libload *l, int lib, int *failed, char *why, size_t whylen)
{
	const char *e = dlerror();

	strscpy(why, e ? e : "not loaded", whylen);
	*failed = lib;
	unload(l);
	return -ELIBACC;
}

int libload_open(struct libload *l, int *failed, char *why, size_t whylen)
{
	if (l->loaded)
		return 0;
	for (int i = 0; i < l->nlibs; i++) {
		/* RTLD_LOCAL: their names stay out of the global scope,
		 * which the table is the only way into. */
		l->handles[i] = dlopen(l->sonames[i], RTLD_NOW | RTLD_LOCAL);
		if (!l->handles[i])
			return fail(l, i, failed, why, whylen);
	}
	for (size_t i = 0; i < l->nfns; i++) {
		void *f = dlsym(l->handles[l->fns[i].lib], l->fns[i].name);

		if (!f)
			return fail(l, l->fns[i].lib, failed, why, whylen);
		*(void **)((char *)l->table + l->fns[i].offset) = f;
	}
	l->loaded = true;
	return 0;
}
