// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btftags.h"
#include "classic.h"
#include "loader.h"
#include "object.h"
#include "privs.h"
#include "probe.h"
#include "util.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* Big enough for the tail of any verifier log worth showing; the kernel
 * (>= 6.4) keeps the end of the log when it does not fit. */
#define VERIFIER_LOG_SIZE (1u << 20)

/* The running kernel's BTF, where libbpf itself looks for it first. */
#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

static int exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

/* The directories a bare object name is looked up in, in order: the
 * environment's, the build dir (binary in build/, objects in build/bpf/),
 * then the installed layout, OBJDIR as seen from BINDIR (EBPF_OBJDIR_REL,
 * normally ../lib/ebpf/bpf). Relative to the binary, not an absolute path
 * compiled in: `make && make install PREFIX=/usr` then looks in
 * /usr/lib/ebpf/bpf, whatever PREFIX the build had. */
struct obj_dirs {
	const char *dir[3];
	char build[PATH_MAX], inst[PATH_MAX];
	size_t nr;
};

static void obj_dirs_init(struct obj_dirs *o)
{
	char exe[PATH_MAX];
	char *env = getenv("EBPF_OBJ_PATH");

	o->nr = 0;
	if (env && *env)
		o->dir[o->nr++] = env;
	if (exe_dir(exe, sizeof(exe)))
		return;
	if (!path_join(o->build, sizeof(o->build), "%s/bpf", exe))
		o->dir[o->nr++] = o->build;
	if (!path_join(o->inst, sizeof(o->inst), "%s/%s", exe, EBPF_OBJDIR_REL)) {
		/* Shown in messages: /usr/lib/ebpf/bpf, not /usr/sbin/../lib/... */
		char real[PATH_MAX];

		if (realpath(o->inst, real))
			strscpy(o->inst, real, sizeof(o->inst));
		o->dir[o->nr++] = o->inst;
	}
}

int object_resolve(const char *arg, char *out, size_t size, struct diag *d)
{
	struct obj_dirs o;
	char cand[PATH_MAX], tried[3 * PATH_MAX + 8] = "";
	size_t i;

	if (strchr(arg, '/')) {
		if (!realpath(arg, out))
			return diag_set(d, -errno, "%s: %s", arg, strerror(errno));
		return 0;
	}
	obj_dirs_init(&o);
	for (i = 0; i < o.nr; i++) {
		if (path_join(cand, sizeof(cand), "%s/%s", o.dir[i], arg))
			continue;
		if (access(cand, R_OK) == 0 && realpath(cand, out))
			return 0;
	}
	for (i = 0; i < o.nr; i++) {
		if (i)
			strncat(tried, ", ", sizeof(tried) - strlen(tried) - 1);
		strncat(tried, o.dir[i], sizeof(tried) - strlen(tried) - 1);
	}
	return diag_set(d, -ENOENT, "%s: No such file or directory (looked in %s)",
			arg, o.nr ? tried : "no directory: set EBPF_OBJ_PATH");
}

/* The largest object we read, unless EBPF_OBJ_MAX_SIZE says otherwise: the
 * biggest object in this tree is a few KiB; anything near this is not a
 * BPF object but a mistake (or an attack on our memory). */
#define OBJECT_MAX_SIZE_DEFAULT (64ull << 20)

/* EBPF_OBJ_MAX_SIZE: bytes, or with a K, M or G suffix (powers of 1024). */
static int object_max_size(unsigned long long *max, struct diag *d)
{
	const char *env = getenv(OBJECT_MAX_SIZE_ENV);
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	*max = OBJECT_MAX_SIZE_DEFAULT;
	if (!env || !*env)
		return 0;
	errno = 0;
	v = strtoull(env, &end, 10);
	if (*end == 'K')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (env[0] < '0' || env[0] > '9' || errno || *end || !v || v > (~0ull >> shift))
		return diag_set(d, -EINVAL, "%s=%s: not a size (bytes, or a number with K, M or G)",
				OBJECT_MAX_SIZE_ENV, env);
	*max = v << shift;
	return 0;
}

