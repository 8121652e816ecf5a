// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Decoders (readers/core/dec_*.c, decoder.c): bytes of a field as text,
 * and the raw value when a decoder cannot map them. The numbers of
 * syscalls, errnos and signals come from this architecture's headers,
 * never typed here. */
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include "decoder.h"
#include "reader.h"
#include "unit.h"
#include "btfbuild.h"

typedef int (*dec_fn)(const struct field *, const uint8_t *, size_t, char *, size_t);

/* fn on len bytes of p: the text, or "" with the error in *r. */
static const char *dec(dec_fn fn, const void *p, size_t len, int *r)
{
	static char buf[128];

	buf[0] = '\0';
	*r = fn(NULL, p, len, buf, sizeof(buf));
	return buf;
}

static void test_inet(void)
{
	static const uint8_t v4[] = { 10, 1, 2, 3 }, edge[] = { 255, 0, 100, 9 };
	static const uint8_t lo6[16] = { [15] = 1 };
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 10, 1, 2, 3 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x42 };
	static const uint8_t port[] = { 0x1f, 0x90 };
	char small[8];
	int r;

	CHECK_STR(dec(dec_inet_ip, v4, 4, &r), "10.1.2.3");
	CHECK_INT(r, 0);
	CHECK_STR(dec(dec_inet_ip, edge, 4, &r), "255.0.100.9");
	CHECK_STR(dec(dec_inet_ip, lo6, 16, &r), "::1");
	CHECK_STR(dec(dec_inet_ip, mapped, 16, &r), "::ffff:10.1.2.3");
	CHECK_STR(dec(dec_inet_ip, v6, 16, &r), "2001:db8::42");
	dec(dec_inet_ip, v4, 3, &r);
	CHECK_INT(r, -EINVAL);
	dec(dec_inet_ip, lo6, 8, &r);
	CHECK_INT(r, -EINVAL);
	CHECK_INT(dec_inet_ip(NULL, v4, 4, small, sizeof(small)), -ENOSPC);
	CHECK_INT(dec_inet_ip(NULL, v6, 16, small, sizeof(small)), -ENOSPC);

	/* Network order, whatever the host's. */
	CHECK_STR(dec(dec_port, port, 2, &r), "8080");
	CHECK_INT(r, 0);
	CHECK_STR(dec(dec_port, "\xff\xff", 2, &r), "65535");
	dec(dec_port, port, 4, &r);
	CHECK_INT(r, -EINVAL);
	CHECK_INT(dec_port(NULL, port, 2, small, 5), -ENOSPC);
}

static void test_hex(void)
{
	char small[4];
	int r;

	CHECK_STR(dec(dec_hex, "\x00\xab\x7f\xff", 4, &r), "00ab7fff");
	CHECK_INT(r, 0);
	CHECK_STR(dec(dec_hex, "", 0, &r), "");
	CHECK_INT(r, 0);
	CHECK_INT(dec_hex(NULL, (const uint8_t *)"\x01\x02", 2, small, sizeof(small)), -ENOSPC);
}

/* An integer of `size` bytes in host order, as a map holds it. */
static const uint8_t *num(int64_t v, size_t size)
{
	static uint8_t buf[8];
	int8_t v8 = (int8_t)v;
	int16_t v16 = (int16_t)v;
	int32_t v32 = (int32_t)v;

	switch (size) {
	case 1: memcpy(buf, &v8, 1); break;
	case 2: memcpy(buf, &v16, 2); break;
	case 4: memcpy(buf, &v32, 4); break;
	default: memcpy(buf, &v, 8); break;
	}
	return buf;
}

