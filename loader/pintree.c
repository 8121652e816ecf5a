// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "btfpin.h"
#include "fsutil.h"
#include "holder.h"
#include "meta.h"
#include "pinlayout.h"
#include "pintree.h"
#include "util.h"

static int apply_mode(const struct pin_root *r, const char *path, mode_t mode);

/* The deepest existing ancestor of path decides which filesystem it will be on. */
static int existing_ancestor_is_bpffs(const char *path)
{
	char buf[PATH_MAX];
	char *slash;
	int r;

	r = strscpy(buf, path, sizeof(buf));
	if (r)
		return r;
	for (;;) {
		r = fs_is_bpffs(buf);
		if (r != -ENOENT)
			return r;
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return fs_is_bpffs("/");
		*slash = '\0';
	}
}

/* 1 when the directory open at fd is still the one at path, 0 when it was
 * removed (or replaced) since it was opened. */
static int root_is_current(int fd, const char *path)
{
	struct stat here, there;

	if (fstat(fd, &here) < 0)
		return -errno;
	if (lstat(path, &there) < 0)
		return errno == ENOENT ? 0 : -errno;
	return here.st_dev == there.st_dev && here.st_ino == there.st_ino;
}

int pin_root_open(struct pin_root *r, const char *path, bool create, struct diag *d)
{
	char sub[PATH_MAX];
	struct stat st;
	int rc;

	r->fd = -1;
	/* Callers checked it already; checked again so no root is opened
	 * without the rule. */
	rc = pin_root_check(path, r->path, sizeof(r->path), d);
	if (rc)
		return rc;
	path = r->path;
	if (path_is_under(path, EBPF_BPFFS_MOUNT)) {
		rc = bpffs_ensure_mounted();
		if (rc)
			return diag_set(d, rc, "cannot mount bpffs at %s: %s", EBPF_BPFFS_MOUNT,
					strerror(-rc));
	}
again:
	if (create) {
		/* An existing root was checked by pin_root_check; a new one
		 * must be made on bpffs. */
		rc = existing_ancestor_is_bpffs(path);
		if (rc < 0)
			return diag_set(d, rc, "pin root %s: %s", path, strerror(-rc));
		if (rc == 0)
			return diag_set(d, -EXDEV, "pin root %s is not on a BPF filesystem (bpffs)",
					path);
		rc = mkdir_p(path, 0700);
		if (rc)
			return diag_set(d, rc, "pin root %s: %s", path, strerror(-rc));
	}
	r->fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* Removed by a loader (holding the lock) since mkdir_p(): again. */
	if (r->fd < 0 && errno == ENOENT && create)
		goto again;
	if (r->fd < 0)
		return diag_set(d, -errno, "pin root %s: %s", path, strerror(errno));
	/* Whoever can write the root can plant or swap backends under it. */
	if (fstat(r->fd, &st) < 0)
		return diag_set(d, -errno, "pin root %s: %s", path, strerror(errno));
	if (st.st_uid != geteuid())
		return diag_set(d, -EPERM, "pin root %s is owned by uid %u, not by us (uid %u): refusing",
				path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & S_IWOTH)
		return diag_set(d, -EPERM, "pin root %s is world-writable (mode %04o): refusing",
				path, (unsigned)(st.st_mode & 07777));
	/* Only now, on the checked directory itself: group readers must be
	 * able to enter the root. */
	if (create && r->group &&
	    (fchown(r->fd, -1, r->gid) < 0 || fchmod(r->fd, 0750) < 0))
		return diag_set(d, -errno, "pin root %s: %s", path, strerror(errno));
	if (flock(r->fd, LOCK_EX | (r->nowait ? LOCK_NB : 0)) < 0)
		return diag_set(d, -errno, "pin root %s: lock: %s", path, strerror(errno));
	/* While we waited, the holder of the lock may have removed the root
	 * (`unload --all`, or the unwinding of a load that made it): the
	 * directory we locked is then gone, and so is any lock on it. The
	 * path is opened (and made) again. */
	rc = root_is_current(r->fd, path);
	if (rc < 0)
		return diag_set(d, rc, "pin root %s: %s", path, strerror(-rc));
	if (!rc) {
		pin_root_close(r);
		if (create)
			goto again;
		return diag_set(d, -ENOENT, "pin root %s: %s", path, strerror(ENOENT));
	}
	if (!create)
		return 0;
	for (const char *const *s = (const char *const[]){ PIN_DIR_SHARED, PIN_DIR_STAGING, NULL };
	     *s; s++) {
		rc = path_join(sub, sizeof(sub), "%s/%s", path, *s);
		if (!rc)
			rc = pin_mkdir(r, sub);
		if (rc && rc != -EEXIST)
			return diag_set(d, rc, "%s: %s", sub, strerror(-rc));
	}
	return 0;
}

