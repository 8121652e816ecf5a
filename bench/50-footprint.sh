#!/usr/bin/env bash
# Benchmark 5: what it costs to have us on a box. Stripped sizes, installed
# size, shared libraries, and each reader's peak RSS at 10 k entries (the
# 1 M figures come from the snapshot section); the same for the peers.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECTION="footprint"

kb() { awk -v b="$1" 'BEGIN { printf "%.1f\n", b / 1024 }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

stripped_bytes() { # FILE
	local c=$BENCH_TMP/strip.$$
	cp "$1" "$c" && "${STRIP:-strip}" --strip-all "$c" 2>/dev/null
	stat -c %s "$c"
	rm -f "$c"
}

# shared libraries a binary loads: "N libs, SIZE KB: a, b, c"
libs_of() { # FILE
	local total=0 names=() lib path
	while read -r lib path; do
		[ -n "$path" ] && [ -e "$path" ] || continue
		total=$((total + $(stat -L -c %s "$path")))
		names+=("${lib%%.so*}")
	done < <(ldd "$1" | awk '$2 == "=>" { print $1, $3 }')
	echo "${#names[@]} libs, $(kb "$total") KB: ${names[*]}"
}

libs_kb() { # FILE
	ldd "$1" | awk '$2 == "=>" { print $3 }' | xargs -r stat -L -c %s | awk '{ s += $1 } END { printf "%.1f\n", s / 1024 }'
}

bpftool_bin=$(command -v bpftool)
bpftrace_bin=$(command -v bpftrace)
syscount_bin=/usr/sbin/syscount

# Binaries, stripped, with the peer each replaces.
total=0
for b in ebpf-loader:"$bpftool_bin" ebpf-print:"$bpftool_bin" ebpf-exporter:- ebpf-stream:-; do
	ours=${b%%:*} peer=${b#*:}
	s=$(stripped_bytes "$BUILD/$ours")
	total=$((total + s))
	if [ "$peer" != - ]; then
		result "$ours, stripped" "$(kb "$s")" KB "bpftool" "$(kb "$(stripped_bytes "$peer")")" - \
			"$(libs_of "$BUILD/$ours")"
	else
		result "$ours, stripped" "$(kb "$s")" KB - - - "$(libs_of "$BUILD/$ours")"
	fi
done
result "all four binaries, stripped" "$(kb "$total")" KB - - "<1024"
# The cross-builds, where they exist (make ARCH=arm64|arm; the suite's are in
# BUILD/cross/ARCH): stripped with that architecture's strip.
for a in arm64:aarch64-linux-gnu arm:arm-linux-gnueabihf; do
	arch=${a%%:*} triplet=${a#*:}
	for dir in "$BUILD/cross/$arch" "$TOP/build-$arch"; do
		[ -x "$dir/ebpf-loader" ] && command -v "$triplet-strip" >/dev/null && break
		dir=
	done
	[ -n "$dir" ] || continue
	total=0
	for ours in ebpf-loader ebpf-print ebpf-exporter ebpf-stream; do
		s=$(STRIP=$triplet-strip stripped_bytes "$dir/$ours")
		total=$((total + s))
		result "$ours, stripped, $arch" "$(kb "$s")" KB
	done
	result "all four binaries, stripped, $arch" "$(kb "$total")" KB - - "<1024"
done
result "bpftrace, stripped" "$(kb "$(stripped_bytes "$bpftrace_bin")")" KB - - - \
	"$(libs_of "$bpftrace_bin" | cut -d: -f1) (LLVM, clang, BCC)"
result "libbpf-tools syscount, stripped" "$(kb "$(stripped_bytes "$syscount_bin")")" KB - - - \
	"$(libs_of "$syscount_bin" | cut -d: -f1)"
for o in "$BUILD"/bpf/*.o; do
	result "BPF object $(basename "$o") (with BTF)" "$(kb "$(stat -c %s "$o")")" KB
done
make -s -C "$TOP" OUTPUT="$BUILD" DESTDIR="$BENCH_TMP/dest" PREFIX=/usr install-strip >/dev/null ||
	bench_die "make install-strip failed"
result "installed (make install-strip: binaries, objects, man pages, units)" \
	"$(kb "$(du -sb "$BENCH_TMP/dest" | awk '{ print $1 }')")" KB

# Peak RSS at 10 k entries.
mkdir -p "$BENCH_ROOT"
"$TH/mkmap" "$BENCH_ROOT/hash10k/maps/m" hash 10000 >/dev/null || bench_die "mkmap"
path=$BENCH_ROOT/hash10k/maps/m
rss_print=$(measure "$PRINT" --pin-root "$BENCH_ROOT" --once --json hash10k | awk '{ print $2 }')
rss_stream=$(measure "$STREAM" --pin-root "$BENCH_ROOT" --once hash10k | awk '{ print $2 }')
rss_bpftool=$(measure bpftool -j map dump pinned "$path" | awk '{ print $2 }')
exporter_start hash10k
curl -sf -o /dev/null "http://127.0.0.1:$EXP_PORT/metrics" || bench_die "scrape failed"
curl -sf --compressed -o /dev/null "http://127.0.0.1:$EXP_PORT/metrics" || bench_die "scrape failed"
rss_exp=$(peak_rss_kb "$EXP_PID")
# Most of a small process's RSS is shared library text (libc alone is
# ~1.5 MB of it here): the anonymous part is what it costs on its own.
anon_exp=$(awk '/^RssAnon:/ { print $2 }' "/proc/$EXP_PID/status")
file_exp=$(awk '/^RssFile:/ { print $2 }' "/proc/$EXP_PID/status")
exporter_stop
result "peak RSS at 10k entries: ebpf-print --once" "$(mb "$rss_print")" MB \
	"bpftool map dump" "$(mb "$rss_bpftool")" "<4"
result "peak RSS at 10k entries: ebpf-exporter, plain + gzip scrape" "$(mb "$rss_exp")" MB \
	"bpftool map dump" "$(mb "$rss_bpftool")" "<4" \
	"after: $(mb "$anon_exp") MB anonymous, $(mb "$file_exp") MB shared library pages"
result "peak RSS at 10k entries: ebpf-stream --once" "$(mb "$rss_stream")" MB \
	"bpftool map dump" "$(mb "$rss_bpftool")" "<4"

# As systemd runs it: NOTIFY_SOCKET set, so libsystemd is loaded (lib/sdlazy.c).
NOTIFY_SOCKET=$BENCH_TMP/no-notify exporter_start hash10k
curl -sf -o /dev/null "http://127.0.0.1:$EXP_PORT/metrics" || bench_die "scrape failed"
curl -sf --compressed -o /dev/null "http://127.0.0.1:$EXP_PORT/metrics" || bench_die "scrape failed"
grep -q libsystemd "/proc/$EXP_PID/maps" || bench_die "libsystemd not loaded with NOTIFY_SOCKET set"
rss_sd=$(peak_rss_kb "$EXP_PID")
exporter_stop
result "peak RSS at 10k entries: ebpf-exporter under systemd (libsystemd loaded)" "$(mb "$rss_sd")" MB \
	"bpftool map dump" "$(mb "$rss_bpftool")" "<4"

# The peers' resident size while they count syscalls.
peer_rss() { # NAME CMD...
	local name=$1 pid i before theirs
	shift
	before=$(prog_ids)
	"$@" >/dev/null 2>&1 &
	pid=$!
	bench_bg "$pid"
	sleep 4 # attached and counting (bpftrace compiles first)
	result "peak RSS while counting syscalls: $name" "$(mb "$(peak_rss_kb "$pid")")" MB
	theirs=$(comm -13 <(echo "$before") <(prog_ids))
	kill -INT "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# The kernel frees a program shortly after its last fd closes: gone
	# before the next section counts programs.
	for ((i = 0; i < 100; i++)); do
		[ -z "$(comm -12 <(echo "$theirs") <(prog_ids))" ] && break
		sleep 0.05
	done
}
"$LOADER" load "$BUILD/bpf/syscount.o" --pin-root "$BENCH_ROOT" >/dev/null || bench_die "load syscount"
exporter_start syscount
curl -sf -o /dev/null "http://127.0.0.1:$EXP_PORT/metrics" || bench_die "scrape failed"
result "peak RSS while counting syscalls: ebpf-exporter (syscount loaded)" \
	"$(mb "$(peak_rss_kb "$EXP_PID")")" MB
exporter_stop
peer_rss "bpftrace one-liner" bpftrace -e 'tracepoint:raw_syscalls:sys_enter { @[pid, comm] = count(); }'
peer_rss "libbpf-tools syscount -P" "$syscount_bin" -P
