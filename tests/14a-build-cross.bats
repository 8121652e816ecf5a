#!/usr/bin/env bats
# The build itself: flags the user may replace, header dependencies, the
# protoc-c step under make -j, the installed loader's object directory; and
# the arm64 and 32-bit ARM cross-builds, run under qemu-user, against the
# x86-64 binaries' output. The cross tests skip, saying why, when the cross
# toolchains or qemu-user are not installed
# (scripts/install-deps.sh --arch arm64 --arch arm installs them).

bats_require_minimum_version 1.5.0
load lib

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
STREAM=$BUILD/ebpf-stream
# Cross outputs are cached under the build dir: built once, reused by the
# next run (make rebuilds only what changed).
CROSS_DIR=${EBPF_CROSS_DIR:-$BUILD/cross}

# Each Makefile test builds only the target it needs, in its own OUTPUT.
mk() { # ARGS... (make in the source tree, quiet unless it fails)
	make -C "$REPO" --no-print-directory "$@"
}

triplet_of() { # ARCH
	case $1 in
	arm64) echo aarch64-linux-gnu ;;
	arm) echo arm-linux-gnueabihf ;;
	esac
}

qemu_of() { # ARCH
	case $1 in
	arm64) echo qemu-aarch64 ;;
	arm) echo qemu-arm ;;
	esac
}

# The sysroot install-deps.sh unpacks ARCH's libraries into when its
# multiarch packages cannot be installed, if it did (the Makefile's
# CROSS_SYSROOT).
sysroot_of() { # ARCH
	local d=/opt/ebpf-sysroot/armhf
	[ "$1" = arm64 ] && d=/opt/ebpf-sysroot/arm64
	[ -e "$d/.complete" ] && echo "$d"
	return 0
}

# Why ARCH cannot be cross-built and run here, or nothing when it can.
cross_missing() { # ARCH
	local t q lib sr
	t=$(triplet_of "$1") q=$(qemu_of "$1") sr=$(sysroot_of "$1")
	command -v "$t-gcc" >/dev/null || { echo "no $t-gcc (gcc-$t)"; return; }
	command -v "$q" >/dev/null || { echo "no $q (qemu-user)"; return; }
	for lib in libbpf libelf zlib libprotobuf-c; do
		PKG_CONFIG_LIBDIR=$sr/usr/lib/$t/pkgconfig:$sr/usr/share/pkgconfig pkg-config --exists "$lib" ||
			{ echo "no $lib for $t (its multiarch -dev package)"; return; }
	done
}

setup_file() {
	local a
	for a in arm64 arm; do
		[ -z "$(cross_missing "$a")" ] || continue
		mkdir -p "$CROSS_DIR"
		if mk -j2 ARCH="$a" OUTPUT="$CROSS_DIR/$a" bins unit-progs >"$CROSS_DIR/$a.log" 2>&1; then
			echo 0 >"$CROSS_DIR/$a.status"
		else
			echo failed >"$CROSS_DIR/$a.status"
		fi
	done
}

# Skips the test, with the reason, unless ARCH's binaries could be built;
# a failed build fails the test (with make's output).
cross_ready() { # ARCH
	local why
	why=$(cross_missing "$1")
	[ -z "$why" ] || skip "cross-build for $1 skipped: $why (scripts/install-deps.sh --arch $1)"
	run -0 cat "$CROSS_DIR/$1.status"
	if [ "$output" != 0 ]; then
		cat "$CROSS_DIR/$1.log"
		return 1
	fi
}

# -L: the cross compiler's libc (and dynamic linker); the multiarch
# libraries are found where Debian puts them, a sysroot's through the
# guest's LD_LIBRARY_PATH.
qrun() { # ARCH BINARY ARGS...: the cross binary under qemu-user
	local a=$1 b=$2 t sr
	shift 2
	t=$(triplet_of "$a") sr=$(sysroot_of "$a")
	"$(qemu_of "$a")" -L "/usr/$t" ${sr:+-E "LD_LIBRARY_PATH=$sr/usr/lib/$t:$sr/lib/$t"} \
		"$CROSS_DIR/$a/$b" "$@"
}

@test "make CFLAGS=-O0 builds: the flags the code needs are not in CFLAGS" {
	run -0 mk OUTPUT="$TMP/o" CFLAGS=-O0 V=1 "$TMP/o/ebpf-loader"
	[ -x "$TMP/o/ebpf-loader" ]
	# The user's flags did reach the compiler, and replaced the default.
	run -0 grep -c -- ' -O0 .*loader/main.c' <<<"$output"
	run -1 grep -- '-O2 .*loader/main.c' <<<"$output"
	run -0 "$TMP/o/ebpf-loader" --version
	[[ "$output" == "ebpf-loader "[0-9]* ]]
}

