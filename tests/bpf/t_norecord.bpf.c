// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: its ring buffer's record type never reaches BTF (nothing
 * but a local pointer uses it): ebpf-loader load must refuse it. */
#include "t_record.bpf.h"