static const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	default: return "not a regular file";
	}
}

/*
 * Only a regular file is an object. O_NONBLOCK, so that opening a FIFO
 * without a writer returns instead of waiting forever; O_NOCTTY, so that a
 * terminal does not become ours. fstat() then judges what was opened (a
 * stat() before the open could be raced). Opening a socket fails with
 * ENXIO: stat() names it then.
 */
static int open_regular(const char *path, struct stat *st, struct diag *d)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		int err = -errno;

		if (err == -ENXIO && stat(path, st) == 0 && !S_ISREG(st->st_mode))
			return diag_set(d, -EINVAL, "%s: is %s, not a BPF object file", path,
					file_type_name(st->st_mode));
		return diag_set(d, err, "%s: %s", path, strerror(-err));
	}
	if (fstat(fd, st) < 0) {
		int err = -errno;

		close(fd);
		return diag_set(d, err, "%s: %s", path, strerror(-err));
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return diag_set(d, -EINVAL, "%s: is %s, not a BPF object file", path,
				file_type_name(st->st_mode));
	}
	return fd;
}

static int read_file(const char *path, void **buf, size_t *size, struct diag *d)
{
	_cleanup_close_ int fd = -1;
	unsigned long long max;
	struct stat st;
	size_t done = 0;
	char *p;
	int r;

	r = object_max_size(&max, d);
	if (r)
		return r;
	fd = open_regular(path, &st, d);
	if (fd < 0)
		return fd;
	/* Checked before allocating: a sparse file claims any size for free. */
	if ((unsigned long long)st.st_size > max)
		return diag_set(d, -EFBIG, "%s: %lld bytes, larger than the %llu-byte limit for a BPF object (%s raises it)",
				path, (long long)st.st_size, max, OBJECT_MAX_SIZE_ENV);
	p = malloc(st.st_size ? st.st_size : 1);
	if (!p)
		return diag_set(d, -ENOMEM, "%s: cannot allocate %lld bytes to read it: %s", path,
				(long long)st.st_size, strerror(ENOMEM));
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, p + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : -EIO;

			free(p);
			return diag_set(d, err, "%s: read failed: %s", path,
					n < 0 ? strerror(-err) : "file shrank while read");
		}
		done += n;
	}
	*buf = p;
	*size = done;
	return 0;
}

/* libbpf and classic.c both assume a well-formed ELF; say precisely what is
 * wrong before either sees it. */
static int check_elf(const struct object *o, struct diag *d)
{
	Elf *elf;
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL;
	size_t shnum;
	int r = 0;

	if (o->size < 4 || memcmp(o->image, ELFMAG, SELFMAG))
		return diag_set(d, -ENOEXEC, "%s: not an ELF file", o->path);
	elf_version(EV_CURRENT);
	elf = elf_memory(o->image, o->size);
	if (!elf)
		return diag_set(d, -ENOEXEC, "%s: not a valid ELF file: %s", o->path, elf_errmsg(-1));
	if (!gelf_getehdr(elf, &eh)) {
		r = diag_set(d, -ENOEXEC, "%s: truncated or corrupt ELF header: %s", o->path,
			     elf_errmsg(-1));
		goto out;
	}
	if (eh.e_machine != EM_BPF) {
		r = diag_set(d, -ENOEXEC, "%s: not a BPF object (ELF machine %u, expected %u)",
			     o->path, eh.e_machine, EM_BPF);
		goto out;
	}
	if (eh.e_shoff > o->size || elf_getshdrnum(elf, &shnum) < 0 ||
	    (eh.e_shentsize && shnum > (o->size - eh.e_shoff) / eh.e_shentsize)) {
		r = diag_set(d, -ENOEXEC, "%s: truncated ELF: section headers extend past the end of the file",
			     o->path);
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh)) {
			r = diag_set(d, -ENOEXEC, "%s: corrupt ELF section header: %s", o->path,
				     elf_errmsg(-1));
			goto out;
		}
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > o->size || sh.sh_size > o->size - sh.sh_offset)) {
			r = diag_set(d, -ENOEXEC, "%s: truncated ELF: section %zu extends past the end of the file",
				     o->path, elf_ndxscn(scn));
			goto out;
		}
	}
