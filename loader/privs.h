/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Whether this process holds the capabilities loading an object needs:
 * checked before anything is created, so a refused load leaves nothing. */
#ifndef EBPF_PRIVS_H
#define EBPF_PRIVS_H

#include <stdbool.h>
#include "diag.h"
#include "object.h"

/* 0, or -EPERM with a message naming the object (and the program) and the
 * capability missing. The kernel has the last word: this catches the
 * common case (not root) early and says what is needed. */
int privs_check_object(const struct object *o, struct diag *d);

/* Whether this process holds CAP_SYS_ADMIN (what listing the kernel's BTF
 * objects, module BTF included, takes). */
bool privs_sys_admin(void);

/* Appended to an "Operation not permitted" from the kernel. */
#define PRIVS_HINT "needs root (or CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON for tracing, CAP_NET_ADMIN for network programs and CAP_NET_RAW for socket filters)"

#endif
