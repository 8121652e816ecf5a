// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a decode tag naming an unknown decoder. */
#define BAD_DECODE EBPF_DECODE("dport", "portnum")
#include "t_decode_bad.bpf.h"
