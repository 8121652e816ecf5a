// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "holder.h"
#include "loader.h"
#include "util.h"

#define HOLDER_COMMIT_FD 3
#define HOLDER_FIRST_SOCK 4
#define HOLDER_MAX_SOCKS 64

int proc_start_time(pid_t pid, __u64 *start)
{
	char path[64], buf[1024], *p;
	_cleanup_close_ int fd = -1;
	ssize_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and parens: fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EIO;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return -ESRCH; /* a zombie holds nothing */
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return -EIO;
	*start = strtoull(p, NULL, 10);
	return 0;
}

static void child_exec(const char *backend, int commit_rd, const int *socks, size_t n)
{
	char count[16], exe[4096];
	int high[HOLDER_MAX_SOCKS + 1];
	size_t i;
	ssize_t len;
	int nul;

	/* Move everything out of the way first, then into place: dup2 onto a
	 * number that is still one of ours would close it. */
	high[0] = fcntl(commit_rd, F_DUPFD, 100);
	for (i = 0; i < n; i++)
		high[i + 1] = fcntl(socks[i], F_DUPFD, 100);
	for (i = 0; i <= n; i++)
		if (high[i] < 0 || dup2(high[i], HOLDER_COMMIT_FD + (int)i) < 0)
			_exit(127);
	/* Never keep the caller's stdio open: a test harness or a pipe
	 * waiting for EOF would wait as long as the holder lives. */
	nul = open("/dev/null", O_RDWR);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(nul, 2) < 0)
		_exit(127);
	close_range(HOLDER_FIRST_SOCK + n, ~0U, 0);
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0)
		_exit(127);
	exe[len] = '\0';
	snprintf(count, sizeof(count), "%zu", n);
	execl(exe, "ebpf-loader", "__hold", backend, count, (char *)NULL);
	_exit(127);
}

int holder_spawn(const char *backend, const int *socks, size_t n, struct holder *h)
{
	int p[2], r;
	pid_t pid;

	if (n > HOLDER_MAX_SOCKS)
		return -E2BIG;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		close(p[1]);
		child_exec(backend, p[0], socks, n);
	}
	close(p[0]);
	h->pid = pid;
	h->commit_fd = p[1];
	/* Read the start time now, while the child cannot have been reaped. */
	r = proc_start_time(pid, &h->start);
	if (r) {
		holder_abort(h);
		return r;
	}
	return 0;
}

int holder_commit(struct holder *h)
{
	ssize_t n = write(h->commit_fd, "C", 1);
	int r = n == 1 ? 0 : -EPIPE;

	close(h->commit_fd);
	h->commit_fd = -1;
	return r;
}

void holder_abort(struct holder *h)
{
	if (h->commit_fd >= 0) {
		close(h->commit_fd);
		h->commit_fd = -1;
	}
	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		waitpid(h->pid, NULL, 0);
		h->pid = 0;
	}
}

#define HOLDER_STOP_MS 3000 /* then SIGKILL */

/* Kernels without pidfds (before 5.3): signal by pid, poll /proc. */
static int holder_stop_polling(pid_t pid, __u64 start)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	__u64 now;
	int i;

	if (proc_start_time(pid, &now) || now != start)
		return 0; /* gone already, or the pid names another process now */
	if (kill(pid, SIGTERM) < 0)
		return errno == ESRCH ? 0 : -errno;
	for (i = 0; i < HOLDER_STOP_MS / 10; i++) {
		if (proc_start_time(pid, &now) || now != start)
			return 0;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	return 0;
}

int holder_stop(pid_t pid, __u64 start)
{
	_cleanup_close_ int pfd = -1;
	struct pollfd p;
	__u64 now;

	if (pid <= 0)
		return 0;
	/* Not our child (the loader that made it has exited), so no waitpid:
	 * a pidfd pins the process (its pid cannot be reused while we hold
	 * it, so the start-time check below stays true) and becomes readable
	 * the moment it exits, where polling /proc cost 10 ms steps. */
	pfd = pidfd_open(pid, 0);
	if (pfd < 0)
		return errno == ESRCH ? 0 : errno == ENOSYS ? holder_stop_polling(pid, start) : -errno;
	if (proc_start_time(pid, &now) || now != start)
		return 0; /* the pid names another process now */
	if (pidfd_send_signal(pfd, SIGTERM, NULL, 0) < 0)
		return errno == ESRCH ? 0 : -errno;
	p = (struct pollfd){ .fd = pfd, .events = POLLIN };
	if (poll(&p, 1, HOLDER_STOP_MS) == 0)
		pidfd_send_signal(pfd, SIGKILL, NULL, 0);
	return 0;
}

/* `ebpf-loader __hold NAME N`: the holder itself. */
int cmd_hold(int argc, char **argv)
{
	char c;
	ssize_t n;

	if (argc < 2)
		return 2;
	prctl(PR_SET_NAME, "ebpf-holder");
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (chdir("/") < 0)
		return 1;
	do
		n = read(HOLDER_COMMIT_FD, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || c != 'C')
		return 0; /* the loader died or gave up before publishing */
	close(HOLDER_COMMIT_FD);
	for (;;)
		pause(); /* SIGTERM (default action) ends us, closing the sockets */
}
