/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Classic BPF objects: the format libbpf >= 1.0 refuses.
 *
 * Maps are `struct bpf_map_def SEC("maps")` (no BTF), one program per
 * section ("socket1", "xdp", "kprobe/...", "tracepoint/..."), and map
 * references are R_BPF_64_64 relocations (".rel<section>") against the map
 * symbols, as in linux samples/bpf/sockex1_kern.c. This is a small loader
 * for exactly that subset; everything else (BTF, global data, bpf-to-bpf
 * calls, CO-RE) belongs to libbpf and modern objects.
 *
 * Parsing never touches the kernel, so it can be fuzzed; loading does.
 */
#ifndef EBPF_CLASSIC_H
#define EBPF_CLASSIC_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include "diag.h"

/* Bounds on what a classic object may declare, so hostile input cannot make
 * us allocate or loop without limit. */
#define CLASSIC_MAX_MAPS  64
#define CLASSIC_MAX_PROGS 64

struct classic_map_def {      /* the classic struct bpf_map_def, first 5 fields (20 bytes) */
	__u32 type, key_size, value_size, max_entries, map_flags;
};

struct classic_map {
	char name[64];           /* symbol name */
	struct classic_map_def def;
	int fd;                  /* -1 until classic_load() */
	/* private: offset of the definition in the "maps" section */
	size_t offset;
};

/* private: one map reference in a program */
struct classic_reloc {
	size_t insn;             /* index of the ld_imm64 instruction */
	size_t map;              /* index into classic_obj.maps */
};

struct classic_prog {
	char name[64];           /* the STT_FUNC symbol at offset 0 of the section, else the section name with '/' and '.' replaced by '_' */
	char section[128];
	enum bpf_prog_type type;                 /* from libbpf_prog_type_by_name(section) */
	enum bpf_attach_type expected_attach_type;
	struct bpf_insn *insns;   /* owned copy, relocated by classic_load */
	size_t insn_cnt;
	int fd;                   /* -1 until loaded */
	/* private: relocations to apply (insn index -> map index) */
	struct classic_reloc *relocs;
	size_t nr_relocs;
	size_t shndx;             /* ELF section index, to match ".rel" sections */
};

struct classic_obj {
	char license[128];
	__u32 kern_version;
	struct classic_map *maps; size_t nr_maps;
	struct classic_prog *progs; size_t nr_progs;
};

/* 1 if the ELF image is a classic object (has a "maps" section and no ".maps"
 * section), 0 if not (modern, or not ELF at all), -errno on error. An image
 * that is not a readable BPF ELF object counts as "not classic" (0), so the
 * caller hands it to libbpf, which says what is wrong with it; the only error
 * is -ENOMEM. */
int classic_detect(const void *buf, size_t size);

/* Parse an ELF image in memory (use libelf elf_memory; NO kernel access, so it
 * can be fuzzed). `name` is the file name used in messages. On success *out
 * owns everything (free with classic_free) and every fd is -1. Errors:
 * -ENOEXEC not a 64-bit BPF ELF object of this host's byte order, -EINVAL
 * malformed, -EOPNOTSUPP valid but outside the classic subset, -E2BIG too many
 * maps or programs, -ENOMEM. */
int classic_parse(const void *buf, size_t size, const char *name, struct classic_obj **out, struct diag *d);

/* Create every map (bpf_map_create, map name = symbol name truncated to 15 chars),
 * apply relocations (ld_imm64: src_reg = BPF_PSEUDO_MAP_FD, imm = map fd),
 * load every program (bpf_prog_load, prog name truncated to 15 chars, license, kern_version).
 * On a verifier rejection, log_buf (if non-NULL) holds the verifier log (load
 * with log_level 1 only on a retry after a failure, as libbpf does) and d says
 * "NAME: program 'P' (section 'S') rejected by the verifier: <strerror>".
 * Other load failures say "... could not be loaded: <strerror>". log_buf is
 * left empty when there is no log; a log_size under 128 bytes (the kernel's
 * minimum) means no retry. The verifier log is not copied into d->detail: the
 * caller decides how much of it to show (diag_set_detail_tail).
 * On any error, every fd made so far is closed and set back to -1. */
int classic_load(struct classic_obj *obj, const char *name, char *log_buf, size_t log_size, struct diag *d);

/* Close every fd and free. NULL is fine. */
void classic_free(struct classic_obj *obj);

#endif /* EBPF_CLASSIC_H */
