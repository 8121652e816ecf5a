// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `cgroup` decoder: cgroup v2 id -> path under the cgroup2 mount ("/" for
 * the root, "/system.slice/x.service"). The id BPF gets from
 * bpf_get_current_cgroup_id() is the kernfs node id, which is the inode
 * number of the cgroup's directory (and what readdir's d_ino says), and is
 * never reused on 64-bit kernels.
 *
 * The cache maps id -> path for up to CG_MAX_ENTRIES cgroups, built by one
 * walk of the tree. An id not in it causes a new walk, at most one per
 * CG_REFRESH_MS whatever the ids asked: a snapshot full of unknown (or
 * forged) ids costs one walk, and a new cgroup shows within a second. The
 * walk reads directories only (d_type, d_ino: no stat per entry) and is
 * bounded in depth and in directories visited. Not thread-safe: the
 * readers are single-threaded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscache.h"
#include "sysnames.h"

#define CG_REFRESH_MS 1000
#define CG_MAX_ENTRIES 4096
#define CG_SLOTS 8192		/* power of two, twice the entries */
#define CG_MAX_BYTES (1u << 20)	/* paths kept, in all */
#define CG_MAX_DEPTH 64
#define CG_MAX_DIRS 65536	/* directories one walk may visit */

struct cg_slot {
	uint64_t id;
	char *path;		/* NULL: empty slot */
};

struct cg_cache {
	struct cg_slot slot[CG_SLOTS];
	size_t n, bytes;
};

/* The walk's state: where it is and what it may still spend. */
struct cg_walk {
	struct cg_cache *c;
	uint64_t wanted;	/* always kept, even when the cache is full */
	char path[PATH_MAX];
	size_t dirs;
};

static struct cg_cache cgcache;
static uint64_t cg_scan_ms;	/* 0: never walked */

static size_t slot_of(uint64_t id)
{
	return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & (CG_SLOTS - 1);
}

static const char *cache_find(const struct cg_cache *c, uint64_t id)
{
	size_t i = slot_of(id), k;

	for (k = 0; k < CG_SLOTS && c->slot[i].path; k++, i = (i + 1) & (CG_SLOTS - 1))
		if (c->slot[i].id == id)
			return c->slot[i].path;
	return NULL;
}

static void cache_clear(struct cg_cache *c)
{
	size_t i;

	for (i = 0; i < CG_SLOTS; i++)
		free(c->slot[i].path);
	memset(c, 0, sizeof(*c));
}

/* Keep id -> path unless the cache is full (the wanted id always fits:
 * the table has twice the slots of its entry bound). */
static int cache_add(struct cg_cache *c, uint64_t id, const char *path, int wanted)
{
	size_t len = strlen(path) + 1, i;

	if (!wanted && (c->n >= CG_MAX_ENTRIES || c->bytes + len > CG_MAX_BYTES))
		return 0;
	for (i = slot_of(id); c->slot[i].path; i = (i + 1) & (CG_SLOTS - 1))
		if (c->slot[i].id == id)
			return 0;
	c->slot[i].path = strdup(path);
	if (!c->slot[i].path)
		return -ENOMEM;
	c->slot[i].id = id;
	c->n++;
	c->bytes += len;
	return 0;
}

/* "\040" and friends in a mountinfo field, in place. */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* The first cgroup2 mount point in our mount namespace (a v1 hierarchy
 * may sit beside it: "cgroup" mounts are not it). */
static int cgroup2_mount(char *mnt, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *sep, *point;
	size_t cap = 0;
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char fstype[32];

		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%31s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		/* ID PARENT MAJ:MIN ROOT POINT ...: the fifth field. */
		*sep = '\0';
		point = line;
		for (int i = 0; i < 4 && point; i++) {
			point = strchr(point, ' ');
			point = point ? point + 1 : NULL;
		}
		if (!point)
			continue;
		point[strcspn(point, " ")] = '\0';
		unescape_octal(point);
		if (strlen(point) >= size) {
			err = -ENAMETOOLONG;
			continue;
		}
		strcpy(mnt, point);
		err = 0;
		break;
	}
	free(line);
	fclose(f);
	return err;
}

/* Record every directory under dfd (whose path is w->path), depth first.
 * Takes dfd. */
static int walk_dir(struct cg_walk *w, int dfd, int depth)
{
	size_t base = strlen(w->path);
	struct dirent *de;
	DIR *d = fdopendir(dfd);
	int err = 0;

	if (!d) {
		close(dfd);
		return 0;	/* a cgroup removed under us is no error */
	}
	while (!err && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		int sub;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (++w->dirs > CG_MAX_DIRS)
			break;
		if (base + 1 + n >= sizeof(w->path))
			continue;
		w->path[base] = '/';
		memcpy(w->path + base + 1, de->d_name, n + 1);
		err = cache_add(w->c, de->d_ino, w->path, de->d_ino == w->wanted);
		if (!err && depth < CG_MAX_DEPTH) {
			sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				err = walk_dir(w, sub, depth + 1);
		}
		w->path[base] = '\0';
	}
	closedir(d);
	return err;
}

/* Rebuild the cache from the tree as it is now. */
static int cg_rescan(uint64_t wanted)
{
	static struct cg_walk w;
	char mnt[PATH_MAX];
	struct stat st;
	int fd, err;

	cache_clear(&cgcache);
	err = cgroup2_mount(mnt, sizeof(mnt));
	if (err)
		return err;
	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = cache_add(&cgcache, st.st_ino, "/", 1);
	if (err) {
		close(fd);
		return err;
	}
	w.c = &cgcache;
	w.wanted = wanted;
	w.path[0] = '\0';
	w.dirs = 0;
	return walk_dir(&w, fd, 1);
}

int cgroup_lookup(uint64_t cgroup_id, char *buf, size_t size)
{
	const char *path = cache_find(&cgcache, cgroup_id);
	size_t len;

	if (!path && (!cg_scan_ms || sys_mono_ms() - cg_scan_ms >= CG_REFRESH_MS)) {
		cg_scan_ms = sys_mono_ms();
		/* A walk cut short (ENOMEM) still leaves what it found. */
		cg_rescan(cgroup_id);
		path = cache_find(&cgcache, cgroup_id);
	}
	if (!path)
		return -ENOENT;
	len = strlen(path);
	if (len >= size)
		return -ENOSPC;
	memcpy(buf, path, len + 1);
	return 0;
}
