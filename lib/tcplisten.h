/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A TCP listening socket from "ADDR:PORT": the exporter's --listen and
 * ebpf-stream's --listen tcp: read addresses by this one rule. */
#ifndef EBPF_TCPLISTEN_H
#define EBPF_TCPLISTEN_H

#include "diag.h"

/* ADDR is a numeric IPv4 address, an IPv6 one in brackets, a host name, or
 * nothing (every IPv4 address); PORT is 1..65535. A name is resolved
 * (getaddrinfo, AI_PASSIVE) and the first of its addresses that can be
 * bound is listened on. Returns a non-blocking, close-on-exec listening
 * socket; or -EINVAL when spec cannot be used (d says why: no port, not an
 * address, unknown name), or -errno when the address cannot be listened on
 * (d says why). */
int tcp_listen(const char *spec, int backlog, struct diag *d);

/* The form of spec checked as tcp_listen() reads it, without resolving a
 * name or binding: a usage error found before anything is opened. 0 or
 * -EINVAL (d says why). */
int tcp_listen_check(const char *spec, struct diag *d);

#endif
