#!/usr/bin/env bats
# Least privilege, and abuse of the exporter and the stream (on
# loopback only, each case bounded in count and time).

bats_require_minimum_version 1.5.0
load lib

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
fd_count() { ls "/proc/$1/fd" | wc -l; }

# At least N TCP connections to the exporter are established.
connections_at_least() { # N
	[ "$(ss -Htn state established "dport = :$PORT" | wc -l)" -ge "$1" ]
}

# Process PID's effective capabilities are MASK (it has dropped the rest).
cap_eff_is() { # PID MASK
	[ "$(awk '/^CapEff/ { print $2 }' "/proc/$1/status")" = "$2" ]
}

@test "readers hold read-only map fds: a write through a copy of their fd fails" {
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	run -0 "$LOADER" load syscount.o execsnoop.o --pin-root "$ROOT"
	exporter_start
	"$PRINT" --interval 0.2 --pin-root "$ROOT" >/dev/null 2>&1 &
	local print=$!
	"$STREAM" --pin-root "$ROOT" --output /dev/null &
	local stream=$!
	BG_PIDS="$BG_PIDS $print $stream"
	scrape -o /dev/null
	local p
	for p in "$EXPORTER_PID" "$print" "$stream"; do
		wait_until 5 holds_map_fd "$p"
		run "$HELPERS/fdprobe" "$p"
		echo "$output"
		[ "$status" -eq 0 ]
	done
}

@test "readers keep CAP_BPF only after start-up (CapEff)" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	exporter_start
	"$PRINT" --interval 0.2 --pin-root "$ROOT" >/dev/null 2>&1 &
	local print=$!
	"$STREAM" --pin-root "$ROOT" --output /dev/null &
	local stream=$!
	BG_PIDS="$BG_PIDS $print $stream"
	local p eff
	for p in "$EXPORTER_PID" "$print" "$stream"; do
		# Start-up is over once the maps are open.
		wait_until 5 holds_map_fd "$p"
		eff=$(awk '/^CapEff/ { print $2 }' "/proc/$p/status")
		echo "$p CapEff=$eff"
		[ "$eff" = 0000008000000000 ]
		[ "$(awk '/^CapPrm/ { print $2 }' "/proc/$p/status")" = 0000008000000000 ]
	done
}

@test "the loader refuses a pin root it does not own or that is world-writable" {
	mkdir -p /sys/fs/bpf 2>/dev/null || true
	run "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	run -0 "$LOADER" unload --all --pin-root "$ROOT"
	mkdir "$ROOT"
	chmod 0777 "$ROOT"
	run --separate-stderr "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -ne 0 ]
	[ "$stderr" = "ebpf-loader: pin root $ROOT is world-writable (mode 0777): refusing" ]
	# --group changes the root's mode only after the checks: still refused.
	run --separate-stderr "$LOADER" load "$TOBJ/t_tracepoint.o" --group root --pin-root "$ROOT"
	[ "$status" -ne 0 ]
	[ "$(stat -c %a "$ROOT")" = 777 ]
	chmod 0700 "$ROOT"
	chown 65534 "$ROOT"
	run --separate-stderr "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -ne 0 ]
	[ "$stderr" = "ebpf-loader: pin root $ROOT is owned by uid 65534, not by us (uid 0): refusing" ]
	assert_no_prog_named count_getppid
	chown 0 "$ROOT"
}

@test "exporter abuse: 200 concurrent scrapes all succeed" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	exporter_start
	local i pids="" ok=0
	for i in $(seq 200); do
		curl -sf -m 20 -o "$TMP/s$i" "http://127.0.0.1:$PORT/metrics" &
		pids="$pids $!"
	done
	for i in $pids; do wait "$i" && ok=$((ok + 1)); done
	echo "ok=$ok"
	[ "$ok" -eq 200 ]
	for i in $(seq 200); do grep -q '^ebpf_t_tracepoint_hits ' "$TMP/s$i"; done
}

