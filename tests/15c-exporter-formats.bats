#!/usr/bin/env bats
# ebpf-exporter's scrape body: OpenMetrics 1.0 when asked, text 0.0.4 else,
# process metrics, a chunked (and gzipped) body streamed piece by piece from
# maps bigger than one piece, HEAD, and clients that leave mid-body.

bats_require_minimum_version 1.5.0
load lib

# What Prometheus 2.42 sends by default.
PROM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

# prometheus_client's parsers (python3-prometheus-client) over a scrape:
# "families samples", or the parser's error and a failure.
om_parse() { # FILE
	"$PY" -c '
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as p
fs = list(p(open(sys.argv[1]).read()))
print(len(fs), sum(len(f.samples) for f in fs))' "$1"
}
text_parse() { # FILE
	"$PY" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families as p
fs = list(p(open(sys.argv[1]).read()))
print(len(fs), sum(len(f.samples) for f in fs))' "$1"
}

require_prom_client() {
	"$PY" -c 'import prometheus_client' 2>/dev/null ||
		skip "python3-prometheus-client is not installed (scripts/install-deps.sh)"
}

promql() { # QUERY_URL QUERY
	curl -sf --get --data-urlencode "query=$2" "$1" | jq -r '.data.result[0].value[1] // empty'
}
promql_has() { # QUERY_URL QUERY
	[ -n "$(promql "$@")" ]
}

# Every key 0..N-1 of a mkmap hash exactly once, with its value 3*key+1.
mkmap_samples_exact() { # FILE METRIC N
	awk -v m="$2" -v n="$3" '
		index($0, m "{key=\"") == 1 {
			k = $1; sub(/.*key="/, "", k); sub(/".*/, "", k)
			if (seen[k]++ || $2 != 3 * k + 1) bad++
			c++
		}
		END { for (i = 0; i < n; i++) if (!(i in seen)) bad++; exit !(c == n && !bad) }' "$1"
}

@test "OpenMetrics when the scraper asks: counter families, UNIT, histograms, EOF; both parsers accept their form" {
	require_prom_client
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	run -0 "$LOADER" load "$TOBJ/t_hidden_scale.o" --pin-root "$ROOT"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 7 10
	exporter_start
	run -0 curl -sf -H "Accept: $PROM_ACCEPT" -D "$TMP/h" -o "$TMP/om" "http://127.0.0.1:$PORT/metrics"
	grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$TMP/h"
	last_line_is "$TMP/om" '# EOF'
	# A counter family has no _total; its samples have.
	grep -qx '# TYPE ebpf_sockex1_proto_stats_packets counter' "$TMP/om"
	grep -qx 'ebpf_sockex1_proto_stats_packets_total{proto="udp"} 7' "$TMP/om"
	run ! grep -q '^# TYPE .*_total ' "$TMP/om"
	run ! grep -q ' untyped$' "$TMP/om"
	# The tag's unit gets its line; the histogram its three kinds of sample.
	grep -q '^# UNIT ebpf_t_hidden_scale_[a-z_]*_seconds seconds$' "$TMP/om"
	grep -q '^# TYPE ebpf_t_hidden_scale_[a-z_]* histogram$' "$TMP/om"
	grep -qx '# UNIT process_cpu_seconds seconds' "$TMP/om"
	run -0 om_parse "$TMP/om"
	echo "openmetrics: $output"
	# The text form otherwise: no EOF, _total in the family, promtool and
	# the text parser accept it.
	run -0 curl -sf -D "$TMP/h2" -o "$TMP/text" "http://127.0.0.1:$PORT/metrics"
	grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$TMP/h2"
	grep -qx '# TYPE ebpf_sockex1_proto_stats_packets_total counter' "$TMP/text"
	run ! grep -q '^# EOF' "$TMP/text"
	run ! grep -q '^# UNIT' "$TMP/text"
	run -0 promtool check metrics <"$TMP/text"
	run -0 text_parse "$TMP/text"
	# A scraper that ranks text higher, or asks for another version, gets text.
	run -0 curl -sf -D "$TMP/h3" -o /dev/null -H 'Accept: application/openmetrics-text;version=1.0.0;q=0.2,text/plain;q=0.9' "http://127.0.0.1:$PORT/metrics"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$TMP/h3"
	run -0 curl -sf -D "$TMP/h4" -o /dev/null -H 'Accept: application/openmetrics-text;version=0.0.1' "http://127.0.0.1:$PORT/metrics"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$TMP/h4"
}