out:
	elf_end(elf);
	return r;
}

/*
 * libbpf 1.1's ELF parser trusts more of the file than it should (fuzzing
 * found a NULL dereference on a corrupted object). We cannot fix the system
 * library, so the first parse happens in a child: a crash there becomes an
 * error message instead of a crashed root process.
 */
#define PROBE_OK 0
#define PROBE_REFUSED 3

static void reset_fatal_signals(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fatal); i++)
		signal(fatal[i], SIG_DFL);
}

/*
 * Values libbpf gives an object's CONFIG_ externs before, and instead of,
 * the kernel's config file: the page size as the running system has it.
 * The file (/boot/config-*, /proc/config.gz) is missing in most containers
 * and on many distributions, where libbpf refuses an object that needs it;
 * and only Linux 6.7 and later have CONFIG_PAGE_SHIFT on every arch.
 */
static const char *runtime_kconfig(void)
{
	static char buf[32];
	long page = sysconf(_SC_PAGESIZE);

	snprintf(buf, sizeof(buf), "CONFIG_PAGE_SHIFT=%d\n",
		 page > 0 ? __builtin_ctzl((unsigned long)page) : 12);
	return buf;
}

static int libbpf_parse_probe(const void *image, size_t size, const char *name, int *sig)
{
	int status;
	pid_t pid;

	*sig = 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
		int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
		struct bpf_object *obj;

		/* Its crash reports are ours to give, in one line. */
		if (nul >= 0)
			dup2(nul, STDERR_FILENO);
		/* A crash here must end the child by that signal, whatever
		 * handlers the parent carries (sanitizers, libFuzzer): the
		 * parent reports it, nobody else. */
		reset_fatal_signals();
		obj = bpf_object__open_mem(image, size, &opts);
		if (!obj)
			_exit(PROBE_REFUSED);
		/* Freed, so that memory checkers following the fork see no leak. */
		bpf_object__close(obj);
		_exit(PROBE_OK);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && (WEXITSTATUS(status) == PROBE_OK ||
				  WEXITSTATUS(status) == PROBE_REFUSED))
		return 0;
	*sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	return -EBADMSG;
}

static int collect_classic(struct object *o, struct diag *d)
{
	struct classic_obj *l = o->classic_obj;
	size_t i;

	o->maps = calloc(l->nr_maps ? l->nr_maps : 1, sizeof(*o->maps));
	o->progs = calloc(l->nr_progs ? l->nr_progs : 1, sizeof(*o->progs));
	if (!o->maps || !o->progs)
		return -ENOMEM;
	for (i = 0; i < l->nr_maps; i++) {
		struct obj_map *m = &o->maps[o->nr_maps++];

		strscpy(m->name, l->maps[i].name, sizeof(m->name));
		if (pin_name_sanitize(m->name, m->pin_name, sizeof(m->pin_name)))
			return diag_set(d, -EINVAL, "%s: map '%s': name cannot be pinned", o->path, m->name);
		m->fd = -1;
	}
	for (i = 0; i < l->nr_progs; i++) {
		struct obj_prog *p = &o->progs[o->nr_progs++];

		strscpy(p->name, l->progs[i].name, sizeof(p->name));
		strscpy(p->section, l->progs[i].section, sizeof(p->section));
		/* A hostile classic object names its own functions: never let a
		 * name reach the file system unsanitised ('/' escapes the tree). */
		if (pin_name_sanitize(p->name, p->pin_name, sizeof(p->pin_name)))
			return diag_set(d, -EINVAL, "%s: program '%s': name cannot be pinned", o->path, p->name);
		p->type = l->progs[i].type;
		p->expected_attach_type = l->progs[i].expected_attach_type;
		p->fd = -1;
	}
	return 0;
}

