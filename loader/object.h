/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One BPF object file, modern (libbpf) or classic (bpf_map_def, read with
 * libelf by classic.c), seen through one shape: named maps and programs with
 * fds. Everything after loading (pinning, attaching) works on this shape.
 */
#ifndef EBPF_OBJECT_H
#define EBPF_OBJECT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include "diag.h"
#include "pinlayout.h"
#include "sha256.h"

struct bpf_object;
struct bpf_map;
struct bpf_program;
struct classic_obj;

struct obj_map {
	char name[128];         /* as in the object (".rodata" included) */
	char pin_name[64];      /* bpffs-safe name under maps/ */
	int fd;                 /* owned by libbpf / classic_obj; -1 until loaded */
	bool shared;            /* LIBBPF_PIN_BY_NAME: lives in <root>/shared */
	bool shared_created;    /* shared, and not found pinned: this load creates it */
	struct bpf_map *bmap;   /* NULL for classic objects */
};

struct obj_prog {
	char name[128];
	char pin_name[64];      /* bpffs-safe name under progs/ and links/ */
	char section[128];
	int fd;
	enum bpf_prog_type type;
	enum bpf_attach_type expected_attach_type;
	struct bpf_program *bprog; /* NULL for classic objects */
};

struct object {
	char path[PATH_MAX];    /* absolute */
	char name[BACKEND_NAME_MAX];
	char sha256[SHA256_HEX_LEN];
	bool classic;
	void *image;            /* the file's bytes */
	size_t size;
	struct bpf_object *bpf;
	struct classic_obj *classic_obj;
	struct obj_map *maps;
	size_t nr_maps;
	struct obj_prog *progs;
	size_t nr_progs;
};

/* Find OBJ: a path with '/' is used as given; a bare name is looked up in
 * the build dir next to the binary, then in the installed object dir. */
int object_resolve(const char *arg, char *out, size_t size, struct diag *d);
/* Environment variable overriding the size limit on object files (64 MiB). */
#define OBJECT_MAX_SIZE_ENV "EBPF_OBJ_MAX_SIZE"

/* Read and parse, without touching the kernel. Refuses anything but a
 * regular file (without blocking on a FIFO) and files over the limit. */
int object_open(struct object *o, const char *path, const char *name, struct diag *d);
/* The same from memory (takes ownership of a malloc'ed image): the entry
 * point the fuzzer uses. object_close() frees it. */
int object_open_mem(struct object *o, void *image, size_t size, const char *path,
		    const char *name, struct diag *d);
/* Refuse sections this kernel cannot run (kprobe, fentry), before loading. */
int object_check_supported(const struct object *o, struct diag *d);
/* Refuse tags the readers could not apply: an EBPF_RECORD type missing from
 * the BTF, an EBPF_DECODE naming an unknown decoder, field or enum. */
int object_check_tags(const struct object *o, struct diag *d);
/* Point shared (pin-by-name) maps at existing pins in shared_dir, refusing
 * a definition that differs from the pinned one. */
int object_reuse_shared(struct object *o, const char *shared_dir, struct diag *d);
/* Create maps and load programs into the kernel. */
int object_load(struct object *o, struct diag *d);
void object_close(struct object *o);

#endif
