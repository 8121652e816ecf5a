#!/usr/bin/env bats
# The readers facing a pin root they did not make: entries outside the pin
# layout, entries they may not read, a directory that is not on bpffs, and
# maps pinned by another tool. All three readers behave alike.

bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	MNT=""
}

# A private bpffs (see private_bpffs) is unmounted once its pins are gone.
teardown() {
	local p
	if [ -n "$MNT" ]; then
		for p in $BG_PIDS; do
			kill -9 "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		done
		BG_PIDS=""
		"$LOADER" unload --all --pin-root "$ROOT" >/dev/null 2>&1 || true
		rm -rf "$ROOT" 2>/dev/null || true
		umount "$MNT" 2>/dev/null || true
	fi
	common_teardown
}

# Entries no loader makes: a map pinned at <root>/junk, and a backend
# directory whose maps/ is a pin, next to a real backend.
plant_foreign_entries() {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	run -0 bpftool map create "$ROOT/junk" type array key 4 value 8 entries 1 name junk
	mkdir "$ROOT/B"
	run -0 bpftool map create "$ROOT/B/maps" type array key 4 value 8 entries 1 name bmaps
}

foreign_warnings() { # PROGRAM
	printf '%s: warning: %s: not a directory: not part of the pin layout, skipped\n' \
		"$1" "$ROOT/B/maps" "$1" "$ROOT/junk"
}

# "backend/map" of every map in the describe frame of a capture.
described_maps() { # CAPTURE
	"$STREAM" --decode <"$1" | jq -r 'select(.describe) | .describe.maps[] | "\(.backend)/\(.map)"'
}

@test "ebpf-print skips a map pinned at the root and a maps/ that is a pin, warns once each, shows the rest" {
	plant_foreign_entries
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT"
	[ "$(jq -r '[.maps[] | "\(.backend)/\(.map)"] | join(" ")' <<<"$output")" = t_tracepoint/hits ]
	[ "$stderr" = "$(foreign_warnings ebpf-print)" ]
}

@test "ebpf-stream --once skips foreign entries with one warning each and describes the rest" {
	plant_foreign_entries
	run -0 --separate-stderr "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap"
	[ "$stderr" = "$(foreign_warnings ebpf-stream)" ]
	run -0 described_maps "$TMP/cap"
	[ "$output" = t_tracepoint/hits ]
}

@test "ebpf-exporter skips foreign entries, warns once each however often it is scraped, exports the rest" {
	plant_foreign_entries
	exporter_start
	run -0 scrape
	run -0 scrape
	grep -qx 'ebpf_exporter_maps 1' <<<"$output"
	grep -qx 'ebpf_t_tracepoint_hits [0-9]*' <<<"$output"
	[ "$(cat "$TMP/exporter.err")" = "$(foreign_warnings ebpf-exporter)" ]
}

# A bpffs of our own, world-searchable, so an unprivileged reader can reach
# a pin root on it (the machine's /sys/fs/bpf is root's only). TEST_GROUP is
# the group readers are given with --group.
private_bpffs() {
	chmod 0755 "$TMP"
	MNT=$TMP/bpffs
	mkdir "$MNT"
	mount -t bpf -o mode=0755 bpf "$MNT"
	ROOT=$MNT/root
	TEST_GROUP=ebpft$BATS_TEST_NUMBER-$$
	groupadd -r "$TEST_GROUP"
}

# A reader run by nobody, in TEST_GROUP, without any capability.
as_reader() {
	setpriv --reuid=nobody --regid=nogroup --groups="$TEST_GROUP" --inh-caps=-all \
		--bounding-set=-all "$@"
}

# as_reader, stopped after SECONDS. setpriv itself execs the reader: the
# build tree may be out of nobody's reach (a checkout under /root), and
# setpriv still has root's rights when it execs.
as_reader_for() { # SECONDS CMD...
	local t=$1
	shift
	timeout "$t" setpriv --reuid=nobody --regid=nogroup --groups="$TEST_GROUP" \
		--inh-caps=-all --bounding-set=-all "$@"
}

@test "a reader that may not read the pin root says so and exits 1, every reader, with or without a selector" {
	private_bpffs
	# No --group: the root is 0700, root's.
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	local want="pin root $ROOT: Permission denied"
	run -1 --separate-stderr as_reader "$PRINT" --once --pin-root "$ROOT"
	[ "$stderr" = "ebpf-print: $want" ]
	run -1 --separate-stderr as_reader "$STREAM" --once --pin-root "$ROOT" t_tracepoint
	[ "$stderr" = "ebpf-stream: $want" ]
	run -1 --separate-stderr as_reader "$STREAM" --once --pin-root "$ROOT"
	[ "$stderr" = "ebpf-stream: $want" ]
	run -1 --separate-stderr as_reader_for 10 "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$(free_port)"
	[ "$stderr" = "ebpf-exporter: $want" ]
}

