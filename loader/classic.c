// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Classic BPF objects (see classic.h).
 *
 * The ELF image is untrusted: every offset, size and index read from it is
 * checked against the image or the table it points into before use, and
 * structures are copied out with memcpy, because a hostile file need not
 * align them. libelf reads the ELF and section headers; section contents are
 * taken straight from the image once their bounds are checked.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elf.h>
#include <libelf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "classic.h"

#define INSN_SIZE	sizeof(struct bpf_insn)
#define LD_IMM64	(BPF_LD | BPF_IMM | BPF_DW)
#define MAP_DEF_SIZE	sizeof(struct classic_map_def)
/* The kernel refuses smaller verifier log buffers, and larger ones. */
#define LOG_SIZE_MIN	128
#define LOG_SIZE_MAX	(UINT32_MAX >> 2)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ELFDATA	ELFDATA2LSB
#define HOST_ENDIAN	"little"
#else
#define HOST_ELFDATA	ELFDATA2MSB
#define HOST_ENDIAN	"big"
#endif

/* A bounds-checked slice of the image. */
struct bytes {
	const unsigned char *p;
	size_t size;
};

/* An ELF image being parsed, and what the section scan found in it. */
struct elf_file {
	const char *name;	/* file name, for messages */
	struct diag *d;
	void *image;		/* private copy handed to libelf */
	size_t size;
	Elf *elf;
	size_t shnum;
	struct bytes shstrtab;

	size_t symtab_idx;	/* 0: none */
	struct bytes syms;
	size_t nr_syms;
	struct bytes strtab;

	size_t maps_idx;	/* 0: none */
	size_t text_idx;	/* 0: none, or empty */
	size_t license_idx;
	size_t version_idx;
	size_t nr_progs;	/* program sections found */
};

/* Names from the file end up in one-line messages: show them printable and
 * bounded, whatever bytes they hold. */
static const char *printable(char *buf, size_t size, const char *s)
{
	size_t i;

	if (!s)
		s = "?";
	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* Names we keep (map and function symbols, program sections) must be
 * printable and fit, so they can be shown and used as pin names as is. */
static bool name_ok(const char *s, size_t size)
{
	size_t len = strnlen(s, size);

	if (len == 0 || len >= size)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s))
			return false;
	return true;
}

/* The kernel takes at most BPF_OBJ_NAME_LEN - 1 characters, and only
 * alphanumerics, '_' and '.'. */
static void kernel_name(char dst[BPF_OBJ_NAME_LEN], const char *src)
{
	size_t i;

	for (i = 0; src[i] && i < BPF_OBJ_NAME_LEN - 1; i++)
		dst[i] = isalnum((unsigned char)src[i]) || src[i] == '.' ? src[i] : '_';
	dst[i] = '\0';
}

/* A string at off in a string table, or NULL unless it is NUL-terminated
 * inside the table. */
static const char *str_at(const struct bytes *tab, size_t off)
{
	if (off >= tab->size || !memchr(tab->p + off, '\0', tab->size - off))
		return NULL;
	return (const char *)tab->p + off;
}

/* A copy of section idx's header, false if there is no such section. libelf
 * may return a pointer into the image itself, aligned or not. */
static bool sec_hdr(const struct elf_file *f, size_t idx, Elf64_Shdr *sh)
{
	Elf_Scn *scn = idx != SHN_UNDEF && idx < f->shnum ? elf_getscn(f->elf, idx) : NULL;
	const Elf64_Shdr *p = scn ? elf64_getshdr(scn) : NULL;

	if (!p)
		return false;
	memcpy(sh, p, sizeof(*sh));
	return true;
}

static const char *sec_name(const struct elf_file *f, const Elf64_Shdr *sh)
{
	return str_at(&f->shstrtab, sh->sh_name);
}

/* A section's name fit for a message, or its number if it has none. */
static const char *sec_label(const struct elf_file *f, size_t idx, char *buf, size_t size)
{
	const char *name = NULL;
	Elf64_Shdr sh;

	if (sec_hdr(f, idx, &sh))
		name = sec_name(f, &sh);
	if (!name || !*name) {
		snprintf(buf, size, "#%zu", idx);
		return buf;
	}
	return printable(buf, size, name);
}

/* The contents of a section, checked to lie inside the image. */
static int sec_bytes(struct elf_file *f, size_t idx, const Elf64_Shdr *sh, struct bytes *out)
{
	char label[80];

	if (sh->sh_type == SHT_NOBITS)
		return diag_set(f->d, -EINVAL, "%s: section '%s': has no contents in the file",
				f->name, sec_label(f, idx, label, sizeof(label)));
	if (sh->sh_offset > f->size || sh->sh_size > f->size - sh->sh_offset)
		return diag_set(f->d, -EINVAL,
				"%s: section '%s': contents (offset %#llx, size %#llx) lie outside the file",
				f->name, sec_label(f, idx, label, sizeof(label)),
				(unsigned long long)sh->sh_offset, (unsigned long long)sh->sh_size);
	out->p = (const unsigned char *)f->image + sh->sh_offset;
	out->size = sh->sh_size;
	return 0;
}

