// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The web code's libraries, dlopen()ed on first use (weblibs.h), as
 * lib/sdlazy.c does for libsystemd.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#define WEBLIBS_NO_REDIRECT /* here the names are the libraries' */
#include "weblibs.h"

struct weblibs weblibs_fn;

/* Debian's sonames, the same on amd64, arm64 and armhf; what each is for,
 * for the message when it cannot be loaded. */
static const struct {
	const char *soname, *needed_by;
} libs[WEBLIB_N] = {
	[WEBLIB_CRYPTO] = { "libcrypto.so.3", "TLS support" },
	[WEBLIB_SSL] = { "libssl.so.3", "TLS support" },
	[WEBLIB_YAML] = { "libyaml-0.so.2", "reading YAML" },
	[WEBLIB_CRYPT] = { "libcrypt.so.1", "basic auth" },
};

static const struct {
	enum weblib lib;
	const char *name;
	size_t offset;
} funcs[] = {
#define WEBLIBS_ENTRY(lib, fn) { lib, #fn, offsetof(struct weblibs, fn) },
	WEBLIBS_FUNCS(WEBLIBS_ENTRY)
#undef WEBLIBS_ENTRY
};

static void *handles[WEBLIB_N];
static int loaded;

static void unload(void)
{
	for (int i = WEBLIB_N - 1; i >= 0; i--) {
		if (handles[i])
			dlclose(handles[i]);
		handles[i] = NULL;
	}
	memset(&weblibs_fn, 0, sizeof(weblibs_fn));
}

static int fail(const char *path, enum weblib lib, struct diag *d)
{
	const char *why = dlerror();
	int r = diag_set(d, -ELIBACC, "--web.config.file %s: %s needs %s: %s", path,
			 libs[lib].needed_by, libs[lib].soname, why ? why : "not loaded");

	unload();
	return r;
}

int weblibs_load(const char *path, struct diag *d)
{
	if (loaded)
		return 0;
	for (int i = 0; i < WEBLIB_N; i++) {
		/* RTLD_LOCAL: their names stay out of the global scope,
		 * which the table is the only way into. */
		handles[i] = dlopen(libs[i].soname, RTLD_NOW | RTLD_LOCAL);
		if (!handles[i])
			return fail(path, (enum weblib)i, d);
	}
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		void *f = dlsym(handles[funcs[i].lib], funcs[i].name);

		if (!f)
			return fail(path, funcs[i].lib, d);
		*(void **)((char *)&weblibs_fn + funcs[i].offset) = f;
	}
	loaded = 1; /* kept loaded for good: contexts and sessions outlive any call */
	return 0;
}
