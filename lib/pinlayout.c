// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "escape.h"
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

static bool backend_name_char_ok(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
		return true;
	/* Not first: "-x" would read as an option to every later command. */
	return c == '-' && !first;
}

int backend_name_check(const char *name, struct diag *d)
{
	char shown[4 * BACKEND_NAME_MAX + 4], bad[8];
	size_t len = strlen(name);
	const char *p;

	str_quote(name, shown, sizeof(shown));
	if (!len)
		return diag_set(d, -EINVAL, "invalid backend name '': empty");
	if (len >= BACKEND_NAME_MAX)
		return diag_set(d, -EINVAL, "invalid backend name '%s': longer than %d characters",
				shown, BACKEND_NAME_MAX - 1);
	if (!strcmp(name, PIN_DIR_SHARED) || !strcmp(name, PIN_DIR_STAGING))
		return diag_set(d, -EINVAL, "invalid backend name '%s': reserved for the pin layout",
				shown);
	for (p = name; *p; p++) {
		if (backend_name_char_ok(*p, p == name))
			continue;
		if (*p == '-')
			return diag_set(d, -EINVAL,
					"invalid backend name '%s': must not begin with '-'", shown);
		str_quote((char[]){ *p, '\0' }, bad, sizeof(bad));
		return diag_set(d, -EINVAL,
				"invalid backend name '%s': character '%s' not allowed (use A-Z, a-z, 0-9, '_' and '-')",
				shown, bad);
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
