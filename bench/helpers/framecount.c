// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * framecount [-r READY_FILE] [-p MS -a EVENTS] < STREAM
 *
 * The counting consumer of the stream benchmark: reads an ebpf-stream
 * (length-delimited ebpf.stream.v1.Frame messages) from standard input with
 * large reads and counts frames without unpacking them: a Frame is one
 * oneof, so the first byte of its body is the tag of the member set
 * (field << 3 | 2). Lost frames are opened to add up their `frames`. At the
 * end of the input it prints one line:
 *
 *   frames=N events=E snapshots=S lost_frames=L lost=X bytes=B last_event=T
 *
 * T: CLOCK_MONOTONIC seconds when the read that brought the last event
 * frame returned (to time a run from its producer's start to delivery).
 * -r: create READY_FILE once the first frame (the Describe) has arrived.
 * -p MS -a EVENTS: once EVENTS event frames have been read, stop reading
 * for MS milliseconds (once): a reader that pauses mid-run.
 * Exits 1 on a malformed stream (a bad varint) or a cut last frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "framecount";
#include "helper.h"
#include "util.h"

#define BUF_SIZE (4u << 20)

enum { TAG_DESCRIBE = 0x0a, TAG_SNAPSHOT = 0x12, TAG_EVENT = 0x1a, TAG_LOST = 0x2a };

static void usage(void)
{
	fprintf(stderr, "usage: %s [-r READY_FILE] [-p MS -a EVENTS] < STREAM\n", prog);
	exit(2);
}

/* A varint at p (at most end); 0 when incomplete, -1 when malformed. */
static int varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;

	for (int i = 0; i < 10; i++) {
		if (p + i >= end)
			return 0;
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return -1;
}

/* Lost.frames (field 2) of a Frame body holding a Lost. */
static uint64_t lost_frames(const uint8_t *p, const uint8_t *end)
{
	uint64_t len, key, v;
	int n;

	if (p >= end || *p++ != TAG_LOST || (n = varint(p, end, &len)) <= 0)
		return 0;
	p += n;
	if (len < (uint64_t)(end - p))
		end = p + len;
	while (p < end) {
		if ((n = varint(p, end, &key)) <= 0)
			return 0;
		p += n;
		switch (key & 7) {
		case 0:
			if ((n = varint(p, end, &v)) <= 0)
				return 0;
			p += n;
			if (key >> 3 == 2)
				return v;
			break;
		case 2:
			if ((n = varint(p, end, &v)) <= 0 || v > (uint64_t)(end - p - n))
				return 0;
			p += n + v;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t frames = 0, events = 0, snaps = 0, nlost = 0, lost = 0, bytes = 0;
	uint64_t skip = 0, events_before;
	double last_event = 0;      /* bytes of the current frame still to come */
	const char *ready = NULL;
	unsigned long pause_ms = 0, pause_after = 0;
	size_t have = 0;        /* unparsed bytes at buf */
	uint8_t *buf;
	int opt;

	while ((opt = getopt(argc, argv, "r:p:a:")) != -1) {
		switch (opt) {
		case 'r': ready = optarg; break;
		case 'p': pause_ms = strtoul(optarg, NULL, 10); break;
		case 'a': pause_after = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	buf = malloc(BUF_SIZE);
	if (!buf)
		die("malloc");
	for (;;) {
		ssize_t n = read(0, buf + have, BUF_SIZE - have);
		const uint8_t *p = buf, *end;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read");
		}
		if (n == 0)
			break;
		bytes += (uint64_t)n;
		have += (size_t)n;
		end = buf + have;
		events_before = events;
		if (skip) {
			uint64_t k = skip < have ? skip : have;

			p += k;
			skip -= k;
		}
		while (p < end) {
			uint64_t len;
			int h = varint(p, end, &len);

			if (h < 0) {
				fprintf(stderr, "%s: bad length at byte %llu\n", prog,
					(unsigned long long)(bytes - (uint64_t)(end - p)));
				return 1;
			}
			/* Need the length and the tag byte (and a whole Lost). */
			if (h == 0 || (len && (size_t)(end - p) < (size_t)h + 1))
				break;
			if (len && p[h] == TAG_LOST && (uint64_t)(end - p) < h + len)
				break;
			frames++;
			if (len) {
				switch (p[h]) {
				case TAG_EVENT: events++; break;
				case TAG_SNAPSHOT: snaps++; break;
				case TAG_LOST:
					nlost++;
					lost += lost_frames(p + h, p + h + len);
					break;
				}
			}
			if (frames == 1 && ready) {
				int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

				if (fd >= 0)
					close(fd);
			}
			if (len > (uint64_t)(end - p - h)) {
				skip = len - (uint64_t)(end - p - h);
				p = end;
				break;
			}
			p += h + len;
		}
		if (events != events_before)
			last_event = monotonic_s();
		if (pause_ms && events >= pause_after) {
			struct timespec ts = { pause_ms / 1000, (long)(pause_ms % 1000) * 1000000 };

			nanosleep(&ts, NULL); /* the pause being measured, once */
			pause_ms = 0;
		}
		have = (size_t)(end - p);
		if (have)
			memmove(buf, p, have);
	}
	printf("frames=%llu events=%llu snapshots=%llu lost_frames=%llu lost=%llu bytes=%llu "
	       "last_event=%.6f\n", (unsigned long long)frames, (unsigned long long)events,
	       (unsigned long long)snaps, (unsigned long long)nlost, (unsigned long long)lost,
	       (unsigned long long)bytes, last_event);
	if (have || skip) {
		fprintf(stderr, "%s: the stream ends inside a frame\n", prog);
		return 1;
	}
	return 0;
}
