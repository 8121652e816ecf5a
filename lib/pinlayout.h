/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pin layout: the contract between the loader and the readers
 * (docs/design.md). Every path the two sides agree on is spelled here once.
 *
 *   <root>/<backend>/maps/<map>    <root>/<backend>/progs/<prog>
 *   <root>/<backend>/links/<prog>  <root>/<backend>/meta
 *   <root>/shared/<map>            <root>/staging/...  (loader only)
 */
#ifndef EBPF_PINLAYOUT_H
#define EBPF_PINLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include "diag.h"

#define EBPF_BPFFS_MOUNT       "/sys/fs/bpf"
#define EBPF_PIN_ROOT_DEFAULT  "/sys/fs/bpf/ebpf"
#define EBPF_PIN_ROOT_ENV      "EBPF_PIN_ROOT"

#define PIN_DIR_MAPS    "maps"
#define PIN_DIR_PROGS   "progs"
#define PIN_DIR_LINKS   "links"
#define PIN_META        "meta"
#define PIN_DIR_SHARED  "shared"
#define PIN_DIR_STAGING "staging"

#define BACKEND_NAME_MAX 64

/* --pin-root if given (even empty: pin_root_check() refuses that), else
 * $EBPF_PIN_ROOT if set and not empty, else the default. */
const char *pin_root_resolve(const char *opt);
/* The one pin root rule every command (loader and readers) applies before it
 * uses a root (docs/design.md, "The pin root"). The path must be absolute with
 * no '.' or '..' component; repeated and trailing slashes are dropped and the
 * result written to out; an empty path is refused. No existing component may be a symbolic link (they
 * are refused, not followed), and the root must not lie inside another pin
 * root's tree: no ancestor on a bpffs may hold a backend's `meta` pin or a
 * `shared`/`staging` directory, and the root itself must not be a backend
 * directory nor hold another pin root. An existing root must be on bpffs
 * (pin_root_check_bpffs). Components that do not exist yet are
 * left for `load` to create. */
int pin_root_check(const char *path, char *out, size_t size, struct diag *d);
/* A backend name is 1..63 characters of [A-Za-z0-9_-], not beginning with
 * '-' (it would read as an option), not a reserved directory name ("shared",
 * "staging"). bpffs would take 255 bytes; the limit is the meta record's
 * name field (lib/meta.h) and the readers' buffers of BACKEND_NAME_MAX. The
 * error quotes the name escaped (lib/escape.h). */
int backend_name_check(const char *name, struct diag *d);
/* True when a directory entry under the pin root is a backend (not shared/,
 * not staging/, not hidden). Readers and `list` use this. */
bool pin_root_entry_is_backend(const char *entry);
/* bpffs rejects '.' in names: ".bss" -> "bss", "a.rodata" -> "a_rodata". */
int pin_name_sanitize(const char *in, char *out, size_t size);
/* "dir/sockex1.bpf.o" -> "sockex1"; "x.o" -> "x". */
int backend_name_from_path(const char *path, char *out, size_t size);

#endif
