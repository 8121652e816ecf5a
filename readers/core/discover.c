// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Finding, opening and rescanning the pinned maps under a pin root. */
#include <errno.h>
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
	r->selectors = selectors;
	r->nr_selectors = nr_selectors;
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
	hints_read(m->btf, m->name, &m->hints);
	if (m->hints.key_enum[0] && m->btf)
		schema_set_enum(&m->key, m->btf, m->hints.key_enum);
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

static int add_candidates(struct reader *r, const char *backend, const char *dir,
			  struct candidate **cs, size_t *n)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	struct dirlist l;
	int rc = dirlist_read(dir, &l);

	if (rc)
		return rc == -ENOENT ? 0 : rc;
	for (size_t i = 0; i < l.n; i++) {
		struct candidate c = { .fd = -1 };
		struct stat st;

		strscpy(c.backend, backend, sizeof(c.backend));
		strscpy(c.name, l.names[i], sizeof(c.name));
		if (path_join(c.path, sizeof(c.path), "%s/%s", dir, l.names[i]) ||
		    stat(c.path, &st) < 0)
			continue; /* gone meanwhile */
		c.ino = st.st_ino;
		c.existing = find_existing(r, c.path, c.ino);
		if (c.existing) {
			c.id = c.existing->info.id;
		} else {
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);

			c.fd = bpf_obj_get_opts(c.path, &ro);
			if (c.fd < 0)
				continue; /* not a map, or gone: the next scan tells */
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

int reader_rescan(struct reader *r)
{
	struct candidate *cs = NULL;
	struct dirlist top = {}, now = {};
	size_t n = 0, i, j, kept;
	char dir[PATH_MAX];
	int rc;

	rc = dirlist_read(r->root, &top);
	if (rc && rc != -ENOENT)
		return rc;
	for (i = 0; i < top.n && !rc; i++) {
		if (!pin_root_entry_is_backend(top.names[i]) ||
		    path_join(dir, sizeof(dir), "%s/%s/%s", r->root, top.names[i], PIN_DIR_MAPS))
			continue;
		rc = add_candidates(r, top.names[i], dir, &cs, &n);
	}
	if (!rc && !path_join(dir, sizeof(dir), "%s/%s", r->root, PIN_DIR_SHARED))
		rc = add_candidates(r, PIN_DIR_SHARED, dir, &cs, &n);

	/* A shared map is pinned in shared/ and in each user's maps/: show it
	 * once, as shared/<name>, selected when any of its users is. */
	for (i = 0; i < n; i++) {
		if (strcmp(cs[i].backend, PIN_DIR_SHARED))
			continue;
		for (j = 0; j < n; j++)
			if (j != i && cs[j].id == cs[i].id) {
				cs[j].in_shared = true;
				strscpy(cs[i].user, cs[j].backend, sizeof(cs[i].user));
			}
	}
	for (i = 0; i < r->nr_maps; i++)
		r->maps[i]->seen = false;
	for (i = 0; i < n && !rc; i++) {
		struct candidate *c = &cs[i];
		bool want = selected(r, c->backend, c->name);

		if (c->in_shared)
			continue;
		if (!strcmp(c->backend, PIN_DIR_SHARED))
			for (j = 0; j < n && !want; j++)
				want = cs[j].in_shared && cs[j].id == c->id &&
				       selected(r, cs[j].backend, cs[j].name);
		if (!want)
			continue;
		if (c->existing) {
			c->existing->seen = true;
			continue;
		}
		struct rmap *m = rmap_new(r->root, c, c->fd);
		struct rmap **nm;

		c->fd = -1;
		if (!m)
			continue;
		nm = realloc(r->maps, (r->nr_maps + 1) * sizeof(*nm));
		if (!nm) {
			rmap_free(r, m);
			rc = -ENOMEM;
			break;
		}
		r->maps = nm;
		m->seen = true;
		r->maps[r->nr_maps++] = m;
		emit(r, MAP_ADDED, m->backend, m);
	}
	/* Names under which users see shared maps, for reader_unmatched_selector. */
	for (i = 0; i < r->nr_aliases; i++)
		free(r->aliases[i]);
	r->nr_aliases = 0;
	for (i = 0; i < n; i++) {
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
	for (i = 0; i < n; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
	free(cs);

	/* Drop what is gone (or replaced by a new map at the same path). */
	for (i = 0, kept = 0; i < r->nr_maps; i++) {
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

	/* Backends seen now vs. at the last scan (selected ones only). */
	for (i = 0; i < top.n; i++) {
		if (!pin_root_entry_is_backend(top.names[i]))
			continue;
		bool any = !r->nr_selectors;

		for (j = 0; j < r->nr_selectors && !any; j++) {
			const char *sel = r->selectors[j], *slash = strchr(sel, '/');
			char b[128];

			snprintf(b, sizeof(b), "%.*s", slash ? (int)(slash - sel) : (int)strlen(sel), sel);
			any = fnmatch(b, top.names[i], 0) == 0;
		}
		if (!any)
			continue;
		char **nn = realloc(now.names, (now.n + 1) * sizeof(*nn));

		if (!nn)
			break;
		now.names = nn;
		now.names[now.n] = strdup(top.names[i]);
		if (now.names[now.n])
			now.n++;
	}
	for (i = 0; i < now.n; i++)
		if (!name_in(r->backends, r->nr_backends, now.names[i]))
			emit(r, BACKEND_ADDED, now.names[i], NULL);
	for (i = 0; i < r->nr_backends; i++)
		if (!name_in(now.names, now.n, r->backends[i]))
			emit(r, BACKEND_REMOVED, r->backends[i], NULL);
	for (i = 0; i < r->nr_backends; i++)
		free(r->backends[i]);
	free(r->backends);
	r->backends = now.names;
	r->nr_backends = now.n;
	dirlist_free(&top);
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
	r->maps = NULL;
	r->backends = NULL;
	r->aliases = NULL;
	r->nr_maps = r->nr_backends = r->nr_aliases = 0;
}
