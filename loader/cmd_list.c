// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ebpf-loader list / show: what is loaded, from the pins, meta and the
 * kernel's own object info. Plain and JSON output share one data path. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dirlist.h"
#include "fsutil.h"
#include "health.h"
#include "json_writer.h"
#include "loader.h"
#include "meta.h"
#include "pinlayout.h"
#include "pintree.h"
#include "util.h"

static int parse_common(int argc, char **argv, const char *usage, int min_args, int max_args,
			struct diag *d)
{
	static const struct option longopts[] = {
		{ "pin-root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0; /* its errors are ours to word, in one line */
	while ((c = getopt_long(argc, argv, ":r:jvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': common_opts.pin_root = optarg; break;
		case 'j': common_opts.json = true; break;
		case 'v': common_opts.verbose = true; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: return option_error(d, c, argv, longopts);
		}
	}
	if (argc - optind < min_args || argc - optind > max_args)
		return diag_set(d, -EINVAL, "%s: wrong number of arguments (see --help)", argv[0]);
	return 0;
}

/* Any ebpf-loader run cleans up after a killed one; list and show too, when
 * they may (they work read-only otherwise). Never waiting for the lock: a
 * read-only command must not hang behind a load, and the loader that holds
 * the lock cleans up itself. */
static void cleanup_if_possible(const char *root_path)
{
	struct pin_root root = { .fd = -1, .nowait = true };

	if (pin_root_open(&root, root_path, false, NULL) == 0)
		pin_root_cleanup(&root);
	pin_root_close(&root);
}

static void format_time(__u64 ns, char *buf, size_t size)
{
	time_t t = ns / 1000000000ull;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S%z", &tm);
}

/* Entries in backend_dir/sub; none for a NULL backend_dir. */
static size_t count_dir(const char *backend_dir, const char *sub)
{
	struct dirlist l;
	char path[PATH_MAX];
	size_t n;

	if (!backend_dir || path_join(path, sizeof(path), "%s/%s", backend_dir, sub) ||
	    dirlist_read(path, &l))
		return 0;
	n = l.n;
	dirlist_free(&l);
	return n;
}

static void json_names(struct json_writer *w, const char *key, const char *backend_dir,
		       const char *sub)
{
	struct dirlist l;
	char path[PATH_MAX];

	jw_key(w, key);
	jw_start_array(w);
	if (backend_dir && !path_join(path, sizeof(path), "%s/%s", backend_dir, sub) &&
	    !dirlist_read(path, &l)) {
		for (size_t i = 0; i < l.n; i++)
			jw_string(w, l.names[i]);
		dirlist_free(&l);
	}
	jw_end_array(w);
}

/* "ebpft-1" (its name under /run/netns) or "net:[4026532890]", as
 * /proc/PID/ns/net shows it; "" when unknown. */
static void netns_label(const struct attach_health *a, char *buf, size_t size)
{
	if (a->netns[0])
		strscpy(buf, a->netns, size);
	else if (a->netns_ino)
		snprintf(buf, size, "net:[%llu]", (unsigned long long)a->netns_ino);
	else
		buf[0] = '\0';
}

/* State of one attachment, and the network namespace of an interface
 * attachment (its name alone is ambiguous across namespaces). */
static void json_attach_health(struct json_writer *w, const struct ebpf_meta_attach *rec,
			       const struct attach_health *a)
{
	jw_kv_string(w, "state", attach_state_str(a->state));
	if (a->why)
		jw_kv_string(w, "reason", a->why);
	if (!rec->ifindex)
		return;
	jw_key(w, "netns_ino");
	if (a->netns_ino)
		jw_uint(w, a->netns_ino);
	else
		jw_null(w);
	jw_key(w, "netns");
	if (a->netns[0])
		jw_string(w, a->netns);
	else
		jw_null(w);
}

static void json_meta(struct json_writer *w, const struct ebpf_meta *m,
		      const struct backend_health *h)
{
	char when[64];

	format_time(m->load_time_ns, when, sizeof(when));
	jw_kv_string(w, "object", m->object);
	jw_kv_string(w, "sha256", m->sha256);
	jw_kv_string(w, "load_time", when);
	jw_kv_uint(w, "load_time_ns", m->load_time_ns);
	jw_kv_string(w, "loader_version", m->loader_version);
	jw_kv_bool(w, "classic", m->flags & EBPF_META_F_CLASSIC);
	jw_kv_int(w, "holder_pid", m->holder_pid);
	jw_kv_string(w, "holder_state", holder_state_str(h->holder));
	jw_kv_bool(w, "foreground", m->flags & EBPF_META_F_FOREGROUND);
	jw_kv_string(w, "iface", m->iface);
	jw_key(w, "attach");
	jw_start_array(w);
	for (__u32 i = 0; i < m->nr_attach; i++) {
		jw_start_object(w);
		jw_kv_string(w, "program", m->attach[i].prog);
		jw_kv_string(w, "kind", m->attach[i].kind);
		jw_kv_string(w, "target", m->attach[i].target);
		json_attach_health(w, &m->attach[i], &h->attach[i]);
		jw_end_object(w);
	}
	jw_end_array(w);
}

/* kind:target[@netns][(state)] for each attachment, comma-separated. */
static void attach_summary(const struct ebpf_meta *m, const struct backend_health *h,
			   char *buf, size_t size)
{
	char ns[80];
	size_t len = 0;

	buf[0] = '\0';
	for (__u32 i = 0; i < m->nr_attach && len < size; i++) {
		const struct attach_health *a = &h->attach[i];

		netns_label(a, ns, sizeof(ns));
		len += snprintf(buf + len, size - len, "%s%s:%s%s%s%s%s%s", i ? "," : "",
				m->attach[i].kind, m->attach[i].target, ns[0] ? "@" : "", ns,
				a->state != ATTACH_ATTACHED ? "(" : "",
				a->state != ATTACH_ATTACHED ? attach_state_str(a->state) : "",
				a->state != ATTACH_ATTACHED ? ")" : "");
	}
	if (!m->nr_attach)
		strscpy(buf, "-", size);
}

/* "1234", or "1234(stale)" when the pid no longer names the holder. */
static void holder_summary(const struct ebpf_meta *m, const struct backend_health *h,
			   char *buf, size_t size)
{
	if (h->holder == HOLDER_NONE)
		strscpy(buf, "-", size);
	else if (h->holder == HOLDER_RUNNING)
		snprintf(buf, size, "%d", m->holder_pid);
	else
		snprintf(buf, size, "%d(%s)", m->holder_pid, holder_state_str(h->holder));
}

static void list_json(struct json_writer *w, const char *name, const char *dir,
		      const struct ebpf_meta *m, const struct backend_health *h)
{
	jw_start_object(w);
	jw_kv_string(w, "name", name);
	jw_kv_string(w, "state", backend_state_str(h->state));
	/* A broken entry has no record: no fields made up from zeros. */
	if (h->state == BACKEND_BROKEN)
		jw_kv_string(w, "reason", backend_broken_reason(h->err));
	else
		json_meta(w, m, h);
	json_names(w, "programs", dir, PIN_DIR_PROGS);
	json_names(w, "maps", dir, PIN_DIR_MAPS);
	json_names(w, "links", dir, PIN_DIR_LINKS);
	jw_end_object(w);
}

static void list_text(const char *name, const char *dir, const struct ebpf_meta *m,
		      const struct backend_health *h)
{
	char when[64] = "-", attach[1024], holder[32];

	if (h->state == BACKEND_BROKEN) {
		printf("%-16s %-8s %-5zu %-5zu %-24s %-14s %-36s %s\n", name,
		       backend_state_str(h->state), count_dir(dir, PIN_DIR_PROGS),
		       count_dir(dir, PIN_DIR_MAPS), "-", "-", "-", backend_broken_reason(h->err));
		return;
	}
	format_time(m->load_time_ns, when, sizeof(when));
	attach_summary(m, h, attach, sizeof(attach));
	holder_summary(m, h, holder, sizeof(holder));
	printf("%-16s %-8s %-5zu %-5zu %-24s %-14s %-36s %s\n", name, backend_state_str(h->state),
	       count_dir(dir, PIN_DIR_PROGS), count_dir(dir, PIN_DIR_MAPS), when, holder,
	       m->object[0] ? m->object : "-", attach);
}

int cmd_list(int argc, char **argv)
{
	static const char usage[] =
		"Usage: ebpf-loader list [--pin-root DIR] [--json]\n"
		"A header, then one line per entry under the pin root, in the columns\n"
		"NAME STATE PROGS MAPS LOADED HOLDER OBJECT ATTACH: its name, state (ok,\n"
		"detached, broken), number of programs and maps, load time, holder pid\n"
		"(- for none), object and attach points.\n";
	struct json_writer w;
	struct dirlist l = {};
	struct diag d = {};
	const char *root_path;
	char root_buf[PATH_MAX];
	int r;

	r = parse_common(argc, argv, usage, 0, 0, &d);
	if (r) {
		report_error(r, &d);
		return 2;
	}
	r = pin_root_check(pin_root_resolve(common_opts.pin_root), root_buf, sizeof(root_buf), &d);
	if (r)
		return report_error(r, &d);
	root_path = root_buf;
	if (access(root_path, F_OK) == 0) {
		cleanup_if_possible(root_path);
		r = dirlist_read(root_path, &l);
		if (r)
			return report_error(diag_set(&d, r, "pin root %s: %s", root_path, strerror(-r)), &d);
	}
	if (common_opts.json) {
		jw_init(&w, stdout);
		jw_start_object(&w);
		jw_key(&w, "backends");
		jw_start_array(&w);
	} else {
		printf("%-16s %-8s %-5s %-5s %-24s %-14s %-36s %s\n", "NAME", "STATE", "PROGS", "MAPS",
		       "LOADED", "HOLDER", "OBJECT", "ATTACH");
	}
	for (size_t i = 0; i < l.n; i++) {
		struct backend_health h;
		struct ebpf_meta m;
		char dir[PATH_MAX];

		if (!pin_root_entry_is_backend(l.names[i]) ||
		    path_join(dir, sizeof(dir), "%s/%s", root_path, l.names[i]))
			continue;
		backend_health_check(dir, &m, &h);
		/* Nothing is read through a symbolic link (NULL: no pins):
		 * what it points to is not this entry's. */
		if (common_opts.json)
			list_json(&w, l.names[i], h.err == -ELOOP ? NULL : dir, &m, &h);
		else
			list_text(l.names[i], h.err == -ELOOP ? NULL : dir, &m, &h);
	}
	if (common_opts.json) {
		jw_end_array(&w);
		jw_end_object(&w);
	}
	dirlist_free(&l);
	return 0;
}

/* Index in m->attach of PROG's attachment, -1 if it has none. */
static int attach_of(const struct ebpf_meta *m, const char *prog)
{
	for (__u32 i = 0; i < m->nr_attach; i++)
		if (!strcmp(m->attach[i].prog, prog))
			return i;
	return -1;
}

/* " netns NAME (net:[INO])" for an interface attachment, then its state:
 * " attached", " detached: holder not running". */
static void print_attach_health(const struct ebpf_meta_attach *rec, const struct attach_health *a)
{
	if (rec->ifindex && a->netns[0])
		printf(" netns %s (net:[%llu])", a->netns, (unsigned long long)a->netns_ino);
	else if (rec->ifindex && a->netns_ino)
		printf(" netns net:[%llu]", (unsigned long long)a->netns_ino);
	else if (rec->ifindex)
		printf(" netns unknown");
	printf(" %s%s%s", attach_state_str(a->state), a->why ? ": " : "", a->why ? a->why : "");
}

/* Entries in use: arrays are always full; hashes are walked. */
static long long map_entries(int fd, const struct bpf_map_info *info)
{
	char key[512], next[512];
	void *prev = NULL;
	long long n = 0;

	switch (info->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		return info->max_entries;
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_LPM_TRIE:
		break;
	default:
		return -1;
	}
	if (info->key_size > sizeof(key))
		return -1;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, info->key_size);
		prev = key;
		n++;
	}
	return n;
}

/* A section of `show`: the pins in DIR/SUBDIR (none if unreadable) in
 * *l, their full paths built in sub, and the heading, JSON or text. */
static void section_begin(struct json_writer *w, const char *dir, const char *subdir,
			  const char *title, char sub[PATH_MAX], struct dirlist *l)
{
	if (path_join(sub, PATH_MAX, "%s/%s", dir, subdir) || dirlist_read(sub, l))
		*l = (struct dirlist){};
	if (common_opts.json) {
		jw_key(w, title);
		jw_start_array(w);
	} else {
		printf("%s:\n", title);
	}
}

static void section_end(struct json_writer *w, struct dirlist *l)
{
	if (common_opts.json)
		jw_end_array(w);
	dirlist_free(l);
}

/* The pin SUB/NAME opened (read-only when asked) with its info in *info;
 * -1 when it cannot be: show skips what it cannot read. */
static int pin_open_info(const char *sub, const char *name, bool rdonly, void *info, __u32 len)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = rdonly ? BPF_F_RDONLY : 0);
	char path[PATH_MAX];
	int fd;

	if (path_join(path, sizeof(path), "%s/%s", sub, name))
		return -1;
	fd = bpf_obj_get_opts(path, &opts);
	if (fd >= 0 && bpf_obj_get_info_by_fd(fd, info, &len) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void show_progs(struct json_writer *w, const char *dir, const struct ebpf_meta *m,
		       const struct backend_health *h)
{
	char sub[PATH_MAX];
	bool stats = bpf_stats_enabled();
	struct dirlist l;

	section_begin(w, dir, PIN_DIR_PROGS, "programs", sub, &l);
	for (size_t i = 0; i < l.n; i++) {
		struct bpf_prog_info info = {};
		int ai = attach_of(m, l.names[i]);
		const struct ebpf_meta_attach *a = ai >= 0 ? &m->attach[ai] : NULL;
		const char *type;
		_cleanup_close_ int fd = pin_open_info(sub, l.names[i], false, &info, sizeof(info));

		if (fd < 0)
			continue;
		type = libbpf_bpf_prog_type_str(info.type);
		if (common_opts.json) {
			jw_start_object(w);
			jw_kv_string(w, "name", l.names[i]);
			jw_kv_uint(w, "id", info.id);
			jw_kv_string(w, "type", type ? type : "unknown");
			if (a) {
				jw_kv_string(w, "attach_kind", a->kind);
				jw_kv_string(w, "attach_target", a->target);
				jw_key(w, "attach");
				jw_start_object(w);
				json_attach_health(w, a, &h->attach[ai]);
				jw_end_object(w);
			}
			if (stats) {
				jw_kv_uint(w, "run_cnt", info.run_cnt);
				jw_kv_uint(w, "run_time_ns", info.run_time_ns);
			}
			jw_end_object(w);
			continue;
		}
		printf("  %-24s id %-6u %-14s %s:%s", l.names[i], info.id, type ? type : "unknown",
		       a ? a->kind : "-", a ? a->target : "-");
		if (a)
			print_attach_health(a, &h->attach[ai]);
		if (stats)
			printf("  run_cnt %llu run_time_ns %llu", (unsigned long long)info.run_cnt,
			       (unsigned long long)info.run_time_ns);
		printf("\n");
	}
	if (!common_opts.json && !stats)
		printf("  (run counts: sysctl kernel.bpf_stats_enabled=1)\n");
	section_end(w, &l);
}

static void show_maps(struct json_writer *w, const char *dir)
{
	char sub[PATH_MAX];
	struct dirlist l;

	section_begin(w, dir, PIN_DIR_MAPS, "maps", sub, &l);
	for (size_t i = 0; i < l.n; i++) {
		struct bpf_map_info info = {};
		const char *type;
		long long entries;
		_cleanup_close_ int fd = pin_open_info(sub, l.names[i], true, &info, sizeof(info));

		if (fd < 0)
			continue;
		type = libbpf_bpf_map_type_str(info.type);
		entries = map_entries(fd, &info);
		if (common_opts.json) {
			jw_start_object(w);
			jw_kv_string(w, "name", l.names[i]);
			jw_kv_uint(w, "id", info.id);
			jw_kv_string(w, "type", type ? type : "unknown");
			jw_kv_uint(w, "key_size", info.key_size);
			jw_kv_uint(w, "value_size", info.value_size);
			jw_kv_uint(w, "max_entries", info.max_entries);
			jw_key(w, "entries");
			if (entries >= 0)
				jw_int(w, entries);
			else
				jw_null(w);
			jw_kv_bool(w, "btf", info.btf_id != 0);
			jw_end_object(w);
			continue;
		}
		printf("  %-24s id %-6u %-16s key %-4u value %-6u max %-8u", l.names[i], info.id,
		       type ? type : "unknown", info.key_size, info.value_size, info.max_entries);
		if (entries >= 0)
			printf(" entries %lld", entries);
		printf("\n");
	}
	section_end(w, &l);
}

static void show_links(struct json_writer *w, const char *dir)
{
	char sub[PATH_MAX];
	struct dirlist l;

	section_begin(w, dir, PIN_DIR_LINKS, "links", sub, &l);
	for (size_t i = 0; i < l.n; i++) {
		struct bpf_link_info info = {};
		const char *type;
		_cleanup_close_ int fd = pin_open_info(sub, l.names[i], false, &info, sizeof(info));

		if (fd < 0)
			continue;
		type = libbpf_bpf_link_type_str(info.type);
		if (common_opts.json) {
			jw_start_object(w);
			jw_kv_string(w, "name", l.names[i]);
			jw_kv_uint(w, "id", info.id);
			jw_kv_string(w, "type", type ? type : "unknown");
			jw_kv_uint(w, "prog_id", info.prog_id);
			jw_end_object(w);
			continue;
		}
		printf("  %-24s id %-6u %-14s prog %u\n", l.names[i], info.id,
		       type ? type : "unknown", info.prog_id);
	}
	section_end(w, &l);
}

static const char *holder_state_why(enum holder_state s)
{
	switch (s) {
	case HOLDER_STALE: return ": not running";
	case HOLDER_UNKNOWN: return ": in another pid namespace";
	default: return "";
	}
}

int cmd_show(int argc, char **argv)
{
	static const char usage[] =
		"Usage: ebpf-loader show NAME [--pin-root DIR] [--json]\n"
		"Programs (id, type, attach point, run count and time when\n"
		"kernel.bpf_stats_enabled=1), maps (id, type, sizes, entries), links\n"
		"and the meta record of one backend, checked: its state (ok, detached),\n"
		"whether its holder runs, and each attachment's state and network namespace.\n";
	struct backend_health h;
	struct ebpf_meta m;
	struct json_writer w;
	struct diag d = {};
	const char *root_path, *name;
	char root_buf[PATH_MAX], dir[PATH_MAX], when[64] = "-";
	int r;

	r = parse_common(argc, argv, usage, 1, 1, &d);
	if (r) {
		report_error(r, &d);
		return 2;
	}
	name = argv[optind];
	r = backend_name_check(name, &d);
	if (r)
		return report_error(r, &d);
	r = pin_root_check(pin_root_resolve(common_opts.pin_root), root_buf, sizeof(root_buf), &d);
	if (r)
		return report_error(r, &d);
	root_path = root_buf;
	if (access(root_path, F_OK) == 0)
		cleanup_if_possible(root_path);
	r = path_join(dir, sizeof(dir), "%s/%s", root_path, name);
	if (r || access(dir, F_OK) < 0)
		return report_error(diag_set(&d, -ENOENT, "backend '%s' is not loaded under %s",
					     name, root_path), &d);
	backend_health_check(dir, &m, &h);
	if (h.state == BACKEND_BROKEN)
		return report_error(diag_set(&d, h.err, "%s: not a backend: %s", dir,
					     backend_broken_reason(h.err)), &d);
	if (common_opts.json) {
		jw_init(&w, stdout);
		jw_start_object(&w);
		jw_kv_string(&w, "name", name);
		jw_kv_string(&w, "pin_dir", dir);
		jw_kv_string(&w, "state", backend_state_str(h.state));
		jw_key(&w, "meta");
		jw_start_object(&w);
		json_meta(&w, &m, &h);
		jw_end_object(&w);
	} else {
		format_time(m.load_time_ns, when, sizeof(when));
		printf("backend %s (%s)\n  state %s\n  object %s\n  sha256 %s\n"
		       "  loaded %s by ebpf-loader %s%s\n", name, dir, backend_state_str(h.state),
		       m.object, m.sha256, when, m.loader_version,
		       (m.flags & EBPF_META_F_CLASSIC) ? " (classic object)" : "");
		if (h.holder != HOLDER_NONE)
			printf("  holder pid %d%s %s%s\n", m.holder_pid,
			       (m.flags & EBPF_META_F_FOREGROUND) ? " (foreground loader)" : "",
			       holder_state_str(h.holder), holder_state_why(h.holder));
	}
	show_progs(&w, dir, &m, &h);
	show_maps(&w, dir);
	show_links(&w, dir);
	if (common_opts.json)
		jw_end_object(&w);
	return 0;
}