static void test_names(void)
{
	int r;

	CHECK_STR(dec(dec_syscall, num(SYS_getppid, 8), 8, &r), "getppid");
	CHECK_STR(dec(dec_syscall, num(SYS_openat, 4), 4, &r), "openat");
	dec(dec_syscall, num(-1, 8), 8, &r);
	CHECK_INT(r, -ENOENT);
	dec(dec_syscall, num(1 << 30, 4), 4, &r);
	CHECK_INT(r, -ENOENT);
	dec(dec_syscall, num(SYS_getppid, 8), 3, &r);
	CHECK_INT(r, -EINVAL);

	/* The kernel stores errors as -E or E: both named. */
	CHECK_STR(dec(dec_errno, num(ENOENT, 4), 4, &r), "ENOENT");
	CHECK_STR(dec(dec_errno, num(-EAGAIN, 4), 4, &r), "EAGAIN");
	CHECK_STR(dec(dec_errno, num(-ECONNREFUSED, 8), 8, &r), "ECONNREFUSED");
	dec(dec_errno, num(4000, 4), 4, &r);
	CHECK_INT(r, -ENOENT);

	CHECK_STR(dec(dec_signal, num(SIGKILL, 4), 4, &r), "SIGKILL");
	CHECK_STR(dec(dec_signal, num(SIGUSR1, 1), 1, &r), "SIGUSR1");
	dec(dec_signal, num(0, 4), 4, &r);
	CHECK_INT(r, -ENOENT);
	dec(dec_signal, num(-9, 4), 4, &r);
	CHECK_INT(r, -ENOENT);
}

static void test_find(void)
{
	CHECK(decoder_find("inet_ip") && decoder_find("inet_ip")->whole);
	CHECK(decoder_find("port") && !decoder_find("port")->whole);
	CHECK(decoder_find("enum:ip_proto") && decoder_find("enum:ip_proto")->arg);
	CHECK(decoder_find("enum") == NULL);
	CHECK(decoder_find("port:x") == NULL);
	CHECK(decoder_find("nope") == NULL);
}

/* A field bound to a decoder, as decoders_bind() leaves it. */
static struct field bound(const char *spec, uint32_t offset, uint32_t size, uint32_t count)
{
	struct field f = { .kind = FIELD_UINT, .offset = offset, .size = size, .count = count,
			   .dec = decoder_find(spec), .dec_fd = -1 };

	strcpy(f.dec_name, spec);
	return f;
}

