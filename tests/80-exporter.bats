#!/usr/bin/env bats
# ebpf-exporter, scraped by promtool, curl and a real Prometheus.

bats_require_minimum_version 1.5.0
load lib

# The first sample of a PromQL query's result, or nothing.
promql() { # QUERY_URL QUERY
	curl -sf --get --data-urlencode "query=$2" "$1" | jq -r '.data.result[0].value[1] // empty'
}
promql_has() { # QUERY_URL QUERY
	[ -n "$(promql "$@")" ]
}

load_all_backends() {
	netns_create
	run in_ns "$LOADER" load sockex1.o sockex1_classic.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	run "$LOADER" load bitehist.o syscount.o execsnoop.o exitsnoop.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
}

@test "promtool check metrics passes with every shipped backend; +Inf equals _count" {
	require_loop_devices
	require_writable_procsys kernel/bpf_stats_enabled
	load_all_backends
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 3 10
	loop_create 4
	dd if=/dev/zero of="$LOOPDEV" bs=4096 count=8 oflag=direct status=none
	sysctl -qw kernel.bpf_stats_enabled=1
	exporter_start
	scrape >"$TMP/m"
	sysctl -qw kernel.bpf_stats_enabled=0
	run promtool check metrics <"$TMP/m"
	echo "$output"
	[ "$status" -eq 0 ]
	# Every shipped backend is there, named by the mapping.
	grep -q '^ebpf_sockex1_proto_stats_packets_total{proto="udp"} 3$' "$TMP/m"
	grep -q '^ebpf_sockex1_classic_proto_stats{key="17",index="0"} 3$' "$TMP/m"
	grep -q '^# TYPE ebpf_bitehist_io_size_bytes histogram$' "$TMP/m"
	grep -q '^ebpf_syscount_syscalls_total{pid="[0-9]*",comm="' "$TMP/m"
	grep -q '^ebpf_execsnoop_exec_stats_events_total ' "$TMP/m"
	grep -q '^ebpf_exitsnoop_exit_stats_events_total ' "$TMP/m"
	grep -q '^ebpf_prog_run_count_total{backend="syscount",program="syscount_sys_enter"} [1-9]' "$TMP/m"
	grep -q '^ebpf_exporter_build_info{version="' "$TMP/m"
	# promtool does not check that +Inf equals _count: we do, per series.
	local inf count
	inf=$(sed -n 's/^ebpf_bitehist_io_size_bytes_bucket{le="+Inf"} //p' "$TMP/m")
	count=$(sed -n 's/^ebpf_bitehist_io_size_bytes_count //p' "$TMP/m")
	[ -n "$inf" ] && [ "$inf" = "$count" ] && [ "$count" -ge 8 ]
	# Buckets are cumulative: never decreasing.
	grep '^ebpf_bitehist_io_size_bytes_bucket' "$TMP/m" | awk '{ if ($2 < prev) exit 1; prev = $2 }'
}

@test "a real Prometheus scrapes the exporter: exact packet count, histogram_quantile works" {
	require_loop_devices
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	run -0 "$LOADER" load bitehist.o --pin-root "$ROOT"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 37 64
	loop_create 8
	# Many more 4 KiB I/Os than the machine makes meanwhile, so they are
	# the median (Prometheus' own storage is on tmpfs, below).
	dd if=/dev/zero of="$LOOPDEV" bs=4096 count=1024 oflag=direct status=none
	exporter_start sockex1 bitehist
	prom_scrape_exporter
	prom_udp_packets_are 37
	local q=$PROM_QUERY v
	v=$(curl -sf --get --data-urlencode 'query=histogram_quantile(0.5, ebpf_bitehist_io_size_bytes_bucket)' "$q" |
		jq -r '.data.result[0].value[1]')
	echo "median I/O size: $v"
	# All our I/Os were 4096 bytes: the median lies in the (4095, 8191] bucket.
	awk -v v="$v" 'BEGIN { exit !(v > 4095 && v <= 8191) }'
}

