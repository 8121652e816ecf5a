/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Feature probes: ask the kernel what it can do rather than trust versions. */
#ifndef EBPF_PROBE_H
#define EBPF_PROBE_H

#include <stdbool.h>

/* NULL when programs of this section can run here, else why not. */
const char *probe_section_unsupported(const char *section);
bool section_has_prefix(const char *section, const char *prefix);

#endif
