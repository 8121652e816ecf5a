# ebpf-pipeline: loader, readers, BPF backends. Everything is built out of tree
# in $(OUTPUT); `make V=1` shows the full commands.
#
# Cross-builds: `make ARCH=arm64 OUTPUT=build-arm64` or `make ARCH=arm
# OUTPUT=build-arm` (32-bit ARM, hard float: Debian's armhf) use Debian's
# cross compiler and that architecture's multiarch -dev packages, which
# `scripts/install-deps.sh --arch ARCH` installs (the deps step does it).

OUTPUT     ?= build
# One spelling of OUTPUT per tree: the .d files name their targets as the
# compile that wrote them did, so a make given the same directory as an
# absolute path (the bench's sections do) would not see their header
# dependencies, and would relink objects built against older headers.
override OUTPUT := $(patsubst $(CURDIR)/%,%,$(abspath $(OUTPUT)))
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
OBJDIR     ?= $(LIBDIR)/ebpf/bpf
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(LIBDIR)/systemd/system
VERSION    := 0.1.0

# ARCH names the target as the kernel does (x86, arm64, arm); the default is
# the machine we build on. A foreign ARCH selects the cross toolchain.
HOST_ARCH  := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/i.86/x86/' \
		-e 's/aarch64/arm64/' -e 's/armv.*/arm/')
ARCH       ?= $(HOST_ARCH)
ifeq ($(ARCH),arm64)
TRIPLET    := aarch64-linux-gnu
else ifeq ($(ARCH),arm)
TRIPLET    := arm-linux-gnueabihf
else ifeq ($(ARCH),x86)
TRIPLET    := x86_64-linux-gnu
else
$(error ARCH=$(ARCH): not one of x86, arm64, arm)
endif
ifneq ($(ARCH),$(HOST_ARCH))
CROSS_COMPILE ?= $(TRIPLET)-
DEPS_ARGS  := --arch $(ARCH)
# Where install-deps.sh unpacks the libraries when the multiarch packages
# cannot be installed (see there): used when it exists.
CROSS_SYSROOT ?= /opt/ebpf-sysroot/$(if $(filter arm,$(ARCH)),armhf,$(ARCH))
ifneq ($(wildcard $(CROSS_SYSROOT)/.complete),)
PKG_CONFIG ?= PKG_CONFIG_SYSROOT_DIR=$(CROSS_SYSROOT) \
	PKG_CONFIG_LIBDIR=$(CROSS_SYSROOT)/usr/lib/$(TRIPLET)/pkgconfig:$(CROSS_SYSROOT)/usr/share/pkgconfig pkg-config
# The multiarch directory too: OpenSSL's opensslconf.h is there.
SYSROOT_CFLAGS  := -isystem $(CROSS_SYSROOT)/usr/include -isystem $(CROSS_SYSROOT)/usr/include/$(TRIPLET)
SYSROOT_LDFLAGS := $(foreach d,/usr/lib /lib,-L$(CROSS_SYSROOT)$(d)/$(TRIPLET) \
		   -Wl,-rpath-link,$(CROSS_SYSROOT)$(d)/$(TRIPLET))
endif
# That architecture's .pc files only (Debian's multiarch layout).
PKG_CONFIG ?= PKG_CONFIG_LIBDIR=/usr/lib/$(TRIPLET)/pkgconfig:/usr/share/pkgconfig pkg-config
endif
PKG_CONFIG ?= pkg-config

# make predefines CC=cc and AR=ar, so `CC ?= gcc` would never apply: the
# defaults are replaced only when nobody (command line, environment) set them.
ifeq ($(origin CC),default)
CC         := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR         := $(CROSS_COMPILE)ar
endif
CLANG      ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL    ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# The loader finds installed objects relative to its own binary: OBJDIR as
# seen from BINDIR. Nothing absolute is compiled in, so a plain `make`
# followed by `make install PREFIX=/usr` looks in /usr/lib/ebpf/bpf.
OBJDIR_REL := $(shell realpath -m --relative-to='$(BINDIR)' '$(OBJDIR)')

