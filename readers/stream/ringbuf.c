// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A BPF ring buffer consumer, as libbpf's ring_buffer but for one map and
 * with the consumer position published once per stretch of records rather
 * than after each one.
 *
 * The BPF side reads the consumer position on every reservation (is there
 * room?) and on every commit (has the consumer caught up, so that it must
 * be woken?). libbpf stores it after every record: at millions of records
 * a second, that cache line goes back and forth between the producer's CPU
 * and ours for each of them. Here it is stored every RELEASE_BYTES of
 * consumed records and at the end of a pass. Space is handed back a little
 * later (at most RELEASE_BYTES, far less than a ring buffer worth
 * streaming); wakeups stay the kernel's adaptive ones: the producer
 * notifies only when it commits at the published position, that is when we
 * have caught up, and epoll (level-triggered) looks at the ring again
 * before we sleep, so no record waits for the next one to be noticed.
 *
 * Layout (kernel/bpf/ringbuf.c): page 0 the consumer position (ours to
 * write), page 1 the producer position, then the data, mapped twice in a
 * row so a record that wraps around reads as one piece. Each record has
 * an 8-byte header: its length, with a busy bit while it is being written
 * and a discard bit; records are 8-byte aligned.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "stream.h"

#define RELEASE_BYTES (256 * 1024)

#ifndef BPF_RINGBUF_BUSY_BIT
#define BPF_RINGBUF_BUSY_BIT    (1U << 31)
#define BPF_RINGBUF_DISCARD_BIT (1U << 30)
#define BPF_RINGBUF_HDR_SZ      8
#endif

int rb_open(struct rb_consumer *rb, int map_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	memset(rb, 0, sizeof(*rb));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	rb->page = (size_t)page;
	rb->mask = info.max_entries - 1;
	p = mmap(NULL, rb->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	rb->consumer_pos = p;
	rb->prod_len = rb->page + 2 * (size_t)info.max_entries;
	p = mmap(NULL, rb->prod_len, PROT_READ, MAP_SHARED, map_fd, (off_t)rb->page);
	if (p == MAP_FAILED) {
		int err = -errno;

		munmap(rb->consumer_pos, rb->page);
		rb->consumer_pos = NULL;
		return err;
	}
	rb->producer_pos = p;
	rb->data = (uint8_t *)p + rb->page;
	rb->fd = map_fd;
	return 0;
}

void rb_close(struct rb_consumer *rb)
{
	if (rb->producer_pos)
		munmap(rb->producer_pos, rb->prod_len);
	if (rb->consumer_pos)
		munmap(rb->consumer_pos, rb->page);
	memset(rb, 0, sizeof(*rb));
}

long rb_consume(struct rb_consumer *rb, rb_sample_fn fn, void *ctx, long budget)
{
	unsigned long cons, prod, published;
	long n = 0;
	bool more;

	if (!rb->consumer_pos)
		return 0;
	cons = published = __atomic_load_n(rb->consumer_pos, __ATOMIC_ACQUIRE);
	do {
		more = false;
		prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
		while (cons < prod) {
			if (n >= budget) {
				more = false;
				break; /* the caller's loop has other work too */
			}
			uint32_t *hdr = (uint32_t *)(rb->data + (cons & rb->mask));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

			if (len & BPF_RINGBUF_BUSY_BIT)
				goto out; /* not committed yet: the next pass gets it */
			more = true;
			cons += (BPF_RINGBUF_HDR_SZ + (len & ~BPF_RINGBUF_DISCARD_BIT) + 7) & ~7ul;
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				fn(ctx, hdr + 2, len);
				n++;
			}
			if (cons - published >= RELEASE_BYTES) {
				__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
				published = cons;
			}
		}
	} while (more);
out:
	if (cons != published)
		__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
	return n;
}