@test "a backend of another group stops every reader at start, naming it; a selector that leaves it out is fine" {
	private_bpffs
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --group "$TEST_GROUP" --pin-root "$ROOT"
	run -0 "$LOADER" load "$TOBJ/t_rawtp.o" --pin-root "$ROOT"
	[ "$(stat -c %a "$ROOT/t_rawtp")" = 700 ]
	local want="$ROOT/t_rawtp: Permission denied"
	run -1 --separate-stderr as_reader "$PRINT" --once --pin-root "$ROOT"
	[ "$stderr" = "ebpf-print: $want" ]
	run -1 --separate-stderr as_reader "$STREAM" --once --pin-root "$ROOT"
	[ "$stderr" = "ebpf-stream: $want" ]
	run -1 --separate-stderr as_reader_for 10 "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$(free_port)"
	[ "$stderr" = "ebpf-exporter: $want" ]
	# Only what it may read was asked for.
	run -0 --separate-stderr as_reader "$PRINT" --once --json --pin-root "$ROOT" t_tracepoint
	[ "$(jq -r '[.maps[] | "\(.backend)/\(.map)"] | join(" ")' <<<"$output")" = t_tracepoint/hits ]
	[ -z "$stderr" ]
}

@test "ebpf-exporter: a backend that becomes unreadable is logged once and counted in ebpf_exporter_backends_unreadable" {
	private_bpffs
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" "$TOBJ/t_rawtp.o" --group "$TEST_GROUP" --pin-root "$ROOT"
	PORT=$(free_port)
	# Not through the function: a background function is a subshell, and
	# its pid is not the exporter's.
	setpriv --reuid=nobody --regid=nogroup --groups="$TEST_GROUP" --inh-caps=-all \
		--bounding-set=-all "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$PORT" \
		2>"$TMP/exporter.err" &
	BG_PIDS="$BG_PIDS $!"
	wait_until 5 curl -sf -o /dev/null "http://127.0.0.1:$PORT/"
	[ "$(stat -c %U /proc/$!)" = nobody ]
	run -0 scrape
	grep -qx 'ebpf_exporter_backends_unreadable 0' <<<"$output"
	grep -qx 'ebpf_exporter_maps 2' <<<"$output"
	chmod 0700 "$ROOT/t_rawtp"
	run -0 scrape
	run -0 scrape
	grep -qx 'ebpf_exporter_backends_unreadable 1' <<<"$output"
	grep -qx 'ebpf_exporter_maps 1' <<<"$output"
	[ "$(cat "$TMP/exporter.err")" = "ebpf-exporter: warning: $ROOT/t_rawtp: Permission denied, skipped" ]
	# Readable again: no longer counted.
	chmod 0750 "$ROOT/t_rawtp"
	run -0 scrape
	grep -qx 'ebpf_exporter_backends_unreadable 0' <<<"$output"
	grep -qx 'ebpf_exporter_maps 2' <<<"$output"
}

@test "a pin root on tmpfs: every reader and ebpf-loader list/show/unload say it is not bpffs and exit 1" {
	SHM_DIR=$(mktemp -d /dev/shm/ebpft.XXXXXX)
	local want="pin root $SHM_DIR is not on a BPF filesystem (bpffs)"
	run -1 --separate-stderr "$PRINT" --once --pin-root "$SHM_DIR"
	[ "$stderr" = "ebpf-print: $want" ]
	run -1 --separate-stderr "$STREAM" --once --pin-root "$SHM_DIR"
	[ "$stderr" = "ebpf-stream: $want" ]
	run -1 --separate-stderr timeout 10 "$EXPORTER" --pin-root "$SHM_DIR" --listen "127.0.0.1:$(free_port)"
	[ "$stderr" = "ebpf-exporter: $want" ]
	run -1 --separate-stderr "$LOADER" list --pin-root "$SHM_DIR"
	[ "$stderr" = "ebpf-loader: $want" ]
	run -1 --separate-stderr "$LOADER" show t_tracepoint --pin-root "$SHM_DIR"
	[ "$stderr" = "ebpf-loader: $want" ]
	run -1 --separate-stderr "$LOADER" unload --all --pin-root "$SHM_DIR"
	[ "$stderr" = "ebpf-loader: $want" ]
}