# CFLAGS is the user's (optimisation, debug, warnings): `make CFLAGS=-O0`
# replaces it and still builds, since what the code needs is in EBPF_CPPFLAGS.
CFLAGS     ?= -O2 -g
WARNFLAGS  := -Wall -Wextra -Wno-unused-parameter
EBPF_CPPFLAGS := -std=gnu11 -D_GNU_SOURCE -Ilib -I$(OUTPUT) -DEBPF_VERSION='"$(VERSION)"' \
	      -DEBPF_OBJDIR_REL='"$(OBJDIR_REL)"'
# Header dependencies: each compile writes its .d beside its output.
DEPFLAGS   = -MMD -MP
# Libraries from pkg-config, asked once, when the first link needs them
# (after the deps step has installed pkg-config and the .pc files).
PKG_LIBS    = $(eval PKG_LIBS := $(or $(shell $(PKG_CONFIG) --libs libbpf libelf zlib 2>/dev/null),-lbpf -lelf -lz))$(PKG_LIBS)
PKG_CFLAGS  = $(eval PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf libelf zlib libprotobuf-c openssl yaml-0.1 libcrypt 2>/dev/null))$(PKG_CFLAGS)
# TLS, the web configuration file, bcrypt (openssl yaml-0.1 libcrypt): their
# headers only; the servers dlopen() the libraries when --web.config.file
# is given (readers/core/weblibs.h), so that no reader links them.
PROTOC_LIBS = $(eval PROTOC_LIBS := $(or $(shell $(PKG_CONFIG) --libs libprotobuf-c 2>/dev/null),-lprotobuf-c))$(PROTOC_LIBS)
ALL_CFLAGS  = $(EBPF_CPPFLAGS) $(PKG_CFLAGS) $(SYSROOT_CFLAGS) $(WARNFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) $(DEPFLAGS)
# Test helpers are tools, not subjects: they never get the sanitizer flags
# (an instrumented helper's leak checker forks processes the tests count).
HELPER_CFLAGS = $(EBPF_CPPFLAGS) $(PKG_CFLAGS) $(SYSROOT_CFLAGS) $(WARNFLAGS) $(CFLAGS) -Ibpf -Itests/helpers $(DEPFLAGS)
LDFLAGS    += $(SYSROOT_LDFLAGS) $(EXTRA_LDFLAGS)
LDLIBS     += $(PKG_LIBS)
# BPF is one instruction set everywhere; what differs per ARCH is the
# pt_regs layout bpf_tracing.h uses, hence __TARGET_ARCH_$(ARCH).
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -mcpu=v3 -Wall \
	      -Wno-unused-function -I$(OUTPUT) -Ibpf $(DEPFLAGS)