@test "a header of another directory is a dependency (-MMD): changing it rebuilds what includes it" {
	# mkmap, built in tests/helpers/, includes lib/btfpin.h.
	run -0 grep -c '#include "btfpin.h"' "$REPO/tests/helpers/mkmap.c"
	local helper=$TMP/o/tests/helpers/mkmap
	run -0 mk OUTPUT="$TMP/o" "$helper"
	run -0 mk -q OUTPUT="$TMP/o" "$helper"
	# -W: as if lib/btfpin.h had just changed, without touching it.
	run -1 mk -q -W lib/btfpin.h OUTPUT="$TMP/o" "$helper"
	# And an object of the loader, for a lib/ header that object includes.
	run -0 mk OUTPUT="$TMP/o" "$TMP/o/loader/object.o"
	run -0 mk -q OUTPUT="$TMP/o" "$TMP/o/loader/object.o"
	run -1 mk -q -W lib/sha256.h OUTPUT="$TMP/o" "$TMP/o/loader/object.o"
	# A header it does not include changes nothing.
	run -0 mk -q -W lib/json_writer.h OUTPUT="$TMP/o" "$TMP/o/loader/object.o"
}

@test "test helpers link the library archive, and a re-run deps step rebuilds nothing" {
	local helper=$TMP/o/tests/helpers/mkmap
	run -0 mk V=1 OUTPUT="$TMP/o" "$helper"
	# The helper's own command: its source and the archive, not lib/'s sources.
	run -0 grep -F -- "-o $helper " <<<"$output"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *" $TMP/o/libebpfcommon.a "* ]]
	[[ "$output" != *" lib/"*".c"* ]]
	# The install-deps stamp is newer than every object: nothing to redo.
	run -0 mk -q OUTPUT="$TMP/o" "$helper"
	run -0 mk -q -W "$TMP/o/.deps-ok" OUTPUT="$TMP/o" "$helper"
}

@test "make -j4 runs protoc-c once for both files it writes" {
	mkdir -p "$TMP/bin"
	# A protoc-c that counts its runs, then does the real work.
	cat >"$TMP/bin/protoc-c" <<-EOF
		#!/bin/sh
		echo run >>"$TMP/protoc.runs"
		exec $(command -v protoc-c) "\$@"
	EOF
	chmod +x "$TMP/bin/protoc-c"
	PATH=$TMP/bin:$PATH run -0 mk -j4 OUTPUT="$TMP/o" "$TMP/o/proto/ebpf_stream.pb-c.o" \
		"$TMP/o/proto/ebpf_stream.pb-c.c" "$TMP/o/proto/ebpf_stream.pb-c.h"
	run -0 wc -l <"$TMP/protoc.runs"
	[ "$output" -eq 1 ]
	[ -s "$TMP/o/proto/ebpf_stream.pb-c.o" ]
}

@test "make install PREFIX=/usr after a plain make: the loader looks for objects in /usr/lib/ebpf/bpf" {
	# The suite's build is a plain `make` (default PREFIX); -o all: as built.
	run -0 mk -s OUTPUT="$BUILD" -o all install PREFIX=/usr DESTDIR="$TMP/dest"
	local l=$TMP/dest/usr/sbin/ebpf-loader
	[ -x "$l" ]
	run --separate-stderr "$l" load no-such-object.o --pin-root "$ROOT"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"$TMP/dest/usr/lib/ebpf/bpf"* ]]
	[[ "$stderr" != *"/usr/local"* ]]
	# A bare name resolves to the installed object.
	run -0 env -u EBPF_OBJ_PATH "$l" load bitehist.o --pin-root "$ROOT"
	run -0 "$l" show bitehist --pin-root "$ROOT" --json
	run -0 jq -r '.meta.object' <<<"$output"
	[ "$output" = "$TMP/dest/usr/lib/ebpf/bpf/bitehist.o" ]
}

# The cross-built binaries against the x86-64 ones.

cross_version_help() { # ARCH
	local a=$1 b mach
	cross_ready "$a"
	case $a in arm64) mach=AArch64 ;; arm) mach=ARM ;; esac
	for b in ebpf-loader ebpf-print ebpf-exporter ebpf-stream; do
		run -0 readelf -h "$CROSS_DIR/$a/$b"
		[[ "$output" == *"Machine:"*" $mach"* ]]
		run -0 "$BUILD/$b" --version
		local want=$output
		run -0 qrun "$a" "$b" --version
		[ "$output" = "$want" ]
		run -0 "$BUILD/$b" --help
		want=$output
		run -0 qrun "$a" "$b" --help
		[ "$output" = "$want" ]
	done
}