static bool is_code(const Elf64_Shdr *sh)
{
	return sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_EXECINSTR) && sh->sh_size > 0;
}

/* Code outside .text (the functions programs call) and outside the
 * sections with a fixed meaning is a program. */
static bool is_prog_section(const Elf64_Shdr *sh, const char *name)
{
	static const char *const special[] = { ".text", "maps", ".maps", "license", "version" };
	size_t i;

	if (!is_code(sh))
		return false;
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (strcmp(name, special[i]) == 0)
			return false;
	return true;
}

static void elf_file_close(struct elf_file *f)
{
	if (f->elf)
		elf_end(f->elf);
	free(f->image);
	f->elf = NULL;
	f->image = NULL;
}

static int elf_file_open(struct elf_file *f, const void *buf, size_t size)
{
	Elf64_Ehdr *eh;
	Elf64_Shdr sh;
	size_t shstrndx;

	if (!buf || size < sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return diag_set(f->d, -ENOEXEC, "%s: not an ELF object", f->name);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return diag_set(f->d, -EINVAL, "%s: libelf: %s", f->name, elf_errmsg(-1));

	/* elf_memory() opens the image ELF_C_READ_MMAP_PRIVATE, which lets
	 * libelf write to it, and the caller's buffer is const (maybe a
	 * read-only mapping): hand libelf a private copy. */
	f->image = malloc(size);
	if (!f->image)
		return -ENOMEM;
	memcpy(f->image, buf, size);
	f->size = size;

	f->elf = elf_memory(f->image, size);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF)
		return diag_set(f->d, -ENOEXEC, "%s: not an ELF object", f->name);
	/* NULL for a 32-bit ELF. */
	eh = elf64_getehdr(f->elf);
	if (!eh || eh->e_ident[EI_DATA] != HOST_ELFDATA || eh->e_machine != EM_BPF)
		return diag_set(f->d, -ENOEXEC,
				"%s: not a BPF object for this host (64-bit ELF, machine BPF, %s-endian)",
				f->name, HOST_ENDIAN);
	if (elf_getshdrnum(f->elf, &f->shnum) != 0 || elf_getshdrstrndx(f->elf, &shstrndx) != 0)
		return diag_set(f->d, -EINVAL, "%s: cannot read the section headers: %s",
				f->name, elf_errmsg(-1));

	if (!sec_hdr(f, shstrndx, &sh) || sh.sh_type != SHT_STRTAB)
		return diag_set(f->d, -EINVAL, "%s: no valid section name table", f->name);
	return sec_bytes(f, shstrndx, &sh, &f->shstrtab);
}

int classic_detect(const void *buf, size_t size)
{
	struct elf_file f = { .name = "" };
	bool maps = false, dot_maps = false;
	size_t i;
	int r;

	r = elf_file_open(&f, buf, size);
	if (r < 0) {
		elf_file_close(&f);
		/* Not ours to judge: libbpf will say what is wrong with it. */
		return r == -ENOMEM ? r : 0;
	}
	for (i = 1; i < f.shnum; i++) {
		const char *name = NULL;
		Elf64_Shdr sh;

		if (sec_hdr(&f, i, &sh))
			name = sec_name(&f, &sh);
		if (!name)
			continue;
		if (strcmp(name, "maps") == 0)
			maps = true;
		else if (strcmp(name, ".maps") == 0)
			dot_maps = true;
	}
	elf_file_close(&f);
	return maps && !dot_maps;
}

/* Sections with one fixed meaning may appear once. */
static int note_unique(struct elf_file *f, size_t *slot, size_t idx, const char *what)
{
	if (*slot)
		return diag_set(f->d, -EINVAL, "%s: more than one %s section", f->name, what);
	*slot = idx;
	return 0;
}

/* First pass: find the symbol table, the special sections, and count the
 * program sections, so the rest can be sized up front. */
static int scan_sections(struct elf_file *f)
{
	size_t i;
	int r = 0;

	for (i = 1; i < f->shnum && r == 0; i++) {
		const char *name;
		Elf64_Shdr sh;

		if (!sec_hdr(f, i, &sh))
			return diag_set(f->d, -EINVAL, "%s: section #%zu: cannot read its header: %s",
					f->name, i, elf_errmsg(-1));
		name = sec_name(f, &sh);
		if (!name)
			return diag_set(f->d, -EINVAL,
					"%s: section #%zu: name is not a NUL-terminated string in the section name table",
					f->name, i);

		if (sh.sh_type == SHT_SYMTAB)
			r = note_unique(f, &f->symtab_idx, i, "symbol table");
		else if (strcmp(name, ".maps") == 0)
			r = diag_set(f->d, -EOPNOTSUPP,
				     "%s: has a '.maps' section: not a classic object (load it with libbpf)",
				     f->name);
		else if (strcmp(name, "maps") == 0)
			r = note_unique(f, &f->maps_idx, i, "'maps'");
		else if (strcmp(name, "license") == 0)
			r = note_unique(f, &f->license_idx, i, "'license'");
		else if (strcmp(name, "version") == 0)
			r = note_unique(f, &f->version_idx, i, "'version'");
		else if (is_prog_section(&sh, name))
			f->nr_progs++;
		else if (is_code(&sh) && strcmp(name, ".text") == 0)
			/* Not a program: functions that programs call. */
			f->text_idx = i;
		/* else data, BTF, DWARF, relocations, ...: not ours */
	}
	if (r < 0)
		return r;

	if (f->nr_progs == 0)
		return diag_set(f->d, -ENOENT, "%s: no BPF programs in object", f->name);
	if (f->nr_progs > CLASSIC_MAX_PROGS)
		return diag_set(f->d, -E2BIG, "%s: %zu programs, at most %d are supported",
				f->name, f->nr_progs, CLASSIC_MAX_PROGS);
	return 0;
}

