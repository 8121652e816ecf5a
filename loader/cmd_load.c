// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebpf-loader load: open, create/reuse maps, load, pin, attach in a staging
 * tree, then publish with one rename(2) per backend.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "sdlazy.h"
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "btfpin.h"
#include "health.h"
#include "holder.h"
#include "json_writer.h"
#include "loader.h"
#include "fsutil.h"
#include "meta.h"
#include "object.h"
#include "pinlayout.h"
#include "pintree.h"
#include "privs.h"
#include "util.h"

#define MAX_SOCKS 64

struct load_opts {
	const char *name;
	const char *iface;
	const char *cgroup;
	const char *group;
	bool replace;
	bool foreground;
	struct attach_opts attach;
};

struct stage {
	struct object obj;
	char name[BACKEND_NAME_MAX];
	char tree[PATH_MAX];     /* staging path while building */
	char dest[PATH_MAX];     /* <root>/<name> */
	bool tree_made;
	bool replaces;           /* an older backend of this name is published */
	bool published;
	int socks[MAX_SOCKS];
	size_t nr_socks;
	struct holder holder;
	struct ebpf_meta meta;
	/* Links taken over from the backend replaced (attach_result's
	 * old_prog_fd): meta.attach[attach] ran prog_fd before. */
	struct { size_t attach; int prog_fd; } takeover[EBPF_META_MAX_ATTACH];
	size_t nr_takeover;
};

static void usage_load(FILE *f)
{
	fprintf(f,
		"Usage: ebpf-loader load OBJ... [--name NAME] [--pin-root DIR] [--iface IF]\n"
		"                        [--cgroup PATH] [--replace] [--group GROUP]\n"
		"                        [--foreground] [--json] [--verbose]\n"
		"Load each BPF object, pin its maps, programs and links under\n"
		"DIR/<name>/ and attach them; the attachments outlive the loader.\n");
}

static int pin_maps(const struct pin_root *root, struct stage *s, struct diag *d)
{
	char path[PATH_MAX];
	size_t i;
	int r;

	for (i = 0; i < s->obj.nr_maps; i++) {
		const struct obj_map *m = &s->obj.maps[i];

		r = path_join(path, sizeof(path), "%s/%s/%s", s->tree, PIN_DIR_MAPS, m->pin_name);
		if (!r)
			r = pin_fd(root, m->fd, path);
		if (r)
			return diag_set(d, r, "%s: map '%s': pin at %s: %s", s->obj.path, m->name,
					path, strerror(-r));
		if (!m->shared_created)
			continue;
		/* First user of a shared map publishes it right away, so that
		 * the next object of this same call finds and reuses it. */
		r = path_join(path, sizeof(path), "%s/%s/%s", root->path, PIN_DIR_SHARED,
			      m->pin_name);
		if (!r)
			r = pin_fd(root, m->fd, path);
		if (r)
			return diag_set(d, r, "%s: shared map '%s': pin at %s: %s", s->obj.path,
					m->name, path, strerror(-r));
	}
	return 0;
}

static int pin_progs(const struct pin_root *root, struct stage *s, struct diag *d)
{
	char path[PATH_MAX];
	size_t i;
	int r;

	for (i = 0; i < s->obj.nr_progs; i++) {
		const struct obj_prog *p = &s->obj.progs[i];

		r = path_join(path, sizeof(path), "%s/%s/%s", s->tree, PIN_DIR_PROGS, p->pin_name);
		if (!r)
			r = pin_fd(root, p->fd, path);
		if (r)
			return diag_set(d, r, "%s: program '%s': pin at %s: %s", s->obj.path,
					p->name, path, strerror(-r));
	}
	return 0;
}

static int attach_all(const struct pin_root *root, const struct load_opts *o, struct stage *s,
		      struct diag *d)
{
	char path[PATH_MAX];
	size_t i;
	int r;

	char old_links[PATH_MAX];
	struct attach_opts ao = o->attach;

