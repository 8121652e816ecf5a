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
	if (access(dest, F_OK) < 0)
		return diag_set(d, -ENOENT, "backend '%s' is not loaded under %s", name, root->path);
	/* Only what the loader published: a foreign directory or pin under
	 * the root is not ours to remove. */
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

int cmd_unload(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "pin-root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pin_root root = { .fd = -1 };
	struct dirlist all = {};
	struct json_writer w;
	struct diag d = {}, first = {};
	bool want_all = false;
	const char *root_path;
	char root_buf[PATH_MAX];
	char **names;
	size_t n, i;
	int c, r, failed = 0;

	optind = 1;
	opterr = 0; /* its errors are ours to word, in one line */
	while ((c = getopt_long(argc, argv, ":ar:jvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': want_all = true; break;
		case 'r': common_opts.pin_root = optarg; break;
		case 'j': common_opts.json = true; break;
		case 'v': common_opts.verbose = true; break;
		case 'h': usage_unload(stdout); return 0;
		default:
			report_error(option_error(&d, c, argv, longopts), &d);
			return 2;
		}
	}
	if (want_all == (optind < argc)) {
		report_error(diag_set(&d, -EINVAL, "unload: give backend names or --all, not both or neither"), &d);
		return 2;
	}

	r = pin_root_check(pin_root_resolve(common_opts.pin_root), root_buf, sizeof(root_buf), &d);
	if (r)
		return report_error(r, &d);
	root_path = root_buf;
	if (access(root_path, F_OK) < 0 && errno == ENOENT) {
		if (want_all) {
			if (common_opts.json)
				printf("{\"unloaded\":[]}\n");
			return 0; /* nothing was ever loaded there */
		}
		return report_error(diag_set(&d, -ENOENT, "backend '%s' is not loaded (pin root %s does not exist)",
					     argv[optind], root_path), &d);
	}
	r = pin_root_open(&root, root_path, false, &d);
	if (r)
		return report_error(r, &d);
	pin_root_cleanup(&root);

	if (want_all) {
		r = dirlist_read(root.path, &all);
		if (r) {
			pin_root_close(&root);
			return report_error(diag_set(&d, r, "pin root %s: %s", root.path, strerror(-r)), &d);
		}
		names = all.names;
		n = all.n;
	} else {
		names = argv + optind;
		n = argc - optind;
	}
	if (common_opts.json) {
		jw_init(&w, stdout);
		jw_start_object(&w);
		jw_key(&w, "unloaded");
		jw_start_array(&w);
	}
	for (i = 0; i < n; i++) {
		if (want_all && !pin_root_entry_is_backend(names[i]))
			continue;
		diag_clear(&d);
		r = unload_one(&root, names[i], &d);
		if (r == -EBADSLT && want_all) {
			/* --all means every backend; the rest stays, said once. */
			fprintf(stderr, "ebpf-loader: warning: %s\n", diag_msg(&d, r));
			continue;
		}
		if (r) {
			if (!failed++)
				first = d;
			fprintf(stderr, "ebpf-loader: %s\n", diag_msg(&d, r));
			continue;
		}
		if (common_opts.json)
			jw_string(&w, names[i]);
		else
			printf("unloaded %s\n", names[i]);
	}
	shared_gc(&root);
	if (want_all) {
		/* Leave nothing behind: the layout's own directories and, if
		 * now empty, the root itself. */
		pin_root_remove_if_empty(root.path);
	}
	pin_root_close(&root);
	dirlist_free(&all);
	if (common_opts.json) {
		jw_end_array(&w);
		if (failed) {
			jw_kv_string(&w, "error", first.msg);
		}
		jw_end_object(&w);
	}
	return failed ? 1 : 0;
}
