// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Finding, opening and rescanning the pinned maps under a pin root. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btfpin.h"
#include "dirlist.h"
#include "fsutil.h"
#include "pinlayout.h"
#include "reader.h"
#include "util.h"

struct candidate {
	char backend[64];
	char name[64];
	char path[PATH_MAX];
	unsigned long ino;
	__u32 id;
	int fd;                 /* opened for a new map, else -1 */
	struct rmap *existing;
	bool in_shared;         /* the id is also pinned in shared/ */
	char user[64];          /* shared maps: a backend that uses it */
};

static bool selector_matches(const char *sel, const char *backend, const char *name)
{
	const char *slash = strchr(sel, '/');
	char b[128];

	if (!slash)
		return fnmatch(sel, backend, 0) == 0;
	snprintf(b, sizeof(b), "%.*s", (int)(slash - sel), sel);
	return fnmatch(b, backend, 0) == 0 && fnmatch(slash + 1, name, 0) == 0;
}

static bool selected(const struct reader *r, const char *backend, const char *name)
{
	if (!r->nr_selectors)
		return true;
	for (size_t i = 0; i < r->nr_selectors; i++)
		if (selector_matches(r->selectors[i], backend, name))
			return true;
	return false;
}

int reader_init(struct reader *r, const char *root, char **selectors, size_t nr_selectors,
		struct diag *d)
{
	struct dirlist l;
	struct stat st;
	int rc;

	memset(r, 0, sizeof(*r));
	/* The loader's rule (lib/pinlayout.h): symlinked or nested roots are refused. */
	rc = pin_root_check(root, r->root, sizeof(r->root), d);
	if (rc)
		return rc;
	root = r->root;
	if (stat(root, &st) < 0)
		return diag_set(d, -errno, "pin root %s: %s%s", root, strerror(errno),
				errno == ENOENT ? " (nothing loaded? see ebpf-loader load)" : "");
	if (!S_ISDIR(st.st_mode))
		return diag_set(d, -ENOTDIR, "pin root %s: not a directory", root);
	/* Unreadable (mode 0700, not in the loader's --group): an empty
	 * listing would look like "nothing loaded". */
	rc = dirlist_read(root, &l);
	if (rc)
		return diag_set(d, rc, "pin root %s: %s", root, strerror(-rc));
	dirlist_free(&l);
	r->selectors = selectors;
	r->nr_selectors = nr_selectors;
	return 0;
}

/* ---- Skipped entries: collected during a scan, told once ---- */

struct skips {
	struct reader_skip *v;
	size_t n;
};

bool reader_skip_is_unreadable(int err)
{
	return err == -EACCES || err == -EPERM;
}

const char *reader_skip_reason(int err, char *buf, size_t size)
{
	switch (err) {
	case -ENOTDIR:
		return "not a directory: not part of the pin layout, skipped";
	case -ELOOP:
		return "a symbolic link: not followed, skipped";
	case -EINVAL:
		return "not a map, skipped";
	default:
		snprintf(buf, size, "%s, skipped", strerror(-err));
		return buf;
	}
}

