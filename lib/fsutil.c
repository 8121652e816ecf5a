// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "fsutil.h"
#include "pinlayout.h"
#include "util.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

static int fs_magic_is(const char *path, long magic)
{
	struct statfs st;

	if (statfs(path, &st) < 0)
		return -errno;
	return st.f_type == (typeof(st.f_type))magic;
}

int fs_is_bpffs(const char *path)
{
	return fs_magic_is(path, BPF_FS_MAGIC);
}

int fs_is_cgroup2(const char *path)
{
	return fs_magic_is(path, CGROUP2_SUPER_MAGIC);
}

int pin_root_check_bpffs(const char *path, struct diag *d)
{
	int r = fs_is_bpffs(path);

	if (r < 0)
		return diag_set(d, r, "pin root %s: %s", path, strerror(-r));
	if (r == 0)
		return diag_set(d, -EXDEV, "pin root %s is not on a BPF filesystem (bpffs)", path);
	return 0;
}

int bpffs_ensure_mounted(void)
{
	int r = fs_is_bpffs(EBPF_BPFFS_MOUNT);

	if (r > 0)
		return 0;
	if (r == -ENOENT && mkdir(EBPF_BPFFS_MOUNT, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* mode=0700: pins are root's unless the loader opens them up (--group). */
	if (mount("bpf", EBPF_BPFFS_MOUNT, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0700") < 0)
		return -errno;
	return 0;
}

int tracefs_find(char *buf, size_t size)
{
	static const char *const candidates[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(candidates); i++) {
		if (fs_magic_is(candidates[i], TRACEFS_MAGIC) > 0)
			return strscpy(buf, candidates[i], size);
	}
	if (mount("tracefs", candidates[0], "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return -errno;
	return strscpy(buf, candidates[0], size);
}

int cgroup2_find(char *buf, size_t size)
{
	struct mntent *m;
	FILE *f = setmntent("/proc/self/mounts", "r");
	int r = -ENOENT;

	if (!f)
		return -errno;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			r = strscpy(buf, m->mnt_dir, size);
			break;
		}
	}
	endmntent(f);
	return r;
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *p;
	int r;

	r = strscpy(buf, path, sizeof(buf));
	if (r)
		return r;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

bool path_is_under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	while (len > 1 && dir[len - 1] == '/')
		len--;
	return !strncmp(path, dir, len) && (path[len] == '/' || path[len] == '\0');
}

bool bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v == 1;
}
