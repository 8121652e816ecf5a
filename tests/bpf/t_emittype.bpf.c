// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: t_norecord plus EBPF_EMIT_TYPE, which puts the record type
 * in BTF: it loads and readers decode its records. */
#include "t_record.bpf.h"

EBPF_EMIT_TYPE(struct t_record);
