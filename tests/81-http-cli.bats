#!/usr/bin/env bats
# The exporter's HTTP requests as RFC 9112 reads them, and the command lines
# of every binary: listen addresses, option errors, help, shared rules.

bats_require_minimum_version 1.5.0
load lib

# An exporter on 127.0.0.1:9436 in a private netns, over a loaded backend.
ns_exporter_start() { # LISTEN
	netns_create
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	in_ns "$EXPORTER" --pin-root "$ROOT" --listen "$1" 2>"$TMP/exporter.err" &
	BG_PIDS="$BG_PIDS $!"
	wait_until 5 in_ns curl -sf -o /dev/null "http://${1%:*}:${1##*:}/" && return 0
	cat "$TMP/exporter.err" >&2
	return 1
}

# A subscriber to 127.0.0.1:PORT in the namespace gets bytes.
ns_stream_answers() { # PORT
	in_ns "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
assert len(s.recv(65536)) > 0
' "$1" 2>/dev/null
}

# The status line the exporter in the netns answers to REQUEST, given with
# Python escapes (\x00, \r, \n) so that it may hold any byte.
http_status() { # REQUEST
	in_ns "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", 9436), timeout=5)
s.sendall(sys.argv[1].encode().decode("unicode_escape").encode("latin-1"))
resp = b""
while b"\r\n" not in resp:  # the status line: a 200 keeps the connection
    chunk = s.recv(65536)
    if not chunk:
        break
    resp += chunk
print(resp.split(b"\r\n")[0].decode())
' "$1"
}

# A well-formed request is answered 200 (so a 400 below is about the one
# malformed part, not about the exporter or the helper).
assert_wellformed_ok() {
	run -0 http_status 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'
	[ "$output" = "HTTP/1.1 200 OK" ]
}

@test "http: a NUL in the request target is a 400, not /metrics" {
	ns_exporter_start 127.0.0.1:9436
	assert_wellformed_ok
	run -0 http_status 'GET /metrics\x00 HTTP/1.1\r\nHost: x\r\n\r\n'
	[ "$output" = "HTTP/1.1 400 Bad Request" ]
	run -0 http_status 'GET /metrics\x00junk HTTP/1.1\r\nHost: x\r\n\r\n'
	[ "$output" = "HTTP/1.1 400 Bad Request" ]
	run -0 http_status 'GET /met\trics HTTP/1.1\r\nHost: x\r\n\r\n'
	[ "$output" = "HTTP/1.1 400 Bad Request" ]
}

@test "http: a NUL or a bare CR in a header value is a 400" {
	ns_exporter_start 127.0.0.1:9436
	assert_wellformed_ok
	run -0 http_status 'GET /metrics HTTP/1.1\r\nHost: x\x00y\r\n\r\n'
	[ "$output" = "HTTP/1.1 400 Bad Request" ]
	run -0 http_status 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n'
	[ "$output" = "HTTP/1.1 400 Bad Request" ]
}

@test "http: a header line without a colon, or with space before it, is a 400" {
	ns_exporter_start 127.0.0.1:9436
	assert_wellformed_ok
	run -0 http_status 'GET /metrics HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'
	[ "$output" = "HTTP/1.1 400 Bad Request" ]
	run -0 http_status 'GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n'
	[ "$output" = "HTTP/1.1 400 Bad Request" ]
}

@test "http: an obsolete folded header line (leading space or tab) is a 400" {
	ns_exporter_start 127.0.0.1:9436
	assert_wellformed_ok
	run -0 http_status 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n'
	[ "$output" = "HTTP/1.1 400 Bad Request" ]
	run -0 http_status 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n'
	[ "$output" = "HTTP/1.1 400 Bad Request" ]
	# gzip still follows Accept-Encoding in a well-formed head.
	run -0 http_status 'GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n'
	[ "$output" = "HTTP/1.1 200 OK" ]
}

