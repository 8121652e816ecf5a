// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "sdlazy.h"

static struct {
	int state; /* 0 not tried, 1 loaded, -1 failed */
	__typeof__(&sd_notify) notify;
	__typeof__(&sd_listen_fds) listen_fds;
	__typeof__(&sd_watchdog_enabled) watchdog_enabled;
} sd;

static int sd_load(void)
{
	void *h;

	if (sd.state)
		return sd.state > 0 ? 0 : -ELIBACC;
	sd.state = -1;
	h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -ELIBACC;
	sd.notify = (__typeof__(sd.notify))dlsym(h, "sd_notify");
	sd.listen_fds = (__typeof__(sd.listen_fds))dlsym(h, "sd_listen_fds");
	sd.watchdog_enabled = (__typeof__(sd.watchdog_enabled))dlsym(h, "sd_watchdog_enabled");
	if (!sd.notify || !sd.listen_fds || !sd.watchdog_enabled) {
		dlclose(h);
		return -ELIBACC;
	}
	sd.state = 1; /* kept loaded for good: no dlclose */
	return 0;
}

/* The environment systemd gives the call; without it, the call is 0. */
static int sd_wanted(const char *var)
{
	return getenv(var) != NULL;
}

int sdl_notify(int unset_environment, const char *state)
{
	int r;

	if (!sd_wanted("NOTIFY_SOCKET"))
		return 0;
	r = sd_load();
	return r ? r : sd.notify(unset_environment, state);
}

int sdl_notifyf(int unset_environment, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!sd_wanted("NOTIFY_SOCKET"))
		return 0;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sdl_notify(unset_environment, buf);
}

int sdl_listen_fds(int unset_environment)
{
	int r;

	if (!sd_wanted("LISTEN_FDS"))
		return 0;
	r = sd_load();
	return r ? r : sd.listen_fds(unset_environment);
}

int sdl_watchdog_enabled(int unset_environment, uint64_t *usec)
{
	int r;

	if (!sd_wanted("WATCHDOG_USEC"))
		return 0;
	r = sd_load();
	return r ? r : sd.watchdog_enabled(unset_environment, usec);
}

int sdl_loaded(void)
{
	return sd.state > 0;
}