@test "a BTF map pinned by bpftool (no btf pin) is decoded alike by ebpf-print, ebpf-stream and ebpf-exporter" {
	mkdir -p "$ROOT/foreign/progs" "$ROOT/foreign/maps"
	run -0 bpftool prog loadall "$BPFOBJ/sockex1.o" "$ROOT/foreign/progs" pinmaps "$ROOT/foreign/maps"
	[ ! -e "$ROOT/foreign/btf" ]
	# Key 17 (IP_PROTO_UDP): packets 1 and bytes 2 on every CPU.
	run -0 bpftool map update pinned "$ROOT/foreign/maps/proto_stats" key 17 0 0 0 \
		value 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0
	run -0 "$PRINT" --once --json --pin-root "$ROOT"
	local packets
	packets=$(jq -r '.maps[0].entries[] | select(.key == "udp") | .value.packets' <<<"$output")
	[ "$packets" -ge 1 ]
	run -0 "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap"
	run -0 sh -c '"$0" --decode <"$1"' "$STREAM" "$TMP/cap"
	[ "$(jq -r 'select(.snapshot) | .snapshot.entries[] | select(.key[0].values[0].s == "udp") | .value[] | select(.name == "packets") | .values[0].u' <<<"$output")" = "$packets" ]
	exporter_start
	run -0 scrape
	grep -qx "ebpf_foreign_proto_stats_packets_total{proto=\"udp\"} $packets" <<<"$output"
	run -1 grep 'key="17"' <<<"$output"
}

# Lines of FILE equal to LINE, once at least one is there (up to 5 s).
wait_line_count() { # FILE LINE
	wait_until 5 grep -qxF "$2" "$1" || true
	grep -cxF "$2" "$1" || true
}

# Snapshot frames of BACKEND in a (growing) ebpf-stream capture.
stream_snapshots_of() { # CAPTURE BACKEND
	"$STREAM" --decode <"$1" 2>/dev/null |
		jq -c --arg b "$2" 'select(.snapshot.backend == $b)' | wc -l
}
# Conditions for wait_until.
stream_snapshots_at_least() { # N CAPTURE BACKEND
	[ "$(stream_snapshots_of "$2" "$3")" -ge "$1" ]
}
lines_at_least() { # N FILE REGEX
	[ "$(grep -c "$3" "$2")" -ge "$1" ]
}

@test "ebpf-print and ebpf-stream: a backend that becomes unreadable while they run is logged once, the rest still shown" {
	private_bpffs
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" "$TOBJ/t_rawtp.o" --group "$TEST_GROUP" --pin-root "$ROOT"
	setpriv --reuid=nobody --regid=nogroup --groups="$TEST_GROUP" --inh-caps=-all \
		--bounding-set=-all "$PRINT" --interval 0.1 --pin-root "$ROOT" >>"$TMP/print.out" 2>"$TMP/print.err" &
	local print=$!
	# Its stdout is a file made here (nobody may not create one in $TMP).
	setpriv --reuid=nobody --regid=nogroup --groups="$TEST_GROUP" --inh-caps=-all \
		--bounding-set=-all "$STREAM" --interval 0.1 --pin-root "$ROOT" >"$TMP/stream.out" 2>"$TMP/stream.err" &
	local stream=$!
	BG_PIDS="$BG_PIDS $print $stream"
	# Both past their first scan, t_rawtp readable, before it is made
	# unreadable: a reader that starts on an unreadable backend refuses to
	# start (an error, not the warning this is about).
	wait_until 5 grep -q '^t_rawtp/hits' "$TMP/print.out"
	wait_until 5 stream_snapshots_at_least 1 "$TMP/stream.out" t_rawtp
	chmod 0700 "$ROOT/t_rawtp"
	[ "$(wait_line_count "$TMP/print.err" "ebpf-print: warning: $ROOT/t_rawtp: Permission denied, skipped")" = 1 ]
	[ "$(wait_line_count "$TMP/stream.err" "ebpf-stream: warning: $ROOT/t_rawtp: Permission denied, skipped")" = 1 ]
	# Five refreshes (rescans) later, still told once, both still running,
	# the readable backend still shown (print.out is appended to, so it
	# can be emptied under the running reader; the stream rescans before
	# each round of snapshots).
	: >"$TMP/print.out"
	local snaps
	snaps=$(stream_snapshots_of "$TMP/stream.out" t_tracepoint)
	wait_until 10 lines_at_least 5 "$TMP/print.out" '^t_tracepoint/hits'
	wait_until 10 stream_snapshots_at_least $((snaps + 5)) "$TMP/stream.out" t_tracepoint
	kill -0 "$print"
	kill -0 "$stream"
	[ "$(grep -c 'warning' "$TMP/print.err")" = 1 ]
	[ "$(grep -c 'warning' "$TMP/stream.err")" = 1 ]
	# It is still there: not told as a backend that left.
	run -1 grep -F "'t_rawtp' left" "$TMP/print.err"
}