@test "the exporter listens on a host name: --listen localhost:PORT" {
	require_localhost_name
	ns_exporter_start localhost:9436
	run -0 in_ns curl -sf "http://127.0.0.1:9436/metrics"
	[[ "$output" == *"ebpf_exporter_build_info{"* ]]
	# A name that is not one: one line, the reason, exit 2; no DNS query
	# for something meant as a numeric address.
	run --separate-stderr -2 in_ns "$EXPORTER" --pin-root "$ROOT" --listen 300.1.1.1:9437
	[ "$stderr" = "ebpf-exporter: invalid --listen '300.1.1.1:9437': '300.1.1.1' is not an IP address" ]
}

@test "ebpf-stream listens on a host name: --listen tcp:localhost:PORT" {
	require_localhost_name
	netns_create
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	in_ns "$STREAM" --snapshots --interval 0.2 --pin-root "$ROOT" --listen tcp:localhost:7000 \
		2>"$TMP/stream.err" &
	BG_PIDS="$BG_PIDS $!"
	local got=yes
	# A subscriber gets the stream: the describe frame at least.
	wait_until 5 ns_stream_answers 7000 || got=no
	cat "$TMP/stream.err"
	[ "$got" = yes ]
	[ ! -s "$TMP/stream.err" ]
}

@test "ebpf-loader help prints the usage, as --help, and exits 0" {
	run --separate-stderr -0 "$LOADER" --help
	local want=$output
	run --separate-stderr -0 "$LOADER" help
	[ "$output" = "$want" ]
	[ -z "$stderr" ]
	run --separate-stderr -0 "$LOADER" load --help
	want=$output
	run --separate-stderr -0 "$LOADER" help load
	[ "$output" = "$want" ]
	run --separate-stderr -2 "$LOADER" help frobnicate
	[ "$stderr" = "ebpf-loader: help: no such command (see --help)" ]
}

@test "an option given without its value says so, in one line" {
	run --separate-stderr -2 "$LOADER" --pin-root
	[ "$stderr" = "ebpf-loader: option '--pin-root' requires a value (see --help)" ]
	run --separate-stderr -2 "$LOADER" list --pin-root
	[ "$stderr" = "ebpf-loader: list: option '--pin-root' requires a value (see 'ebpf-loader list --help')" ]
	run --separate-stderr -2 "$LOADER" load --name
	[ "$stderr" = "ebpf-loader: load: option '--name' requires a value (see 'ebpf-loader load --help')" ]
	run --separate-stderr -2 "$PRINT" --interval
	[ "$stderr" = "ebpf-print: option '--interval' requires a value (see --help)" ]
	run --separate-stderr -2 "$EXPORTER" --listen
	[ "$stderr" = "ebpf-exporter: option '--listen' requires a value (see --help)" ]
	run --separate-stderr -2 "$STREAM" --output
	[ "$stderr" = "ebpf-stream: option '--output' requires a value (see --help)" ]
}

@test "an unknown option is one line with one prefix, in every binary and command" {
	local cmd
	for cmd in list load unload show; do
		run --separate-stderr -2 "$LOADER" "$cmd" --bogus
		[ "$stderr" = "ebpf-loader: $cmd: unknown option '--bogus' (see 'ebpf-loader $cmd --help')" ]
	done
	run --separate-stderr -2 "$LOADER" unload -x
	[ "$stderr" = "ebpf-loader: unload: unknown option '-x' (see 'ebpf-loader unload --help')" ]
	run --separate-stderr -2 "$LOADER" load --replace=yes x.o
	[ "$stderr" = "ebpf-loader: load: option '--replace' takes no value (see 'ebpf-loader load --help')" ]
	# --json: the error is JSON on stdout, and still one line on stderr.
	run --separate-stderr -2 "$LOADER" --json list --bogus
	[ "$stderr" = "ebpf-loader: list: unknown option '--bogus' (see 'ebpf-loader list --help')" ]
	run -0 jq -e '.error == "list: unknown option '"'--bogus'"' (see '"'ebpf-loader list --help'"')"' <<<"$output"
	run --separate-stderr -2 "$PRINT" --bogus
	[ "$stderr" = "ebpf-print: unknown option '--bogus' (see --help)" ]
	run --separate-stderr -2 "$EXPORTER" --bogus
	[ "$stderr" = "ebpf-exporter: unknown option '--bogus' (see --help)" ]
	run --separate-stderr -2 "$STREAM" --bogus
	[ "$stderr" = "ebpf-stream: unknown option '--bogus' (see --help)" ]
}

