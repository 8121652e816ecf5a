// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mkmap PIN_PATH TYPE ENTRIES
 *
 * Make a big pinned map for reader tests and benchmarks: TYPE is hash,
 * percpu_hash or array, keys are u32 and values u64 (one per possible CPU
 * for percpu_hash). Key i holds i*3+1 (plus the CPU number per CPU), so a
 * reader's output can be checked without knowing how it was filled.
 * TYPE inet_hash keys a hash by struct { __u8 saddr[4]; __be16 dport;
 * __u16 pad; } instead, key i being 10.<i in 3 bytes> and port i % 65536,
 * its map tagged ebpf:decode=saddr:inet_ip and dport:port (the decoders'
 * hot path).
 *
 * The map carries BTF built here in user space, as a compiled BPF object's
 * map would: readers decode keys and values from it, and a map without BTF
 * would only test their hex fallback. Missing parent directories of
 * PIN_PATH are made on bpffs. The map is filled before it is pinned, so a
 * reader never sees it half full, and a failure leaves nothing pinned.
 * Prints "pinned N entries at PATH" on success.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* Entries per bpf_map_update_batch call: big enough that the syscall cost
 * vanishes, small enough that the buffers stay a few MB even per CPU. */
#define CHUNK (64 * 1024)

static const char *prog = "mkmap";
#include "helper.h"
#include "btfpin.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s PIN_PATH TYPE ENTRIES\n"
		"  TYPE: hash | percpu_hash | array (u32 key, u64 value),\n"
		"        inet_hash ({saddr[4], dport, pad} key decoded as inet_ip, port)\n"
		"  make a map with BTF, set key i to i*3+1 (+cpu for percpu_hash),\n"
		"  pin it at PIN_PATH (parent directories made as needed)\n",
		prog);
	exit(2);
}



/* inet_hash: the struct key with decode tags. */
static bool inet;

struct inet_key {
	__u8 saddr[4];
	__u16 dport;            /* network order */
	__u16 pad;
};

static enum bpf_map_type parse_type(const char *s)
{
	if (!strcmp(s, "inet_hash")) {
		inet = true;
		return BPF_MAP_TYPE_HASH;
	}
	if (!strcmp(s, "hash"))
		return BPF_MAP_TYPE_HASH;
	if (!strcmp(s, "percpu_hash"))
		return BPF_MAP_TYPE_PERCPU_HASH;
	if (!strcmp(s, "array"))
		return BPF_MAP_TYPE_ARRAY;
	fprintf(stderr, "%s: bad TYPE '%s'\n", prog, s);
	usage();
	return 0;
}

/* Load BTF holding just the key and value types; their ids go to *key_id
 * and *val_id. The map keeps its own reference, so the caller may close
 * the returned fd once the map exists. */
/* Like the loader, the map's backend dir also gets the BTF as a pin
 * (lib/btfpin.h), so readers decode it without CAP_SYS_ADMIN. */
static struct btf *g_btf;

/* The struct key, and the map's VAR in DATASEC ".maps" with its decode
 * tags, as clang writes them for a map declared with EBPF_DECODE. */
static int add_inet_types(struct btf *btf, const char *map_name, int u32_id, int u64_id)
{
	int u8 = btf__add_int(btf, "unsigned char", 1, 0);
	int u16 = btf__add_int(btf, "short unsigned int", 2, 0);
	int arr = btf__add_array(btf, u32_id, u8, 4);
	int key = btf__add_struct(btf, "inet_key", sizeof(struct inet_key));
	int var, sec;

	if (u8 < 0 || u16 < 0 || arr < 0 || key < 0 ||
	    btf__add_field(btf, "saddr", arr, 0, 0) || btf__add_field(btf, "dport", u16, 32, 0) ||
	    btf__add_field(btf, "pad", u16, 48, 0))
		return -1;
	var = btf__add_var(btf, map_name, BTF_VAR_GLOBAL_ALLOCATED, u64_id);
	if (var < 0 || btf__add_decl_tag(btf, "ebpf:kind=counter", var, -1) < 0 ||
	    btf__add_decl_tag(btf, "ebpf:decode=saddr:inet_ip", var, -1) < 0 ||
	    btf__add_decl_tag(btf, "ebpf:decode=dport:port", var, -1) < 0)
		return -1;
	sec = btf__add_datasec(btf, ".maps", 8);
	if (sec < 0 || btf__add_datasec_var_info(btf, var, 0, 8))
		return -1;
	return key;
}