/* Returns -ENOMEM only: a skip we cannot record is a scan we cannot trust. */
static int skip_add(struct skips *sk, const char *path, int err)
{
	struct reader_skip *v = realloc(sk->v, (sk->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	sk->v = v;
	v[sk->n].path = strdup(path);
	if (!v[sk->n].path)
		return -ENOMEM;
	v[sk->n++].err = err;
	return 0;
}

static void skips_free(struct reader_skip *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

static bool skip_known(const struct reader *r, const struct reader_skip *s)
{
	for (size_t i = 0; i < r->nr_skips; i++)
		if (r->skips[i].err == s->err && !strcmp(r->skips[i].path, s->path))
			return true;
	return false;
}

/* Length of the backend part of a skipped path ("<root>/B/maps/m" -> "B"):
 * 0 for the root itself. */
static size_t skip_backend_len(const struct reader *r, const char *path)
{
	size_t root_len = strlen(r->root);

	if (strncmp(path, r->root, root_len) || path[root_len] != '/')
		return 0;
	return strcspn(path + root_len + 1, "/");
}

/* Unreadable skips are counted once per backend (or once for the root). */
static bool skip_backend_counted(const struct reader *r, const struct skips *sk, size_t i)
{
	size_t off = strlen(r->root) + 1, len = skip_backend_len(r, sk->v[i].path);

	for (size_t j = 0; j < i; j++) {
		if (!reader_skip_is_unreadable(sk->v[j].err) ||
		    skip_backend_len(r, sk->v[j].path) != len)
			continue;
		if (!len || !strncmp(sk->v[j].path + off, sk->v[i].path + off, len))
			return true;
	}
	return false;
}

/* The scan's skips replace the last ones; new ones are told. */
static void skips_commit(struct reader *r, struct skips *sk)
{
	size_t unreadable = 0;

	for (size_t i = 0; i < sk->n; i++) {
		if (reader_skip_is_unreadable(sk->v[i].err) && !skip_backend_counted(r, sk, i))
			unreadable++;
		if (!skip_known(r, &sk->v[i]) && r->on_skip)
			r->on_skip(r->ctx, sk->v[i].path, sk->v[i].err);
	}
	skips_free(r->skips, r->nr_skips);
	r->skips = sk->v;
	r->nr_skips = sk->n;
	r->nr_unreadable = unreadable;
	sk->v = NULL;
	sk->n = 0;
}

int reader_start(struct reader *r, struct diag *d)
{
	void (*on_skip)(void *, const char *, int) = r->on_skip;
	int rc;

	/* Held back, so an unreadable entry is told once, as the error. */
	r->on_skip = NULL;
	rc = reader_rescan(r);
	r->on_skip = on_skip;
	if (rc)
		return diag_set(d, rc, "%s: %s", r->root, strerror(-rc));
	for (size_t i = 0; i < r->nr_skips; i++)
		if (reader_skip_is_unreadable(r->skips[i].err))
			return diag_set(d, r->skips[i].err, "%s: %s", r->skips[i].path,
					strerror(-r->skips[i].err));
	for (size_t i = 0; i < r->nr_skips && on_skip; i++)
		on_skip(r->ctx, r->skips[i].path, r->skips[i].err);
	return 0;
}

static bool type_is_percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool type_is_snapshottable(__u32 type)
{
	switch (type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LPM_TRIE:
		return true;
	default:
		return false;
	}
}

static void rmap_free(struct reader *r, struct rmap *m)
{
	if (!m)
		return;
	if (r->on_map_free)
		r->on_map_free(r->ctx, m);
	schema_free(&m->key);
	schema_free(&m->value);
	btf__free(m->btf);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

/* A map libbpf made for global variables (.rodata, .bss, .data,
 * .rodata.str1.1, ...): a one-slot array whose kernel name keeps the
 * section's '.' (the pin name does not: pin_name_sanitize), or whose BTF
 * value type is the section itself. No map declared in ".maps" has either. */
static bool is_global_data(const struct rmap *m)
{
	const struct btf_type *t;

	if (m->info.type != BPF_MAP_TYPE_ARRAY || m->info.max_entries != 1)
		return false;
	if (strchr(m->info.name, '.'))
		return true;
	if (!m->btf || !m->info.btf_value_type_id)
		return false;
	t = btf__type_by_id(m->btf, m->info.btf_value_type_id);
	return t && btf_is_datasec(t);
}

/* Build the reader's view of a newly opened map; takes over fd. */
static struct rmap *rmap_new(const char *root, const struct candidate *c, int fd)
{
	struct rmap *m = calloc(1, sizeof(*m));
	__u32 len = sizeof(m->info);
	int r;

	if (!m) {
		close(fd);
		return NULL;
	}
	m->fd = fd;
	strscpy(m->backend, c->backend, sizeof(m->backend));
	strscpy(m->name, c->name, sizeof(m->name));
	strscpy(m->path, c->path, sizeof(m->path));
	m->ino = c->ino;
	if (bpf_obj_get_info_by_fd(fd, &m->info, &len) < 0)
		goto fail;
	if (m->info.btf_id)
		m->btf = btfpin_load(root, m->info.btf_id);
	else
		/* No BTF on the map (ring buffers): its object's BTF still has
		 * the decl tags and the record type. */
		m->btf = btfpin_load_backend(root, c->user[0] ? c->user : c->backend);
	m->percpu = type_is_percpu(m->info.type);
	m->nr_cpus = m->percpu ? libbpf_num_possible_cpus() : 1;
	if (m->nr_cpus < 1)
		goto fail;
	m->stride = m->percpu ? (m->info.value_size + 7) / 8 * 8 : m->info.value_size;
	m->snapshottable = type_is_snapshottable(m->info.type);

	r = -1;
	if (m->btf && m->info.btf_key_type_id)
		r = schema_from_btf(m->btf, m->info.btf_key_type_id, m->info.key_size, &m->key);
	if (r)
		r = schema_from_size(m->info.key_size, &m->key);
	if (r)
		goto fail;
	r = -1;
	if (m->btf && m->info.btf_value_type_id)
		r = schema_from_btf(m->btf, m->info.btf_value_type_id, m->info.value_size, &m->value);
	if (r)
		r = schema_from_size(m->info.value_size, &m->value);
	if (r)
		goto fail;
	tags_read(m->btf, m->name, &m->tags);
	if (m->tags.key_enum[0] && m->btf)
		schema_set_enum(&m->key, m->btf, m->tags.key_enum);
	m->hidden = m->tags.hidden || is_global_data(m);
	decoders_bind(m, &m->key, &m->value);
	return m;
fail:
	schema_free(&m->key);
	schema_free(&m->value);
	btf__free(m->btf);
	close(fd);
	free(m);
	return NULL;
}

static struct rmap *find_existing(const struct reader *r, const char *path, unsigned long ino)
{
	for (size_t i = 0; i < r->nr_maps; i++)
		if (r->maps[i]->ino == ino && !strcmp(r->maps[i]->path, path))
			return r->maps[i];
	return NULL;
}

/* A pin that is not a map (or that we may not open) is skipped, and said so;
 * one that went away meanwhile is not worth a word. */
static int skip_unless_gone(struct skips *sk, const char *path, int err)
{
	if (err == -ENOENT)
		return 0;
	return skip_add(sk, path, err);
}

/* A map pin is only worth a word when it was asked for (shared maps: their
 * users are not known yet). */
static int skip_map(const struct reader *r, const struct candidate *c, struct skips *sk, int err)
{
	if (strcmp(c->backend, PIN_DIR_SHARED) && !selected(r, c->backend, c->name))
		return 0;
	return skip_unless_gone(sk, c->path, err);
}

static int add_candidates(struct reader *r, const char *backend, const char *dir,
			  struct candidate **cs, size_t *n, struct skips *sk)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	struct dirlist l;
	int rc = dirlist_read(dir, &l);

	if (rc == -ENOMEM)
		return rc;
	if (rc)
		return skip_unless_gone(sk, dir, rc);
	for (size_t i = 0; i < l.n && !rc; i++) {
		struct candidate c = { .fd = -1 };
		struct stat st;

		strscpy(c.backend, backend, sizeof(c.backend));
		strscpy(c.name, l.names[i], sizeof(c.name));
		if (path_join(c.path, sizeof(c.path), "%s/%s", dir, l.names[i]))
			continue;
		if (stat(c.path, &st) < 0) {
			rc = skip_map(r, &c, sk, -errno);
			continue;
		}
		c.ino = st.st_ino;
		c.existing = find_existing(r, c.path, c.ino);
		if (c.existing) {
			c.id = c.existing->info.id;
		} else {
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);

			c.fd = bpf_obj_get_opts(c.path, &ro);
			if (c.fd < 0) {
				/* EINVAL: a program or link pinned among the maps. */
				rc = skip_map(r, &c, sk, -errno);
				continue;
			}
			if (bpf_obj_get_info_by_fd(c.fd, &info, &len) < 0) {
				close(c.fd);
				continue;
			}
			c.id = info.id;
		}
		struct candidate *ncs = realloc(*cs, (*n + 1) * sizeof(**cs));

		if (!ncs) {
			if (c.fd >= 0)
				close(c.fd);
			rc = -ENOMEM;
			break;
		}
		*cs = ncs;
		(*cs)[(*n)++] = c;
	}
	dirlist_free(&l);
	return rc;
}

static int cmp_rmap(const void *a, const void *b)
{
	const struct rmap *x = *(struct rmap *const *)a, *y = *(struct rmap *const *)b;
	int c = strcmp(x->backend, y->backend);

	return c ? c : strcmp(x->name, y->name);
}

static bool name_in(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static void emit(struct reader *r, enum rescan_event ev, const char *backend, const struct rmap *m)
{
	if (r->on_event)
		r->on_event(r->ctx, ev, backend, m);
}

/* The backend part of some selector matches (or there is no selector). */
static bool backend_selected(const struct reader *r, const char *backend)
{
	bool any = !r->nr_selectors;

	for (size_t j = 0; j < r->nr_selectors && !any; j++) {
		const char *sel = r->selectors[j], *slash = strchr(sel, '/');
		char b[128];

		snprintf(b, sizeof(b), "%.*s", slash ? (int)(slash - sel) : (int)strlen(sel), sel);
		any = fnmatch(b, backend, 0) == 0;
	}
	return any;
}

enum backend_dir {
	BACKEND_DIR_NONE,       /* not a backend (skipped), or gone */
	BACKEND_DIR_READABLE,
	BACKEND_DIR_UNREADABLE, /* a backend still, but skipped */
};

/* What an entry of the root is; -ENOMEM when a skip cannot be recorded. */
static int backend_dir_check(const char *path, struct skips *sk)
{
	struct stat st;
	int err, rc;

	if (lstat(path, &st) < 0) {
		rc = skip_unless_gone(sk, path, -errno);
		return rc < 0 ? rc : BACKEND_DIR_NONE;
	}
	/* Never followed (the loader neither lists nor unloads one): through
	 * it another backend's maps would show twice, under a second name. */
	if (S_ISLNK(st.st_mode)) {
		rc = skip_add(sk, path, -ELOOP);
		return rc < 0 ? rc : BACKEND_DIR_NONE;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = skip_add(sk, path, -ENOTDIR);
		return rc < 0 ? rc : BACKEND_DIR_NONE;
	}
	/* Entering it is what its mode (or --group) may deny us. */
	if (faccessat(AT_FDCWD, path, R_OK | X_OK, AT_EACCESS) < 0) {
		err = -errno;
		rc = skip_unless_gone(sk, path, err);
		if (rc < 0)
			return rc;
		return err == -ENOENT ? BACKEND_DIR_NONE : BACKEND_DIR_UNREADABLE;
	}
	return BACKEND_DIR_READABLE;
}

/* A backend that became unreadable during the scan, after its check: what it
 * holds was then refused one by one (its maps/, a map pin in it). Said as
 * the backend, as the next scan would (not once per path, then once more),
 * and nothing of it kept from this scan. Skips and candidates from sk_from
 * and cs_from on are the backend's. */
static int backend_lost_midscan(const char *dir, struct skips *sk, size_t sk_from,
				struct candidate *cs, size_t *n, size_t cs_from)
{
	bool refused = false;
	size_t i;
	int err;

	for (i = sk_from; i < sk->n && !refused; i++)
		refused = reader_skip_is_unreadable(sk->v[i].err);
	if (!refused || !faccessat(AT_FDCWD, dir, R_OK | X_OK, AT_EACCESS))
		return 0;
	err = -errno;
	if (!reader_skip_is_unreadable(err))
		return 0;
	for (i = sk_from; i < sk->n; i++)
		free(sk->v[i].path);
	sk->n = sk_from;
	for (i = cs_from; i < *n; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
	*n = cs_from;
	return skip_add(sk, dir, err);
}

static int add_name(struct dirlist *l, const char *name)
{
	char **nn = realloc(l->names, (l->n + 1) * sizeof(*nn));

	if (!nn)
		return -ENOMEM;
	l->names = nn;
	nn[l->n] = strdup(name);
	if (!nn[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

/* Phase 1: the backends under the root (into now) and the map pins of
 * those we can read, and of shared/ (into *cs). 0 or -errno (-ENOMEM). */
static int scan_backends(struct reader *r, const struct dirlist *top, struct dirlist *now,
			 struct candidate **cs, size_t *n, struct skips *sk)
{
	char dir[PATH_MAX], maps[PATH_MAX];
	int rc = 0;

	for (size_t i = 0; i < top->n && !rc; i++) {
		const char *name = top->names[i];

		if (!pin_root_entry_is_backend(name) || !backend_selected(r, name) ||
		    path_join(dir, sizeof(dir), "%s/%s", r->root, name))
			continue;
		int kind = backend_dir_check(dir, sk);

		if (kind <= BACKEND_DIR_NONE) {
			rc = kind;
			continue;
		}
		/* A backend even when we cannot read it: it is there. */
		rc = add_name(now, name);
		if (!rc && kind == BACKEND_DIR_READABLE) {
			size_t sk_from = sk->n, cs_from = *n;

			if (path_join(maps, sizeof(maps), "%s/%s", dir, PIN_DIR_MAPS))
				continue;
			rc = add_candidates(r, name, maps, cs, n, sk);
			if (!rc)
				rc = backend_lost_midscan(dir, sk, sk_from, *cs, n, cs_from);
		}
	}
	if (!rc && !path_join(dir, sizeof(dir), "%s/%s", r->root, PIN_DIR_SHARED))
		rc = add_candidates(r, PIN_DIR_SHARED, dir, cs, n, sk);
	return rc;
}

/* Phase 2. A shared map is pinned in shared/ and in each user's maps/:
 * shown once, as shared/<name>; its users' pins are marked in_shared. */
static void link_shared(struct candidate *cs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cs[i].backend, PIN_DIR_SHARED))
			continue;
		for (size_t j = 0; j < n; j++)
			if (j != i && cs[j].id == cs[i].id) {
				cs[j].in_shared = true;
				strscpy(cs[i].user, cs[j].backend, sizeof(cs[i].user));
			}
	}
}

/* Phase 2b: a new shared map whose users were not scanned (unselected
 * backends: a selector naming shared/ alone) is looked for in their maps/,
 * under its pin name, which is the same there as in shared/. Only until it
 * is adopted: a known map costs nothing here. */
static void find_unscanned_users(const struct reader *r, const struct dirlist *top,
				 struct candidate *cs, size_t n)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	char path[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		struct candidate *c = &cs[i];

		/* Unscanned users are unselected: only a selector naming
		 * shared/ itself wants the map then. */
		if (c->existing || c->user[0] || strcmp(c->backend, PIN_DIR_SHARED) ||
		    !selected(r, c->backend, c->name))
			continue;
		for (size_t j = 0; j < top->n && !c->user[0]; j++) {
			const char *b = top->names[j];
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);
			int fd;

			/* Selected backends were scanned: link_shared() saw them. */
			if (!pin_root_entry_is_backend(b) || backend_selected(r, b) ||
			    path_join(path, sizeof(path), "%s/%s/%s/%s", r->root, b, PIN_DIR_MAPS,
				      c->name))
				continue;
			fd = bpf_obj_get_opts(path, &ro);
			if (fd < 0)
				continue;
			if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.id == c->id)
				strscpy(c->user, b, sizeof(c->user));
			close(fd);
		}
	}
}

/* Selected: a shared map when any of its users is. */
static bool candidate_wanted(const struct reader *r, const struct candidate *cs, size_t n,
			     const struct candidate *c)
{
	bool want = selected(r, c->backend, c->name);

	if (!strcmp(c->backend, PIN_DIR_SHARED))
		for (size_t j = 0; j < n && !want; j++)
			want = cs[j].in_shared && cs[j].id == c->id &&
			       selected(r, cs[j].backend, cs[j].name);
	return want;
}

/* Phase 3: mark the maps still there seen; open the new ones (taking the
 * candidate's fd). 0 or -ENOMEM. */
static int adopt_candidates(struct reader *r, struct candidate *cs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct candidate *c = &cs[i];
		struct rmap *m, **nm;

		if (c->in_shared || !candidate_wanted(r, cs, n, c))
			continue;
		if (c->existing) {
			c->existing->seen = true;
			continue;
		}
		/* No published backend pins this shared map: the loader pins
		 * shared/ while it stages the first user, before publishing it
		 * (docs/design.md). Its tags and record type are in that user's
		 * btf pin, and a map is described once, when opened: so it is
		 * taken when the user is published, not before. */
		if (!strcmp(c->backend, PIN_DIR_SHARED) && !c->user[0])
			continue;
		m = rmap_new(r->root, c, c->fd);
		c->fd = -1;
		if (!m)
			continue;
		nm = realloc(r->maps, (r->nr_maps + 1) * sizeof(*nm));
		if (!nm) {
			rmap_free(r, m);
			return -ENOMEM;
		}
		r->maps = nm;
		m->seen = true;
		r->maps[r->nr_maps++] = m;
		emit(r, MAP_ADDED, m->backend, m);
	}
	return 0;
}