@test "list's columns are in the same order in its output, its --help, the usage and the man page" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	run -0 "$LOADER" list --pin-root "$ROOT"
	local header cols
	header=$(head -n 1 <<<"$output" | tr -s ' ')
	[ "$header" = "NAME STATE PROGS MAPS LOADED HOLDER OBJECT ATTACH" ]
	run -0 "$LOADER" list --help
	[[ "$(tr '\n' ' ' <<<"$output" | tr -s ' ')" == *"$header"* ]]
	run -0 "$LOADER" --help
	[[ "$(tr '\n' ' ' <<<"$output" | tr -s ' ')" == *"list one line per loaded backend: $header"* ]]
	# The man page's description of list, as man renders it.
	cols=$(sed -n '/^\.B list$/,/^\.TP$/p' "$BATS_TEST_DIRNAME/../docs/ebpf-loader.8" | tr '\n' ' ' | tr -s ' ')
	[[ "$cols" == *"$header"* ]]
	# And the line of the backend is in that order: name first, attach last.
	run -0 "$LOADER" list --pin-root "$ROOT"
	[[ "$(sed -n 2p <<<"$output" | tr -s ' ')" == "t_tracepoint ok 1 1 "*" - $TOBJ/t_tracepoint.o tracepoint:syscalls/sys_enter_getppid" ]]
}

@test "README's --json claim names exactly the binaries that take --json" {
	# What the binaries do: --json before --help is taken or refused.
	run -0 "$LOADER" --json --help
	run -0 "$LOADER" list --json --help
	run -0 "$LOADER" show --json --help
	run -0 "$LOADER" load --json --help
	run -0 "$LOADER" unload --json --help
	run -0 "$PRINT" --json --help
	run -2 "$EXPORTER" --json --help
	run -2 "$STREAM" --json --help
	# What README says, in its one sentence on --json.
	local sentence
	sentence=$(tr '\n' ' ' <"$BATS_TEST_DIRNAME/../README.md" | tr -s ' ' |
		grep -o '[^.]*takes `--json`[^.]*\.')
	echo "$sentence"
	[[ "$sentence" == *'Every `ebpf-loader` command takes `--json`, and so does `ebpf-print`'* ]]
	[[ "$sentence" == *'(`ebpf-exporter` and `ebpf-stream` have one output format each and refuse it)'* ]]
}

@test "ebpf-print and ebpf-stream read seconds by one rule: 0.001 to 86400" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	local bad
	for bad in 1e-9 0.0009 0 -1 86400.5 1e999 nan abc ""; do
		run --separate-stderr -2 "$PRINT" --once --interval "$bad" --pin-root "$ROOT"
		[ "$stderr" = "ebpf-print: invalid --interval '$bad': seconds, 0.001 to 86400" ]
		run --separate-stderr -2 "$STREAM" --once --interval "$bad" --pin-root "$ROOT" --output /dev/null
		[ "$stderr" = "ebpf-stream: invalid --interval '$bad': seconds, 0.001 to 86400" ]
		run --separate-stderr -2 "$STREAM" --max-lag "$bad" --pin-root "$ROOT" --output /dev/null
		[ "$stderr" = "ebpf-stream: invalid --max-lag '$bad': seconds, 0.001 to 86400" ]
	done
	local good
	for good in 0.001 1e-3 86400; do
		run -0 "$PRINT" --once --interval "$good" --pin-root "$ROOT"
		run -0 "$STREAM" --once --interval "$good" --pin-root "$ROOT" --output /dev/null
	done
}