@test "exporter abuse: slowloris, 1 MB header, bad methods and paths, idle connections beyond the limit" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	exporter_start
	local rss0
	rss0=$(rss_kb "$EXPORTER_PID")
	# Slowloris: 20 connections sending a header byte per second.
	"$PY" -c '
import socket, sys, time
conns = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(20)]
for i in range(4):
    for c in conns:
        try:
            c.send(b"G")
        except OSError:
            pass
    time.sleep(1)  # not a wait: a slow client, a byte a second
' "$PORT" &
	local slow=$!
	BG_PIDS="$BG_PIDS $slow"
	wait_until 5 connections_at_least 20
	scrape -m 5 -o /dev/null    # others are served meanwhile
	# 1 MB of header: refused with 431, never buffered whole.
	run -0 "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    s.sendall(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
except OSError:
    pass
print(s.recv(200).split(b"\r\n")[0].decode())
' "$PORT"
	echo "$output"
	[ "$output" = "HTTP/1.1 431 Request Header Fields Too Large" ]
	# Invalid methods and paths.
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$PORT/metrics")" = 405 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X BREW "http://127.0.0.1:$PORT/")" = 405 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/../../etc/passwd")" = 404 ]
	[ "$(printf 'garbage\r\n\r\n' | timeout 5 "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
print(s.recv(100).split(b" ")[1].decode())
' "$PORT")" = 400 ]
	# 300 idle connections, more than the server keeps: scrapes still work.
	"$PY" -c '
import socket, sys, time
conns = []
for _ in range(300):
    try:
        conns.append(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
    except OSError:
        pass
open(sys.argv[2], "w").close()
time.sleep(3)  # not a wait: idle connections, held open
' "$PORT" "$TMP/idle-connected" &
	local idle=$!
	BG_PIDS="$BG_PIDS $idle"
	wait_until 10 test -e "$TMP/idle-connected"
	for i in 1 2 3; do scrape -m 5 -o /dev/null; done
	wait "$idle" || true
	wait "$slow" || true
	scrape -m 5 -o /dev/null
	kill -0 "$EXPORTER_PID"
	local rss1
	rss1=$(rss_kb "$EXPORTER_PID")
	echo "RSS ${rss0} kB -> ${rss1} kB"
	[ -n "${EBPF_SANITIZE:-}" ] || [ "$rss1" -lt $((rss0 + 20000)) ]
}

@test "stream abuse: subscribers that never read do not stop one that does; memory stays bounded" {
	"$HELPERS/mkmap" "$ROOT/big/maps/big" hash 2000
	"$STREAM" --snapshots --interval 0.05 --queue-bytes 1048576 --max-lag 2 \
		--listen "unix:$TMP/sock" --pin-root "$ROOT" &
	local stream=$!
	BG_PIDS="$BG_PIDS $stream"
	wait_until 5 test -S "$TMP/sock"
	local rss0
	rss0=$(rss_kb "$stream")
	# Ten that connect and never read, and one that reads for 4 s.
	"$PY" -c '
import socket, sys, time
conns = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(10)]
for c in conns:
    c.connect(sys.argv[1])
time.sleep(5)  # not a wait: subscribers that never read, held open
' "$TMP/sock" &
	BG_PIDS="$BG_PIDS $!"
	"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
n, end = 0, time.time() + 4
while time.time() < end:
    n += len(s.recv(1 << 20))
print(n)
' "$TMP/sock" >"$TMP/read"
	echo "reader got $(cat "$TMP/read") bytes"
	[ "$(cat "$TMP/read")" -gt 1000000 ]
	kill -0 "$stream"
	local rss1
	rss1=$(rss_kb "$stream")
	echo "RSS ${rss0} kB -> ${rss1} kB"
	# Ten queues of at most 1 MiB (plus the one in flight) and no more.
	# (Not under ASan: its quarantine keeps freed memory resident.)
	[ -n "${EBPF_SANITIZE:-}" ] || [ "$rss1" -lt $((rss0 + 30000)) ]
}