	if (s->replaces && !path_join(old_links, sizeof(old_links), "%s/%s", s->dest, PIN_DIR_LINKS))
		ao.replace_links = old_links;
	for (i = 0; i < s->obj.nr_progs; i++) {
		const struct obj_prog *p = &s->obj.progs[i];
		struct attach_result res;

		if (s->meta.nr_attach >= EBPF_META_MAX_ATTACH)
			return diag_set(d, -E2BIG, "%s: more than %d programs to attach",
					s->obj.path, EBPF_META_MAX_ATTACH);
		r = attach_prog(p, &ao, &res, d);
		if (r) {
			/* attach.c names the section; add the file. */
			char msg[sizeof(d->msg)];

			strscpy(msg, d->msg, sizeof(msg));
			return diag_reset(d, r, "%s: %.900s", s->obj.path, msg);
		}
		/* Record first: whatever is attached must be findable in meta. */
		s->meta.attach[s->meta.nr_attach++] = res.rec;
		if (res.old_prog_fd >= 0) {
			s->takeover[s->nr_takeover].attach = s->meta.nr_attach - 1;
			s->takeover[s->nr_takeover++].prog_fd = res.old_prog_fd;
		}
		if (res.sock_fd >= 0) {
			if (s->nr_socks >= MAX_SOCKS) {
				close(res.sock_fd);
				return diag_set(d, -E2BIG, "%s: too many socket programs", s->obj.path);
			}
			s->socks[s->nr_socks++] = res.sock_fd;
		}
		if (res.link_fd < 0)
			continue;
		s->meta.attach[s->meta.nr_attach - 1].flags |= EBPF_ATTACH_F_LINK;
		r = path_join(path, sizeof(path), "%s/%s/%s", s->tree, PIN_DIR_LINKS, p->pin_name);
		if (!r)
			r = pin_fd(root, res.link_fd, path);
		close(res.link_fd);
		if (r)
			return diag_set(d, r, "%s: program '%s': pin link at %s: %s", s->obj.path,
					p->name, path, strerror(-r));
	}
	return 0;
}

/* The object's BTF as a pinned map: readers without CAP_SYS_ADMIN cannot get
 * it by id (lib/btfpin.h). Classic objects have none. */
static int pin_btf(const struct pin_root *root, struct stage *s, struct diag *d)
{
	struct bpf_btf_info info = {};
	__u32 len = sizeof(info), size;
	const struct btf *btf;
	const void *raw;
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r;

	if (!s->obj.bpf || !(btf = bpf_object__btf(s->obj.bpf)) || btf__fd(btf) < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(btf__fd(btf), &info, &len) < 0)
		return diag_set(d, -errno, "%s: BTF info: %s", s->name, strerror(errno));
	raw = btf__raw_data(btf, &size);
	if (!raw)
		return diag_set(d, -ENOMEM, "%s: BTF data: %s", s->name, strerror(ENOMEM));
	r = btfpin_create(raw, size, info.id, &fd);
	if (!r)
		r = path_join(path, sizeof(path), "%s/%s", s->tree, EBPF_BTFPIN_NAME);
	if (!r)
		r = pin_fd(root, fd, path);
	if (r)
		return diag_set(d, r, "%s: pin BTF: %s", s->name, strerror(-r));
	return 0;
}

/* The object's path for meta: whole when it fits, else "..." and its end,
 * the file name being what a reader of list or show looks for. */
static void meta_object_path(char *out, size_t size, const char *path)
{
	size_t len = strlen(path);

	if (len < size)
		memcpy(out, path, len + 1);
	else
		snprintf(out, size, "...%s", path + len - (size - 4));
}

static int write_meta(const struct pin_root *root, const struct load_opts *o, struct stage *s,
		      struct diag *d)
{
	struct ebpf_meta *m = &s->meta;
	struct timespec now;
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r;