static int load_btf(const char *map_name, __u32 *key_id, __u32 *val_id)
{
	struct btf *btf;
	int id, fd;

	btf = btf__new_empty();
	if (!btf)
		die("btf__new_empty");
	/* Encoding 0 is unsigned; names as clang emits them for __u32/__u64. */
	id = btf__add_int(btf, "unsigned int", 4, 0);
	if (id < 0)
		die("btf__add_int (key)");
	*key_id = id;
	id = btf__add_int(btf, "long long unsigned int", 8, 0);
	if (id < 0)
		die("btf__add_int (value)");
	*val_id = id;
	if (inet) {
		id = add_inet_types(btf, map_name, *key_id, *val_id);
		if (id < 0)
			die("btf (inet_hash key)");
		*key_id = id;
	}
	if (btf__load_into_kernel(btf))
		die("btf__load_into_kernel");
	fd = dup(btf__fd(btf));
	if (fd < 0)
		die("dup (btf fd)");
	g_btf = btf;
	return fd;
}

/* Set key i to i*3+1 (+cpu) for every i in [0, entries), CHUNK at a time.
 * Per-CPU values are ncpus consecutive 8-byte slots per key, as the
 * syscall wants them. */
static void fill(int map_fd, unsigned long entries, int ncpus)
{
	size_t ksize = inet ? sizeof(struct inet_key) : sizeof(__u32);
	uint8_t *keys = malloc(CHUNK * ksize);
	__u64 *vals = malloc((size_t)CHUNK * ncpus * sizeof(*vals));
	unsigned long base, i;
	__u32 n, count;
	int c;

	if (!keys || !vals)
		die("malloc");
	for (base = 0; base < entries; base += n) {
		n = entries - base < CHUNK ? entries - base : CHUNK;
		for (i = 0; i < n; i++) {
			__u32 k = base + i;

			if (inet) {
				struct inet_key ik = {
					.saddr = { 10, k >> 16 & 0xff, k >> 8 & 0xff, k & 0xff },
					.dport = htons(k & 0xffff),
				};

				memcpy(keys + i * ksize, &ik, ksize);
			} else {
				memcpy(keys + i * ksize, &k, ksize);
			}
			for (c = 0; c < ncpus; c++)
				vals[i * ncpus + c] = (base + i) * 3 + 1 + c;
		}
		count = n;
		if (bpf_map_update_batch(map_fd, keys, vals, &count, NULL))
			die("bpf_map_update_batch");
		if (count != n) {
			fprintf(stderr, "%s: bpf_map_update_batch: updated %u of %u\n",
				prog, count, n);
			exit(1);
		}
	}
	free(keys);
	free(vals);
}

/* mkdir -p for the directories above path; bpffs allows plain mkdir. */
/* PIN_PATH is <root>/<backend>/maps/<map>: the BTF goes to <root>/<backend>/btf. */
static void pin_btf(const char *map_path, int btf_fd)
{
	struct bpf_btf_info info = {};
	__u32 len = sizeof(info), size;
	const void *raw = btf__raw_data(g_btf, &size);
	char dir[4096], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", map_path);
	for (int i = 0; i < 2; i++) {
		slash = strrchr(dir, '/');
		if (!slash)
			return;
		*slash = '\0';
	}
	if (!raw || bpf_obj_get_info_by_fd(btf_fd, &info, &len))
		die("btf info");
	if (btfpin_create(raw, size, info.id, &fd))
		die("btfpin_create");
	strncat(dir, "/" EBPF_BTFPIN_NAME, sizeof(dir) - strlen(dir) - 1);
	if (bpf_obj_pin(fd, dir) && errno != EEXIST)
		die("bpf_obj_pin (btf)");
	close(fd);
}

static void make_parents(const char *path)
{
	char *p, *dir = strdup(path);

	if (!dir)
		die("strdup");
	for (p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			fprintf(stderr, "%s: mkdir %s: %s\n", prog, dir, strerror(errno));
			exit(1);
		}
		*p = '/';
	}
	free(dir);
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	enum bpf_map_type type;
	unsigned long entries;
	int ncpus = 1, map_fd;
	const char *name;

	if (argc != 4)
		usage();
	type = parse_type(argv[2]);
	entries = parse_num(argv[3], "ENTRIES", 1, UINT_MAX);

	if (type == BPF_MAP_TYPE_PERCPU_HASH) {
		ncpus = libbpf_num_possible_cpus();
		if (ncpus < 1) {
			errno = -ncpus;
			die("libbpf_num_possible_cpus");
		}
	}

	name = strrchr(argv[1], '/');
	opts.btf_fd = load_btf(name ? name + 1 : argv[1], &opts.btf_key_type_id,
			       &opts.btf_value_type_id);
	map_fd = bpf_map_create(type, "mkmap", inet ? sizeof(struct inet_key) : sizeof(__u32),
				sizeof(__u64),
				entries, &opts);
	if (map_fd < 0)
		die("bpf_map_create");
	close(opts.btf_fd);

	fill(map_fd, entries, ncpus);
	make_parents(argv[1]);
	pin_btf(argv[1], btf__fd(g_btf));
	if (bpf_obj_pin(map_fd, argv[1])) {
		fprintf(stderr, "%s: bpf_obj_pin %s: %s\n", prog, argv[1], strerror(errno));
		return 1;
	}
	close(map_fd);
	printf("pinned %lu entries at %s\n", entries, argv[1]);
	return 0;
}