@test "a real Prometheus negotiates OpenMetrics: up is 1, the packet count exact, units known" {
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 23 64
	exporter_start sockex1
	prom_scrape_exporter
	prom_udp_packets_are 23
	# Only OpenMetrics has units: Prometheus knowing one shows it read that.
	run -0 curl -sf "$PROM_API/targets/metadata?metric=process_cpu_seconds"
	echo "$output"
	[ "$(jq -r '.data[0].unit' <<<"$output")" = seconds ]
	[ "$(jq -r '.data[0].type' <<<"$output")" = counter ]
}

@test "process metrics are the exporter's own: descriptors, limit, start time, memory, CPU" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	exporter_start
	run -0 scrape -o "$TMP/m"
	local pid=$EXPORTER_PID v soft
	for v in process_cpu_seconds_total process_resident_memory_bytes process_virtual_memory_bytes \
		process_open_fds process_max_fds process_start_time_seconds; do
		grep -q "^$v [0-9]" "$TMP/m"
	done
	soft=$(awk '/^Max open files/ { print $4 }' "/proc/$pid/limits")
	grep -qx "process_max_fds $soft" "$TMP/m"
	# Its descriptors while idle, and one or two more while it answers
	# (the connection, the directory it counts them in).
	v=$(sed -n 's/^process_open_fds //p' "$TMP/m")
	local idle
	idle=$(find "/proc/$pid/fd" -mindepth 1 | wc -l)
	echo "open fds: $v, idle: $idle"
	(( v >= idle && v <= idle + 2 ))
	# Start time: boot time plus field 22 of its stat, in clock ticks.
	local btime start
	btime=$(awk '/^btime/ { print $2 }' /proc/stat)
	start=$(sed 's/.*) //' "/proc/$pid/stat" | awk -v b="$btime" -v t="$(getconf CLK_TCK)" '{ printf "%.2f", b + $20 / t }')
	v=$(sed -n 's/^process_start_time_seconds //p' "$TMP/m")
	echo "start: $v, from stat: $start"
	awk -v a="$v" -v b="$start" 'BEGIN { exit !(a - b < 0.01 && b - a < 0.01) }'
	# Resident within virtual, and both of a plausible size.
	local rss vsz
	rss=$(sed -n 's/^process_resident_memory_bytes //p' "$TMP/m")
	vsz=$(sed -n 's/^process_virtual_memory_bytes //p' "$TMP/m")
	(( rss > 100000 && rss <= vsz ))
	# CPU time never goes back.
	local cpu1 cpu2
	cpu1=$(sed -n 's/^process_cpu_seconds_total //p' "$TMP/m")
	run -0 scrape -o "$TMP/m2"
	cpu2=$(sed -n 's/^process_cpu_seconds_total //p' "$TMP/m2")
	awk -v a="$cpu1" -v b="$cpu2" 'BEGIN { exit !(b >= a) }'
}

# GET /metrics over a raw socket, the chunked framing checked byte by byte:
# the body (gunzipped when gzip) into OUT, and "chunks N" on stdout.
raw_get() { # PORT OUT [gzip]
	"$PY" - "$@" <<-'PYEOF'
	import socket, sys, zlib
	port, out, gz = int(sys.argv[1]), sys.argv[2], len(sys.argv) > 3
	s = socket.create_connection(("127.0.0.1", port), timeout=20)
	s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
	          (b"Accept-Encoding: gzip\r\n" if gz else b"") + b"\r\n")
	data = b""
	while True:
	    b = s.recv(1 << 16)
	    if not b:
	        break
	    data += b
	head, _, rest = data.partition(b"\r\n\r\n")
	assert b"\r\nTransfer-Encoding: chunked\r\n" in head + b"\r\n", head
	assert (b"Content-Encoding: gzip" in head) == gz, head
	body, chunks = b"", 0
	while True:
	    line, _, rest = rest.partition(b"\r\n")
	    n = int(line, 16)
	    if n == 0:
	        assert rest == b"\r\n", "bytes after the last chunk"
	        break
	    body += rest[:n]
	    assert rest[n:n + 2] == b"\r\n", "chunk not ended by CRLF"
	    rest = rest[n + 2:]
	    chunks += 1
	if gz:
	    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
	    body = d.decompress(body)
	    assert d.eof and not d.unused_data, "gzip stream not complete"
	open(out, "wb").write(body)
	print("chunks", chunks)
	PYEOF
}

