// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "escape.h"
#include <unistd.h>
#include <sys/stat.h>
#include "fsutil.h"
#include "pinlayout.h"
#include "util.h"

const char *pin_root_resolve(const char *opt)
{
	const char *env;

	/* An empty --pin-root is kept, for pin_root_check() to refuse: it is
	 * what an unset shell variable gives, and must not mean the default. */
	if (opt)
		return opt;
	env = getenv(EBPF_PIN_ROOT_ENV);
	if (env && *env)
		return env;
	return EBPF_PIN_ROOT_DEFAULT;
}

/* Absolute, no '.' or '..', slashes collapsed: a spelling whose ancestors
 * are its textual prefixes, which is what pin_root_check walks. */
static int pin_root_spelling(const char *path, char *out, size_t size, struct diag *d)
{
	const char *p = path;
	size_t len = 0, n;

	/* Only --pin-root can be empty here: pin_root_resolve() passes an
	 * empty $EBPF_PIN_ROOT over. */
	if (!path[0])
		return diag_set(d, -EINVAL,
				"pin root '' (an empty --pin-root): refusing, give the pin root's path or leave the option out");
	if (path[0] != '/')
		return diag_set(d, -EINVAL, "pin root %s: must be an absolute path", path);
	for (;;) {
		p += strspn(p, "/");
		if (!*p)
			break;
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return diag_set(d, -EINVAL,
					"pin root %s: '.' and '..' components are not allowed", path);
		if (len + 1 + n >= size)
			return diag_set(d, -ENAMETOOLONG, "pin root %s: path too long", path);
		out[len++] = '/';
		memcpy(out + len, p, n);
		len += n;
		p += n;
	}
	if (!len)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

/* dir holds an entry called name (a directory, when want_dir). */
static bool dir_holds(const char *dir, const char *name, bool want_dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (path_join(path, sizeof(path), "%s/%s", dir, name) || lstat(path, &st) < 0)
		return false;
	return !want_dir || S_ISDIR(st.st_mode);
}

/* What `load` makes in every pin root: shared/ and staging/. */
static bool dir_is_pin_root(const char *dir)
{
	return dir_holds(dir, PIN_DIR_STAGING, true) || dir_holds(dir, PIN_DIR_SHARED, true);
}

/* A pin root among the entries of dir, its name copied to child. */
static bool dir_holds_pin_root(const char *dir, char *child, size_t size)
{
	struct dirent *e;
	DIR *dp = opendir(dir);
	bool found = false;

	if (!dp)
		return false;
	while (!found && (e = readdir(dp))) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		found = !path_join(child, size, "%s/%s", dir, e->d_name) && dir_is_pin_root(child);
	}
	closedir(dp);
	return found;
}

/* comp, a bpffs directory among the root's path, outside any other pin
 * root's tree and (the root itself) holding none. */
static int pin_root_nesting_check(const char *root, const char *comp, bool last, struct diag *d)
{
	char target[PATH_MAX];

	if (dir_holds(comp, PIN_META, false))
		return last ? diag_set(d, -EINVAL,
				       "pin root %s is a backend directory (it holds a meta pin): refusing",
				       root)
			    : diag_set(d, -EINVAL, "pin root %s is inside backend directory %s: refusing",
				       root, comp);
	if (!last && dir_is_pin_root(comp))
		return diag_set(d, -EINVAL,
				"pin root %s is inside pin root %s: refusing (pin roots do not nest)",
				root, comp);
	/* The other way round: its backends would be taken for ours. */
	if (last && dir_holds_pin_root(comp, target, sizeof(target)))
		return diag_set(d, -EINVAL,
				"pin root %s holds pin root %s: refusing (pin roots do not nest)",
				root, target);
	return 0;
}

/* One component of the pin root root: 1 when it does not exist (or cannot be
 * looked at: the command's own open then says why), so the walk stops; 0
 * when it is a plain directory outside any other pin root's tree. Only bpffs
 * directories can be pin roots or backends, so only they are looked into. */
static int pin_root_component_check(const char *root, const char *comp, bool last,
				    struct diag *d)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(comp, &st) < 0)
		return 1;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(comp, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		return last ? diag_set(d, -ELOOP,
				       "pin root %s is a symbolic link (to %s): refusing, give the real path",
				       root, target)
			    : diag_set(d, -ELOOP,
				       "pin root %s: %s is a symbolic link (to %s): refusing, give the real path",
				       root, comp, target);
	}
	if (!S_ISDIR(st.st_mode))
		return last ? diag_set(d, -ENOTDIR, "pin root %s: not a directory", root)
			    : diag_set(d, -ENOTDIR, "pin root %s: %s is not a directory", root, comp);
	/* An existing root is on bpffs, for every command alike: readers would
	 * otherwise list nothing and exit 0. */
	if (last)
		return pin_root_check_bpffs(root, d) ?: pin_root_nesting_check(root, comp, last, d);
	if (fs_is_bpffs(comp) != 1)
		return 0;
	return pin_root_nesting_check(root, comp, last, d);
}

int pin_root_check(const char *path, char *out, size_t size, struct diag *d)
{
	char comp[PATH_MAX];
	size_t i;
	int r;

	r = pin_root_spelling(path, out, size, d);
	if (r)
		return r;
	if (strlen(out) >= sizeof(comp))
		return diag_set(d, -ENAMETOOLONG, "pin root %s: path too long", path);
	/* Every prefix ending before a '/' or at the end, from the top down. */
	for (i = 1;; i++) {
		if (out[i] != '/' && out[i])
			continue;
		memcpy(comp, out, i);
		comp[i] = '\0';
		r = pin_root_component_check(out, comp, !out[i], d);
		if (r)
			return r < 0 ? r : 0;
		if (!out[i])
			return 0;
	}
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