static int collect_modern(struct object *o, struct diag *d)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	size_t n = 0;

	bpf_object__for_each_map(map, o->bpf)
		n++;
	o->maps = calloc(n ? n : 1, sizeof(*o->maps));
	n = 0;
	bpf_object__for_each_program(prog, o->bpf)
		n++;
	o->progs = calloc(n ? n : 1, sizeof(*o->progs));
	if (!o->maps || !o->progs)
		return -ENOMEM;

	bpf_object__for_each_map(map, o->bpf) {
		struct obj_map *m = &o->maps[o->nr_maps++];

		strscpy(m->name, bpf_map__name(map), sizeof(m->name));
		if (pin_name_sanitize(m->name, m->pin_name, sizeof(m->pin_name)))
			return diag_set(d, -EINVAL, "%s: map '%s': name cannot be pinned", o->path, m->name);
		m->bmap = map;
		m->fd = -1;
		/* libbpf marks __uint(pinning, LIBBPF_PIN_BY_NAME) maps with a
		 * default pin path; we pin them ourselves under <root>/shared. */
		if (bpf_map__get_pin_path(map)) {
			m->shared = m->shared_created = true;
			bpf_map__set_pin_path(map, NULL);
		}
	}
	bpf_object__for_each_program(prog, o->bpf) {
		struct obj_prog *p = &o->progs[o->nr_progs++];

		strscpy(p->name, bpf_program__name(prog), sizeof(p->name));
		strscpy(p->section, bpf_program__section_name(prog), sizeof(p->section));
		if (pin_name_sanitize(p->name, p->pin_name, sizeof(p->pin_name)))
			return diag_set(d, -EINVAL, "%s: program '%s': name cannot be pinned", o->path, p->name);
		p->type = bpf_program__type(prog);
		p->expected_attach_type = bpf_program__expected_attach_type(prog);
		p->bprog = prog;
		p->fd = -1;
	}
	return 0;
}

int object_open(struct object *o, const char *path, const char *name, struct diag *d)
{
	void *image = NULL;
	size_t size = 0;
	int r;

	memset(o, 0, sizeof(*o));
	r = read_file(path, &image, &size, d);
	if (r)
		return r;
	return object_open_mem(o, image, size, path, name, d);
}

int object_open_mem(struct object *o, void *image, size_t size, const char *path,
		    const char *name, struct diag *d)
{
	int r;

	memset(o, 0, sizeof(*o));
	o->image = image;
	o->size = size;
	strscpy(o->path, path, sizeof(o->path));
	strscpy(o->name, name, sizeof(o->name));
	sha256_hex(o->image, o->size, o->sha256);
	r = check_elf(o, d);
	if (r)
		return r;

	r = classic_detect(o->image, o->size);
	if (r < 0)
		return diag_set(d, r, "%s: %s", path, strerror(-r));
	if (r == 1) {
		o->classic = true;
		r = classic_parse(o->image, o->size, path, &o->classic_obj, d);
		if (r)
			return r;
		r = collect_classic(o, d);
	} else {
		LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = o->name);
		int sig;

		r = libbpf_parse_probe(o->image, o->size, o->name, &sig);
		if (r == -EBADMSG)
			return diag_set(d, r, "%s: malformed BPF object: libbpf crashed parsing it%s%s",
					path, sig ? ": " : "", sig ? strsignal(sig) : "");
		if (r)
			return diag_set(d, r, "%s: cannot parse: %s", path, strerror(-r));
		/* libbpf 1.1 (Debian 12) looks for CO-RE candidates in every
		 * module's BTF too, and listing those takes CAP_SYS_ADMIN: a
		 * loader with CAP_BPF and CAP_PERFMON (its unit) failed every
		 * object that reads kernel structs with EPERM. Without
		 * CAP_SYS_ADMIN, the kernel's own BTF is the one relocated
		 * against: the backends use no module types. */
		if (!privs_sys_admin() && access(KERNEL_BTF, R_OK) == 0)
			opts.btf_custom_path = KERNEL_BTF;
		opts.kconfig = runtime_kconfig();
		libbpf_log_reset();
		o->bpf = bpf_object__open_mem(o->image, o->size, &opts);
		if (!o->bpf) {
			char why[512];

			/* libbpf's errno ("No such file or directory" for a
			 * missing symbol table) would blame the file system. */
			r = -errno;
			return diag_set(d, r, "%s: corrupt or unsupported BPF object (%s)", path,
					libbpf_reason(r, why, sizeof(why)));
		}
		r = collect_modern(o, d);
	}
	if (r)
		return r;
	if (!o->nr_progs)
		return diag_set(d, -ENOENT, "%s: no BPF programs in object", path);
	return 0;
}

