// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: the exporter's HTTP request-head parser and its Accept
 * negotiation. Besides not crashing, what it accepts must be what the
 * server relies on: a method in capitals, and a target of visible ASCII
 * (no NUL cutting it short). */
#include <stdint.h>
#include "exporter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char method[16], path[1024];
	bool gzip;

	if (size > 8192)
		return 0; /* the server never parses more than its 8 KiB head */
	if (http_parse_request((const char *)data, size, method, sizeof(method), path, sizeof(path),
			       &gzip))
		return 0;
	(void)http_wants_openmetrics((const char *)data, size);
	for (const char *p = method; *p; p++)
		if (*p < 'A' || *p > 'Z')
			__builtin_trap();
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			__builtin_trap();
	return 0;
}