void pin_root_close(struct pin_root *r)
{
	if (r->fd >= 0)
		close(r->fd); /* drops the lock */
	r->fd = -1;
}

int pin_root_try_lock(struct pin_root *r)
{
	int fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	r->fd = fd;
	return 0;
}

static int apply_mode(const struct pin_root *r, const char *path, mode_t mode)
{
	if (r->group) {
		if (chown(path, -1, r->gid) < 0)
			return -errno;
		mode |= (mode & 0700) == 0700 ? 0050 : 0040;
	}
	if (chmod(path, mode) < 0)
		return -errno;
	return 0;
}

int pin_mkdir(const struct pin_root *r, const char *path)
{
	if (mkdir(path, 0700) < 0)
		return -errno;
	return apply_mode(r, path, 0700);
}

int pin_fd(const struct pin_root *r, int fd, const char *path)
{
	if (bpf_obj_pin(fd, path) < 0)
		return -errno;
	return apply_mode(r, path, 0600);
}

int pintree_staging_path(const struct pin_root *r, const char *name, const char *tag,
			 char *out, size_t size)
{
	return path_join(out, size, "%s/%s/%s-%d-%s", r->path, PIN_DIR_STAGING, name,
			 (int)getpid(), tag);
}

/* rm -r for a bpffs tree, by directory fd. */
static int remove_at(int parent, const char *name)
{
	_cleanup_close_ int fd = -1;
	struct dirent *e;
	DIR *dir;
	int r = 0;

	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	/* Never into a symbolic link: unlinkat() above removes one anyway. */
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir)
		return -errno;
	fd = -1; /* owned by dir now */
	while ((e = readdir(dir))) {
		int rr;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		rr = remove_at(dirfd(dir), e->d_name);
		if (rr && !r)
			r = rr;
	}
	closedir(dir);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT && !r)
		r = -errno;
	return r;
}

int pintree_remove(const char *tree)
{
	struct ebpf_meta meta;
	_cleanup_close_ int fd = -1;
	bool have_meta;
	int r, rr;

	/* A symbolic link is not a tree: what it points to (another
	 * backend, say) is not ours to detach or empty. */
	fd = open(tree, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	have_meta = meta_read(tree, &meta) == 0;
	if (have_meta)
		for (__u32 i = 0; i < meta.nr_attach; i++)
			attach_detach_record(&meta.attach[i]);
	/* Links first, so programs stop running before their maps go. */
	r = remove_at(fd, PIN_DIR_LINKS);
	/* A foreground loader removing its own tree is the holder itself. */
	if (have_meta && meta.holder_pid != getpid())
		holder_stop(meta.holder_pid, meta.holder_start);
	rr = remove_at(AT_FDCWD, tree);
	return r ? r : rr;
}

/* A name pintree_staging_path() makes: <backend>-<pid>-<tag>, where the tag
 * is "new" (load), "unload" or "stop" (a foreground loader stopping). */
static bool staging_name_is_ours(const char *entry)
{
	static const char *const tags[] = { "new", "unload", "stop", NULL };
	char name[BACKEND_NAME_MAX];
	const char *tag = strrchr(entry, '-'), *pid;
	const char *const *t;

	if (!tag)
		return false;
	for (t = tags; *t && strcmp(tag + 1, *t); t++)
		;
	if (!*t)
		return false;
	for (pid = tag; pid > entry && isdigit((unsigned char)pid[-1]); pid--)
		;
	if (pid == tag || pid - entry < 2 || pid[-1] != '-' ||
	    (size_t)(pid - 1 - entry) >= sizeof(name))
		return false;
	memcpy(name, entry, pid - 1 - entry);
	name[pid - 1 - entry] = '\0';
	return backend_name_check(name, NULL) == 0;
}

/* A directory holding only what a backend tree holds (maps/, progs/,
 * links/, meta, btf), or nothing yet: what the loader builds in staging. */
static bool staging_tree_is_ours(const char *tree)
{
	static const char *const layout[] = { PIN_DIR_MAPS, PIN_DIR_PROGS, PIN_DIR_LINKS,
					      PIN_META, EBPF_BTFPIN_NAME, NULL };
	struct dirent *e;
	bool ours = true;
	int fd = open(tree, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);

	/* A symbolic link is not what a loader makes there. */
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (ours && (e = readdir(dir))) {
		const char *const *l;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		for (l = layout; *l && strcmp(e->d_name, *l); l++)
			;
		ours = *l != NULL;
	}
	closedir(dir);
	return ours;
}

int pin_root_cleanup(struct pin_root *r)
{
	char staging[PATH_MAX], tree[PATH_MAX];
	struct dirent *e;
	DIR *dir;
	int rc = 0;

	if (path_join(staging, sizeof(staging), "%s/%s", r->path, PIN_DIR_STAGING))
		return -ENAMETOOLONG;
	/* With the lock held, nothing in staging/ belongs to a live loader.
	 * Only what a loader would have made there is removed: anything else
	 * (say, a directory or pin root someone made there) is not ours. */
	dir = opendir(staging);
	if (dir) {
		while ((e = readdir(dir))) {
			if (!staging_name_is_ours(e->d_name) ||
			    path_join(tree, sizeof(tree), "%s/%s", staging, e->d_name) ||
			    !staging_tree_is_ours(tree))
				continue;
			if (pintree_remove(tree) && !rc)
				rc = -EIO;
		}
		closedir(dir);
	}
	if (shared_gc(r) && !rc)
		rc = -EIO;
	return rc;
}

struct id_set {
	__u32 *ids;
	size_t n, cap;
};

static int id_of_pin(const char *path, __u32 *id)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	_cleanup_close_ int fd = bpf_obj_get_opts(path, &opts);

	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	*id = info.id;
	return 0;
}

