// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Network decoders: `inet_ip` (an address as the kernel stores it, in
 * network order) and `port` (a network-order 16-bit port). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "decoder.h"
#include "util.h"

/* The decimal text of each byte value and its length: "10.1.2.3" for
 * every entry of a million-entry map, where inet_ntop's formatted printing
 * (or even dividing by ten) would be most of the cost. */
struct octet_text {
	char text[3];
	uint8_t len;
};

static const struct octet_text *octets(void)
{
	static struct octet_text t[256];

	if (!t[0].len) {
		for (unsigned b = 0; b < 256; b++) {
			char *o = t[b].text;

			if (b >= 100)
				*o++ = (char)('0' + b / 100);
			if (b >= 10)
				*o++ = (char)('0' + b / 10 % 10);
			*o++ = (char)('0' + b % 10);
			t[b].len = (uint8_t)(o - t[b].text);
		}
	}
	return t;
}

static int dotted_quad(const uint8_t *p, char *buf, size_t size)
{
	const struct octet_text *t = octets();
	char *o = buf;

	if (size < INET_ADDRSTRLEN)
		return -ENOSPC;
	for (int i = 0; i < 4; i++) {
		const struct octet_text *x = &t[p[i]];

		o[0] = x->text[0];
		o[1] = x->text[1];
		o[2] = x->text[2];
		o += x->len;
		*o++ = i < 3 ? '.' : '\0';
	}
	return 0;
}

/* 4 bytes: "10.1.2.3"; 16 bytes: RFC 5952 text, which is what inet_ntop
 * writes ("::1", "::ffff:10.1.2.3" for a v4-mapped address). */
int dec_inet_ip(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN];

	(void)f;
	if (len == 4)
		return dotted_quad(p, buf, size);
	if (len != 16)
		return -EINVAL;
	if (!inet_ntop(AF_INET6, p, text, sizeof(text)))
		return -errno;
	return dec_copy(text, buf, size);
}

int dec_port(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size)
{
	(void)f;
	if (len != 2)
		return -EINVAL;
	if (size < sizeof("65535"))
		return -ENOSPC;
	/* fmt_u64, not printf: once per entry of a map keyed by port. */
	fmt_u64(buf, (unsigned)p[0] << 8 | p[1]);
	return 0;
}