static int read_symtab(struct elf_file *f)
{
	Elf64_Shdr sh, strsh;
	int r;

	/* scan_sections() read this header already. */
	if (!f->symtab_idx || !sec_hdr(f, f->symtab_idx, &sh))
		return 0;
	if (sh.sh_entsize != sizeof(Elf64_Sym) || sh.sh_size % sizeof(Elf64_Sym) != 0)
		return diag_set(f->d, -EINVAL, "%s: symbol table: size %#llx is not a whole number of %zu-byte symbols",
				f->name, (unsigned long long)sh.sh_size, sizeof(Elf64_Sym));
	r = sec_bytes(f, f->symtab_idx, &sh, &f->syms);
	if (r < 0)
		return r;
	f->nr_syms = f->syms.size / sizeof(Elf64_Sym);

	if (!sec_hdr(f, sh.sh_link, &strsh) || strsh.sh_type != SHT_STRTAB)
		return diag_set(f->d, -EINVAL, "%s: symbol table: no valid string table (section link %u)",
				f->name, sh.sh_link);
	return sec_bytes(f, sh.sh_link, &strsh, &f->strtab);
}

/* Caller checks i < f->nr_syms. */
static void sym_at(const struct elf_file *f, size_t i, Elf64_Sym *sym)
{
	memcpy(sym, f->syms.p + i * sizeof(*sym), sizeof(*sym));
}

/* The section a symbol is defined in, 0 if none or a special index
 * (undefined, absolute, common, extended numbering). */
static size_t sym_shndx(const Elf64_Sym *sym)
{
	return sym->st_shndx >= SHN_LORESERVE ? 0 : sym->st_shndx;
}

/* A symbol's name; a section symbol is named after its section. NULL if it
 * is not a string inside its table. */
static const char *sym_name(const struct elf_file *f, const Elf64_Sym *sym)
{
	if (ELF64_ST_TYPE(sym->st_info) == STT_SECTION) {
		Elf64_Shdr sh;

		return sec_hdr(f, sym_shndx(sym), &sh) ? sec_name(f, &sh) : NULL;
	}
	return str_at(&f->strtab, sym->st_name);
}

static bool is_map_sym(const struct elf_file *f, const Elf64_Sym *sym)
{
	return f->maps_idx && sym_shndx(sym) == f->maps_idx &&
	       ELF64_ST_TYPE(sym->st_info) != STT_SECTION;
}

static int read_license(struct elf_file *f, struct classic_obj *obj)
{
	Elf64_Shdr sh;
	struct bytes b;
	int r;

	if (!f->license_idx || !sec_hdr(f, f->license_idx, &sh))
		return 0;
	r = sec_bytes(f, f->license_idx, &sh, &b);
	if (r < 0)
		return r;
	if (!memchr(b.p, '\0', b.size))
		return diag_set(f->d, -EINVAL, "%s: section 'license': not a NUL-terminated string", f->name);
	if (strlen((const char *)b.p) >= sizeof(obj->license))
		return diag_set(f->d, -EINVAL, "%s: section 'license': longer than %zu characters",
				f->name, sizeof(obj->license) - 1);
	strcpy(obj->license, (const char *)b.p);
	return 0;
}

static int read_version(struct elf_file *f, struct classic_obj *obj)
{
	Elf64_Shdr sh;
	struct bytes b;
	int r;

	if (!f->version_idx || !sec_hdr(f, f->version_idx, &sh))
		return 0;
	r = sec_bytes(f, f->version_idx, &sh, &b);
	if (r < 0)
		return r;
	if (b.size != sizeof(obj->kern_version))
		return diag_set(f->d, -EINVAL, "%s: section 'version': %zu bytes, expected %zu",
				f->name, b.size, sizeof(obj->kern_version));
	memcpy(&obj->kern_version, b.p, sizeof(obj->kern_version));
	return 0;
}

