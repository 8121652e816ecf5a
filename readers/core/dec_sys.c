// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ksym`, `kstack`, `cgroup`, `majorminor`, `ifname`: values looked up in
 * the running system by the functions behind sysnames.h. */
#include <errno.h>
#include "decoder.h"
#include "reader.h"
#include "sysnames.h"

/* The field as an unsigned number, then looked up by one of sysnames.h. */
static int lookup_uint(const uint8_t *p, size_t len, int (*lookup)(uint64_t, char *, size_t),
		       char *buf, size_t size)
{
	uint64_t v;
	int r = dec_uint(p, len, &v);

	return r ? r : lookup(v, buf, size);
}

int dec_ksym(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	(void)f;
	return lookup_uint(p, len, ksym_lookup, buf, size);
}

/* A stack id as bpf_get_stackid() returns it: negative is an error the
 * program stored, not a stack. */
int dec_kstack(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	int64_t v;
	int r = dec_int(p, len, &v);

	if (r)
		return r;
	if (v < 0 || v > UINT32_MAX || f->dec_fd < 0)
		return -ENOENT;
	return kstack_lookup(f->dec_fd, (uint32_t)v, buf, size);
}

int dec_cgroup(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	(void)f;
	return lookup_uint(p, len, cgroup_lookup, buf, size);
}

int dec_majorminor(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	(void)f;
	return lookup_uint(p, len, blockdev_lookup, buf, size);
}

int dec_ifname(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	(void)f;
	return lookup_uint(p, len, ifname_lookup, buf, size);
}