	m->magic = EBPF_META_MAGIC;
	m->version = EBPF_META_VERSION;
	m->size = sizeof(*m);
	m->flags = (s->obj.classic ? EBPF_META_F_CLASSIC : 0) |
		   (o->foreground && s->nr_socks ? EBPF_META_F_FOREGROUND : 0);
	clock_gettime(CLOCK_REALTIME, &now);
	m->load_time_ns = (__u64)now.tv_sec * 1000000000ull + now.tv_nsec;
	strscpy(m->name, s->name, sizeof(m->name));
	meta_object_path(m->object, sizeof(m->object), s->obj.path);
	strscpy(m->sha256, s->obj.sha256, sizeof(m->sha256));
	strscpy(m->loader_version, EBPF_VERSION, sizeof(m->loader_version));
	strscpy(m->iface, o->iface ? o->iface : "", sizeof(m->iface));
	/* The namespaces the interface and holder pid belong to; 0 (unknown)
	 * if /proc cannot say. */
	if (ns_self_inode("net", &m->netns_ino))
		m->netns_ino = 0;
	if (ns_self_inode("pid", &m->pidns_ino))
		m->pidns_ino = 0;
	if (s->holder.pid > 0) {
		m->holder_pid = s->holder.pid;
		m->holder_start = s->holder.start;
	} else if (o->foreground && s->nr_socks) {
		m->holder_pid = getpid();
		proc_start_time(getpid(), &m->holder_start);
	}
	r = meta_create(m, &fd);
	if (!r)
		r = path_join(path, sizeof(path), "%s/%s", s->tree, PIN_META);
	if (!r)
		r = pin_fd(root, fd, path);
	if (r)
		return diag_set(d, r, "%s: meta record: %s", s->name, strerror(-r));
	return 0;
}

/* Build one backend completely inside <root>/staging/. */
static int stage_backend(const struct pin_root *root, const struct load_opts *o,
			 struct stage *s, struct diag *d)
{
	char shared[PATH_MAX], sub[PATH_MAX];
	int r;

	r = object_check_supported(&s->obj, d);
	if (r)
		return r;
	r = path_join(shared, sizeof(shared), "%s/%s", root->path, PIN_DIR_SHARED);
	if (r)
		return r;
	r = object_reuse_shared(&s->obj, shared, d);
	if (r)
		return r;
	r = object_load(&s->obj, d);
	if (r)
		return r;
	test_pause_point("loaded");

	r = pintree_staging_path(root, s->name, "new", s->tree, sizeof(s->tree));
	if (r)
		return r;
	r = pin_mkdir(root, s->tree);
	if (r)
		return diag_set(d, r, "%s: %s", s->tree, strerror(-r));
	s->tree_made = true;
	for (const char *const *dir = (const char *const[]){ PIN_DIR_MAPS, PIN_DIR_PROGS,
							     PIN_DIR_LINKS, NULL };
	     *dir; dir++) {
		r = path_join(sub, sizeof(sub), "%s/%s", s->tree, *dir);
		if (!r)
			r = pin_mkdir(root, sub);
		if (r)
			return diag_set(d, r, "%s: %s", sub, strerror(-r));
	}
	r = pin_maps(root, s, d);
	if (!r)
		r = pin_progs(root, s, d);
	if (!r)
		r = pin_btf(root, s, d);
	if (r)
		return r;
	test_pause_point("pinned");
	r = attach_all(root, o, s, d);
	if (r)
		return r;
	test_pause_point("attached");
	if (s->nr_socks && !o->foreground) {
		r = holder_spawn(s->name, s->socks, s->nr_socks, &s->holder);
		if (r)
			return diag_set(d, r, "%s: cannot start the socket holder: %s", s->name,
					strerror(-r));
	}
	r = write_meta(root, o, s, d);
	if (r)
		return r;
	test_pause_point("staged");
	return 0;
}

