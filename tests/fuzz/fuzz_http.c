// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: the exporter's HTTP request-head parser. */
#include <stdint.h>
#include "exporter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char method[16], path[1024];
	bool gzip;

	if (size > 8192)
		return 0; /* the server never parses more than its 8 KiB head */
	http_parse_request((const char *)data, size, method, sizeof(method), path, sizeof(path),
			   &gzip);
	return 0;
}