int object_check_supported(const struct object *o, struct diag *d)
{
	size_t i;

	for (i = 0; i < o->nr_progs; i++) {
		const struct obj_prog *p = &o->progs[i];
		const char *why = probe_section_unsupported(p->section);

		if (why)
			return diag_set(d, -EOPNOTSUPP, "%s: section '%s' (program '%s'): %s",
					o->path, p->section, p->name, why);
	}
	return 0;
}

/*
 * A record type missing from BTF would load fine and leave every reader
 * showing raw bytes, with no word why: clang emits BTF only for the types of
 * globals, maps and function signatures, so a struct that only a
 * bpf_ringbuf_reserve() result points to is silently left out.
 */
static int check_record(const struct object *o, const struct btf *btf, const char *map,
			struct diag *d)
{
	const char *type = btf_map_tag_value(btf, map, "record");

	if (!type || btf_record_type_find(btf, type) > 0)
		return 0;
	return diag_set(d, -ENOENT,
			"%s: map '%s': record type '%s' (EBPF_RECORD) is not in the object's BTF: "
			"use EBPF_EMIT_TYPE(struct %s); in the BPF source to make clang emit it",
			o->path, map, type, type);
}

struct decode_check {
	const struct object *o;
	const struct btf *btf;
	const char *map;
	__u32 key_id, value_id;   /* 0: the map has none in BTF */
	struct btf *vmlinux;      /* loaded for the first enum: the object lacks */
	struct diag *d;
};

/* Whether field names something the readers will find: "key"/"value" for
 * a scalar key or value, else a key field, then a value field. */
static bool decode_field_exists(const struct decode_check *c, const char *field)
{
	if (!strcmp(field, "key") && c->key_id && btf_field_find(c->btf, c->key_id, "") > 0)
		return true;
	if (!strcmp(field, "value") && c->value_id && btf_field_find(c->btf, c->value_id, "") > 0)
		return true;
	return (c->key_id && btf_field_find(c->btf, c->key_id, field) > 0) ||
	       (c->value_id && btf_field_find(c->btf, c->value_id, field) > 0);
}

static int decode_known_list(char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ebpf_nr_decoder_names && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s%s", i ? ", " : "",
				      ebpf_decoder_names[i],
				      !strcmp(ebpf_decoder_names[i], "enum") ? ":<name>" : "");
	return 0;
}

/*
 * A decode tag the readers cannot apply would leave the field raw in every
 * reader, with no word why: a misspelt decoder or field is refused here.
 */