static int publish(const struct pin_root *root, struct stage *s, struct diag *d)
{
	int r;

	if (s->holder.pid > 0) {
		r = holder_commit(&s->holder);
		if (r)
			return diag_set(d, r, "%s: socket holder exited early", s->name);
	}
	if (s->replaces) {
		/* Readers see the old tree or the new one, never neither. */
		if (renameat2(AT_FDCWD, s->tree, AT_FDCWD, s->dest, RENAME_EXCHANGE) < 0)
			return diag_set(d, -errno, "%s: swap into %s: %s", s->name, s->dest,
					strerror(errno));
		s->published = true;
		test_pause_point("exchanged");
		/* s->tree now holds the old backend. */
		r = pintree_remove(s->tree);
		s->tree_made = false;
		if (r)
			return diag_set(d, r, "%s: removing the replaced backend: %s", s->name,
					strerror(-r));
		return 0;
	}
	if (renameat2(AT_FDCWD, s->tree, AT_FDCWD, s->dest, RENAME_NOREPLACE) < 0)
		return diag_set(d, -errno, "%s: publish at %s: %s", s->name, s->dest,
				strerror(errno));
	s->published = true;
	s->tree_made = false;
	return 0;
}

/* A link taken over from the backend this one was to replace runs that
 * backend's program again: a load that failed leaves it as it was. */
static void give_back_links(const struct stage *s)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < s->nr_takeover; i++) {
		int fd;

		if (path_join(path, sizeof(path), "%s/%s/%s", s->dest, PIN_DIR_LINKS,
			      s->meta.attach[s->takeover[i].attach].prog))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (bpf_link_update(fd, s->takeover[i].prog_fd, NULL) < 0)
			fprintf(stderr, "ebpf-loader: warning: %s: cannot give the link back to "
				"the program it ran: %s\n", path, strerror(errno));
		close(fd);
	}
}

static void stage_abort(struct stage *s)
{
	if (!s->published)
		give_back_links(s);
	if (s->holder.pid > 0 && s->holder.commit_fd >= 0)
		holder_abort(&s->holder);
	if (s->tree_made)
		pintree_remove(s->tree);
	s->tree_made = false;
}