@test "a map of many pieces streams whole and exact: chunked, chunked gzip, HTTP/1.0" {
	local n=30000
	run -0 "$HELPERS/mkmap" "$ROOT/big/maps/counts" hash $n
	exporter_start --max-series 100000
	run -0 raw_get "$PORT" "$TMP/plain"
	echo "plain: $output"
	(( ${output#chunks } > 2 ))
	mkmap_samples_exact "$TMP/plain" ebpf_big_counts $n
	last_line_is "$TMP/plain" "$(grep '^process_max_fds ' "$TMP/plain")"
	run -0 raw_get "$PORT" "$TMP/gz" gzip
	echo "gzip: $output"
	(( ${output#chunks } > 1 ))
	mkmap_samples_exact "$TMP/gz" ebpf_big_counts $n
	# HTTP/1.0 has no chunks: the body ends with the connection.
	run -0 curl -sf --http1.0 -D "$TMP/h10" -o "$TMP/h10body" "http://127.0.0.1:$PORT/metrics"
	run ! grep -qi '^Transfer-Encoding' "$TMP/h10"
	mkmap_samples_exact "$TMP/h10body" ebpf_big_counts $n
	run -0 curl -sf --http1.0 --compressed -o "$TMP/h10gz" "http://127.0.0.1:$PORT/metrics"
	mkmap_samples_exact "$TMP/h10gz" ebpf_big_counts $n
	# The same series in every form (but the exporter's own changing ones).
	local f
	for f in plain gz h10body h10gz; do
		grep -Ev 'scrape_duration|^process_' "$TMP/$f" >"$TMP/$f.cmp"
	done
	diff "$TMP/plain.cmp" "$TMP/gz.cmp"
	diff "$TMP/plain.cmp" "$TMP/h10body.cmp"
	diff "$TMP/plain.cmp" "$TMP/h10gz.cmp"
	run -0 promtool check metrics <"$TMP/plain"
}

@test "HEAD: a scrape's head and no body, in either format" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	exporter_start
	run -0 curl -sf -I "http://127.0.0.1:$PORT/metrics"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	[[ "$output" == *"Content-Type: text/plain; version=0.0.4; charset=utf-8"* ]]
	run -0 curl -sf -I -H "Accept: $PROM_ACCEPT" "http://127.0.0.1:$PORT/metrics"
	[[ "$output" == *"Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8"* ]]
	# Nothing after the head, even when the client would read a body.
	run -0 "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
head, sep, body = data.partition(b"\r\n\r\n")
print(len(sep), len(body))' "$PORT"
	[ "$output" = "4 0" ]
}

# Responses read by their framing (chunked), not by the end of the
# connection: prints, per request sent on one connection, its status line,
# whether it said "Connection: close", whether the body holds METRIC, and
# finally whether the server closed the connection after the last one.
keepalive_client() { # PORT METRIC REQUEST...
	"$PY" - "$@" <<-'PYEOF'
	import socket, sys
	port, metric, reqs = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3:]
	s = socket.create_connection(("127.0.0.1", port), timeout=10)
	buf = b""
	def need(cond):
	    global buf
	    while not cond():
	        b = s.recv(65536)
	        if not b:
	            raise EOFError
	        buf += b
	for r in reqs:
	    s.sendall(r.encode().decode("unicode_escape").encode("latin-1"))
	    need(lambda: b"\r\n\r\n" in buf)
	    head, _, buf = buf.partition(b"\r\n\r\n")
	    body = b""
	    while True:  # chunked
	        need(lambda: b"\r\n" in buf)
	        size, _, buf = buf.partition(b"\r\n")
	        n = int(size, 16)
	        need(lambda: len(buf) >= n + 2)
	        body, buf = body + buf[:n], buf[n + 2:]
	        if n == 0:
	            break
	    print(head.split(b"\r\n")[0].decode(), b"\r\nConnection: close" in head, metric in body)
	s.settimeout(1)
	try:
	    print("closed" if s.recv(1) == b"" else "data")
	except socket.timeout:
	    print("open")
	PYEOF
}

@test "keep-alive: scrapes one after another on one connection; Connection: close and HTTP/1.0 end it" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	exporter_start
	local get='GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' metric=ebpf_t_tracepoint_
	run -0 keepalive_client "$PORT" "$metric" "$get" "$get" "$get"
	echo "$output"
	[ "$output" = "$(printf 'HTTP/1.1 200 OK False True\n%.0s' 1 2 3)"$'\n'open ]
	# Asked to close: answered, said, closed.
	run -0 keepalive_client "$PORT" "$metric" "$get" 'GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n'
	[ "$output" = "$(printf 'HTTP/1.1 200 OK False True\nHTTP/1.1 200 OK True True\nclosed')" ]
	# HTTP/1.0 has no chunks: the end of the connection ends the body.
	run -0 curl -sf -0 -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
		"http://127.0.0.1:$PORT/metrics" "http://127.0.0.1:$PORT/metrics"
	echo "$output"
	[ "$output" = "$(printf '200 1\n200 1')" ]
}

# Regression: a request begun on a kept-alive connection had what was left
# of the 120 s idle wait for its head, where a new connection has 10 s.
@test "keep-alive: a request head left half-sent is closed after the head timeout, not the idle one" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	exporter_start
	run -0 "$PY" - "$PORT" <<-'PYEOF'
	import socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	head = b""
	while b"\r\n\r\n" not in head:
	    head += s.recv(4096)
	head, body = head.split(b"\r\n\r\n", 1)
	length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
	while len(body) < length:
	    body += s.recv(4096)
	s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # and no more
	t0 = time.monotonic()
	s.settimeout(60)  # the idle timeout is 120 s, the head timeout 10 s
	try:
	    print("closed" if s.recv(1) == b"" else "data")
	except socket.timeout:
	    print("open after 60 s")
	except ConnectionResetError:
	    print("closed")
	PYEOF
	echo "$output"
	[ "$output" = closed ]
}

@test "clients that stop reading or leave mid-body cost the exporter nothing lasting" {
	local n=200000
	run -0 "$HELPERS/mkmap" "$ROOT/big/maps/counts" hash $n
	exporter_start --max-series 1000000
	run -0 scrape -o "$TMP/before"
	local fds
	fds=$(sed -n 's/^process_open_fds //p' "$TMP/before")
	# One client reads a piece and stops reading, holding its connection;
	# twenty read a piece and reset theirs.
	"$PY" -c '
import signal, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(4096)
open(sys.argv[2], "w").write("stalled\n")
signal.pause()' "$PORT" "$TMP/stalled" &
	BG_PIDS="$BG_PIDS $!"
	wait_until 10 test -s "$TMP/stalled"
	run -0 "$PY" -c '
import socket, struct, sys
for i in range(20):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n" if i % 2 else
              b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    s.recv(65536)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
print("done")' "$PORT"
	# Meanwhile and after, whole scrapes: exact, and the exporter alive.
	run -0 scrape -o "$TMP/after"
	mkmap_samples_exact "$TMP/after" ebpf_big_counts $n
	kill -0 "$EXPORTER_PID"
	# The reset connections are gone: one more descriptor (the stalled
	# one) than before, not twenty.
	local now
	now=$(sed -n 's/^process_open_fds //p' "$TMP/after")
	echo "open fds before $fds, after $now"
	(( now <= fds + 1 ))
}

@test "a per-CPU map of many pieces: every entry once, summed over the possible CPUs" {
	local n=10000 ncpu
	run -0 "$HELPERS/mkmap" "$ROOT/pc/maps/counts" percpu_hash $n
	# mkmap puts 3*key+1 plus the CPU number in each CPU's slot.
	ncpu=$(awk -F- '{ print ($2 == "" ? $1 : $2) + 1 }' /sys/devices/system/cpu/possible)
	exporter_start --max-series 100000
	run -0 scrape -o "$TMP/m"
	awk -v n=$n -v c="$ncpu" '
		index($0, "ebpf_pc_counts{key=\"") == 1 {
			k = $1; sub(/.*key="/, "", k); sub(/".*/, "", k)
			if (seen[k]++ || $2 != c * (3 * k + 1) + c * (c - 1) / 2) bad++
			cnt++
		}
		END { exit !(cnt == n && !bad) }' "$TMP/m"
}