static int check_map(struct elf_file *f, const struct classic_obj *obj, const struct classic_map *m)
{
	size_t i;

	for (i = 0; i < obj->nr_maps; i++) {
		const struct classic_map *o = &obj->maps[i];

		if (o == m)
			continue;
		if (o->offset == m->offset)
			return diag_set(f->d, -EINVAL, "%s: maps '%s' and '%s' share one definition",
					f->name, o->name, m->name);
		if (strcmp(o->name, m->name) == 0)
			return diag_set(f->d, -EINVAL, "%s: two maps named '%s'", f->name, m->name);
	}
	/* The classic definition has inner_map_idx after the 5 fields we
	 * read; building inner maps from it is more than this loader does. */
	if (m->def.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || m->def.type == BPF_MAP_TYPE_HASH_OF_MAPS)
		return diag_set(f->d, -EOPNOTSUPP,
				"%s: map '%s': maps of maps are not supported in classic objects",
				f->name, m->name);
	return 0;
}

static int add_map(struct elf_file *f, struct classic_obj *obj, const Elf64_Sym *sym,
		   const struct bytes *sec, size_t def_size)
{
	struct classic_map *m;
	const char *name = sym_name(f, sym);
	char shown[80];

	if (!name || !name_ok(name, sizeof(m->name)))
		return diag_set(f->d, -EINVAL,
				"%s: section 'maps': map symbol '%s' is empty, not printable or longer than %zu characters",
				f->name, printable(shown, sizeof(shown), name), sizeof(m->name) - 1);
	if (sym->st_value % def_size != 0 || sym->st_value > sec->size - def_size)
		return diag_set(f->d, -EINVAL,
				"%s: section 'maps': map '%s' at offset %#llx is not one of the %zu-byte definitions in the section (size %zu)",
				f->name, name, (unsigned long long)sym->st_value, def_size, sec->size);

	m = &obj->maps[obj->nr_maps++];
	m->fd = -1;
	strcpy(m->name, name);
	m->offset = sym->st_value;
	/* Only the 5 fields every classic layout shares (samples/bpf,
	 * iproute2); whatever follows them is ignored. */
	memcpy(&m->def, sec->p + m->offset, sizeof(m->def));
	return check_map(f, obj, m);
}

/* Every non-section symbol in "maps" is a map; the definitions have one size,
 * so the section divides evenly among them (what libbpf 0.x did). */
static int read_maps(struct elf_file *f, struct classic_obj *obj)
{
	size_t i, n = 0, def_size;
	struct bytes sec;
	Elf64_Shdr sh;
	Elf64_Sym sym;
	int r;

	if (!f->maps_idx || !sec_hdr(f, f->maps_idx, &sh))
		return 0;
	if (sh.sh_type != SHT_PROGBITS)
		return diag_set(f->d, -EINVAL, "%s: section 'maps': has no contents (type %u)",
				f->name, sh.sh_type);
	r = sec_bytes(f, f->maps_idx, &sh, &sec);
	if (r < 0)
		return r;
	if (sec.size == 0)
		return 0;
	if (!f->symtab_idx)
		return diag_set(f->d, -EINVAL, "%s: section 'maps': no symbol table to name the maps", f->name);

	for (i = 0; i < f->nr_syms; i++) {
		sym_at(f, i, &sym);
		n += is_map_sym(f, &sym);
	}
	if (n == 0)
		return diag_set(f->d, -EINVAL, "%s: section 'maps': %zu bytes but no map symbols",
				f->name, sec.size);
	if (n > CLASSIC_MAX_MAPS)
		return diag_set(f->d, -E2BIG, "%s: %zu maps, at most %d are supported",
				f->name, n, CLASSIC_MAX_MAPS);
	if (sec.size % n != 0)
		return diag_set(f->d, -EINVAL,
				"%s: section 'maps': size %zu does not divide into %zu map definitions",
				f->name, sec.size, n);
	def_size = sec.size / n;
	if (def_size < MAP_DEF_SIZE)
		return diag_set(f->d, -EINVAL,
				"%s: section 'maps': map definitions of %zu bytes, less than the %zu of struct bpf_map_def",
				f->name, def_size, MAP_DEF_SIZE);

	obj->maps = calloc(n, sizeof(*obj->maps));
	if (!obj->maps)
		return -ENOMEM;
	for (i = 0; i < f->nr_syms; i++) {
		sym_at(f, i, &sym);
		if (!is_map_sym(f, &sym))
			continue;
		r = add_map(f, obj, &sym, &sec, def_size);
		if (r < 0)
			return r;
	}
	return 0;
}

/* samples/bpf/bpf_load.c matched these section names by prefix ("socket1",
 * "xdp_prog", "sk_skb2"); libbpf >= 1.0 knows only the exact names, so such a
 * section gets the type of its exact name. */
static const char *const classic_prefixes[] = {
	"socket", "xdp", "perf_event", "cgroup/skb", "cgroup/sock",
	"sockops", "sk_skb", "sk_msg",
};

static int prog_type_by_section(const char *section, enum bpf_prog_type *type,
				enum bpf_attach_type *attach)
{
	size_t i;

