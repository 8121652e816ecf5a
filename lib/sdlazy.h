/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sd-daemon (libsystemd), loaded only when systemd is there to talk to.
 *
 * Without NOTIFY_SOCKET, LISTEN_FDS or WATCHDOG_USEC in the environment
 * every sd-daemon call is a no-op returning 0, so these return 0 without
 * loading anything. With one of them set, libsystemd.so.0 is dlopen()ed
 * once and the real call made; if it cannot be, the calls return -ELIBACC
 * ("Can not access a needed shared library"). Why: libsystemd and what it links (gcrypt,
 * lzma, zstd, lz4, cap, gpg-error) are ~1 MB of every reader's RSS, which
 * a reader run by hand, in a container or by a shell script never uses.
 */
#ifndef EBPF_SDLAZY_H
#define EBPF_SDLAZY_H

#include <stdint.h>
#include <systemd/sd-daemon.h> /* SD_LISTEN_FDS_START, the prototypes */

int sdl_notify(int unset_environment, const char *state);
int sdl_notifyf(int unset_environment, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sdl_listen_fds(int unset_environment);
int sdl_watchdog_enabled(int unset_environment, uint64_t *usec);
/* Whether libsystemd is loaded (for tests and benchmarks). */
int sdl_loaded(void);

#endif