# Shared user-space code (pin layout, meta record, JSON): loader and readers.
LIB_SRCS   := $(wildcard lib/*.c)
LIB_OBJS   := $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS))
LIB_A      := $(OUTPUT)/libebpfcommon.a

# The reader core: discovery, BTF layouts, tags, snapshots; every reader links it.
RCORE_SRCS := $(wildcard readers/core/*.c)
RCORE_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(RCORE_SRCS))
RCORE_A    := $(OUTPUT)/libebpfreader.a
PROTO_H    := $(OUTPUT)/proto/ebpf_stream.pb-c.h

# The readers. A reader NAME is readers/NAME/*.c linked with the core into
# ebpf-NAME (reader_rules below): adding one is adding its name here, and
# READER_<NAME>_* for anything it needs beyond the core.
READER_NAMES := print exporter stream
READER_stream_NEEDS := $(PROTO_H)
# ebpf-stream --publish (NATS JetStream) needs libnats' headers: built when
# pkg-config finds it for the target (a cross sysroot may lack it), or as
# NATS=1|0 says; without it, --publish says the build has no NATS support.
# libnats itself is dlopen()ed when --publish is given, not linked
# (readers/stream/natslibs.h), so that a stream without it never maps
# libnats, libssl and libcrypto.
ifeq ($(origin NATS),undefined)
NATS := $(shell $(PKG_CONFIG) --exists libnats 2>/dev/null && echo 1 || echo 0)
endif
READER_stream_CFLAGS = -I$(OUTPUT)/proto -DEBPF_HAVE_NATS=$(NATS)
READER_stream_OBJS  = $(OUTPUT)/proto/ebpf_stream.pb-c.o
READER_stream_LIBS  = $(PROTOC_LIBS) $(if $(filter 1,$(NATS)),-lpthread)
reader_objs = $(patsubst %.c,$(OUTPUT)/%.o,$(wildcard readers/$(1)/*.c))
READER_OBJS := $(foreach r,$(READER_NAMES),$(call reader_objs,$(r)))
READERS     := $(foreach r,$(READER_NAMES),$(OUTPUT)/ebpf-$(r))
PRINT      := $(OUTPUT)/ebpf-print
EXPORTER   := $(OUTPUT)/ebpf-exporter
STREAM     := $(OUTPUT)/ebpf-stream

LOADER_SRCS := $(wildcard loader/*.c)
LOADER_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(LOADER_SRCS))
LOADER      := $(OUTPUT)/ebpf-loader

# Modern backends (BTF, libbpf-style maps): bpf/NAME.bpf.c -> bpf/NAME.o.
BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.o,$(BPF_SRCS))
# Classic backends: bpf_map_def in SEC("maps"), no BTF, as the old samples.
CLASSIC_SRCS := $(wildcard bpf/classic/*.c)
CLASSIC_OBJS := $(patsubst bpf/classic/%.c,$(OUTPUT)/bpf/%.o,$(CLASSIC_SRCS))
# Small objects that exist only to exercise the loader in tests.
TEST_BPF_SRCS := $(wildcard tests/bpf/*.bpf.c)
TEST_BPF_OBJS := $(patsubst tests/bpf/%.bpf.c,$(OUTPUT)/tests/bpf/%.o,$(TEST_BPF_SRCS))
TEST_HELPER_SRCS := $(wildcard tests/helpers/*.c)
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(OUTPUT)/tests/helpers/%,$(TEST_HELPER_SRCS))
# Benchmarks (make bench): their own helpers and BPF objects.
BENCH_BPF_SRCS := $(wildcard bench/bpf/*.bpf.c)
BENCH_BPF_OBJS := $(patsubst bench/bpf/%.bpf.c,$(OUTPUT)/bench/bpf/%.o,$(BENCH_BPF_SRCS))
BENCH_HELPER_SRCS := $(wildcard bench/helpers/*.c)
BENCH_HELPERS := $(patsubst bench/helpers/%.c,$(OUTPUT)/bench/helpers/%,$(BENCH_HELPER_SRCS))

UNIT_SRCS  := $(wildcard units/*.service units/*.socket)
MANPAGES   := $(wildcard docs/*.8)

DEPS_STAMP := $(OUTPUT)/.deps-ok
VMLINUX_H  := $(OUTPUT)/vmlinux.h

.DELETE_ON_ERROR:
.PHONY: all bins deps demo check test install install-strip uninstall clean fuzz fuzz-build test-deps \
	check-sanitize check-valgrind check-systemd bench

all: $(LOADER) $(READERS) $(BPF_OBJS) $(CLASSIC_OBJS)

# The user-space binaries alone (what the cross tests run under qemu-user).
bins: $(LOADER) $(READERS)

# Installing packages is done once, before the first compile: objects have
# the stamp as an order-only prerequisite, so re-running it (install-deps.sh
# changed) rebuilds nothing.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh | $(OUTPUT)
	$(call msg,DEPS,install-deps.sh $(DEPS_ARGS))
	$(Q)sh scripts/install-deps.sh $(DEPS_ARGS)
	$(Q)touch $@

$(OUTPUT) $(OUTPUT)/lib $(OUTPUT)/loader $(OUTPUT)/readers/core $(OUTPUT)/proto $(OUTPUT)/units $(OUTPUT)/bpf $(OUTPUT)/tests/bpf $(OUTPUT)/tests/helpers $(OUTPUT)/bench/bpf $(OUTPUT)/bench/helpers:
	$(Q)mkdir -p $@

# The build machine's kernel types, whatever ARCH is: BTF cannot be dumped
# for a machine we are not on, so every backend reads kernel structs through
# CO-RE, which relocates them to the target kernel's BTF at load time
# (README, "Running on a 32-bit ARM board").
$(VMLINUX_H): | $(DEPS_STAMP) $(OUTPUT)
	$(Q)if [ ! -r "$(VMLINUX_BTF)" ]; then \
		echo "error: no kernel BTF at $(VMLINUX_BTF): set VMLINUX_BTF=/path/to/vmlinux (a kernel built with CONFIG_DEBUG_INFO_BTF=y)" >&2; \
		exit 1; fi
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# -g makes clang emit BTF; the DWARF that comes with it is of no use to the
# loader and was 95% of an object that reads task_struct: stripped.
$(OUTPUT)/bpf/%.o: bpf/%.bpf.c $(VMLINUX_H) | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

# No -g: classic objects carry no BTF, like those built by old samples/bpf.
# They include uapi headers, whose <asm/types.h> lives in Debian's multiarch
# directory, which clang does not search with -target bpf (or, for a cross
# ARCH without multiarch packages, in the cross compiler's own include dir).
$(OUTPUT)/bpf/%.o: bpf/classic/%.c | $(DEPS_STAMP) $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -O2 -target bpf -Wall -Ibpf $(DEPFLAGS) \
		-I/usr/include/$(TRIPLET) -idirafter /usr/$(TRIPLET)/include -c $< -o $@

$(OUTPUT)/tests/bpf/%.o: tests/bpf/%.bpf.c $(VMLINUX_H) | $(OUTPUT)/tests/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itests/bpf -c $< -o $@

$(OUTPUT)/bench/bpf/%.o: bench/bpf/%.bpf.c $(VMLINUX_H) | $(OUTPUT)/bench/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibench/bpf -c $< -o $@

$(OUTPUT)/lib/%.o: lib/%.c | $(DEPS_STAMP) $(OUTPUT)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(OUTPUT)/loader/%.o: loader/%.c | $(DEPS_STAMP) $(OUTPUT)/loader
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Iloader -c $< -o $@

$(LOADER): $(LOADER_OBJS) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUTPUT)/readers/core/%.o: readers/core/%.c | $(DEPS_STAMP) $(OUTPUT)/readers/core
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Ireaders/core -c $< -o $@

# The syscall/errno/signal name tables, from the kernel headers of the
# target: NAMES_CC preprocesses them (a cross compiler, or NAMES_CPPFLAGS with
# --sysroot / -isystem, gives that architecture's numbers). The .d file makes
# the table follow the headers it was read from.
NAMES_CC       ?= $(CC)
NAMES_CPPFLAGS ?=
NAMES_GEN      := $(OUTPUT)/names_gen.h

$(NAMES_GEN): scripts/gen-names.sh | $(DEPS_STAMP) $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)sh scripts/gen-names.sh -M $(OUTPUT)/names_gen.d -T $@ $(NAMES_CC) $(NAMES_CPPFLAGS) > $@

-include $(OUTPUT)/names_gen.d

$(OUTPUT)/readers/core/names.o: $(NAMES_GEN)

$(RCORE_A): $(RCORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# The stream's schema, compiled at build time. One protoc-c run writes both
# files: a grouped target (&:), so that `make -j` runs it once, not once
# per file.
$(PROTO_H) $(OUTPUT)/proto/ebpf_stream.pb-c.c &: proto/ebpf_stream.proto | $(DEPS_STAMP) $(OUTPUT)/proto
	$(call msg,PROTOC,$<)
	$(Q)protoc-c --c_out=$(OUTPUT)/proto -Iproto $<

$(OUTPUT)/proto/ebpf_stream.pb-c.o: $(OUTPUT)/proto/ebpf_stream.pb-c.c $(PROTO_H)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# One reader's objects and binary (READER_NAMES).
define reader_rules
$$(OUTPUT)/readers/$(1):
	$$(Q)mkdir -p $$@

$$(OUTPUT)/readers/$(1)/%.o: readers/$(1)/%.c $$(READER_$(1)_NEEDS) | $$(DEPS_STAMP) $$(OUTPUT)/readers/$(1)
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) $$(ALL_CFLAGS) -Ireaders/core -Ireaders/$(1) $$(READER_$(1)_CFLAGS) -c $$< -o $$@

$$(OUTPUT)/ebpf-$(1): $$(call reader_objs,$(1)) $$(READER_$(1)_OBJS) $$(RCORE_A) $$(LIB_A)
	$$(call msg,LINK,$$@)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $$(READER_$(1)_LIBS)
	$$(Q)echo '$$(LDLIBS) $$(READER_$(1)_LIBS)' >$$@.libs # what a test relinking its objects needs
endef
$(foreach r,$(READER_NAMES),$(eval $(call reader_rules,$(r))))

# Test and bench helpers link the library archives, not lib/'s sources
# again. A sanitizer build (EXTRA_CFLAGS) instruments those archives, so the
# helpers get archives of their own, compiled with the helpers' flags.
ifeq ($(strip $(EXTRA_CFLAGS)),)
HELPER_LIB_A   := $(LIB_A)
HELPER_RCORE_A := $(RCORE_A)
else
HELPER_DIR     := $(OUTPUT)/helper-libs
HELPER_LIB_A   := $(HELPER_DIR)/libebpfcommon.a
HELPER_RCORE_A := $(HELPER_DIR)/libebpfreader.a
HELPER_LIB_OBJS   := $(patsubst %.c,$(HELPER_DIR)/%.o,$(LIB_SRCS))
HELPER_RCORE_OBJS := $(patsubst %.c,$(HELPER_DIR)/%.o,$(RCORE_SRCS))
$(HELPER_DIR)/%.o: %.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(HELPER_CFLAGS) -Ireaders/core -c $< -o $@
$(HELPER_DIR)/readers/core/names.o: $(NAMES_GEN)
$(HELPER_LIB_A): $(HELPER_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(HELPER_RCORE_A): $(HELPER_RCORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
endif

# -MF/-MT: compiled and linked in one step, the .d is named after the helper.
$(OUTPUT)/tests/helpers/%: tests/helpers/%.c $(HELPER_LIB_A) | $(DEPS_STAMP) $(OUTPUT)/tests/helpers
	$(call msg,CC,$@)
	$(Q)$(CC) $(HELPER_CFLAGS) -MF $@.d -MT $@ -o $@ $< $(HELPER_LIB_A) $(LDLIBS)

# The NATS helpers (a test consumer, the bench's minimal publisher) link libnats.
$(OUTPUT)/tests/helpers/nats_%: tests/helpers/nats_%.c | $(DEPS_STAMP) $(OUTPUT)/tests/helpers
	$(call msg,CC,$@)
	$(Q)$(CC) $(HELPER_CFLAGS) -DEBPF_HAVE_NATS=$(NATS) -MF $@.d -MT $@ -o $@ $< \
		$(if $(filter 1,$(NATS)),-lnats -lpthread)
$(OUTPUT)/bench/helpers/nats_%: bench/helpers/nats_%.c | $(DEPS_STAMP) $(OUTPUT)/bench/helpers
	$(call msg,CC,$@)
	$(Q)$(CC) $(HELPER_CFLAGS) -DEBPF_HAVE_NATS=$(NATS) -MF $@.d -MT $@ -o $@ $< \
		$(if $(filter 1,$(NATS)),-lnats -lpthread)

# names_check and sysnames_check run the reader core's tables and lookups.
$(OUTPUT)/tests/helpers/names_check $(OUTPUT)/tests/helpers/sysnames_check: \
		$(OUTPUT)/tests/helpers/%: tests/helpers/%.c $(HELPER_RCORE_A) $(HELPER_LIB_A) \
		| $(DEPS_STAMP) $(OUTPUT)/tests/helpers
	$(call msg,CC,$@)
	$(Q)$(CC) $(HELPER_CFLAGS) -Ireaders/core -MF $@.d -MT $@ -o $@ $< \
		$(HELPER_RCORE_A) $(HELPER_LIB_A) $(LDLIBS)

# ---- Unit tests (make unit): pure code, no root, no BPF syscalls ----
# One program per tests/unit/NAME.c, linked against the archives the
# binaries use, plus the objects of the part it tests. tests/01-unit.bats
# runs each as one test of make check; `make unit` runs them alone.
UNIT_TEST_SRCS := $(wildcard tests/unit/*.c)
UNIT_TESTS     := $(patsubst tests/unit/%.c,$(OUTPUT)/unit/%,$(UNIT_TEST_SRCS))
UNIT_CFLAGS     = $(EBPF_CPPFLAGS) $(PKG_CFLAGS) $(SYSROOT_CFLAGS) $(WARNFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) \
		  -Itests/unit -Ireaders/core -Ireaders/exporter -Ireaders/stream -Iloader -I$(OUTPUT)/proto \
		  -Ibpf

$(OUTPUT)/unit:
	$(Q)mkdir -p $@

$(OUTPUT)/unit/http: $(OUTPUT)/readers/exporter/http.o $(OUTPUT)/readers/exporter/metrics.o \
		      $(OUTPUT)/readers/exporter/procmetrics.o $(OUTPUT)/readers/exporter/authwork.o
$(OUTPUT)/unit/webconfig: $(OUTPUT)/readers/exporter/http.o $(OUTPUT)/readers/exporter/metrics.o \
		      $(OUTPUT)/readers/exporter/procmetrics.o $(OUTPUT)/readers/exporter/authwork.o
$(OUTPUT)/unit/pbwire: $(OUTPUT)/proto/ebpf_stream.pb-c.o $(PROTO_H)
$(OUTPUT)/unit/pbwire: UNIT_LIBS := -lprotobuf-c
$(OUTPUT)/unit/classic: $(OUTPUT)/loader/classic.o $(OUTPUT)/bpf/sockex1_classic.o $(OUTPUT)/bpf/sockex1.o
$(OUTPUT)/unit/pubring: $(OUTPUT)/readers/stream/pubring.o
$(OUTPUT)/unit/nkey: $(OUTPUT)/readers/stream/nkey.o

$(OUTPUT)/unit/%: tests/unit/%.c $(RCORE_A) $(LIB_A) | $(OUTPUT)/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) -MMD -MP -MF $@.d -MT $@ $(LDFLAGS) $(EXTRA_LDFLAGS) -o $@ $< $(filter $(OUTPUT)/%.o,$(filter-out $(OUTPUT)/bpf/%,$^)) \
		$(RCORE_A) $(LIB_A) $(LDLIBS) $(UNIT_LIBS)

.PHONY: unit unit-progs
unit: $(UNIT_TESTS)
	$(Q)sh tests/unit/run.sh $(UNIT_TESTS)

# Built, not run: for a cross-build, whose programs run under qemu-user
# (tests/14a-build-cross.bats).
unit-progs: $(UNIT_TESTS)

# make check runs them too (tests/01-unit.bats).
test-deps: $(UNIT_TESTS)

# Benchmark helpers are built like test helpers (and may include helper.h).
$(OUTPUT)/bench/helpers/%: bench/helpers/%.c $(HELPER_LIB_A) | $(DEPS_STAMP) $(OUTPUT)/bench/helpers
	$(call msg,CC,$@)
	$(Q)$(CC) $(HELPER_CFLAGS) -Ibench/helpers -MF $@.d -MT $@ -o $@ $< $(HELPER_LIB_A) $(LDLIBS)

# What -MMD wrote: every object's and helper's header dependencies.
DEPFILES := $(patsubst %.o,%.d,$(LIB_OBJS) $(RCORE_OBJS) $(LOADER_OBJS) $(READER_OBJS) \
		$(BPF_OBJS) $(CLASSIC_OBJS) $(TEST_BPF_OBJS) \
		$(BENCH_BPF_OBJS) $(HELPER_LIB_OBJS) $(HELPER_RCORE_OBJS)) \
	    $(addsuffix .d,$(TEST_HELPERS) $(BENCH_HELPERS) $(UNIT_TESTS))
-include $(DEPFILES)

# Side by side with bpftool, bpftrace and libbpf-tools (installed from
# Debian when missing); prints one table and rewrites docs/performance.md.
bench: all $(TEST_HELPERS) $(BENCH_HELPERS) $(BENCH_BPF_OBJS)
	$(Q)bash bench/run.sh $(OUTPUT)

# Fuzzing (libFuzzer, clang): the parsers of untrusted input. `make fuzz
# FUZZ_SECONDS=N` runs each target N seconds from a seed corpus of the
# shipped objects and sample streams/requests; make check runs a short smoke.
FUZZ_SECONDS ?= 60
FUZZ_DIR   := $(OUTPUT)/fuzz
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	      -D_GNU_SOURCE -Ilib -Iloader -Ireaders/core -Ireaders/exporter -Ireaders/stream \
	      -I$(OUTPUT)/proto -I$(OUTPUT) -DEBPF_VERSION='"$(VERSION)"' -DEBPF_OBJDIR_REL='"$(OBJDIR_REL)"'
FUZZERS    := $(FUZZ_DIR)/fuzz_object $(FUZZ_DIR)/fuzz_decode $(FUZZ_DIR)/fuzz_http \
	      $(FUZZ_DIR)/fuzz_decoders

$(FUZZ_DIR):
	$(Q)mkdir -p $@

$(FUZZ_DIR)/fuzz_object: tests/fuzz/fuzz_object.c loader/object.c loader/classic.c loader/log.c loader/probe.c loader/privs.c $(LIB_SRCS) | $(DEPS_STAMP) $(FUZZ_DIR)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(LDLIBS)

$(FUZZ_DIR)/fuzz_decode: tests/fuzz/fuzz_decode.c readers/stream/decode.c $(OUTPUT)/proto/ebpf_stream.pb-c.c $(LIB_SRCS) $(PROTO_H) | $(FUZZ_DIR)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(LDLIBS) -lprotobuf-c

$(FUZZ_DIR)/fuzz_http: tests/fuzz/fuzz_http.c readers/exporter/http.c readers/exporter/metrics.c \
		       readers/exporter/procmetrics.c readers/exporter/authwork.c $(RCORE_SRCS) $(LIB_SRCS) $(NAMES_GEN) | $(DEPS_STAMP) $(FUZZ_DIR)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(LDLIBS)

# The decoders: bytes of map entries, shaped by whoever writes the map.
$(FUZZ_DIR)/fuzz_decoders: tests/fuzz/fuzz_decoders.c $(RCORE_SRCS) $(LIB_SRCS) | $(DEPS_STAMP) $(FUZZ_DIR)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(LDLIBS)

fuzz-build: $(FUZZERS) $(BPF_OBJS) $(CLASSIC_OBJS) $(TEST_BPF_OBJS)

fuzz: fuzz-build
	$(Q)sh tests/fuzz/run.sh $(OUTPUT) $(FUZZ_SECONDS)

demo: all $(TEST_HELPERS)
	$(Q)sh scripts/demo.sh $(OUTPUT)

# The cross tests (tests/14a-build-cross.bats) need the arm64 and arm
# toolchains and qemu-user: installed for the test run, best effort (a
# mirror that cannot serve them makes those tests skip, saying why, rather
# than the suite fail). The cross binaries are built by the tests, cached.
CROSS_DEPS_STAMP := $(OUTPUT)/.cross-deps-ok
$(CROSS_DEPS_STAMP): scripts/install-deps.sh | $(DEPS_STAMP) $(OUTPUT)
	$(call msg,DEPS,install-deps.sh --arch arm64 --arch arm --best-effort)
	$(Q)sh scripts/install-deps.sh --arch arm64 --arch arm --best-effort
	$(Q)touch $@

test-deps: all $(TEST_BPF_OBJS) $(TEST_HELPERS) $(BENCH_HELPERS) $(BENCH_BPF_OBJS) fuzz-build \
	   $(if $(filter $(HOST_ARCH),$(ARCH)),$(CROSS_DEPS_STAMP))

check test: test-deps
	$(Q)sh tests/run.sh $(OUTPUT)

# The units as installed, under a real systemd (PID 1 of a systemd-nspawn
# container over a Debian root that the first run builds with debootstrap,
# cached in $(OUTPUT)/systemd-root). make check runs it too.
check-systemd: test-deps
	$(Q)sh tests/run.sh $(OUTPUT) tests/18a-systemd.bats

# The whole suite against binaries built with ASan + UBSan (clang), in their
# own build dir. Any sanitizer report fails the run that produced it.
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
check-sanitize:
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)-asan CC=clang EXTRA_CFLAGS="$(SAN_FLAGS)" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" test-deps
	$(Q)EBPF_SANITIZE=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86 \
	 sh tests/run.sh $(OUTPUT)-asan

# Memcheck on the loader's and readers' runs: a build dir whose binaries
# are valgrind wrappers (tests/valgrind-wrap.sh). Valgrind slows everything
# twentyfold, so it runs the functional subset below, not the timing-,
# abuse- and fuzz-heavy files.
VALGRIND_TESTS := 10-attach 20-sockex1 40-bad-input 50-shared-ringbuf 70-print 90-stream
check-valgrind: test-deps
	$(Q)sh tests/valgrind-wrap.sh $(OUTPUT) $(OUTPUT)-vg
	$(Q)EBPF_VALGRIND=1 sh tests/run.sh $(OUTPUT)-vg $(addprefix tests/,$(addsuffix .bats,$(VALGRIND_TESTS)))

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(OBJDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(INSTALL_BIN_FLAGS) $(LOADER) $(READERS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(BPF_OBJS) $(CLASSIC_OBJS) $(DESTDIR)$(OBJDIR)/
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/
	for u in $(notdir $(UNIT_SRCS)); do \
		sh scripts/gen-unit.sh units/$$u $(BINDIR) > $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u; \
	done

# As install, binaries stripped (GNU's install-strip).
install-strip:
	$(Q)$(MAKE) --no-print-directory install INSTALL_BIN_FLAGS=-s

# Removes exactly what install put there, then the directories it leaves empty.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(LOADER) $(READERS)))
	rm -f $(addprefix $(DESTDIR)$(OBJDIR)/,$(notdir $(BPF_OBJS) $(CLASSIC_OBJS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MANPAGES)))
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNIT_SRCS)))
	-for d in $(OBJDIR) $(LIBDIR)/ebpf $(UNITDIR) $(LIBDIR)/systemd $(MANDIR)/man8 $(MANDIR) \
		$(PREFIX)/share $(BINDIR) $(LIBDIR) $(PREFIX); do rmdir $(DESTDIR)$$d 2>/dev/null; done; true

clean:
	rm -rf $(OUTPUT)
