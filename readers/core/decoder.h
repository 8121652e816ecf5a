/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Decoders: a field's bytes shown as text ("127.0.0.2", "getppid", "lo"),
 * named by the map's `ebpf:decode=<field>:<decoder>` tags (docs/tags.md).
 * One table, one interface, one file per decoder family (dec_*.c), used by
 * every reader through field_format()/field_decode(). The bytes come from
 * maps an attacker may shape: a decoder checks the length, never trusts a
 * value, and returns -errno when it cannot map it; the reader then shows
 * the raw value. No decoder allocates per call. field_decode() passes
 * text that is not printable ASCII through str_escape() (lib/escape.h), so
 * every reader gets the same safe, injective text.
 */
#ifndef EBPF_DECODER_H
#define EBPF_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct btf;
struct field;

/* Longest decoded text (a folded kernel stack is the longest). */
#define DECODED_MAX 8192

/* p/len: one element of f in host byte order as the map holds it, or the
 * whole field for a `whole` decoder. Writes NUL-terminated text into buf
 * and returns 0, or returns -errno (-ENOENT: unknown value, -EINVAL: bytes
 * of a size the decoder does not take, -ENOSPC: buf too small). */
typedef int (*decode_fn)(const struct field *f, const uint8_t *p, size_t len, char *buf,
			 size_t size);

struct decoder {
	const char *name;       /* as tagged; "enum" for enum:<name> */
	decode_fn fn;
	bool whole;             /* takes all the field's bytes at once (an address) */
	bool arg;               /* spelled name:<arg> */
	bool stack;             /* reads the backend's BPF_MAP_TYPE_STACK_TRACE map */
	/* Writes only printable ASCII but '\\' (digits, dots, names from the
	 * generated tables), so its text needs no escaping pass. */
	bool plain;
};

/* The decoder spelled spec ("inet_ip", "enum:tcp_ca_state"); NULL if none. */
const struct decoder *decoder_find(const char *spec);

/* An integer element of 1, 2, 4 or 8 bytes; -EINVAL for another size. */
int dec_uint(const uint8_t *p, size_t len, uint64_t *v);
int dec_int(const uint8_t *p, size_t len, int64_t *v);
/* Copy a name into buf: 0, or -ENOSPC (buf then holds ""). */
int dec_copy(const char *name, char *buf, size_t size);

/* The decoders, by family (dec_inet.c, dec_hex.c, dec_argv.c, dec_enum.c,
 * dec_names.c, dec_sys.c). */
int dec_inet_ip(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_port(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_hex(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_argv(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_enum(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_syscall(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_errno(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_signal(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_ksym(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_kstack(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_cgroup(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_majorminor(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);
int dec_ifname(const struct field *f, const uint8_t *p, size_t len, char *buf, size_t size);

/* enum:<name>: the enum's BTF (the object's, else the running kernel's);
 * the kernel's is loaded once per process, on first need. */
int dec_enum_resolve(const struct btf *obj_btf, const char *name, const struct btf **btf,
		     int *id);

#endif
