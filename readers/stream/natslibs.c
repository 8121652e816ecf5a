// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libnats and libcrypto, dlopen()ed when --publish is given (natslibs.h),
 * by libload.c. */
#include <stddef.h>
#define NATSLIBS_NO_REDIRECT /* here the names are libnats' */
#include "natslibs.h"

#if EBPF_HAVE_NATS
#include "libload.h"

struct natslibs natslibs_fn;

/* Debian's sonames, the same on amd64, arm64 and armhf; libnats needs
 * libcrypto, so loading it first maps nothing libnats would not. */
static const char *const sonames[NATSLIB_N] = {
	[NATSLIB_CRYPTO] = "libcrypto.so.3",
	[NATSLIB_NATS] = "libnats.so.3.4",
};

static const struct libload_fn funcs[] = {
#define NATSLIBS_ENTRY(lib, fn) LIBLOAD_FN(struct natslibs, lib, fn)
	NATSLIBS_FUNCS(NATSLIBS_ENTRY)
#undef NATSLIBS_ENTRY
};

static void *handles[NATSLIB_N];
static struct libload natslibs = {
	.sonames = sonames, .handles = handles, .nlibs = NATSLIB_N,
	.fns = funcs, .nfns = sizeof(funcs) / sizeof(funcs[0]),
	.table = &natslibs_fn, .table_size = sizeof(natslibs_fn),
};

int natslibs_load(struct diag *d)
{
	char why[512];
	int lib, r = libload_open(&natslibs, &lib, why, sizeof(why));

	if (r)
		return diag_set(d, r, "--publish: NATS support needs %s: %s", sonames[lib], why);
	return 0;
}

#else /* built without libnats (NATS=0): natspub_open() says so */

int natslibs_load(struct diag *d)
{
	(void)d;
	return 0;
}

#endif
