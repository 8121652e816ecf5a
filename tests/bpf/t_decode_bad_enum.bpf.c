// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a decode tag naming an enum neither the object nor the
 * running kernel has. */
#define BAD_DECODE EBPF_DECODE("pad", "enum:no_such_enum_anywhere")
#include "t_decode_bad.bpf.h"