	if (libbpf_prog_type_by_name(section, type, attach) == 0)
		return 0;
	for (i = 0; i < sizeof(classic_prefixes) / sizeof(classic_prefixes[0]); i++)
		if (strncmp(section, classic_prefixes[i], strlen(classic_prefixes[i])) == 0)
			return libbpf_prog_type_by_name(classic_prefixes[i], type, attach);
	return -ESRCH;
}

/* These types attach to a kernel function or type named by BTF id; a
 * classic object has no BTF to say which. */
static bool needs_btf(enum bpf_prog_type type)
{
	return type == BPF_PROG_TYPE_TRACING || type == BPF_PROG_TYPE_LSM ||
	       type == BPF_PROG_TYPE_EXT || type == BPF_PROG_TYPE_STRUCT_OPS;
}

/* Name a program after its function: the STT_FUNC symbol at offset 0. A
 * classic section holds one program; a second function in it would be
 * loaded as dead code after the first, so refuse it. */
static int name_prog(struct elf_file *f, struct classic_prog *p)
{
	const char *func = NULL;
	size_t i, n = 0;
	char shown[80];
	Elf64_Sym sym;
	char *c;

	for (i = 0; i < f->nr_syms; i++) {
		sym_at(f, i, &sym);
		if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym_shndx(&sym) != p->shndx)
			continue;
		if (++n > 1)
			return diag_set(f->d, -EOPNOTSUPP,
					"%s: section '%s': more than one function (classic objects have one program per section)",
					f->name, p->section);
		if (sym.st_value != 0)
			continue;
		func = sym_name(f, &sym);
		if (!func || !name_ok(func, sizeof(p->name)))
			return diag_set(f->d, -EINVAL,
					"%s: section '%s': function name '%s' is empty, not printable or longer than %zu characters",
					f->name, p->section, printable(shown, sizeof(shown), func),
					sizeof(p->name) - 1);
	}
	if (func) {
		strcpy(p->name, func);
		return 0;
	}
	/* Cut to fit: name[] is shorter than section[]. */
	snprintf(p->name, sizeof(p->name), "%.*s", (int)sizeof(p->name) - 1, p->section);
	for (c = p->name; *c; c++)
		if (*c == '/' || *c == '.')
			*c = '_';
	return 0;
}

static int read_prog(struct elf_file *f, struct classic_prog *p, const Elf64_Shdr *sh, const char *section)
{
	struct bytes b;
	int r;

	if (!name_ok(section, sizeof(p->section))) {
		char shown[80];

		return diag_set(f->d, -EINVAL,
				"%s: section '%s': name is empty, not printable or longer than %zu characters",
				f->name, sec_label(f, p->shndx, shown, sizeof(shown)), sizeof(p->section) - 1);
	}
	strcpy(p->section, section);

	if (prog_type_by_section(section, &p->type, &p->expected_attach_type) < 0)
		return diag_set(f->d, -EOPNOTSUPP, "%s: section '%s': unknown program type",
				f->name, section);
	if (needs_btf(p->type))
		return diag_set(f->d, -EOPNOTSUPP,
				"%s: section '%s': this program type needs BTF, which classic objects do not have",
				f->name, section);

	if (sh->sh_size % INSN_SIZE != 0)
		return diag_set(f->d, -EINVAL,
				"%s: section '%s': size %llu is not a whole number of instructions",
				f->name, section, (unsigned long long)sh->sh_size);
	r = sec_bytes(f, p->shndx, sh, &b);
	if (r < 0)
		return r;
	p->insns = malloc(b.size);
	if (!p->insns)
		return -ENOMEM;
	memcpy(p->insns, b.p, b.size);
	p->insn_cnt = b.size / INSN_SIZE;

	return name_prog(f, p);
}

static int check_prog_names(struct elf_file *f, const struct classic_obj *obj)
{
	size_t i, j;

	for (i = 0; i < obj->nr_progs; i++)
		for (j = 0; j < i; j++)
			if (strcmp(obj->progs[i].name, obj->progs[j].name) == 0)
				return diag_set(f->d, -EINVAL,
						"%s: sections '%s' and '%s' both make a program named '%s'",
						f->name, obj->progs[j].section, obj->progs[i].section,
						obj->progs[i].name);
	return 0;
}

static int read_progs(struct elf_file *f, struct classic_obj *obj)
{
	size_t i;
	int r;

	obj->progs = calloc(f->nr_progs, sizeof(*obj->progs));
	if (!obj->progs)
		return -ENOMEM;
	for (i = 1; i < f->shnum; i++) {
		struct classic_prog *p;
		const char *name;
		Elf64_Shdr sh;

		/* Same test as scan_sections(), so nr_progs match. */
		if (!sec_hdr(f, i, &sh) || !(name = sec_name(f, &sh)) || !is_prog_section(&sh, name))
			continue;
		if (obj->nr_progs == f->nr_progs)
			break;
		p = &obj->progs[obj->nr_progs++];
		p->fd = -1;
		p->shndx = i;
		r = read_prog(f, p, &sh, name);
		if (r < 0)
			return r;
	}
	return check_prog_names(f, obj);
}

