// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ksym`, `kstack`, `cgroup`, `majorminor`, `ifname`: values looked up in
 * the running system by the functions behind sysnames.h. */
#include <errno.h>
#include "decoder.h"
#include "reader.h"
#include "sysnames.h"

int dec_ksym(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	uint64_t v;
	int r = dec_uint(p, len, &v);

	(void)f;
	return r ? r : ksym_lookup(v, buf, size);
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
	uint64_t v;
	int r = dec_uint(p, len, &v);

	(void)f;
	return r ? r : cgroup_lookup(v, buf, size);
}

int dec_majorminor(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	uint64_t v;
	int r = dec_uint(p, len, &v);

	(void)f;
	return r ? r : blockdev_lookup(v, buf, size);
}

int dec_ifname(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	uint64_t v;
	int r = dec_uint(p, len, &v);

	(void)f;
	return r ? r : ifname_lookup(v, buf, size);
}
