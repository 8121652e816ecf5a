// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ebpf-loader unload: take backends out of view atomically, then detach and
 * remove everything they pinned; shared maps go with their last user. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "dirlist.h"
#include "health.h"
#include "json_writer.h"
#include "loader.h"
#include "meta.h"
#include "pinlayout.h"
#include "pintree.h"
#include "util.h"

static void usage_unload(FILE *f)
{
	fprintf(f,
		"Usage: ebpf-loader unload NAME... [--pin-root DIR] [--json]\n"
		"       ebpf-loader unload --all [--pin-root DIR] [--json]\n"
		"Detach each backend, stop its socket holder and remove its pins; the\n"
		"kernel frees its programs, maps and links. An entry that is not a\n"
		"backend (no meta record) is left in place: --all warns and goes on.\n"
		"--all also removes the then empty pin root.\n");
}

static int unload_one(const struct pin_root *root, const char *name, struct diag *d)
{
	char dest[PATH_MAX], moved[PATH_MAX], staging[PATH_MAX];
	struct ebpf_meta m;
	struct stat st;
	int r;

	r = backend_name_check(name, d);
	if (r)
		return r;
	r = path_join(dest, sizeof(dest), "%s/%s", root->path, name);
	if (!r)
		r = pintree_staging_path(root, name, "unload", moved, sizeof(moved));
	if (r)
		return diag_set(d, r, "%s: path too long", name);
	/* Out of readers' view in one step; the slow part happens in staging,
	 * where a crash leaves debris the next run removes. */
	if (lstat(dest, &st) < 0)
		return diag_set(d, -ENOENT, "backend '%s' is not loaded under %s", name, root->path);
	/* Only what the loader published: a foreign directory, pin or
	 * symbolic link under the root is not ours to remove. */
	r = meta_read(dest, &m);
	if (r)
		return diag_set(d, -EBADSLT, "%s: not a backend: %s: left in place", dest,
				backend_broken_reason(r));
	r = path_join(staging, sizeof(staging), "%s/%s", root->path, PIN_DIR_STAGING);
	if (!r && (r = pin_mkdir(root, staging)) == -EEXIST)
		r = 0;
	if (r)
		return diag_set(d, r, "%s: %s", staging, strerror(-r));
	if (rename(dest, moved) < 0) {
		if (errno == ENOENT)
			return diag_set(d, -ENOENT, "backend '%s' is not loaded under %s", name,
					root->path);
		return diag_set(d, -errno, "%s: %s", dest, strerror(errno));
	}
	test_pause_point("unload-moved");
	r = pintree_remove(moved);
	if (r)
		return diag_set(d, r, "%s: removing pins: %s", name, strerror(-r));
	return 0;
}

/* NAME... or --all (*all), with the common options. */
static int parse_unload_opts(int argc, char **argv, bool *all, struct diag *d)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "pin-root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0; /* its errors are ours to word, in one line */
	while ((c = getopt_long(argc, argv, ":ar:jvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': *all = true; break;
		case 'r': common_opts.pin_root = optarg; break;
		case 'j': common_opts.json = true; break;
		case 'v': common_opts.verbose = true; break;
		case 'h': usage_unload(stdout); exit(0);
		default:
			return option_error(d, c, argv, longopts);
		}
	}
	if (*all == (optind < argc))
		return diag_set(d, -EINVAL, "unload: give backend names or --all, not both or neither");
	return 0;
}

/* Each backend of names unloaded, said on stdout (a JSON list with
 * --json); a failure said on stderr and the next one tried. With all,
 * entries that are no backend are passed over, with a warning if they look
 * like one. Returns how many failed; the first one's diagnostic in *first. */
static int unload_names(const struct pin_root *root, char **names, size_t n, bool all,
			struct diag *first)
{
	struct json_writer w;
	struct diag d = {};
	int failed = 0;

	if (common_opts.json) {
		jw_init(&w, stdout);
		jw_start_object(&w);
		jw_key(&w, "unloaded");
		jw_start_array(&w);
	}
	for (size_t i = 0; i < n; i++) {
		int r;

		if (all && !pin_root_entry_is_backend(names[i]))
			continue;
		diag_clear(&d);
		r = unload_one(root, names[i], &d);
		if (r == -EBADSLT && all) {
			/* --all means every backend; the rest stays, said once. */
			fprintf(stderr, "ebpf-loader: warning: %s\n", diag_msg(&d, r));
			continue;
		}
		if (r) {
			if (!failed++)
				*first = d;
			fprintf(stderr, "ebpf-loader: %s\n", diag_msg(&d, r));
			continue;
		}
		if (common_opts.json)
			jw_string(&w, names[i]);
		else
			printf("unloaded %s\n", names[i]);
	}
	if (common_opts.json) {
		jw_end_array(&w);
		if (failed)
			jw_kv_string(&w, "error", first->msg);
		jw_end_object(&w);
	}
	return failed;
}

/* Every backend under the pin root, then the root itself if that leaves
 * it empty: nothing behind. */
static int unload_all(struct pin_root *root, struct diag *d)
{
	struct dirlist all = {};
	int r, failed;

	r = dirlist_read(root->path, &all);
	if (r)
		return diag_set(d, r, "pin root %s: %s", root->path, strerror(-r));
	failed = unload_names(root, all.names, all.n, true, d);
	shared_gc(root);
	pin_root_remove_if_empty(root->path);
	dirlist_free(&all);
	return failed;
}

int cmd_unload(int argc, char **argv)
{
	struct pin_root root = { .fd = -1 };
	struct diag d = {};
	bool all = false;
	char root_path[PATH_MAX];
	int r;

	r = parse_unload_opts(argc, argv, &all, &d);
	if (r) {
		report_error(r, &d);
		return 2;
	}
	r = pin_root_check(pin_root_resolve(common_opts.pin_root), root_path, sizeof(root_path), &d);
	if (r)
		return report_error(r, &d);
	/* Missing, or removed (another `unload --all`) while we waited for
	 * its lock. */
	r = access(root_path, F_OK) < 0 && errno == ENOENT ? -ENOENT :
	    pin_root_open(&root, root_path, false, &d);
	if (r == -ENOENT) {
		if (all) {
			if (common_opts.json)
				printf("{\"unloaded\":[]}\n");
			return 0; /* nothing is loaded there */
		}
		return report_error(diag_set(&d, -ENOENT, "backend '%s' is not loaded (pin root %s does not exist)",
					     argv[optind], root_path), &d);
	}
	if (r)
		return report_error(r, &d);
	pin_root_cleanup(&root);
	if (all) {
		r = unload_all(&root, &d);
	} else {
		r = unload_names(&root, argv + optind, argc - optind, false, &d);
		shared_gc(&root);
	}
	pin_root_close(&root);
	if (r < 0)
		return report_error(r, &d);
	return r ? 1 : 0;
}
