// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Placeholder until the generated tables land: every number is unknown. */
#include <stddef.h>
#include "names.h"

const char *syscall_name(uint64_t nr) { (void)nr; return NULL; }
const char *errno_name(int64_t e) { (void)e; return NULL; }
const char *signal_name(int64_t sig) { (void)sig; return NULL; }
