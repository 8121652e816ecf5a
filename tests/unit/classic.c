// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The loader's libelf reader of classic objects (loader/classic.c):
 * sockex1_classic.o as the compiler built it, and copies of it corrupted
 * one field at a time in memory. Parsing only: classic_load() is the
 * kernel's side, tested by the Bats suite.
 * Usage: classic [BPF_OBJECT_DIR] (default: ../bpf beside this program) */
#include <elf.h>
#include <libgen.h>
#include <stdlib.h>
#include "classic.h"
#include "unit.h"

struct image {
	uint8_t *p;
	size_t size;
};

static int read_file(const char *path, struct image *img)
{
	FILE *f = fopen(path, "rb");
	long n;

	img->p = NULL;
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) ||
	    !(img->p = malloc((size_t)n)) || fread(img->p, 1, (size_t)n, f) != (size_t)n) {
		free(img->p);
		img->p = NULL;
		fclose(f);
		return -EIO;
	}
	img->size = (size_t)n;
	fclose(f);
	return 0;
}

static struct image copy(const struct image *img)
{
	struct image c = { malloc(img->size), img->size };

	if (c.p)
		memcpy(c.p, img->p, img->size);
	return c;
}

/* The offset in the image of the header of the section named name; 0 if
 * none. The image is a 64-bit ELF of this host's byte order (checked by
 * the well-formed case first). */
static size_t shdr_at(const struct image *img, const char *name)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh, strsh;

	memcpy(&eh, img->p, sizeof(eh));
	if (eh.e_shoff + (size_t)eh.e_shnum * sizeof(sh) > img->size)
		return 0;
	memcpy(&strsh, img->p + eh.e_shoff + (size_t)eh.e_shstrndx * sizeof(sh), sizeof(sh));
	for (size_t i = 1; i < eh.e_shnum; i++) {
		size_t at = eh.e_shoff + i * sizeof(sh);

		memcpy(&sh, img->p + at, sizeof(sh));
		if (strsh.sh_offset + sh.sh_name < img->size &&
		    !strcmp((const char *)img->p + strsh.sh_offset + sh.sh_name, name))
			return at;
	}
	return 0;
}

/* Set a section's size. */
static void set_size(struct image *img, const char *section, uint64_t size)
{
	size_t at = shdr_at(img, section);
	Elf64_Shdr sh;

	CHECK(at != 0);
	if (!at)
		return;
	memcpy(&sh, img->p + at, sizeof(sh));
	sh.sh_size = size;
	memcpy(img->p + at, &sh, sizeof(sh));
}

static void test_good(const struct image *img)
{
	struct classic_obj *obj = NULL;
	struct diag d = {};
	const struct classic_prog *p;
	size_t lookups = 0;

	CHECK_INT(classic_detect(img->p, img->size), 1);
	CHECK_INT(classic_parse(img->p, img->size, "sockex1_classic.o", &obj, &d), 0);
	CHECK_STR(d.msg, "");
	if (!obj)
		return;
	CHECK_STR(obj->license, "Dual BSD/GPL");
	CHECK_U64(obj->kern_version, 0xFFFFFFFE);
	CHECK_INT(obj->nr_maps, 1);
	if (obj->nr_maps == 1) {
		CHECK_STR(obj->maps[0].name, "proto_stats");
		CHECK_INT(obj->maps[0].def.type, BPF_MAP_TYPE_PERCPU_HASH);
		CHECK_INT(obj->maps[0].def.key_size, 4);
		CHECK_INT(obj->maps[0].def.value_size, 16);
		CHECK_INT(obj->maps[0].def.max_entries, 256);
		CHECK_INT(obj->maps[0].fd, -1);
	}
	CHECK_INT(obj->nr_progs, 1);
	if (obj->nr_progs != 1)
		goto out;
	p = &obj->progs[0];
	CHECK_STR(p->section, "socket1");
	CHECK_STR(p->name, "sockex1_count");
	CHECK_INT(p->type, BPF_PROG_TYPE_SOCKET_FILTER);
	CHECK_INT(p->fd, -1);
	CHECK(p->insn_cnt > 10);
	/* Three references to the map (lookup, update, lookup), each an
	 * ld_imm64 the loader will point at the map's fd. */
	CHECK_INT(p->nr_relocs, 3);
	for (size_t i = 0; i < p->nr_relocs; i++) {
		CHECK(p->relocs[i].insn < p->insn_cnt);
		CHECK_INT(p->relocs[i].map, 0);
		if (p->relocs[i].insn < p->insn_cnt &&
		    p->insns[p->relocs[i].insn].code == (BPF_LD | BPF_IMM | BPF_DW))
			lookups++;
	}
	CHECK_INT(lookups, 3);
out:
	classic_free(obj);
}

