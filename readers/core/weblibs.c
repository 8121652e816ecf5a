// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The web code's libraries, dlopen()ed on first use (weblibs.h), as
 * lib/sdlazy.c does for libsystemd, by libload.c.
 */
#include <stddef.h>
#include "libload.h"
#define WEBLIBS_NO_REDIRECT /* here the names are the libraries' */
#include "weblibs.h"

struct weblibs weblibs_fn;

/* Debian's sonames, the same on amd64, arm64 and armhf. */
static const char *const sonames[WEBLIB_N] = {
	[WEBLIB_CRYPTO] = "libcrypto.so.3",
	[WEBLIB_SSL] = "libssl.so.3",
	[WEBLIB_YAML] = "libyaml-0.so.2",
	[WEBLIB_CRYPT] = "libcrypt.so.1",
};
/* What each is for, for the message when it cannot be loaded. */
static const char *const needed_by[WEBLIB_N] = {
	[WEBLIB_CRYPTO] = "TLS support",
	[WEBLIB_SSL] = "TLS support",
	[WEBLIB_YAML] = "reading YAML",
	[WEBLIB_CRYPT] = "basic auth",
};

static const struct libload_fn funcs[] = {
#define WEBLIBS_ENTRY(lib, fn) LIBLOAD_FN(struct weblibs, lib, fn)
	WEBLIBS_FUNCS(WEBLIBS_ENTRY)
#undef WEBLIBS_ENTRY
};

static void *handles[WEBLIB_N];
static struct libload weblibs = {
	.sonames = sonames, .handles = handles, .nlibs = WEBLIB_N,
	.fns = funcs, .nfns = sizeof(funcs) / sizeof(funcs[0]),
	.table = &weblibs_fn, .table_size = sizeof(weblibs_fn),
};

int weblibs_load(const char *path, struct diag *d)
{
	char why[512];
	int lib, r = libload_open(&weblibs, &lib, why, sizeof(why));

	if (r)
		return diag_set(d, r, "--web.config.file %s: %s needs %s: %s", path,
				needed_by[lib], sonames[lib], why);
	return 0;
}
