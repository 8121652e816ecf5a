// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpchurn COUNT
 *
 * The TCP workload of the backends benchmark (bench/60-backends.sh): make
 * COUNT short connections over loopback to a listener of its own on
 * 127.0.0.1 (an ephemeral port), each connected, accepted and closed by
 * the client first, then by the server, as a short request would be. Every
 * connection goes through the whole state machine on both sides (about ten
 * inet_sock_set_state transitions). Prints "CONNS_PER_S CONNS SECONDS".
 * Meant to run in a private network namespace: the client's TIME_WAIT
 * sockets stay there, and go with it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *prog = "tcpchurn";
#include "helper.h"
#include "util.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s COUNT\n"
		"  make COUNT short TCP connections over 127.0.0.1;\n"
		"  print \"CONNS_PER_S CONNS SECONDS\"\n", prog);
	exit(2);
}

/* A listener on 127.0.0.1 at a port the kernel picks; its address in SA. */
static int listen_any(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) || listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)sa, &len))
		die("listen on 127.0.0.1");
	return fd;
}

/* One connection: connect, accept, close the client, then the server. */
static void churn_one(int lfd, const struct sockaddr_in *sa)
{
	int c, s;

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		die("socket");
	if (connect(c, (const struct sockaddr *)sa, sizeof(*sa)))
		die("connect");
	s = accept(lfd, NULL, NULL);
	if (s < 0)
		die("accept");
	close(c);
	close(s);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	unsigned long count, i;
	double t0, t1;
	int lfd;

	if (argc != 2 || !strcmp(argv[1], "--help"))
		usage();
	count = parse_num(argv[1], "COUNT", 1, 1000000);
	lfd = listen_any(&sa);

	t0 = monotonic_s();
	for (i = 0; i < count; i++)
		churn_one(lfd, &sa);
	t1 = monotonic_s();
	close(lfd);
	printf("%.0f %lu %.6f\n", count / (t1 - t0), count, t1 - t0);
	return 0;
}