static void print_result(struct json_writer *w, const struct stage *s)
{
	const struct object *o = &s->obj;
	size_t i;

	if (!common_opts.json) {
		printf("loaded %s from %s: %zu program%s, %zu map%s", s->name, o->path,
		       o->nr_progs, o->nr_progs == 1 ? "" : "s", o->nr_maps,
		       o->nr_maps == 1 ? "" : "s");
		for (i = 0; i < s->meta.nr_attach; i++)
			printf("%s %s:%s", i ? "," : "; attached", s->meta.attach[i].kind,
			       s->meta.attach[i].target);
		if (s->meta.holder_pid)
			printf(" (holder pid %d)", s->meta.holder_pid);
		printf("\n");
		return;
	}
	jw_start_object(w);
	jw_kv_string(w, "name", s->name);
	jw_kv_string(w, "object", o->path);
	jw_kv_string(w, "sha256", o->sha256);
	jw_kv_string(w, "pin_dir", s->dest);
	jw_kv_bool(w, "classic", o->classic);
	jw_kv_int(w, "holder_pid", s->meta.holder_pid);
	jw_key(w, "programs");
	jw_start_array(w);
	for (i = 0; i < o->nr_progs; i++) {
		jw_start_object(w);
		jw_kv_string(w, "name", o->progs[i].name);
		jw_kv_string(w, "section", o->progs[i].section);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_key(w, "maps");
	jw_start_array(w);
	for (i = 0; i < o->nr_maps; i++) {
		jw_start_object(w);
		jw_kv_string(w, "name", o->maps[i].pin_name);
		jw_kv_bool(w, "shared", o->maps[i].shared);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_key(w, "attach");
	jw_start_array(w);
	for (i = 0; i < s->meta.nr_attach; i++) {
		jw_start_object(w);
		jw_kv_string(w, "program", s->meta.attach[i].prog);
		jw_kv_string(w, "kind", s->meta.attach[i].kind);
		jw_kv_string(w, "target", s->meta.attach[i].target);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
}

/* --foreground: hold the sockets until SIGTERM/SIGINT, then unload the
 * backends whose sockets this process held, unless `unload` or a
 * `--replace` took them away. The others have no holder and stay loaded,
 * as without --foreground (docs/ebpf-loader.8). */
static int hold_in_foreground(const char *root_path, struct stage *st, size_t n)
{
	struct pin_root root = { .fd = -1 };
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL); /* blocked since the start already */
	sdl_notifyf(0, "READY=1\nSTATUS=holding %zu backend%s", n, n == 1 ? "" : "s");
	sigwait(&set, &sig);
	sdl_notify(0, "STOPPING=1");
	if (strscpy(root.path, root_path, sizeof(root.path)))
		return 0;
	/* No blocking lock here: `unload` may hold it while it waits for us
	 * to exit. Each rename below is atomic on its own. */
	for (size_t i = 0; i < n; i++) {
		struct ebpf_meta meta;
		char moved[PATH_MAX];

		if (!st[i].nr_socks)
			continue; /* not held by us: outlives us, as any load */
		if (meta_read(st[i].dest, &meta) || meta.load_time_ns != st[i].meta.load_time_ns)
			continue; /* not ours any more */
		if (pintree_staging_path(&root, st[i].name, "stop", moved, sizeof(moved)) ||
		    rename(st[i].dest, moved) < 0)
			continue;
		pintree_remove(moved);
	}
	/* Shared maps: collected now if no loader is busy, else by its cleanup. */
	if (pin_root_try_lock(&root) == 0)
		shared_gc(&root);
	pin_root_close(&root);
	return 0;
}

static int parse_load_opts(int argc, char **argv, struct load_opts *o, struct diag *d)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "pin-root", required_argument, NULL, 'r' },
		{ "iface", required_argument, NULL, 'i' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "replace", no_argument, NULL, 'R' },
		{ "group", required_argument, NULL, 'g' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0; /* its errors are ours to word, in one line */
	while ((c = getopt_long(argc, argv, ":n:r:i:c:Rg:fjvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o->name = optarg; break;
		case 'r': common_opts.pin_root = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'c': o->cgroup = optarg; break;
		case 'R': o->replace = true; break;
		case 'g': o->group = optarg; break;
		case 'f': o->foreground = true; break;
		case 'j': common_opts.json = true; break;
		case 'v': common_opts.verbose = true; break;
		case 'h': usage_load(stdout); exit(0);
		default:
			return option_error(d, c, argv, longopts);
		}
	}
	if (optind >= argc)
		return diag_set(d, -EINVAL, "load: no object given (see 'ebpf-loader load --help')");
	if (o->name && argc - optind > 1)
		return diag_set(d, -EINVAL, "load: --name needs exactly one object");
	return 0;
}

/* SIGTERM and SIGINT wait in the queue: a stop request during the load
 * is kept for hold_in_foreground(), which takes it with sigwait(). */
static void block_stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* --group: a name, or a numeric id as chown(1) takes it. */
static int group_id(const char *group, gid_t *gid)
{
	struct group *gr = getgrnam(group);
	char *end;
	unsigned long v;

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(group, &end, 10);
	if (errno || end == group || *end || *group == '-' || v >= (gid_t)-1)
		return -EINVAL;
	*gid = (gid_t)v;
	return 0;
}

/* --cgroup: a cgroup v2 directory (cgroup BPF programs attach nowhere
 * else), its path short enough for meta's target field, not cut there. */
static int check_cgroup(const char *path, struct diag *d)
{
	struct ebpf_meta_attach rec;
	int r;

	if (strlen(path) >= sizeof(rec.target))
		return diag_set(d, -ENAMETOOLONG, "cgroup %s: longer than %zu characters",
				path, sizeof(rec.target) - 1);
	r = fs_is_cgroup2(path);
	if (r < 0)
		return diag_set(d, r, "cgroup %s: %s", path, strerror(-r));
	if (!r)
		return diag_set(d, -EINVAL, "cgroup %s: not a cgroup v2 directory "
				"(cgroup BPF programs attach to cgroup v2 only)", path);
	return 0;
}

/* --iface, --cgroup and --group, checked before anything is made. */
static int resolve_targets(struct load_opts *o, struct pin_root *root, struct diag *d)
{
	int r;

	o->attach.iface = o->iface ? o->iface : "lo";
	o->attach.ifindex = if_nametoindex(o->attach.iface);
	if (o->iface && !o->attach.ifindex)
		return diag_set(d, -ENODEV, "unknown interface '%s'", o->iface);
	o->attach.cgroup = o->cgroup;
	if (o->cgroup) {
		r = check_cgroup(o->cgroup, d);
		if (r)
			return r;
	}
	if (o->group) {
		if (group_id(o->group, &root->gid))
			return diag_set(d, -EINVAL, "unknown group '%s'", o->group);
		root->group = true;
	}
	return 0;
}

/* Object i of the command line opened, its name and tags checked, and
 * whether this user may load it: all before the pin root is made, so
 * that a refused load leaves nothing. */
static int open_object(const char *arg, const struct load_opts *o, struct stage *st, size_t i,
		       struct diag *d)
{
	char path[PATH_MAX], derived[PATH_MAX];
	const char *name = o->name;
	int r;

	/* The file first: "not an ELF file" says more than a bad name. */
	r = object_resolve(arg, path, sizeof(path), d);
	if (r)
		return r;
	if (!name) {
		/* Whole, in a buffer as long as the path: the length is
		 * judged below, not cut here. */
		r = backend_name_from_path(path, derived, sizeof(derived));
		if (r)
			return diag_set(d, r, "%s: backend name: %s", path, strerror(-r));
		name = derived;
	}
	/* Cut only when too long, and then refused below. */
	strscpy(st[i].name, name, sizeof(st[i].name));
	r = object_open(&st[i].obj, path, st[i].name, d);
	if (!r)
		r = object_check_tags(&st[i].obj, d);
	if (r)
		return r;
	/* A name from the file name is refused, not cut, when too long: the
	 * cure is --name, which the user may not know was an option. */
	if (!o->name && strlen(name) >= BACKEND_NAME_MAX)
		return diag_set(d, -EINVAL,
				"%s: backend name from the file name is longer than %d characters (use --name)",
				path, BACKEND_NAME_MAX - 1);
	/* Checked on the name as given, so a long one is refused, not cut. */
	r = backend_name_check(name, d);
	if (r)
		return r;
	for (size_t j = 0; j < i; j++)
		if (!strcmp(st[j].name, st[i].name))
			return diag_set(d, -EINVAL, "backend '%s' given twice", st[i].name);
	return privs_check_object(&st[i].obj, d);
}

/* Where each backend goes, refused if taken and not --replace. */
static int check_destinations(const struct pin_root *root, const struct load_opts *o,
			      struct stage *st, size_t n, struct diag *d)
{
	for (size_t i = 0; i < n; i++) {
		struct ebpf_meta m;
		struct stat sb;
		int r = path_join(st[i].dest, sizeof(st[i].dest), "%s/%s", root->path, st[i].name);

		if (r)
			return r;
		st[i].replaces = lstat(st[i].dest, &sb) == 0;
		/* Only a backend is replaced (as only a backend is unloaded):
		 * swapping a foreign entry or a symbolic link out would remove
		 * it, or detach the backend it points to. */
		r = st[i].replaces ? meta_read(st[i].dest, &m) : 0;
		if (r)
			return diag_set(d, -EEXIST, "%s: not a backend: %s: left in place",
					st[i].dest, backend_broken_reason(r));
		if (st[i].replaces && !o->replace)
			return diag_set(d, -EEXIST, "backend '%s' is already loaded at %s (use --replace to swap it)",
					st[i].name, st[i].dest);
	}
	return 0;
}

/* Every backend opened, then staged, then published: all or, on an
 * error, none (the caller unwinds with unwind_load()). *root_new says
 * whether this call made the pin root. */
static int load_all(char **objects, const struct load_opts *o, struct pin_root *root,
		    bool *root_new, struct stage *st, size_t n, struct diag *d)
{
	const char *root_path = pin_root_resolve(common_opts.pin_root);
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = open_object(objects[i], o, st, i, d);
		if (r)
			return r;
	}
	*root_new = access(root_path, F_OK) < 0;
	r = pin_root_open(root, root_path, true, d);
	if (r)
		return r;
	pin_root_cleanup(root);
	r = check_destinations(root, o, st, n, d);
	for (i = 0; !r && i < n; i++)
		r = stage_backend(root, o, &st[i], d);
	for (i = 0; !r && i < n; i++) {
		r = publish(root, &st[i], d);
		if (!r)
			test_pause_point("published");
	}
	return r;
}

/* After a failed load_all(), nothing half-made stays: unpublish what this
 * call published (unless it replaced something, which cannot be brought
 * back), drop staging, and the pin root if this call made it. */
static void unwind_load(struct pin_root *root, bool root_new, struct stage *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (st[i].published && !st[i].replaces)
			pintree_remove(st[i].dest);
		stage_abort(&st[i]);
	}
	if (root->fd < 0)
		return;
	shared_gc(root);
	/* With the lock still held: a loader that gets it next then sees
	 * the root gone (pin_root_open), rather than losing it midway. */
	if (root_new)
		pin_root_remove_if_empty(root->path);
	pin_root_close(root);
}

