// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `syscall`, `errno`, `signal`: numbers named by the generated tables
 * behind names.h. */
#include <errno.h>
#include "decoder.h"
#include "names.h"

static int named(const char *name, char *buf, size_t size)
{
	return name ? dec_copy(name, buf, size) : -ENOENT;
}

int dec_syscall(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	int64_t v;
	int r = dec_int(p, len, &v);

	(void)f;
	/* raw_syscalls ids are longs: -1 and the like are no syscall. */
	return r ? r : v < 0 ? -ENOENT : named(syscall_name((uint64_t)v), buf, size);
}

int dec_errno(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	int64_t v;
	int r = dec_int(p, len, &v);

	(void)f;
	return r ? r : named(errno_name(v), buf, size);
}

int dec_signal(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	int64_t v;
	int r = dec_int(p, len, &v);

	(void)f;
	return r ? r : named(signal_name(v), buf, size);
}