static int check_decode_tag(const char *tag, void *ctx)
{
	struct decode_check *c = ctx;
	const char *spec, *colon;
	char field[128], known[256];
	size_t flen;

	if (strncmp(tag, "decode=", 7))
		return 0;
	tag += 7;
	colon = strchr(tag, ':');
	flen = colon ? (size_t)(colon - tag) : 0;
	if (!flen || flen >= sizeof(field) || !colon[1])
		return diag_set(c->d, -EINVAL,
				"%s: map '%s': decode tag '%s' is not <field>:<decoder> "
				"(EBPF_DECODE(\"daddr\", \"inet_ip\"))", c->o->path, c->map, tag);
	memcpy(field, tag, flen);
	field[flen] = '\0';
	spec = colon + 1;
	if (!ebpf_decoder_known(spec)) {
		decode_known_list(known, sizeof(known));
		return diag_set(c->d, -EINVAL,
				"%s: map '%s': decode tag '%s': unknown decoder '%s' (known: %s)",
				c->o->path, c->map, tag, spec, known);
	}
	if (!decode_field_exists(c, field))
		return diag_set(c->d, -ENOENT,
				"%s: map '%s': decode tag '%s': no key or value field '%s' "
				"(nested fields as a.b, \"key\"/\"value\" for a scalar key or value; docs/tags.md)",
				c->o->path, c->map, tag, field);
	if (!strncmp(spec, "enum:", 5) && btf_enum_find(c->btf, spec + 5) < 0) {
		if (!c->vmlinux)
			c->vmlinux = btf__load_vmlinux_btf();
		if (!c->vmlinux || btf_enum_find(c->vmlinux, spec + 5) < 0)
			return diag_set(c->d, -ENOENT,
					"%s: map '%s': decode tag '%s': enum '%s' is in neither the object's "
					"BTF nor the running kernel's: define it in the BPF source and "
					"EBPF_EMIT_TYPE(enum %s);", c->o->path, c->map, tag, spec + 5,
					spec + 5);
	}
	return 0;
}

static int check_decode(const struct object *o, const struct btf *btf, const struct obj_map *m,
			struct btf **vmlinux, struct diag *d)
{
	struct decode_check c = { .o = o, .btf = btf, .map = m->name, .vmlinux = *vmlinux, .d = d };
	int r;

	if (!m->bmap)
		return 0;
	c.key_id = bpf_map__btf_key_type_id(m->bmap);
	c.value_id = bpf_map__btf_value_type_id(m->bmap);
	if (bpf_map__type(m->bmap) == BPF_MAP_TYPE_RINGBUF) {
		/* A ring buffer's decode tags name fields of its records. */
		const char *type = btf_map_tag_value(btf, m->name, "record");
		int id = type ? btf_record_type_find(btf, type) : -ENOENT;

		c.key_id = 0;
		c.value_id = id > 0 ? (__u32)id : 0;
	}
	r = btf_map_tags_foreach(btf, m->name, check_decode_tag, &c);
	*vmlinux = c.vmlinux;
	return r;
}

int object_check_tags(const struct object *o, struct diag *d)
{
	const struct btf *btf = o->bpf ? bpf_object__btf(o->bpf) : NULL;
	struct btf *vmlinux = NULL;
	int r = 0;

	if (!btf)
		return 0; /* classic, or no BTF: no tags either */
	for (size_t i = 0; i < o->nr_maps && !r; i++) {
		r = check_record(o, btf, o->maps[i].name, d);
		if (!r)
			r = check_decode(o, btf, &o->maps[i], &vmlinux, d);
	}
	btf__free(vmlinux);
	return r;
}