@test "gzip and plain carry the same metrics; HEAD works; unknown paths 404, other methods 405" {
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 5 10
	exporter_start sockex1
	scrape | grep -Ev "scrape_duration|^process_" >"$TMP/plain"
	curl -sf -H 'Accept-Encoding: gzip' -D "$TMP/h" "http://127.0.0.1:$PORT/metrics" | gunzip | grep -Ev "scrape_duration|^process_" >"$TMP/gz"
	grep -qi '^Content-Encoding: gzip' "$TMP/h"
	grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$TMP/h"
	diff "$TMP/plain" "$TMP/gz"
	# q-values: 0 refuses gzip, any other weight accepts it.
	curl -sf -o /dev/null -H 'Accept-Encoding: gzip;q=0' -D "$TMP/h0" "http://127.0.0.1:$PORT/metrics"
	run ! grep -qi '^Content-Encoding' "$TMP/h0"
	curl -sf -o /dev/null -H 'Accept-Encoding: deflate, gzip;q=0.5' -D "$TMP/h5" "http://127.0.0.1:$PORT/metrics"
	grep -qi '^Content-Encoding: gzip' "$TMP/h5"
	grep -q 'proto="udp"} 5$' "$TMP/plain"
	run -0 curl -sI "http://127.0.0.1:$PORT/metrics"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	[[ "$output" == *"Transfer-Encoding: chunked"* ]]
	[ "$(curl -s -X HEAD -o /dev/null -w '%{size_download}' "http://127.0.0.1:$PORT/metrics")" = 0 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/metrics")" = 405 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 200 ]
}

@test "socket activation: serves on the passed socket, binds nothing itself, notifies READY" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	PORT=$(free_port)
	local other
	other=$(free_port 2)
	# A NOTIFY_SOCKET listener, as systemd would be.
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(10)
while True:
    msg = s.recv(4096).decode()
    print(msg.replace("\n", " "), flush=True)
    if "READY=1" in msg:
        break
' "$TMP/notify" >"$TMP/notified" &
	local npid=$!
	BG_PIDS="$BG_PIDS $npid"
	wait_until 5 test -S "$TMP/notify"
	# systemd-socket-activate passes only the environment it is told to.
	systemd-socket-activate -l "127.0.0.1:$PORT" -E NOTIFY_SOCKET="$TMP/notify" \
		"$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$other" 2>"$TMP/sa.err" &
	BG_PIDS="$BG_PIDS $!"
	wait_until 5 scrape -o /dev/null
	scrape | grep -q '^ebpf_t_tracepoint_hits '
	# --listen is ignored when systemd passes sockets.
	run curl -s -o /dev/null "http://127.0.0.1:$other/metrics"
	[ "$status" -ne 0 ]
	wait "$npid"
	grep -q 'READY=1' "$TMP/notified"
}

@test "50 concurrent scrapes all succeed and agree; a reloaded backend shows up again" {
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 11 10
	exporter_start sockex1
	local i pids=""
	for i in $(seq 50); do
		curl -sf "http://127.0.0.1:$PORT/metrics" -o "$TMP/s$i" &
		pids="$pids $!"
	done
	# Each curl by pid: a bare `wait` would wait for the exporter too.
	for i in $pids; do wait "$i"; done
	for i in $(seq 50); do
		grep -Ev "scrape_duration|^process_" "$TMP/s$i" >"$TMP/c$i"
		diff "$TMP/c1" "$TMP/c$i"
	done
	grep -q 'packets_total{proto="udp"} 11$' "$TMP/c1"
	# Unload and reload: no restart needed, the new (empty) map is served.
	"$LOADER" unload sockex1 --pin-root "$ROOT"
	scrape >"$TMP/after-unload"
	run ! grep -q 'ebpf_sockex1_proto_stats_packets_total' "$TMP/after-unload"
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 2 10
	scrape | grep -q 'packets_total{proto="udp"} 2$'
	kill -0 "$EXPORTER_PID"
}

@test "SIGHUP without --web.config.file (the unit's ExecReload): said, and serving goes on" {
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	exporter_start sockex1
	kill -HUP "$EXPORTER_PID"
	wait_until 5 grep -q 'ebpf-exporter: SIGHUP: no --web.config.file to reread' "$TMP/exporter.err"
	kill -0 "$EXPORTER_PID"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 3 10
	scrape | grep -q 'packets_total{proto="udp"} 3$'
}

@test "bad input: unparseable --listen, port in use, unknown pin root" {
	mkdir -p "$TMP/empty"
	run --separate-stderr "$EXPORTER" --pin-root /sys/fs/bpf/no-such-root-$$ --listen 127.0.0.1:1
	[ "$status" -eq 1 ]
	[[ "$stderr" == "ebpf-exporter: pin root /sys/fs/bpf/no-such-root-$$: No such file or directory"* ]]
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	local bad
	for bad in nonsense 127.0.0.1 127.0.0.1:http 300.1.1.1:80 "127.0.0.1:"; do
		run --separate-stderr "$EXPORTER" --pin-root "$ROOT" --listen "$bad"
		[ "$status" -eq 2 ]
		[[ "$stderr" == "ebpf-exporter: invalid --listen '$bad'"* ]]
	done
	exporter_start
	run --separate-stderr "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-exporter: cannot listen on 127.0.0.1:$PORT: Address already in use" ]
	run --separate-stderr "$EXPORTER" --max-series 0
	[ "$status" -eq 2 ]
}

@test "the cardinality guard caps series per map and counts the rest" {
	"$HELPERS/mkmap" "$ROOT/big/maps/big" hash 500
	exporter_start --max-series 100 big
	scrape >"$TMP/m"
	[ "$(grep -c '^ebpf_big_big{' "$TMP/m")" -eq 100 ]
	grep -q '^ebpf_exporter_series_dropped_total{backend="big",map="big"} 400$' "$TMP/m"
}

@test "after start-up the exporter keeps CAP_BPF only, and still decodes new backends" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	exporter_start
	local eff
	eff=$(awk '/^CapEff/ { print $2 }' "/proc/$EXPORTER_PID/status")
	echo "CapEff=$eff"
	[ "$eff" = 0000008000000000 ]
	# Loaded after the drop: found by the rescan, decoded from the btf pin.
	run -0 "$LOADER" load bitehist.o --pin-root "$ROOT"
	scrape | grep -q '^# TYPE ebpf_bitehist_io_size_bytes histogram$'
}
