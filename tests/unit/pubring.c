// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The --publish buffer's byte ring (readers/stream/pubring.h): frames come
 * out whole and in order across wraps, room is refused until older frames
 * go, a frame larger than the ring is told apart. */
#include "pubring.h"
#include "unit.h"

#define CAP 4096

/* Frame n: n % 200 + 1 bytes of value n & 0xff. */
static size_t frame_of(unsigned n, uint8_t *buf)
{
	size_t len = n % 200 + 1;

	memset(buf, n & 0xff, len);
	return len;
}

static int frame_is(const uint8_t *p, size_t len, unsigned n)
{
	uint8_t want[256];

	return len == frame_of(n, want) && !memcmp(p, want, len);
}

/* Many wraps: every frame comes out once, whole, in order; when full, the
 * oldest goes first (as the publisher drops it). */
static void test_order_across_wraps(void)
{
	struct pubring r;
	unsigned in = 0, out = 0, bad = 0;
	uint8_t buf[256];
	const uint8_t *p;
	size_t len;
	bool event;

	CHECK_INT(pubring_init(&r, CAP), 0);
	CHECK(pubring_empty(&r));
	CHECK(pubring_peek(&r, &len, &event) == NULL);
	for (; in < 5000; in++) {
		size_t n = frame_of(in, buf);

		while (pubring_push(&r, buf, n, in & 1) == -ENOSPC) {
			p = pubring_peek(&r, &len, &event);
			bad += !p || !frame_is(p, len, out) || event != (out & 1);
			pubring_pop(&r);
			out++;
		}
		bad += pubring_used(&r) > CAP;
	}
	while ((p = pubring_peek(&r, &len, &event))) {
		bad += !frame_is(p, len, out) || event != (out & 1);
		pubring_pop(&r);
		out++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(out, in);
	CHECK(pubring_empty(&r));
	CHECK_U64(pubring_used(&r), 0);
	pubring_free(&r);
}

/* The ring refuses room it does not have, and a frame it can never hold. */
static void test_limits(void)
{
	static uint8_t big[CAP];
	struct pubring r;
	size_t len;
	bool event;

	CHECK_INT(pubring_init(&r, CAP), 0);
	CHECK_INT(pubring_push(&r, big, CAP, true), -E2BIG);
	CHECK_INT(pubring_push(&r, big, CAP - 8, true), 0);
	CHECK_INT(pubring_push(&r, big, 1, true), -ENOSPC);
	CHECK(pubring_peek(&r, &len, &event) != NULL);
	CHECK_INT(len, CAP - 8);
	CHECK(event);
	pubring_pop(&r);
	CHECK(pubring_empty(&r));
	CHECK_INT(pubring_push(&r, big, 1, false), 0);
	CHECK(pubring_peek(&r, &len, &event) != NULL);
	CHECK_INT(len, 1);
	CHECK(!event);
	pubring_free(&r);
}

int main(void)
{
	unit_start();
	test_order_across_wraps();
	test_limits();
	return UNIT_END();
}