int object_reuse_shared(struct object *o, const char *shared_dir, struct diag *d)
{
	size_t i;

	for (i = 0; i < o->nr_maps; i++) {
		struct obj_map *m = &o->maps[i];
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		_cleanup_close_ int fd = -1;
		int r;

		if (!m->shared)
			continue;
		r = path_join(path, sizeof(path), "%s/%s", shared_dir, m->pin_name);
		if (r)
			return r;
		fd = bpf_obj_get(path);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* first user: created by this load */
			return diag_set(d, -errno, "%s: shared map '%s': cannot open %s: %s",
					o->path, m->name, path, strerror(errno));
		}
		if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
			return diag_set(d, -errno, "%s: shared map '%s': %s", o->path, m->name,
					strerror(errno));
#define CONFLICT(what, ours, theirs)                                                        \
	if ((ours) != (theirs))                                                             \
		return diag_set(d, -EEXIST,                                                 \
				"%s: shared map '%s' conflicts with %s: " what " %u here, %u pinned", \
				o->path, m->name, path, (unsigned)(ours), (unsigned)(theirs))
		CONFLICT("map type", bpf_map__type(m->bmap), info.type);
		CONFLICT("key size", bpf_map__key_size(m->bmap), info.key_size);
		CONFLICT("value size", bpf_map__value_size(m->bmap), info.value_size);
		CONFLICT("max entries", bpf_map__max_entries(m->bmap), info.max_entries);
		CONFLICT("map flags", bpf_map__map_flags(m->bmap), info.map_flags);
#undef CONFLICT
		r = bpf_map__reuse_fd(m->bmap, fd);
		if (r)
			return diag_set(d, r, "%s: shared map '%s': cannot reuse %s: %s", o->path,
					m->name, path, strerror(-r));
		m->shared_created = false;
	}
	return 0;
}

/* libbpf says which program failed only in its log: "prog 'NAME': ...". */
static const struct obj_prog *failed_prog(const struct object *o, const char *warning)
{
	const char *p = strstr(warning, "prog '");
	size_t i, len;

	if (!p)
		return NULL;
	p += 6;
	len = strcspn(p, "'");
	for (i = 0; i < o->nr_progs; i++)
		if (strlen(o->progs[i].name) == len && !strncmp(o->progs[i].name, p, len))
			return &o->progs[i];
	return NULL;
}

static int load_modern(struct object *o, char *log, struct diag *d)
{
	const struct obj_prog *bad;
	size_t i;
	int r;

	for (i = 0; i < o->nr_progs; i++)
		bpf_program__set_log_buf(o->progs[i].bprog, log, VERIFIER_LOG_SIZE);
	libbpf_log_reset();
	r = bpf_object__load(o->bpf);
	if (r) {
		char why[512];

		bad = failed_prog(o, libbpf_log_prog_warning());
		if (bad && log[0]) {
			diag_set_detail_tail(d, log, 12);
			return diag_set(d, r, "%s: program '%s' (section '%s') rejected by the verifier: %s",
					o->path, bad->name, bad->section, strerror(-r));
		}
		return diag_set(d, r, "%s: load failed: %s%s%s", o->path,
				libbpf_reason(r, why, sizeof(why)), r == -EPERM ? "; " : "",
				r == -EPERM ? PRIVS_HINT : "");
	}
	for (i = 0; i < o->nr_progs; i++)
		o->progs[i].fd = bpf_program__fd(o->progs[i].bprog);
	for (i = 0; i < o->nr_maps; i++)
		o->maps[i].fd = bpf_map__fd(o->maps[i].bmap);
	return 0;
}

static int load_classic(struct object *o, char *log, struct diag *d)
{
	size_t i;
	int r;

	r = classic_load(o->classic_obj, o->path, log, VERIFIER_LOG_SIZE, d);
	if (r) {
		if (log[0])
			diag_set_detail_tail(d, log, 12);
		return r;
	}
	for (i = 0; i < o->nr_progs; i++)
		o->progs[i].fd = o->classic_obj->progs[i].fd;
	for (i = 0; i < o->nr_maps; i++)
		o->maps[i].fd = o->classic_obj->maps[i].fd;
	return 0;
}

int object_load(struct object *o, struct diag *d)
{
	_cleanup_free_ char *log = calloc(1, VERIFIER_LOG_SIZE);

	if (!log)
		return -ENOMEM;
	return o->classic ? load_classic(o, log, d) : load_modern(o, log, d);
}

void object_close(struct object *o)
{
	if (o->bpf)
		bpf_object__close(o->bpf);
	classic_free(o->classic_obj);
	free(o->maps);
	free(o->progs);
	free(o->image);
	memset(o, 0, sizeof(*o));
}
