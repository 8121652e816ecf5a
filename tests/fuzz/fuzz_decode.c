// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: ebpf-stream --decode on arbitrary bytes. */
#include <stdint.h>
#include <stdio.h>
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r");
	FILE *out = fopen("/dev/null", "w");

	if (in && out)
		stream_decode(in, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return 0;
}
