// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * udpsend [-6] ADDR PORT COUNT SIZE
 *
 * Send COUNT UDP datagrams of SIZE payload bytes to ADDR:PORT and receive
 * every one of them back, so a test knows exactly what crossed the wire.
 * The receiver is bound before anything is sent: with nobody listening the
 * kernel would answer with ICMP port-unreachable, extra packets that would
 * upset the counts. Each datagram is received before the next is sent, so
 * no burst can overflow the socket buffer. Silent on success.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char *prog = "udpsend";
#include "helper.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s [-6] ADDR PORT COUNT SIZE\n"
		"  send COUNT UDP datagrams of SIZE payload bytes to ADDR:PORT\n"
		"  (IPv6 with -6) and receive them all back; silent on success\n",
		prog);
	exit(2);
}



int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct timeval tv = { .tv_sec = 2 };
	unsigned long port, count, size, max_size, i;
	int family = AF_INET, rx, tx;
	socklen_t sslen;
	char *buf;
	ssize_t n;

	if (argc > 1 && !strcmp(argv[1], "-6")) {
		family = AF_INET6;
		argv++;
		argc--;
	}
	if (argc != 5)
		usage();
	/* Largest UDP payload: 65535 minus the UDP header, minus the IPv4
	 * header for IPv4 (the IPv6 header is not in its payload length). */
	max_size = family == AF_INET ? 65507 : 65527;
	port = parse_num(argv[2], "PORT", 1, 65535);
	count = parse_num(argv[3], "COUNT", 0, ULONG_MAX);
	size = parse_num(argv[4], "SIZE", 0, max_size);

	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (inet_pton(AF_INET, argv[1], &sin->sin_addr) != 1) {
			fprintf(stderr, "%s: bad IPv4 address '%s'\n", prog, argv[1]);
			usage();
		}
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, argv[1], &sin6->sin6_addr) != 1) {
			fprintf(stderr, "%s: bad IPv6 address '%s'\n", prog, argv[1]);
			usage();
		}
		sslen = sizeof(*sin6);
	}

	/* One spare byte: a datagram longer than SIZE shows up as n > size. */
	buf = malloc(size + 1);
	if (!buf)
		die("malloc");
	memset(buf, 'x', size + 1);

	rx = socket(family, SOCK_DGRAM, 0);
	if (rx < 0)
		die("socket (receiver)");
	if (bind(rx, (struct sockaddr *)&ss, sslen))
		die("bind (receiver)");
	if (setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die("setsockopt SO_RCVTIMEO");
	tx = socket(family, SOCK_DGRAM, 0);
	if (tx < 0)
		die("socket (sender)");

	for (i = 0; i < count; i++) {
		n = sendto(tx, buf, size, 0, (struct sockaddr *)&ss, sslen);
		if (n < 0)
			die("sendto");
		if ((unsigned long)n != size) {
			fprintf(stderr, "%s: sendto: sent %zd of %lu bytes\n",
				prog, n, size);
			return 1;
		}
		do
			n = recv(rx, buf, size + 1, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				fprintf(stderr, "%s: recv: datagram %lu of %lu not "
					"received within 2 s\n", prog, i + 1, count);
			else
				die("recv");
			return 1;
		}
		if ((unsigned long)n != size) {
			fprintf(stderr, "%s: recv: got %zd bytes, want %lu\n",
				prog, n, size);
			return 1;
		}
	}
	close(tx);
	close(rx);
	free(buf);
	return 0;
}