/* callee: the symbol the call is relocated against, NULL if there is none
 * (a call inside the section). */
static int reject_call(struct elf_file *f, const struct classic_prog *p, const char *callee)
{
	if (!callee)
		return diag_set(f->d, -EOPNOTSUPP,
				"%s: section '%s': program '%s' calls another BPF function: bpf-to-bpf calls are not supported in classic objects (make the callee static __always_inline)",
				f->name, p->section, p->name);
	return diag_set(f->d, -EOPNOTSUPP,
			"%s: section '%s': program '%s' calls or references function '%s': bpf-to-bpf calls are not supported in classic objects (make it static __always_inline)",
			f->name, p->section, p->name, callee);
}

static int find_map(const struct classic_obj *obj, size_t offset, size_t *idx)
{
	size_t i;

	for (i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].offset == offset) {
			*idx = i;
			return 0;
		}
	return -ENOENT;
}

/* The function a call relocated against a section symbol lands on: the
 * call's imm is relative to the next instruction. NULL if none is there. */
static const char *callee_name(const struct elf_file *f, const Elf64_Sym *sym,
			       const struct bpf_insn *insn)
{
	long long off = ((long long)insn->imm + 1) * (long long)INSN_SIZE;
	Elf64_Sym s;
	size_t i;

	if (ELF64_ST_TYPE(sym->st_info) != STT_SECTION)
		return sym_name(f, sym);
	if (insn->code != (BPF_JMP | BPF_CALL) || off < 0)
		return NULL;
	for (i = 0; i < f->nr_syms; i++) {
		sym_at(f, i, &s);
		if (ELF64_ST_TYPE(s.st_info) == STT_FUNC && sym_shndx(&s) == sym_shndx(sym) &&
		    s.st_value == (unsigned long long)off)
			return sym_name(f, &s);
	}
	return NULL;
}

/* One relocation in a program: only a map reference on an ld_imm64 is
 * understood; anything else needs libbpf and a modern object. */
static int add_reloc(struct elf_file *f, const struct classic_obj *obj, struct classic_prog *p,
		     const Elf64_Rel *rel)
{
	size_t sym_idx = ELF64_R_SYM(rel->r_info), type = ELF64_R_TYPE(rel->r_info);
	size_t insn, offset, map;
	const char *name;
	char shown[80];
	Elf64_Sym sym;

	if (sym_idx == STN_UNDEF || sym_idx >= f->nr_syms)
		return diag_set(f->d, -EINVAL, "%s: section '%s': relocation against symbol #%zu, outside the symbol table",
				f->name, p->section, sym_idx);
	sym_at(f, sym_idx, &sym);
	name = sym_name(f, &sym);
	if (name && *name) {
		name = printable(shown, sizeof(shown), name);
	} else {
		snprintf(shown, sizeof(shown), "symbol #%zu", sym_idx);
		name = shown;
	}

	if (rel->r_offset % INSN_SIZE != 0 || rel->r_offset / INSN_SIZE >= p->insn_cnt)
		return diag_set(f->d, -EINVAL,
				"%s: section '%s': relocation against '%s' at offset %#llx is not on an instruction of the program",
				f->name, p->section, name, (unsigned long long)rel->r_offset);
	insn = rel->r_offset / INSN_SIZE;

	if (type == R_BPF_64_32 || ELF64_ST_TYPE(sym.st_info) == STT_FUNC ||
	    (f->text_idx && sym_shndx(&sym) == f->text_idx)) {
		const char *callee = callee_name(f, &sym, &p->insns[insn]);

		return reject_call(f, p, callee ? printable(shown, sizeof(shown), callee) : NULL);
	}
	if (type != R_BPF_64_64)
		return diag_set(f->d, -EOPNOTSUPP,
				"%s: section '%s': relocation type %zu against '%s' is not supported",
				f->name, p->section, type, name);
	if (!f->maps_idx || sym_shndx(&sym) != f->maps_idx)
		return diag_set(f->d, -EOPNOTSUPP,
				"%s: section '%s': relocation against '%s' which is not a map (only map references are supported in classic objects)",
				f->name, p->section, name);

	if (insn + 1 >= p->insn_cnt || p->insns[insn].code != LD_IMM64)
		return diag_set(f->d, -EINVAL,
				"%s: section '%s': relocation against map '%s' at instruction %zu, which is not a 64-bit immediate load",
				f->name, p->section, name, insn);
	/* A reference through the section symbol carries the map's offset in
	 * the instruction (REL has no addend); a map symbol is the map. */
	offset = ELF64_ST_TYPE(sym.st_info) == STT_SECTION ? (size_t)(__u32)p->insns[insn].imm : sym.st_value;
	if (find_map(obj, offset, &map) < 0)
		return diag_set(f->d, -EINVAL,
				"%s: section '%s': relocation against '%s' at offset %#zx of section 'maps', which is not a map",
				f->name, p->section, name, offset);

	p->relocs[p->nr_relocs].insn = insn;
	p->relocs[p->nr_relocs].map = map;
	p->nr_relocs++;
	return 0;
}

