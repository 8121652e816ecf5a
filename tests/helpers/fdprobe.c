// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fdprobe PID: take a copy of each BPF map fd another process holds
 * (pidfd_getfd) and try to write through it. A reader's fds must all refuse
 * (EPERM): they were opened read-only. Ring buffers are skipped: their one
 * consumer needs a writable fd for its position.
 * Prints one line per map fd; exit 0 when every write was refused and there
 * was at least one map, 1 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int main(int argc, char **argv)
{
	char dir[64], path[320], link[64];
	int pid, pidfd, maps = 0, writable = 0;
	struct dirent *e;
	DIR *d;

	if (argc != 2 || (pid = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: fdprobe PID\n");
		return 2;
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "fdprobe: pidfd_open %d: %s\n", pid, strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "fdprobe: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		char key[512] = { 0 }, *val;
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "anon_inode:bpf-map"))
			continue;
		fd = syscall(SYS_pidfd_getfd, pidfd, atoi(e->d_name), 0);
		if (fd < 0) {
			fprintf(stderr, "fdprobe: pidfd_getfd %s: %s\n", e->d_name, strerror(errno));
			return 1;
		}
		if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || info.type == BPF_MAP_TYPE_RINGBUF ||
		    info.key_size > sizeof(key)) {
			close(fd);
			continue;
		}
		val = calloc(1, info.value_size * 512 + 8); /* room for per-CPU values */
		if (!val)
			return 1;
		maps++;
		if (bpf_map_update_elem(fd, key, val, BPF_ANY) == 0 || errno != EPERM) {
			printf("fd %s map %u (%s): write NOT refused (%s)\n", e->d_name, info.id,
			       info.name, strerror(errno));
			writable++;
		} else {
			printf("fd %s map %u (%s): write refused: %s\n", e->d_name, info.id, info.name,
			       strerror(errno));
		}
		free(val);
		close(fd);
	}
	closedir(d);
	return maps > 0 && !writable ? 0 : 1;
}
