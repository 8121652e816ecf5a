/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Test code: Snapshot and Event frames built the plain protobuf-c way
 * (refframes.c), the reference for the direct encoders. */
#ifndef EBPF_STREAM_REFFRAMES_H
#define EBPF_STREAM_REFFRAMES_H

#include "stream.h"

Frame *frame_snapshot(struct arena *a, const struct rmap *m, const struct snapshot *s,
		      const uint8_t *summed, bool per_cpu);
Frame *frame_event(struct arena *a, const struct rmap *m, const struct schema *record,
		   const void *data, size_t size, uint64_t seq);

#endif
