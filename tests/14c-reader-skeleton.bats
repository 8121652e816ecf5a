#!/usr/bin/env bats
# The reader skeleton (readers/core/skeleton.h) that ebpf-exporter and
# ebpf-stream share: --listen addresses read and opened by one rule, and
# failures to listen reported as they are.

bats_require_minimum_version 1.5.0
load lib

# A pin root with one small map: enough for a reader to start.
one_map() {
	run -0 "$HELPERS/mkmap" "$ROOT/m/maps/counts" hash 4
}

# The backlog (ss's Send-Q of a listening socket) on 127.0.0.1:PORT in
# the test's netns; fails while nothing listens there.
ns_backlog() { # PORT
	local q
	q=$(in_ns ss -ltnH "sport = :$1" | awk '{ print $3 }')
	[ -n "$q" ] && echo "$q"
}

@test "--listen unix:PATH: a socket file the stream may not connect to is reported by the permission it lacks, not as in use, and left alone" {
	one_map
	# A socket file nobody listens on, which the stream, without
	# CAP_DAC_OVERRIDE, may not even connect to: whether it is in use
	# cannot be known, and the reason is the permission.
	run -0 "$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/sock"
	run -0 chmod 000 "$TMP/sock"
	run -0 stat -c %i "$TMP/sock"
	local ino=$output
	run --separate-stderr -1 timeout 5 setpriv --inh-caps=-dac_override,-dac_read_search \
		--bounding-set=-dac_override,-dac_read_search \
		"$STREAM" --snapshots --pin-root "$ROOT" --listen "unix:$TMP/sock"
	[ "$stderr" = "ebpf-stream: cannot listen on unix:$TMP/sock: Permission denied" ]
	run -0 stat -c %i "$TMP/sock"
	[ "$output" = "$ino" ]
}

@test "ebpf-exporter and ebpf-stream listen on TCP with one backlog" {
	one_map
	netns_create
	in_ns "$STREAM" --snapshots --pin-root "$ROOT" --listen tcp:127.0.0.1:7000 \
		2>"$TMP/stream.err" &
	BG_PIDS="$BG_PIDS $!"
	in_ns "$EXPORTER" --pin-root "$ROOT" --listen 127.0.0.1:9436 2>"$TMP/exporter.err" &
	BG_PIDS="$BG_PIDS $!"
	run -0 wait_until 5 ns_backlog 7000
	run -0 ns_backlog 7000
	[ "$output" = 128 ]
	run -0 wait_until 5 ns_backlog 9436
	run -0 ns_backlog 9436
	[ "$output" = 128 ]
}
