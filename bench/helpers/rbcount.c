// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rbcount [-r READY_FILE] PIN
 *
 * The peer of the stream benchmark: the plainest libbpf consumer of a
 * pinned ring buffer, ring_buffer__poll() in a loop, counting records. Run
 * against a producer that submits with BPF_RB_FORCE_WAKEUP (ringflood -w),
 * it is woken for every record; with the kernel's adaptive notification,
 * whenever it has caught up, which a consumer this light nearly always
 * has. On SIGTERM or SIGINT it consumes what is left and prints
 * "records=N wakeups=W", W the polls that returned records.
 * -r: create READY_FILE once it consumes the ring buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static const char *prog = "rbcount";
#include "helper.h"

static volatile sig_atomic_t stop;
static unsigned long long records, wakeups;

static void usage(void)
{
	fprintf(stderr, "usage: %s [-r READY_FILE] PIN\n", prog);
	exit(2);
}

static void on_signal(int sig)
{
	stop = 1;
}

static int on_record(void *ctx, void *data, size_t size)
{
	records++;
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	const char *ready = NULL;
	struct ring_buffer *rb;
	int opt, fd;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r')
			usage();
		ready = optarg;
	}
	if (argc - optind != 1)
		usage();
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = bpf_obj_get(argv[optind]);
	if (fd < 0)
		die(argv[optind]);
	rb = ring_buffer__new(fd, on_record, NULL, NULL);
	if (!rb)
		die("ring_buffer__new");
	if (ready)
		close(open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	while (!stop) {
		int r = ring_buffer__poll(rb, 100);

		if (r < 0 && r != -EINTR) {
			errno = -r;
			die("ring_buffer__poll");
		}
		if (r > 0)
			wakeups++;
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	printf("records=%llu wakeups=%llu\n", records, wakeups);
	return 0;
}
