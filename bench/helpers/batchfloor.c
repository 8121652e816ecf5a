// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * batchfloor [--next-key] PIN_PATH
 *
 * The floor a reader's snapshot is measured against: open a pinned map
 * read-only and copy every entry out with bpf_map_lookup_batch, in one
 * buffer sized for the whole map, decoding nothing and printing nothing.
 * With --next-key, the same with bpf_map_get_next_key + lookup per entry,
 * what readers without batch support (and bpftool) pay.
 * Prints "ENTRIES SECONDS" of the read alone (open and allocation excluded).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static const char *prog = "batchfloor";
#include "helper.h"
#include "util.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s [--next-key] PIN_PATH\n"
		"  read every entry of a pinned map; print \"ENTRIES SECONDS\"\n", prog);
	exit(2);
}


static bool is_array(__u32 type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool is_percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static size_t read_batch(int fd, const struct bpf_map_info *info, char *keys, char *vals,
			 size_t vsize)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 out_batch, count;
	void *in = NULL;
	size_t n = 0;
	int r;

	do {
		count = info->max_entries - n;
		if (!count)
			break;
		r = bpf_map_lookup_batch(fd, in, &out_batch, keys + n * info->key_size,
					 vals + n * vsize, &count, &opts);
		if (r && errno != ENOENT)
			die("bpf_map_lookup_batch");
		n += count;
		in = &out_batch;
	} while (!r);
	return n;
}

static size_t read_next_key(int fd, const struct bpf_map_info *info, char *keys, char *vals,
			    size_t vsize)
{
	size_t n = 0;
	void *prev = NULL;

	while (n < info->max_entries &&
	       !bpf_map_get_next_key(fd, prev, keys + n * info->key_size)) {
		if (!bpf_map_lookup_elem(fd, keys + n * info->key_size, vals + n * vsize)) {
			prev = keys + n * info->key_size;
			n++;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_obj_get_opts, gopts, .file_flags = BPF_F_RDONLY);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	bool next_key = false;
	size_t vsize, n;
	char *keys, *vals;
	double t0, t1;
	int fd, cpus;

	if (argc == 3 && !strcmp(argv[1], "--next-key"))
		next_key = true;
	else if (argc != 2 || argv[1][0] == '-')
		usage();
	fd = bpf_obj_get_opts(argv[argc - 1], &gopts);
	if (fd < 0)
		die(argv[argc - 1]);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		die("bpf_obj_get_info_by_fd");
	cpus = libbpf_num_possible_cpus();
	if (cpus < 1)
		die("libbpf_num_possible_cpus");
	/* Per-CPU values come as one 8-byte aligned slot per possible CPU. */
	vsize = is_percpu(info.type) ? (size_t)((info.value_size + 7) & ~7u) * cpus
				      : info.value_size;
	keys = malloc((size_t)info.max_entries * info.key_size + 1);
	vals = malloc((size_t)info.max_entries * vsize + 1);
	if (!keys || !vals)
		die("malloc");
	/* Touch the buffers first: page faults are not the kernel's read. */
	memset(keys, 0, (size_t)info.max_entries * info.key_size);
	memset(vals, 0, (size_t)info.max_entries * vsize);
	t0 = monotonic_s();
	n = next_key ? read_next_key(fd, &info, keys, vals, vsize)
		     : read_batch(fd, &info, keys, vals, vsize);
	t1 = monotonic_s();
	if (!next_key && !n && !is_array(info.type))
		fprintf(stderr, "%s: map is empty\n", prog);
	printf("%zu %.6f\n", n, t1 - t0);
	free(keys);
	free(vals);
	return 0;
}
