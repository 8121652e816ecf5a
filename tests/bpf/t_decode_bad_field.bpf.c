// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a decode tag naming a field no key or value has. */
#define BAD_DECODE EBPF_DECODE("dev.ifidx", "ifname")
#include "t_decode_bad.bpf.h"