/* Phase 4: the names under which users see shared maps ("user/map"), for
 * reader_unmatched_selector(). */
static void record_aliases(struct reader *r, const struct candidate *cs, size_t n)
{
	for (size_t i = 0; i < r->nr_aliases; i++)
		free(r->aliases[i]);
	r->nr_aliases = 0;
	for (size_t i = 0; i < n; i++) {
		char alias[160], **na;

		if (!cs[i].in_shared)
			continue;
		na = realloc(r->aliases, (r->nr_aliases + 1) * sizeof(*na));
		if (!na)
			break;
		r->aliases = na;
		snprintf(alias, sizeof(alias), "%s/%s", cs[i].backend, cs[i].name);
		if ((r->aliases[r->nr_aliases] = strdup(alias)))
			r->nr_aliases++;
	}
}

static void candidates_free(struct candidate *cs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
	free(cs);
}

/* Phase 5: drop what is gone (or replaced by a new map at the same path);
 * the rest in order. */
static void drop_unseen(struct reader *r)
{
	size_t kept = 0;

	for (size_t i = 0; i < r->nr_maps; i++) {
		struct rmap *m = r->maps[i];

		if (m->seen) {
			r->maps[kept++] = m;
			continue;
		}
		emit(r, MAP_REMOVED, m->backend, m);
		rmap_free(r, m);
	}
	r->nr_maps = kept;
	if (r->nr_maps)
		qsort(r->maps, r->nr_maps, sizeof(*r->maps), cmp_rmap);
}

