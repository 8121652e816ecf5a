// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "btfpin.h"
#include "dirlist.h"
#include "pinlayout.h"
#include "util.h"

int btfpin_create(const void *raw, __u32 size, __u32 btf_id, int *fd_out)
{
	struct ebpf_btfpin_hdr *v;
	__u32 key = 0;
	int fd, r = 0;

	v = calloc(1, sizeof(*v) + size);
	if (!v)
		return -ENOMEM;
	v->magic = EBPF_BTFPIN_MAGIC;
	v->btf_id = btf_id;
	v->size = size;
	memcpy(v + 1, raw, size);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ebpf_btf", sizeof(key), sizeof(*v) + size, 1, NULL);
	if (fd < 0)
		r = -errno;
	else if (bpf_map_update_elem(fd, &key, v, BPF_ANY) < 0)
		r = -errno;
	free(v);
	if (r) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	*fd_out = fd;
	return 0;
}

#define ANY_ID 0

static struct btf *from_pin(const char *path, __u32 btf_id)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), key = 0;
	struct ebpf_btfpin_hdr *v = NULL;
	struct btf *btf = NULL;
	_cleanup_close_ int fd = bpf_obj_get_opts(path, &ro);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0 ||
	    info.type != BPF_MAP_TYPE_ARRAY || info.value_size < sizeof(*v))
		return NULL;
	v = malloc(info.value_size);
	if (!v)
		return NULL;
	if (bpf_map_lookup_elem(fd, &key, v) == 0 && v->magic == EBPF_BTFPIN_MAGIC &&
	    (btf_id == ANY_ID || v->btf_id == btf_id) && v->size <= info.value_size - sizeof(*v))
		btf = btf__new(v + 1, v->size);
	free(v);
	return btf && !libbpf_get_error(btf) ? btf : NULL;
}

struct btf *btfpin_load(const char *root, __u32 btf_id)
{
	struct btf *btf = NULL;
	struct dirlist l;
	char path[PATH_MAX];

	/* The pins first: they need no CAP_SYS_ADMIN, so every reader gets
	 * its BTF the same way whatever its privileges; by id only for maps
	 * some other loader made. */
	if (!dirlist_read(root, &l)) {
		for (size_t i = 0; i < l.n && !btf; i++) {
			if (!pin_root_entry_is_backend(l.names[i]) ||
			    path_join(path, sizeof(path), "%s/%s/%s", root, l.names[i],
				      EBPF_BTFPIN_NAME))
				continue;
			btf = from_pin(path, btf_id);
		}
		dirlist_free(&l);
	}
	if (!btf)
		btf = btf__load_from_kernel_by_id(btf_id);
	return btf;
}

struct btf *btfpin_load_backend(const char *root, const char *backend)
{
	char path[PATH_MAX];
	struct btf *btf;

	if (path_join(path, sizeof(path), "%s/%s/%s", root, backend, EBPF_BTFPIN_NAME)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	btf = from_pin(path, ANY_ID);
	if (!btf)
		errno = ENOENT;
	return btf;
}
