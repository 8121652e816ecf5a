// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "meta.h"
#include "pinlayout.h"
#include "util.h"

/* Every name backend_name_check() accepts fits the record. */
_Static_assert(sizeof(((struct ebpf_meta *)0)->name) >= BACKEND_NAME_MAX,
	       "meta name field shorter than BACKEND_NAME_MAX");

int meta_create(const struct ebpf_meta *m, int *fd_out)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, EBPF_META_MAP_NAME, sizeof(__u32),
			    sizeof(*m), 1, NULL);
	if (fd < 0)
		return -errno;
	r = meta_write(fd, m);
	if (r)
		return r;
	*fd_out = TAKE_FD(fd);
	return 0;
}

int meta_write(int fd, const struct ebpf_meta *m)
{
	__u32 key = 0;

	if (bpf_map_update_elem(fd, &key, m, BPF_ANY) < 0)
		return -errno;
	return 0;
}

int meta_read_fd(int fd, struct ebpf_meta *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), key = 0;
	_cleanup_free_ void *buf = NULL;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size < offsetof(struct ebpf_meta, attach))
		return -EPROTO;
	buf = calloc(1, info.value_size);
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, buf) < 0)
		return -errno;
	memset(m, 0, sizeof(*m));
	/* A newer writer may have appended fields: keep what we know. */
	memcpy(m, buf, info.value_size < sizeof(*m) ? info.value_size : sizeof(*m));
	if (m->magic != EBPF_META_MAGIC || m->version < 1)
		return -EPROTO;
	if (m->nr_attach > EBPF_META_MAX_ATTACH)
		m->nr_attach = EBPF_META_MAX_ATTACH;
	/* Never trust a record to be terminated. */
	m->name[sizeof(m->name) - 1] = m->object[sizeof(m->object) - 1] = '\0';
	m->sha256[sizeof(m->sha256) - 1] = m->iface[sizeof(m->iface) - 1] = '\0';
	m->loader_version[sizeof(m->loader_version) - 1] = '\0';
	for (__u32 i = 0; i < m->nr_attach; i++) {
		struct ebpf_meta_attach *a = &m->attach[i];

		a->prog[sizeof(a->prog) - 1] = a->kind[sizeof(a->kind) - 1] = '\0';
		a->target[sizeof(a->target) - 1] = '\0';
	}
	return 0;
}

int meta_read(const char *backend_dir, struct ebpf_meta *m)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	char path[PATH_MAX];
	struct stat st;
	_cleanup_close_ int fd = -1;
	int r;

	/* A symbolic link (the entry or its meta) is not followed: through
	 * one, another backend's record would make it look like a backend,
	 * and unload would detach that other backend. */
	if (lstat(backend_dir, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	r = path_join(path, sizeof(path), "%s/%s", backend_dir, PIN_META);
	if (r)
		return r;
	if (lstat(path, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	fd = bpf_obj_get_opts(path, &opts);
	if (fd < 0)
		return -errno;
	return meta_read_fd(fd, m);
}