/* Phase 6: backends seen now vs. at the last scan (selected ones only);
 * now's names become the reader's. */
static void update_backends(struct reader *r, struct dirlist *now)
{
	for (size_t i = 0; i < now->n; i++)
		if (!name_in(r->backends, r->nr_backends, now->names[i]))
			emit(r, BACKEND_ADDED, now->names[i], NULL);
	for (size_t i = 0; i < r->nr_backends; i++)
		if (!name_in(now->names, now->n, r->backends[i]))
			emit(r, BACKEND_REMOVED, r->backends[i], NULL);
	for (size_t i = 0; i < r->nr_backends; i++)
		free(r->backends[i]);
	free(r->backends);
	r->backends = now->names;
	r->nr_backends = now->n;
}

int reader_rescan(struct reader *r)
{
	struct candidate *cs = NULL;
	struct dirlist top = {}, now = {};
	struct skips sk = {};
	size_t n = 0;
	int rc;

	rc = dirlist_read(r->root, &top);
	if (rc && rc != -ENOENT) {
		/* The root became unreadable: keep what is open, say it once. */
		if (!skip_add(&sk, r->root, rc))
			skips_commit(r, &sk);
		skips_free(sk.v, sk.n);
		return rc;
	}
	rc = scan_backends(r, &top, &now, &cs, &n, &sk);
	link_shared(cs, n);
	if (!rc)
		find_unscanned_users(r, &top, cs, n);
	/* Unseen maps are dropped below: all of them after a failed scan. */
	for (size_t i = 0; i < r->nr_maps; i++)
		r->maps[i]->seen = false;
	if (!rc)
		rc = adopt_candidates(r, cs, n);
	record_aliases(r, cs, n);
	candidates_free(cs, n);
	drop_unseen(r);
	update_backends(r, &now);
	dirlist_free(&top);
	if (!rc)
		skips_commit(r, &sk);
	skips_free(sk.v, sk.n);
	return rc;
}