/* Through the field: what every reader calls. Unmappable: the raw value. */
static void test_field(const struct test_btf *t)
{
	uint8_t data[32] = { 0 };
	struct field addr = bound("inet_ip", 0, 1, 16), err = bound("errno", 16, 4, 2);
	struct field proto = bound("enum:ip_proto", 24, 4, 1);
	int32_t errs[2] = { -EPERM, 4000 };
	uint32_t p = 17;
	char buf[64];

	data[15] = 1;
	memcpy(data + 16, errs, sizeof(errs));
	memcpy(data + 24, &p, 4);

	CHECK_INT(field_elements(&addr), 1);
	CHECK_INT(field_decode(&addr, data, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "::1");
	CHECK_INT(field_format(&addr, data, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "::1");

	CHECK_INT(field_elements(&err), 2);
	CHECK_INT(field_format(&err, data, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "EPERM");
	CHECK_INT(field_decode(&err, data, 1, buf, sizeof(buf)), -ENOENT);
	CHECK_STR(buf, "");
	CHECK_INT(field_format(&err, data, 1, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "4000");

	/* enum:<name> from the object's own BTF (no kernel BTF needed). */
	CHECK_INT(dec_enum_resolve(t->btf, "ip_proto", &proto.btf, &proto.enum_id), 0);
	CHECK(proto.btf == t->btf);
	enum_strip_init(&proto);
	CHECK_INT(field_format(&proto, data, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "udp");
	p = 5;
	memcpy(data + 24, &p, 4);
	CHECK_INT(field_decode(&proto, data, 0, buf, sizeof(buf)), -ENOENT);
	CHECK_INT(field_format(&proto, data, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "5");

	/* No decoder: -ENOENT, and the number. */
	err.dec = NULL;
	CHECK_INT(field_decode(&err, data, 0, buf, sizeof(buf)), -ENOENT);
	CHECK_INT(field_format(&err, data, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "4294967295");
}

/* The map's decode tags bound to its key's fields: a tag naming no field,
 * or a second one for the same field, binds nothing. */
static void test_bind(const struct test_btf *t)
{
	struct rmap *m = calloc(1, sizeof(*m));
	uint8_t key[KEY_SIZE] = { 0 };
	uint32_t proto = 6;
	char buf[64];

	if (!m)
		return;
	m->btf = t->btf;
	strcpy(m->path, "/nonexistent/counts");
	CHECK_INT(tags_read(t->btf, "counts", &m->tags), 0);
	CHECK_INT(schema_from_btf(t->btf, t->key, KEY_SIZE, &m->key), 0);
	/* Entries tags_read() would not make, as a second line of defence:
	 * the field's first decoder stays, and a field that is not there is
	 * no error. */
	strcpy(m->tags.decode[m->tags.nr_decode].field, "addr");
	strcpy(m->tags.decode[m->tags.nr_decode++].decoder, "hex");
	strcpy(m->tags.decode[m->tags.nr_decode].field, "nosuch");
	strcpy(m->tags.decode[m->tags.nr_decode++].decoder, "hex");
	decoders_bind(m, &m->key, NULL);
	for (size_t i = 0; i < m->key.n; i++) {
		const struct field *f = &m->key.fields[i];
		const char *want = !strcmp(f->name, "addr") ? "inet_ip" :
				   !strcmp(f->name, "proto") ? "enum:ip_proto" : NULL;

		CHECK(want ? f->dec && !strcmp(f->dec_name, want) : !f->dec);
		if (want ? !f->dec || strcmp(f->dec_name, want) : !!f->dec)
			fprintf(stderr, "    field %s: decoder %s\n", f->name,
				f->dec ? f->dec_name : "none");
	}
	key[37 + 15] = 1;
	memcpy(key + 28, &proto, 4);
	CHECK_INT(field_text(schema_field(&m->key, "addr"), key, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "::1");
	CHECK_INT(field_text(schema_field(&m->key, "proto"), key, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "tcp");
	schema_free(&m->key);
	free(m);
}

/* argv: the strings as a shell reads them back; with its size field
 * (argv:SIZE), " ..." when the list holds more than the field shows. */
static void test_argv(void)
{
	struct rec {
		uint32_t size;
		char args[12];
	} rec;
	struct field f = { .offset = offsetof(struct rec, args), .size = sizeof(rec.args),
			   .aux_offset = offsetof(struct rec, size), .aux_size = sizeof(rec.size) };
	char buf[64];
	int r;

	/* A literal "..." is quoted: bare, it is the mark of a cut list. */
	CHECK_STR(dec(dec_argv, "a\0...\0", 6, &r), "a '...'");
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.args, "ls\0-l\0", 6);
	rec.size = 6; /* all of it */
	CHECK_INT(dec_argv(&f, (const uint8_t *)rec.args, sizeof(rec.args), buf, sizeof(buf)), 0);
	CHECK_STR(buf, "ls -l");
	rec.size = 9; /* one more argument, not kept (a count limit) */
	CHECK_INT(dec_argv(&f, (const uint8_t *)rec.args, sizeof(rec.args), buf, sizeof(buf)), 0);
	CHECK_STR(buf, "ls -l ...");
	/* Full to the last byte, cut mid-string: its own "..." says it. */
	memcpy(rec.args, "ls\0abcdefghi", 12);
	rec.size = 20;
	CHECK_INT(dec_argv(&f, (const uint8_t *)rec.args, sizeof(rec.args), buf, sizeof(buf)), 0);
	CHECK_STR(buf, "ls 'abcdefghi'...");
	/* Without its size field (plain argv), nothing more is known. */
	CHECK_STR(dec(dec_argv, "ls\0-l\0\0\0", 8, &r), "ls -l");
}

int main(void)
{
	struct test_btf t;

	unit_start();
	test_argv();
	test_inet();
	test_hex();
	test_names();
	test_find();
	CHECK_INT(test_btf_build(&t), 0);
	if (t.btf) {
		test_field(&t);
		test_bind(&t);
		btf__free(t.btf);
	}
	return UNIT_END();
}
