// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `enum:<name>`: an integer shown by the enumerators of a named enum, from
 * the object's BTF or, when it has no such enum, the running kernel's
 * (skb_drop_reason, tcp_ca_state), with the common prefix left out as for
 * key_enum. */
#include <errno.h>
#include <bpf/btf.h>
#include "btftags.h"
#include "decoder.h"
#include "reader.h"

/* The kernel's BTF, loaded when an enum: decoder first needs it and kept
 * for the process: several MB, parsed once, never per map. */
static struct btf *vmlinux_btf;
static int vmlinux_err;

static const struct btf *kernel_btf(void)
{
	if (!vmlinux_btf && !vmlinux_err) {
		vmlinux_btf = btf__load_vmlinux_btf();
		if (!vmlinux_btf)
			vmlinux_err = -errno ? -errno : -ENOENT;
	}
	return vmlinux_btf;
}

__attribute__((destructor)) static void kernel_btf_free(void)
{
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
}

int dec_enum_resolve(const struct btf *obj_btf, const char *name, const struct btf **btf,
		     int *id)
{
	const struct btf *k;
	int r = -ENOENT;

	if (obj_btf && (r = btf_enum_find(obj_btf, name)) >= 0) {
		*btf = obj_btf;
		*id = r;
		return 0;
	}
	k = kernel_btf();
	if (k && (r = btf_enum_find(k, name)) >= 0) {
		*btf = k;
		*id = r;
		return 0;
	}
	return r < 0 ? r : -ENOENT;
}

int dec_enum(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	int64_t v;
	int r = dec_int(p, len, &v);

	if (r)
		return r;
	if (!f->btf || !field_enum_name(f, v, buf, size))
		return -ENOENT;
	return 0;
}