const char *reader_unmatched_selector(const struct reader *r)
{
	for (size_t i = 0; i < r->nr_selectors; i++) {
		const char *sel = r->selectors[i];
		bool found = false;

		for (size_t j = 0; j < r->nr_maps && !found; j++) {
			const struct rmap *m = r->maps[j];

			found = selector_matches(sel, m->backend, m->name);
		}
		/* A backend may be selected through a shared map it uses. */
		for (size_t j = 0; j < r->nr_backends && !found; j++)
			found = !strchr(sel, '/') && fnmatch(sel, r->backends[j], 0) == 0;
		for (size_t j = 0; j < r->nr_aliases && !found; j++) {
			const char *slash = strchr(r->aliases[j], '/');
			char b[128];

			snprintf(b, sizeof(b), "%.*s", (int)(slash - r->aliases[j]), r->aliases[j]);
			found = selector_matches(sel, b, slash + 1);
		}
		if (!found)
			return sel;
	}
	return NULL;
}

void reader_free(struct reader *r)
{
	for (size_t i = 0; i < r->nr_maps; i++)
		rmap_free(r, r->maps[i]);
	free(r->maps);
	for (size_t i = 0; i < r->nr_backends; i++)
		free(r->backends[i]);
	free(r->backends);
	for (size_t i = 0; i < r->nr_aliases; i++)
		free(r->aliases[i]);
	free(r->aliases);
	skips_free(r->skips, r->nr_skips);
	r->skips = NULL;
	r->nr_skips = r->nr_unreadable = 0;
	r->maps = NULL;
	r->backends = NULL;
	r->aliases = NULL;
	r->nr_maps = r->nr_backends = r->nr_aliases = 0;
}
