// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * EBPF_STREAM_SELFCHECK=1 (tests only): whether to compare every Snapshot
 * and Event frame with protobuf-c's (readers/stream/check/selfcheck.c).
 * The comparison and the protobuf-c encoders it needs are test code,
 * linked into the ebpf-stream the tests build, not into the shipped one,
 * where the switch is refused aloud: a test run against the wrong binary
 * must not pass with no check done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stream.h"

bool selfcheck_enabled(void)
{
	const char *v = getenv("EBPF_STREAM_SELFCHECK");

	if (!v || !*v || !strcmp(v, "0"))
		return false;
	if (selfcheck_compare && selfcheck_snapshot_ref && selfcheck_event_ref)
		return true;
	fprintf(stderr, "ebpf-stream: EBPF_STREAM_SELFCHECK: no self-check in this build "
		"(the tests link it from readers/stream/check/)\n");
	return false;
}
