// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "tcplisten.h"
#include "util.h"

/* Split spec into host ("" for none, brackets removed) and port. */
static int split_host_port(const char *spec, char *host, size_t hsize, char *port, size_t psize,
			   struct diag *d)
{
	const char *colon = strrchr(spec, ':');
	size_t hl;

	if (!colon)
		return diag_set(d, -EINVAL, "expected ADDR:PORT");
	if (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strlen(colon + 1) > 5 || atoi(colon + 1) < 1 || atoi(colon + 1) > 65535)
		return diag_set(d, -EINVAL, "port must be a number, 1..65535");
	strscpy(port, colon + 1, psize);
	hl = (size_t)(colon - spec);
	if (hl && spec[0] == '[') {
		if (hl < 3 || spec[hl - 1] != ']')
			return diag_set(d, -EINVAL, "an IPv6 address goes in brackets: [ADDR]:PORT");
		spec++;
		hl -= 2;
	}
	if (hl >= hsize)
		return diag_set(d, -EINVAL, "address too long");
	memcpy(host, spec, hl);
	host[hl] = '\0';
	return 0;
}

/* Meant as an address, never a name: IPv6 (a colon) or digits and dots
 * (no top level domain is all digits). A typo is then not sent to DNS. */
static bool is_numeric(const char *host)
{
	return strchr(host, ':') || strspn(host, "0123456789.") == strlen(host);
}

int tcp_listen_check(const char *spec, struct diag *d)
{
	char host[256], port[8];
	struct in6_addr a;
	int r = split_host_port(spec, host, sizeof(host), port, sizeof(port), d);

	if (r)
		return r;
	if (host[0] && is_numeric(host) && inet_pton(AF_INET, host, &a) != 1 &&
	    inet_pton(AF_INET6, host, &a) != 1)
		return diag_set(d, -EINVAL, "'%s' is not an IP address", host);
	return 0;
}

/* getaddrinfo's failures: the spec's fault (-EINVAL), or the moment's. */
static int gai_errno(int r)
{
	switch (r) {
	case EAI_AGAIN: return -EAGAIN;
	case EAI_MEMORY: return -ENOMEM;
	case EAI_SYSTEM: return errno ? -errno : -EIO;
	case EAI_FAIL: return -EIO;
	default: return -EINVAL;
	}
}

/* A listening socket on one address, or -errno. */
static int listen_on(const struct addrinfo *ai, int backlog)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		return -errno;
	/* A restart binds again at once, past the old TIME_WAITs. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int tcp_listen(const char *spec, int backlog, struct diag *d)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char host[256], port[8];
	int r, fd = -EADDRNOTAVAIL, first_err = 0;

	r = split_host_port(spec, host, sizeof(host), port, sizeof(port), d);
	if (r)
		return r;
	if (is_numeric(host))
		hints.ai_flags |= AI_NUMERICHOST;
	r = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (r && is_numeric(host))
		return diag_set(d, -EINVAL, "'%s' is not an IP address", host);
	if (r)
		return diag_set(d, gai_errno(r), "%s: %s", host, gai_strerror(r));
	/* The first address that binds; if none does, the first failure. */
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = listen_on(ai, backlog);
		if (fd >= 0)
			break;
		if (!first_err)
			first_err = fd;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return diag_set(d, first_err ? first_err : fd, "%s",
				strerror(first_err ? -first_err : -fd));
	return fd;
}