/* A corrupt copy: refused with err, a message naming the file and saying
 * why (want is part of it), nothing returned. */
static void refused(const struct image *img, int err, const char *want, int line)
{
	struct classic_obj *obj = (struct classic_obj *)img; /* must be reset */
	struct diag d = {};
	int r = classic_parse(img->p, img->size, "bad.o", &obj, &d);

	unit_result(r == err, __FILE__, line, "classic_parse() of a corrupt copy == err");
	if (r != err)
		fprintf(stderr, "    got %d, want %d (%s)\n", r, err, d.msg);
	unit_result(obj == NULL, __FILE__, line, "no object from a corrupt copy");
	unit_result(!strncmp(d.msg, "bad.o: ", 7) && strstr(d.msg, want), __FILE__, line,
		    "the message names the file and the reason");
	if (strncmp(d.msg, "bad.o: ", 7) || !strstr(d.msg, want))
		fprintf(stderr, "    message \"%s\", want \"%s\" in it\n", d.msg, want);
	classic_free(obj == (struct classic_obj *)img ? NULL : obj);
}

static void test_corrupt(const struct image *img)
{
	struct image c = copy(img);
	Elf64_Ehdr eh;

	if (!c.p)
		return;
	/* Cut inside the ELF header. */
	c.size = 40;
	CHECK_INT(classic_detect(c.p, c.size), 0);
	refused(&c, -ENOEXEC, "not an ELF object", __LINE__);
	c.size = img->size;

	/* Another machine's object. */
	memcpy(&eh, c.p, sizeof(eh));
	eh.e_machine = EM_X86_64;
	memcpy(c.p, &eh, sizeof(eh));
	CHECK_INT(classic_detect(c.p, c.size), 0);
	refused(&c, -ENOEXEC, "not a BPF object for this host", __LINE__);
	memcpy(c.p, img->p, img->size);

	/* Section headers past the end of the file. */
	eh.e_machine = EM_BPF;
	eh.e_shoff = img->size;
	memcpy(c.p, &eh, sizeof(eh));
	refused(&c, -EINVAL, "section", __LINE__);
	memcpy(c.p, img->p, img->size);

	/* A map definition shorter than struct bpf_map_def. */
	set_size(&c, "maps", 12);
	refused(&c, -EINVAL, "less than the 20 of struct bpf_map_def", __LINE__);
	memcpy(c.p, img->p, img->size);

	/* A license without its NUL, a version of 2 bytes. */
	set_size(&c, "license", 3);
	refused(&c, -EINVAL, "'license': not a NUL-terminated string", __LINE__);
	memcpy(c.p, img->p, img->size);
	set_size(&c, "version", 2);
	refused(&c, -EINVAL, "'version': 2 bytes, expected 4", __LINE__);
	memcpy(c.p, img->p, img->size);
	set_size(&c, "version", 8);
	refused(&c, -EINVAL, "'version': 8 bytes, expected 4", __LINE__);
	memcpy(c.p, img->p, img->size);

	/* A section that says it runs past the end of the file. */
	set_size(&c, "socket1", img->size);
	refused(&c, -EINVAL, "socket1", __LINE__);
	free(c.p);
}

int main(int argc, char **argv)
{
	char self[4096], dir[4096], path[4200];
	struct image img, modern;

	unit_start();
	snprintf(self, sizeof(self), "%s", argv[0]);
	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/../bpf", dirname(self));

	snprintf(path, sizeof(path), "%s/sockex1_classic.o", dir);
	CHECK_INT(read_file(path, &img), 0);
	if (!img.p) {
		fprintf(stderr, "    %s: cannot read it\n", path);
		return UNIT_END();
	}
	test_good(&img);
	test_corrupt(&img);
	free(img.p);

	/* Its modern twin (a ".maps" section) is libbpf's, not ours. */
	snprintf(path, sizeof(path), "%s/sockex1.o", dir);
	CHECK_INT(read_file(path, &modern), 0);
	if (modern.p) {
		struct classic_obj *obj;

		CHECK_INT(classic_detect(modern.p, modern.size), 0);
		CHECK_INT(classic_parse(modern.p, modern.size, "sockex1.o", &obj, NULL), -EOPNOTSUPP);
		free(modern.p);
	}
	return UNIT_END();
}
