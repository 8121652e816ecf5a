// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --listen addresses: one rule for every reader (skeleton.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "skeleton.h"
#include "tcplisten.h"
#include "util.h"

static int parse_unix(struct listen_addr *a, const char *path, struct diag *d)
{
	if (!*path || strlen(path) >= sizeof(a->un.sun_path))
		return diag_set(d, -EINVAL, "invalid --listen '%s': unix:PATH (at most %zu bytes)",
				a->spec, sizeof(a->un.sun_path) - 1);
	a->un.sun_family = AF_UNIX;
	strscpy(a->un.sun_path, path, sizeof(a->un.sun_path));
	return 0;
}

static int parse_tcp(struct listen_addr *a, const char *addr_port, struct diag *d)
{
	struct diag why = {};
	int r = tcp_listen_check(addr_port, &why);

	if (r)
		return diag_set(d, r, "invalid --listen '%s': %s", a->spec, diag_msg(&why, r));
	a->tcp = addr_port;
	return 0;
}

int listen_addr_parse(struct listen_addr *a, const char *spec, int forms, struct diag *d)
{
	memset(a, 0, sizeof(*a));
	a->spec = spec;
	if (forms & LISTEN_PREFIXED) {
		if (!strncmp(spec, "unix:", 5))
			return parse_unix(a, spec + 5, d);
		if (!strncmp(spec, "tcp:", 4))
			return parse_tcp(a, spec + 4, d);
		if (!(forms & LISTEN_TCP_BARE))
			return diag_set(d, -EINVAL, "invalid --listen '%s': unix:PATH or tcp:ADDR:PORT",
					spec);
	}
	return parse_tcp(a, spec, d);
}

/* What is at a path, for a message. */
static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFLNK: return "a symbolic link";
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	}
	return "of an unknown kind";
}

/*
 * Whether a socket file is a live listener's: connect to it. Refused: a
 * leftover nobody listens on (0). Accepted, or a full backlog: in use
 * (-EADDRINUSE). Any other failure is told as it is (-EACCES: we may not
 * even ask), not taken for "in use".
 */
static int probe_socket_file(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), r;

	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? -errno : 0;
	close(fd);
	if (r == -ECONNREFUSED)
		return 0;
	if (!r || r == -EAGAIN || r == -EINPROGRESS)
		return -EADDRINUSE;
	return r;
}

/*
 * Bind fd at sa->sun_path. Something there already: a socket nobody
 * listens on is the leftover of a reader that died, and is taken over; a
 * live one is in use (-EADDRINUSE). Anything else is not ours to replace
 * (-EEXIST, its kind in *found): connecting to a file that is not a socket
 * fails with ECONNREFUSED as well, so the kind is checked first.
 */
static int bind_unix(int fd, const struct sockaddr_un *sa, mode_t *found)
{
	const char *path = sa->sun_path;
	struct stat s;
	int r;

	if (!bind(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	if (lstat(path, &s) < 0)
		return errno == ENOENT ? -EADDRINUSE : -errno; /* gone meanwhile: someone else's doing */
	if (!S_ISSOCK(s.st_mode)) {
		*found = s.st_mode;
		return -EEXIST;
	}
	r = probe_socket_file(sa);
	if (r)
		return r;
	if (unlink(path) < 0 || bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return -errno;
	return 0;
}

/* --listen unix:PATH; a->bound is the socket file made (removed at exit). */
static int open_unix(struct listen_addr *a, struct diag *d)
{
	const char *path = a->un.sun_path;
	mode_t found = 0;
	int fd, r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return diag_set(d, -errno, "cannot listen on %s: %s", a->spec, strerror(errno));
	r = bind_unix(fd, &a->un, &found);
	/* Which file is ours: at exit, only that one is removed. */
	if (!r && lstat(path, &a->bound) < 0)
		r = -errno;
	if (!r && listen(fd, LISTEN_BACKLOG) < 0) {
		r = -errno;
		listen_addr_release(a);
	}
	if (!r)
		return fd;
	close(fd);
	memset(&a->bound, 0, sizeof(a->bound));
	if (r == -EEXIST)
		return diag_set(d, r, "cannot listen on %s: %s is %s, not a socket: not replaced",
				a->spec, path, file_kind(found));
	return diag_set(d, r, "cannot listen on %s: %s", a->spec, strerror(-r));
}

static int open_tcp(struct listen_addr *a, struct diag *d)
{
	struct diag why = {};
	int fd = tcp_listen(a->tcp, LISTEN_BACKLOG, &why);

	if (fd == -EINVAL)
		return diag_set(d, fd, "invalid --listen '%s': %s", a->spec, diag_msg(&why, fd));
	if (fd < 0)
		return diag_set(d, fd, "cannot listen on %s: %s", a->spec, diag_msg(&why, fd));
	return fd;
}

int listen_addr_open(struct listen_addr *a, struct diag *d)
{
	memset(&a->bound, 0, sizeof(a->bound));
	return a->tcp ? open_tcp(a, d) : open_unix(a, d);
}

void listen_addr_release(struct listen_addr *a)
{
	const char *path = a->un.sun_path;
	struct stat s;

	/* Not a file put at the path since (a reader started after ours was
	 * removed, a file): only the one we bound. */
	if (!a->tcp && S_ISSOCK(a->bound.st_mode) && !lstat(path, &s) && S_ISSOCK(s.st_mode) &&
	    s.st_dev == a->bound.st_dev && s.st_ino == a->bound.st_ino)
		unlink(path);
	memset(&a->bound, 0, sizeof(a->bound));
}