static void report_loaded(const struct stage *st, size_t n)
{
	struct json_writer w;

	if (common_opts.json) {
		jw_init(&w, stdout);
		jw_start_object(&w);
		jw_key(&w, "loaded");
		jw_start_array(&w);
	}
	for (size_t i = 0; i < n; i++)
		print_result(&w, &st[i]);
	if (common_opts.json) {
		jw_end_array(&w);
		jw_end_object(&w);
	}
	fflush(stdout);
}

/* What this process still holds of each backend: the sockets (a holder
 * has its own copies) and the objects. */
static void stages_free(struct stage *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < st[i].nr_socks; j++)
			close(st[i].socks[j]);
		for (size_t j = 0; j < st[i].nr_takeover; j++)
			close(st[i].takeover[j].prog_fd);
		object_close(&st[i].obj);
	}
	free(st);
}

int cmd_load(int argc, char **argv)
{
	struct load_opts o = {};
	struct pin_root root = { .fd = -1 };
	bool root_new = false;
	struct stage *st;
	struct diag d = {};
	size_t n;
	int r;

	r = parse_load_opts(argc, argv, &o, &d);
	if (r) {
		report_error(r, &d);
		return 2;
	}
	if (o.foreground)
		block_stop_signals(); /* a half-done load is never interrupted */
	r = resolve_targets(&o, &root, &d);
	if (r)
		return report_error(r, &d);
	n = argc - optind;
	st = calloc(n, sizeof(*st));
	if (!st)
		return report_error(-ENOMEM, &d);
	for (size_t i = 0; i < n; i++)
		st[i].holder.commit_fd = -1;

	r = load_all(argv + optind, &o, &root, &root_new, st, n, &d);
	if (r) {
		unwind_load(&root, root_new, st, n);
	} else {
		pin_root_close(&root);
		report_loaded(st, n);
		if (o.foreground)
			hold_in_foreground(root.path, st, n); /* checked by pin_root_open */
	}
	stages_free(st, n);
	return r ? report_error(r, &d) : 0;
}
