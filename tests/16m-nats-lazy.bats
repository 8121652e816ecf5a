#!/usr/bin/env bats
# libnats (and with it libssl and libcrypto) is loaded only when --publish
# is given (readers/stream/natslibs.c): ebpf-stream does not link it, a
# stream without --publish never maps it, one with --publish loads it and
# publishes, and one that cannot load it says which library and why.

bats_require_minimum_version 1.5.0
load lib

NATS_LIB_RE='libnats\.so|lib(ssl|crypto)\.so'

require_libnats_build() {
	run "$HELPERS/nats_consume"
	[ "$status" -ne 77 ] || skip "built without libnats (NATS=0)"
}

# The describe frame is in: the stream is past its set-up.
stream_wrote() { # FILE
	[ -s "$1" ]
}

nats_port_listening() { # PORT
	in_ns ss -ltn | grep -E "127\.0\.0\.1:$1 " >/dev/null
}

# Stream STREAM on server URL holds the control subject of host HOST.
nats_has_control() { # URL STREAM HOST
	in_ns "$HELPERS/nats_consume" "$1" "$2" 'ebpf.>' ids 100 >"$TMP/ids" &&
		grep "^ebpf\.$3\._control " "$TMP/ids" >/dev/null
}

@test "ebpf-stream has no NEEDED entry for libnats, libssl or libcrypto" {
	run -0 readelf -d "$STREAM"
	[[ "$output" == *"(NEEDED)"*"[libc.so."* ]] # the list is there to look at
	run -1 grep -E "NEEDED.*($NATS_LIB_RE)" <<<"$output"
}

@test "a stream without --publish maps no libnats; with --publish it loads it and publishes" {
	require_libnats_build
	command -v nats-server >/dev/null || skip "nats-server not installed (scripts/install-deps.sh)"
	mkdir "$ROOT" # teardown removes it
	"$STREAM" --pin-root "$ROOT" --interval 1 --output "$TMP/plain.out" 2>"$TMP/plain.err" &
	local pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_until 5 stream_wrote "$TMP/plain.out"
	run -0 cat "/proc/$pid/maps"
	[[ "$output" == *"libprotobuf-c"* ]] # the maps are there to look at
	run -1 grep -E "$NATS_LIB_RE" <<<"$output"

	netns_create
	local port=4222 url=nats://127.0.0.1:4222
	nsenter --net="/run/netns/$NS" nats-server -js -a 127.0.0.1 -p "$port" -sd "$TMP/nats" \
		>"$TMP/nats.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	wait_until 10 nats_port_listening "$port"
	nsenter --net="/run/netns/$NS" "$STREAM" --pin-root "$ROOT" --interval 1 --output "$TMP/pub.out" \
		--publish "$url" --jetstream-stream EV --host-name h1 2>"$TMP/pub.err" &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_until 10 nats_has_control "$url" EV h1
	run -0 grep -E 'libnats\.so\.3\.4' "/proc/$pid/maps"
	run -0 grep -E 'libssl\.so\.3' "/proc/$pid/maps"
	kill -TERM "$pid"
	wait "$pid"
	run -0 cat "$TMP/pub.err"
	[ -z "$output" ]
}

@test "libnats that cannot be loaded: exit 1, one line naming the library and why" {
	require_libnats_build
	mkdir "$ROOT" "$TMP/lib" # teardown removes them
	: >"$TMP/lib/libnats.so.3.4" # where LD_LIBRARY_PATH makes dlopen look first: not a library
	run -1 env LD_LIBRARY_PATH="$TMP/lib" "$STREAM" --pin-root "$ROOT" --output "$TMP/out" \
		--publish nats://127.0.0.1:1
	[ "$output" = "ebpf-stream: --publish: NATS support needs libnats.so.3.4: $TMP/lib/libnats.so.3.4: file too short" ]
}
