// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcprst ADDR PORT COUNT SIZE
 *
 * Send COUNT TCP segments to the IPv4 ADDR:PORT, each a bare 20-byte TCP
 * header with only RST set followed by SIZE payload bytes, so a test knows
 * exactly how many TCP packets crossed the wire. A RST is never answered
 * (RFC 793; Linux returns early from tcp_v4_send_reset on an incoming RST),
 * whether or not anything listens on PORT, so exactly COUNT packets go out
 * and none come back. Silent on success; needs CAP_NET_RAW.
 *
 * The kernel builds the IPv4 header (no IP_HDRINCL); this program builds
 * the TCP header. Its checksum covers a pseudo-header with the source
 * address, which the kernel picks from the route: connect() makes it pick
 * now and getsockname() tells us (127.0.0.1 for loopback). A bad checksum
 * would still cross the wire but be dropped as InCsumErrors, not counted
 * as a received segment.
 *
 * The segments come from source port 1 (tcpmux, never an ephemeral port)
 * with sequence number 0 and no ACK, so they cannot match, and reset, a
 * real connection on PORT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/filter.h>

#define TCP_HDR_LEN 20
#define SRC_PORT 1
#define TCP_FLAG_RST 0x04

static const char *prog = "tcprst";
#include "helper.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s ADDR PORT COUNT SIZE\n"
		"  send COUNT TCP RST segments with SIZE payload bytes to the\n"
		"  IPv4 ADDR:PORT; a RST is never answered; silent on success\n",
		prog);
	exit(2);
}



/* Add len bytes to a ones'-complement sum as big-endian 16-bit words. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

/* TCP checksum (RFC 793) of segment seg: pseudo-header, then the segment
 * with its checksum field zero. Addresses are in network byte order. */
static uint16_t tcp_csum(struct in_addr src, struct in_addr dst,
			 const uint8_t *seg, size_t len)
{
	uint8_t pseudo[12];
	uint32_t sum;

	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = len >> 8;
	pseudo[11] = len & 0xff;
	sum = csum_add(csum_add(0, pseudo, sizeof(pseudo)), seg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The whole segment: RST header from SRC_PORT to port, payload of 'x'. */
static uint8_t *build_segment(struct in_addr src, struct in_addr dst,
			      unsigned long port, size_t size)
{
	uint8_t *seg = calloc(1, TCP_HDR_LEN + size);
	uint16_t sum;

	if (!seg)
		die("calloc");
	seg[0] = SRC_PORT >> 8;
	seg[1] = SRC_PORT & 0xff;
	seg[2] = port >> 8;
	seg[3] = port & 0xff;
	/* Bytes 4-11: sequence and ack numbers stay 0. */
	seg[12] = (TCP_HDR_LEN / 4) << 4;	/* data offset, in words */
	seg[13] = TCP_FLAG_RST;
	/* Bytes 14-19: window, checksum, urgent pointer stay 0 for now. */
	memset(seg + TCP_HDR_LEN, 'x', size);
	sum = tcp_csum(src, dst, seg, TCP_HDR_LEN + size);
	seg[16] = sum >> 8;
	seg[17] = sum & 0xff;
	return seg;
}

/* A raw TCP socket also receives a copy of every TCP packet coming in,
 * our own included on loopback. We never read, so drop the copies in the
 * kernel rather than let them pile up in the receive buffer. */
static void drop_all_input(int fd)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog fprog = { .len = 1, .filter = &drop };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)))
		die("setsockopt SO_ATTACH_FILTER");
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET }, src;
	socklen_t srclen = sizeof(src);
	unsigned long port, count, size, i;
	int fd, pmtu = IP_PMTUDISC_DO;
	uint8_t *seg;
	ssize_t n;

	if (argc != 5)
		usage();
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "%s: bad IPv4 address '%s'\n", prog, argv[1]);
		usage();
	}
	port = parse_num(argv[2], "PORT", 1, 65535);
	count = parse_num(argv[3], "COUNT", 0, ULONG_MAX);
	/* Largest payload: 65535 minus the IPv4 and TCP headers. */
	size = parse_num(argv[4], "SIZE", 0, 65535 - 20 - TCP_HDR_LEN);

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (fd < 0)
		die("socket (raw TCP)");
	drop_all_input(fd);
	/* Never fragment: one segment must stay one packet, so a segment
	 * bigger than the route's MTU fails with EMSGSIZE instead. */
	if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)))
		die("setsockopt IP_MTU_DISCOVER");
	/* Raw sockets take no port; connect() only fixes route and source. */
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)))
		die("connect");
	if (getsockname(fd, (struct sockaddr *)&src, &srclen))
		die("getsockname");

	seg = build_segment(src.sin_addr, dst.sin_addr, port, size);
	for (i = 0; i < count; i++) {
		do
			n = send(fd, seg, TCP_HDR_LEN + size, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			die("send");
		if ((unsigned long)n != TCP_HDR_LEN + size) {
			fprintf(stderr, "%s: send: sent %zd of %lu bytes\n",
				prog, n, TCP_HDR_LEN + size);
			return 1;
		}
	}
	close(fd);
	free(seg);
	return 0;
}