static int read_rel_section(struct elf_file *f, const struct classic_obj *obj, struct classic_prog *p,
			    const Elf64_Shdr *sh, size_t idx)
{
	struct classic_reloc *relocs;
	struct bytes b;
	size_t i, n;
	int r;

	if (sh->sh_type == SHT_RELA)
		return diag_set(f->d, -EOPNOTSUPP,
				"%s: section '%s': RELA relocations are not supported (BPF objects use REL)",
				f->name, p->section);
	if (!f->symtab_idx || sh->sh_link != f->symtab_idx)
		return diag_set(f->d, -EINVAL, "%s: section '%s': its relocations do not use the symbol table",
				f->name, p->section);
	if (sh->sh_entsize != sizeof(Elf64_Rel) || sh->sh_size % sizeof(Elf64_Rel) != 0)
		return diag_set(f->d, -EINVAL,
				"%s: section '%s': relocation table size %#llx is not a whole number of %zu-byte entries",
				f->name, p->section, (unsigned long long)sh->sh_size, sizeof(Elf64_Rel));
	r = sec_bytes(f, idx, sh, &b);
	if (r < 0)
		return r;
	n = b.size / sizeof(Elf64_Rel);
	if (n == 0)
		return 0;

	/* Room for all of them; several sections may relocate one program. */
	relocs = realloc(p->relocs, (p->nr_relocs + n) * sizeof(*relocs));
	if (!relocs)
		return -ENOMEM;
	p->relocs = relocs;
	for (i = 0; i < n; i++) {
		Elf64_Rel rel;

		memcpy(&rel, b.p + i * sizeof(rel), sizeof(rel));
		r = add_reloc(f, obj, p, &rel);
		if (r < 0)
			return r;
	}
	return 0;
}

static struct classic_prog *prog_by_shndx(struct classic_obj *obj, size_t shndx)
{
	size_t i;

	for (i = 0; i < obj->nr_progs; i++)
		if (obj->progs[i].shndx == shndx)
			return &obj->progs[i];
	return NULL;
}

/* Relocation sections that apply to something other than a program (.text,
 * BTF, DWARF) are ignored: nothing of theirs is loaded. */
static int read_relocs(struct elf_file *f, struct classic_obj *obj)
{
	size_t i;
	int r;

	for (i = 1; i < f->shnum; i++) {
		struct classic_prog *p;
		Elf64_Shdr sh;

		if (!sec_hdr(f, i, &sh) || (sh.sh_type != SHT_REL && sh.sh_type != SHT_RELA))
			continue;
		p = prog_by_shndx(obj, sh.sh_info);
		if (!p)
			continue;
		r = read_rel_section(f, obj, p, &sh, i);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A call to a function in the same section needs no relocation, so look at
 * the instructions too. */
static int check_calls(struct elf_file *f, const struct classic_obj *obj)
{
	size_t i, j;

	for (i = 0; i < obj->nr_progs; i++) {
		const struct classic_prog *p = &obj->progs[i];

		for (j = 0; j < p->insn_cnt; j++) {
			const struct bpf_insn *insn = &p->insns[j];

			if (insn->code != (BPF_JMP | BPF_CALL))
				continue;
			if (insn->src_reg == BPF_PSEUDO_CALL)
				return reject_call(f, p, NULL);
			if (insn->src_reg == BPF_PSEUDO_KFUNC_CALL)
				return diag_set(f->d, -EOPNOTSUPP,
						"%s: section '%s': program '%s' calls a kernel function (kfunc), which needs BTF",
						f->name, p->section, p->name);
		}
	}
	return 0;
}

int classic_parse(const void *buf, size_t size, const char *name, struct classic_obj **out, struct diag *d)
{
	struct elf_file f = { .name = name ? name : "(object)", .d = d };
	struct classic_obj *obj = NULL;
	int r;

	*out = NULL;
	r = elf_file_open(&f, buf, size);
	if (r < 0)
		goto out;
	r = scan_sections(&f);
	if (r < 0)
		goto out;
	r = read_symtab(&f);
	if (r < 0)
		goto out;

	obj = calloc(1, sizeof(*obj));
	if (!obj) {
		r = -ENOMEM;
		goto out;
	}
	r = read_license(&f, obj);
	if (r < 0)
		goto out;
	r = read_version(&f, obj);
	if (r < 0)
		goto out;
	r = read_maps(&f, obj);
	if (r < 0)
		goto out;
	r = read_progs(&f, obj);
	if (r < 0)
		goto out;
	r = read_relocs(&f, obj);
	if (r < 0)
		goto out;
	r = check_calls(&f, obj);
	if (r < 0)
		goto out;

	*out = obj;
	obj = NULL;
out:
	classic_free(obj);
	elf_file_close(&f);
	return r;
}

static void close_fds(struct classic_obj *obj)
{
	size_t i;

	for (i = 0; i < obj->nr_progs; i++)
		if (obj->progs[i].fd >= 0) {
			close(obj->progs[i].fd);
			obj->progs[i].fd = -1;
		}
	for (i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].fd >= 0) {
			close(obj->maps[i].fd);
			obj->maps[i].fd = -1;
		}
}

static int create_map(struct classic_map *m, const char *name, struct diag *d)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = m->def.map_flags);
	__u32 max_entries = m->def.max_entries;
	char kname[BPF_OBJ_NAME_LEN];
	int fd;

	/* A perf event array of size 0 means one slot per CPU, to libbpf
	 * and to the classic loaders; the kernel wants the number. */
	if (m->def.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && max_entries == 0) {
		int n = libbpf_num_possible_cpus();

		if (n < 0)
			return diag_set(d, n, "%s: map '%s': cannot count the CPUs: %s",
					name, m->name, strerror(-n));
		max_entries = n;
	}
	kernel_name(kname, m->name);
	fd = bpf_map_create(m->def.type, kname, m->def.key_size, m->def.value_size, max_entries, &opts);
	if (fd < 0)
		return diag_set(d, fd,
				"%s: map '%s': cannot create it (type %u, key %u, value %u, entries %u, flags %#x): %s",
				name, m->name, m->def.type, m->def.key_size, m->def.value_size,
				max_entries, m->def.map_flags, strerror(-fd));
	m->fd = fd;
	return 0;
}

