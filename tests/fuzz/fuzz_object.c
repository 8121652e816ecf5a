// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: BPF object files (modern and classic) through the
 * loader's own entry point, object_open_mem(), which never touches the
 * kernel. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "object.h"

struct common_opts common_opts;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	struct object o;
	struct diag d = {};
	void *image;

	if (!once) {
		libbpf_log_setup(); /* libbpf's messages captured, not printed */
		once = 1;
	}
	image = malloc(size ? size : 1);
	if (!image)
		return 0;
	memcpy(image, data, size);
	object_open_mem(&o, image, size, "fuzz.o", "fuzz", &d);
	object_close(&o);
	return 0;
}