static int id_set_add_dir(struct id_set *s, const char *dirpath)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *dir = opendir(dirpath);
	__u32 id;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' ||
		    path_join(path, sizeof(path), "%s/%s", dirpath, e->d_name) ||
		    id_of_pin(path, &id))
			continue;
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			__u32 *ids = realloc(s->ids, cap * sizeof(*ids));

			if (!ids) {
				closedir(dir);
				return -ENOMEM;
			}
			s->ids = ids;
			s->cap = cap;
		}
		s->ids[s->n++] = id;
	}
	closedir(dir);
	return 0;
}

int shared_gc(struct pin_root *r)
{
	struct id_set used = {};
	char path[PATH_MAX];
	struct dirent *e;
	DIR *root, *shared;
	int rc = 0;

	/* Every backend pins the shared maps it uses under its own maps/ too:
	 * a shared map no backend names is garbage. */
	root = opendir(r->path);
	if (!root)
		return -errno;
	while ((e = readdir(root))) {
		if (!pin_root_entry_is_backend(e->d_name) ||
		    path_join(path, sizeof(path), "%s/%s/%s", r->path, e->d_name, PIN_DIR_MAPS))
			continue;
		rc = id_set_add_dir(&used, path);
		if (rc)
			break;
	}
	closedir(root);
	if (rc)
		goto out;
	if (path_join(path, sizeof(path), "%s/%s", r->path, PIN_DIR_SHARED))
		goto out;
	shared = opendir(path);
	if (!shared)
		goto out;
	while ((e = readdir(shared))) {
		char pin[PATH_MAX];
		bool in_use = false;
		__u32 id;

		if (e->d_name[0] == '.' ||
		    path_join(pin, sizeof(pin), "%s/%s", path, e->d_name) || id_of_pin(pin, &id))
			continue;
		for (size_t i = 0; i < used.n && !in_use; i++)
			in_use = used.ids[i] == id;
		if (!in_use && unlink(pin) < 0 && !rc)
			rc = -errno;
	}
	closedir(shared);
out:
	free(used.ids);
	return rc;
}

void pin_root_remove_if_empty(const char *path)
{
	char sub[PATH_MAX];

	if (!path_join(sub, sizeof(sub), "%s/%s", path, PIN_DIR_STAGING))
		rmdir(sub);
	if (!path_join(sub, sizeof(sub), "%s/%s", path, PIN_DIR_SHARED))
		rmdir(sub);
	rmdir(path);
}