static void relocate(const struct classic_obj *obj, struct classic_prog *p)
{
	size_t i;

	for (i = 0; i < p->nr_relocs; i++) {
		struct bpf_insn *insn = &p->insns[p->relocs[i].insn];

		insn[0].src_reg = BPF_PSEUDO_MAP_FD;
		insn[0].imm = obj->maps[p->relocs[i].map].fd;
		/* The second half holds an offset into the map value for
		 * BPF_PSEUDO_MAP_VALUE; a map reference wants 0 there. */
		insn[1].imm = 0;
	}
}

static int load_prog(const struct classic_obj *obj, struct classic_prog *p, const char *name,
		     char *log_buf, size_t log_size, struct diag *d)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = p->expected_attach_type,
		    .kern_version = obj->kern_version);
	char kname[BPF_OBJ_NAME_LEN];
	bool logged = false;
	int fd, err;

	kernel_name(kname, p->name);
	fd = bpf_prog_load(p->type, kname, obj->license, p->insns, p->insn_cnt, &opts);
	if (fd >= 0)
		goto done;
	err = fd;

	/* As libbpf does: a log slows the verifier down and a good program
	 * needs none, so only a failed load is retried with one, to say why. */
	if (log_buf && log_size >= LOG_SIZE_MIN) {
		opts.log_buf = log_buf;
		opts.log_size = (__u32)(log_size > LOG_SIZE_MAX ? LOG_SIZE_MAX : log_size);
		opts.log_level = 1;
		log_buf[0] = '\0';
		fd = bpf_prog_load(p->type, kname, obj->license, p->insns, p->insn_cnt, &opts);
		if (fd >= 0)
			goto done;	/* it was transient after all */
		logged = log_buf[0] != '\0';
	}
	/* The first error is the one that counts: the retry may only add
	 * -ENOSPC for a log that did not fit. Without a log, EACCES is what
	 * the verifier says; EINVAL may be the verifier or a bad attribute. */
	if (logged || err == -EACCES)
		return diag_set(d, err, "%s: program '%s' (section '%s') rejected by the verifier: %s",
				name, p->name, p->section, strerror(-err));
	return diag_set(d, err, "%s: program '%s' (section '%s') could not be loaded: %s",
			name, p->name, p->section, strerror(-err));
done:
	p->fd = fd;
	return 0;
}

int classic_load(struct classic_obj *obj, const char *name, char *log_buf, size_t log_size, struct diag *d)
{
	size_t i;
	int r;

	if (!name)
		name = "(object)";
	if (log_buf && log_size)
		log_buf[0] = '\0';
	if (!obj)
		return diag_set(d, -EINVAL, "%s: nothing to load", name);
	for (i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].fd >= 0)
			return diag_set(d, -EBUSY, "%s: already loaded", name);
	for (i = 0; i < obj->nr_progs; i++)
		if (obj->progs[i].fd >= 0)
			return diag_set(d, -EBUSY, "%s: already loaded", name);

	for (i = 0; i < obj->nr_maps; i++) {
		r = create_map(&obj->maps[i], name, d);
		if (r < 0)
			goto fail;
	}
	for (i = 0; i < obj->nr_progs; i++) {
		relocate(obj, &obj->progs[i]);
		r = load_prog(obj, &obj->progs[i], name, log_buf, log_size, d);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	close_fds(obj);
	return r;
}

void classic_free(struct classic_obj *obj)
{
	size_t i;

	if (!obj)
		return;
	close_fds(obj);
	for (i = 0; i < obj->nr_progs; i++) {
		free(obj->progs[i].insns);
		free(obj->progs[i].relocs);
	}
	free(obj->progs);
	free(obj->maps);
	free(obj);
}
