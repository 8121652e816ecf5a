// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ringbuf_dump PIN SECONDS
 *
 * Consume the pinned proc_events ring buffer for SECONDS and print one line
 * per record: "exec|exit PID PPID EXIT_CODE COMM FILENAME". Test-only: the
 * real consumer is a reader; this proves records arrive in the pinned map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "procevents.h"

static int on_record(void *ctx, void *data, size_t size)
{
	const struct procevent *e = data;

	if (size < sizeof(*e))
		return 0;
	printf("%s %u %u %d %.16s %.128s\n", e->type == PROCEVENT_EXEC ? "exec" : "exit",
	       e->pid, e->ppid, e->exit_code, e->comm, e->filename[0] ? e->filename : "-");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb;
	time_t end;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: ringbuf_dump PIN SECONDS\n");
		return 2;
	}
	fd = bpf_obj_get(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "ringbuf_dump: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	rb = ring_buffer__new(fd, on_record, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "ringbuf_dump: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* Ready: the test starts its processes after this line. */
	fprintf(stderr, "ready\n");
	end = time(NULL) + atoi(argv[2]);
	while (time(NULL) < end) {
		int r = ring_buffer__poll(rb, 100);

		if (r < 0 && r != -EINTR) {
			fprintf(stderr, "ringbuf_dump: poll: %s\n", strerror(-r));
			break;
		}
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return 0;
}
