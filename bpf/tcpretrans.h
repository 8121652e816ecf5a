/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/tcpretrans.bpf.c and user space (__u16/__u32 only). */
#ifndef TCPRETRANS_H
#define TCPRETRANS_H

#include "tcpstates.h"	/* enum tcp_state */

/*
 * Key of retransmits: 40 bytes, no padding (hash keys compare bytewise).
 * Addresses as in struct tcpstates_event: IPv4 v4-mapped in 16 bytes.
 */
struct tcpretrans_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;		/* host order, as the tracepoint gives it */
	__u16 dport;		/* host order */
	__u32 state;		/* enum tcp_state of the socket */
};

#endif /* TCPRETRANS_H */