cross_decode() { # ARCH
	local a=$1
	cross_ready "$a"
	# A recording with keys and values of every width the map holds.
	run -0 "$HELPERS/mkmap" "$ROOT/m14a/maps/counts" hash 64
	run -0 "$HELPERS/mkmap" "$ROOT/m14a/maps/hosts" inet_hash 16
	run -0 "$STREAM" --once --pin-root "$ROOT" --output "$TMP/rec" m14a
	[ -s "$TMP/rec" ]
	"$STREAM" --decode <"$TMP/rec" >"$TMP/x86.json"
	[ -s "$TMP/x86.json" ]
	qrun "$a" ebpf-stream --decode <"$TMP/rec" >"$TMP/$a.json"
	run -0 cmp "$TMP/x86.json" "$TMP/$a.json"
}

# make unit's programs, built for ARCH, each under qemu-user: every check
# passes, as on x86-64.
cross_unit() { # ARCH
	local a=$1 p n=0
	cross_ready "$a"
	for p in "$CROSS_DIR/$a"/unit/*; do
		[ -x "$p" ] && [ -f "$p" ] || continue
		case $p in *.d) continue ;; esac
		n=$((n + 1))
		run -0 --separate-stderr qrun "$a" "unit/${p##*/}" "$CROSS_DIR/$a/bpf"
		echo "$output"
		[[ "${lines[-1]}" =~ ^tests/unit/[a-z]+\.c:\ [1-9][0-9]*\ passed,\ 0\ failed$ ]]
	done
	[ "$n" -eq "$(ls "$REPO"/tests/unit/*.c | wc -l)" ]
}

# The syscall decoder's table, as generated for ARCH: its first entries.
syscall_table_head() { # ARCH
	run -0 grep -m 4 -F 'ULL, "' "$CROSS_DIR/$1/names_gen.h"
}

@test "BPF objects of a cross-build are compiled for that architecture (__TARGET_ARCH)" {
	local a
	for a in arm64 arm; do
		run -0 mk -n V=1 ARCH="$a" OUTPUT="$TMP/$a" "$TMP/$a/bpf/bitehist.o"
		run -0 grep -c -- "-target bpf -D__TARGET_ARCH_$a .*bpf/bitehist.bpf.c" <<<"$output"
	done
}

@test "arm64 cross-build: the syscall decoder's names are arm64's (0 is io_setup)" {
	cross_ready arm64
	syscall_table_head arm64
	[ "${lines[0]}" = $'\t{ 0ULL, "io_setup" },' ]
	[ "${lines[3]}" = $'\t{ 3ULL, "io_cancel" },' ]
}

@test "arm (armhf) cross-build: the syscall decoder's names are 32-bit ARM's (0 is restart_syscall, 3 read)" {
	cross_ready arm
	syscall_table_head arm
	[ "${lines[0]}" = $'\t{ 0ULL, "restart_syscall" },' ]
	[ "${lines[3]}" = $'\t{ 3ULL, "read" },' ]
}

@test "arm64 cross-build: aarch64 binaries print --version and --help as the x86-64 ones do" {
	cross_version_help arm64
}

@test "arm64 cross-build: ebpf-stream --decode of a recorded stream is byte-identical to x86-64's" {
	cross_decode arm64
}

@test "arm (armhf) cross-build: 32-bit ARM binaries print --version and --help as the x86-64 ones do" {
	cross_version_help arm
}

@test "arm (armhf) cross-build: ebpf-stream --decode of a recorded stream is byte-identical to x86-64's" {
	cross_decode arm
}

@test "arm64 cross-build: make unit's programs pass under qemu-user" {
	cross_unit arm64
}

@test "arm (armhf) cross-build: make unit's programs pass under qemu-user" {
	cross_unit arm
}

@test "make bench's footprint section lists the arm64 and arm binaries' stripped sizes" {
	cross_ready arm64
	cross_ready arm
	[ "$CROSS_DIR" = "$BUILD/cross" ] || skip "cross outputs not under BUILD/cross (EBPF_CROSS_DIR set)"
	command -v bpftrace >/dev/null && [ -x /usr/sbin/syscount ] ||
		skip "bpftrace and libbpf-tools not installed (make bench installs them)"
	run -0 env BUILD="$BUILD" RUNS=1 RESULTS="$TMP/rows" BENCH_ROOT="$ROOT" \
		bash "$REPO/bench/50-footprint.sh"
	local a b
	for a in arm64 arm; do
		for b in ebpf-loader ebpf-print ebpf-exporter ebpf-stream "all four binaries"; do
			# One row, its value a size in KB above zero.
			run -0 awk -F'\t' -v n="$b, stripped, $a" '$2 == n && $3 > 0 && $4 == "KB" { c++ } END { print c + 0 }' "$TMP/rows"
			[ "$output" -eq 1 ]
		done
	done
	[ ! -e "$ROOT" ]
}
