// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pinlayout.h"
#include "util.h"

const char *pin_root_resolve(const char *opt)
{
	const char *env;

	if (opt && *opt)
		return opt;
	env = getenv(EBPF_PIN_ROOT_ENV);
	if (env && *env)
		return env;
	return EBPF_PIN_ROOT_DEFAULT;
}

int backend_name_check(const char *name, struct diag *d)
{
	size_t len = strlen(name);
	const char *p;

	if (!len)
		return diag_set(d, -EINVAL, "invalid backend name '': empty");
	if (len >= BACKEND_NAME_MAX)
		return diag_set(d, -EINVAL, "invalid backend name '%s': longer than %d characters",
				name, BACKEND_NAME_MAX - 1);
	if (!strcmp(name, PIN_DIR_SHARED) || !strcmp(name, PIN_DIR_STAGING))
		return diag_set(d, -EINVAL, "invalid backend name '%s': reserved for the pin layout",
				name);
	for (p = name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			continue;
		return diag_set(d, -EINVAL,
				"invalid backend name '%s': character '%c' not allowed (use letters, digits, '_' and '-')",
				name, *p);
	}
	return 0;
}

bool pin_root_entry_is_backend(const char *entry)
{
	return entry[0] != '.' && strcmp(entry, PIN_DIR_SHARED) &&
	       strcmp(entry, PIN_DIR_STAGING);
}

int pin_name_sanitize(const char *in, char *out, size_t size)
{
	size_t i = 0;

	while (*in == '.')
		in++;
	if (!*in)
		return -EINVAL;
	for (; *in; in++) {
		if (i + 1 >= size)
			return -ENAMETOOLONG;
		out[i++] = (*in == '.' || *in == '/') ? '_' : *in;
	}
	out[i] = '\0';
	return 0;
}

int backend_name_from_path(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t len;
	int r;

	base = base ? base + 1 : path;
	r = strscpy(out, base, size);
	if (r)
		return r;
	len = strlen(out);
	if (len > 6 && !strcmp(out + len - 6, ".bpf.o"))
		out[len - 6] = '\0';
	else if (len > 2 && !strcmp(out + len - 2, ".o"))
		out[len - 2] = '\0';
	return 0;
}
