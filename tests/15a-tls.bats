#!/usr/bin/env bats
# --web.config.file (the Prometheus exporter-toolkit's format): TLS, client
# certificates, bcrypt basic auth and headers on the exporter, TLS with
# client certificates on the stream, SIGHUP reloads. Certificates are made
# here with openssl, hashes with python3-bcrypt; a real Prometheus scrapes.

bats_require_minimum_version 1.5.0
load lib

promql() { # QUERY_URL QUERY
	curl -sf --get --data-urlencode "query=$2" "$1" | jq -r '.data.result[0].value[1] // empty'
}
promql_is() { # QUERY_URL QUERY VALUE
	[ "$(promql "$1" "$2")" = "$3" ]
}

# A CA, a server certificate for 127.0.0.1/localhost (srv), a client
# certificate (cli), and a client certificate from another CA (rogue).
make_certs() {
	local d=$TMP/pki n
	mkdir -p "$d"
	for n in ca other; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-keyout "$d/$n.key" -out "$d/$n.crt" -subj "/CN=test $n" 2>/dev/null
	done
	issue srv ca 'subjectAltName=IP:127.0.0.1,DNS:localhost'
	issue cli ca 'subjectAltName=DNS:scraper
extendedKeyUsage=clientAuth'
	issue rogue other 'extendedKeyUsage=clientAuth'
}

issue() { # NAME CA EXTENSIONS
	local d=$TMP/pki
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/$1.key" \
		-out "$d/$1.csr" -subj "/CN=$1" 2>/dev/null
	printf '%s\n' "$3" >"$d/$1.ext"
	openssl x509 -req -in "$d/$1.csr" -CA "$d/$2.crt" -CAkey "$d/$2.key" -CAcreateserial \
		-days 2 -extfile "$d/$1.ext" -out "$d/$1.crt" 2>/dev/null
}

bcrypt_hash() { # PASSWORD [COST]
	"$PY" -c 'import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(int(sys.argv[2]))).decode())' "$1" "${2:-6}"
}

# The exporter on 127.0.0.1:$PORT with ARGS, once it listens (it may
# speak TLS only, so nothing is fetched to find out).
tls_exporter_start() { # ARGS...
	local try
	PORT=$(free_port)
	[ -d "$ROOT" ] || mkdir "$ROOT" # teardown removes it
	for try in 1 2 3; do
		"$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$PORT" "$@" 2>"$TMP/exporter.err" &
		EXPORTER_PID=$!
		BG_PIDS="$BG_PIDS $EXPORTER_PID"
		wait_until 5 exporter_listening_or_failed || break
		exporter_port_taken || return 0
		PORT=$(free_port $((try * 17)))
	done
	cat "$TMP/exporter.err" >&2
	return 1
}

https() { # PATH [CURL ARGS...]: status code of a GET over TLS
	curl -s -o "$TMP/body" -w '%{http_code}' --cacert "$TMP/pki/ca.crt" "${@:2}" \
		"https://127.0.0.1:$PORT$1"
}

# $TMP/web.yml: the server's certificate and key (paths relative to the
# file), client certificates from pki/ca.crt required when MODE is mtls,
# then LINES as they are (more of tls_server_config, or other sections).
web_yml() { # plain|mtls [LINE...]
	{
		printf 'tls_server_config:\n  cert_file: pki/srv.crt\n  key_file: pki/srv.key\n'
		[ "$1" = plain ] || printf '  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: pki/ca.crt\n'
		[ $# -lt 2 ] || printf '%s\n' "${@:2}"
	} >"$TMP/web.yml"
}

# A peer that connects to PORT, sends nothing and stays (60 s at most),
# once it is connected.
stalled_peer() { # PORT
	"$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
time.sleep(60)  # not a wait: the stalled peer holds its connection
' "$1" "$TMP/stalled" &
	BG_PIDS="$BG_PIDS $!"
	wait_until 5 test -e "$TMP/stalled"
}

# Prometheus 2.42 scraping the exporter over TLS with the job's extra YAML
# (its TLS and auth settings); sets PQ, the query URL.
prometheus_start() { # JOB_YAML
	prom_scrape_exporter "    scheme: https
$1"
	PQ=$PROM_QUERY
}

sockex1_traffic() { # PACKETS
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 "$1" 64
}

PACKETS='ebpf_sockex1_proto_stats_packets_total{proto="udp"}'

@test "Prometheus scrapes over TLS with basic auth: up is 1, the exact packet count" {
	make_certs
	sockex1_traffic 37
	web_yml plain \
		"basic_auth_users:" \
		"  prom: $(bcrypt_hash 's3cret pass')"
	tls_exporter_start --web.config.file "$TMP/web.yml" sockex1
	prometheus_start "    tls_config:
	      ca_file: $TMP/pki/ca.crt
	    basic_auth:
	      username: prom
	      password: 's3cret pass'"
	wait_until 20 promql_is "$PQ" "$PACKETS" 37
	run -0 promql "$PQ" 'up{job="ebpf"}'
	[ "$output" = 1 ]
}

@test "Prometheus scrapes over mutual TLS: up is 1, the exact packet count" {
	make_certs
	sockex1_traffic 23
	cat >"$TMP/web.yml" <<-EOF
	tls_server_config:
	  cert_file: $TMP/pki/srv.crt
	  key_file: $TMP/pki/srv.key
	  client_auth_type: RequireAndVerifyClientCert
	  client_ca_file: $TMP/pki/ca.crt
	  min_version: TLS12
	EOF
	tls_exporter_start --web.config.file "$TMP/web.yml" sockex1
	prometheus_start "    tls_config:
	      ca_file: $TMP/pki/ca.crt
	      cert_file: $TMP/pki/cli.crt
	      key_file: $TMP/pki/cli.key"
	wait_until 20 promql_is "$PQ" "$PACKETS" 23
	run -0 promql "$PQ" 'up{job="ebpf"}'
	[ "$output" = 1 ]
}

@test "basic auth: no or wrong credentials get 401 with WWW-Authenticate; headers from the file; plain HTTP is refused" {
	make_certs
	web_yml plain \
		"http_server_config:" \
		"  headers:" \
		"    X-Frame-Options: deny" \
		"basic_auth_users:" \
		"  prom: $(bcrypt_hash right)" \
		"  other: $(bcrypt_hash alsoright)"
	tls_exporter_start --web.config.file "$TMP/web.yml"
	run -0 https /metrics -D "$TMP/h"
	[ "$output" = 401 ]
	grep -qi '^WWW-Authenticate: Basic' "$TMP/h"
	grep -qi '^X-Frame-Options: deny' "$TMP/h"
	run -0 https /metrics -u prom:wrong
	[ "$output" = 401 ]
	run -0 https /metrics -u nobody:right
	[ "$output" = 401 ]
	run -0 https /metrics -u other:right
	[ "$output" = 401 ]
	run -0 https / -u prom:right
	[ "$output" = 200 ]
	run -0 https /metrics -u prom:right
	[ "$output" = 200 ]
	grep -q '^# TYPE ebpf_exporter_scrape_duration_seconds gauge' "$TMP/body"
	# Twice: the second is answered from the cache of checked passwords.
	run -0 https /metrics -u other:alsoright
	[ "$output" = 200 ]
	run -0 https /metrics -u other:alsoright
	[ "$output" = 200 ]
	# Plain HTTP on the TLS port gets no HTTP answer at all.
	run ! curl -sf -o /dev/null "http://127.0.0.1:$PORT/metrics"
	kill -0 "$EXPORTER_PID"
}

@test "basic auth: a flood of wrong passwords is shed with 429 (bcrypt off the serving thread), a known scraper is served" {
	make_certs
	# Cost 12: a check takes a few hundred milliseconds, as in production
	# configurations; done on the serving thread, 64 of them held every
	# other client for most of a minute.
	web_yml plain "basic_auth_users:" "  prom: $(bcrypt_hash right 12)"
	tls_exporter_start --web.config.file "$TMP/web.yml"
	run -0 https /metrics -u prom:right # checked once, then remembered
	[ "$output" = 200 ]
	curl -s --no-progress-meter -Z --parallel-max 64 --parallel-immediate -o /dev/null -w '%{http_code}\n' \
		--cacert "$TMP/pki/ca.crt" -u prom:wrong "https://127.0.0.1:$PORT/metrics?[1-64]" \
		>"$TMP/flood" &
	local flood=$!
	BG_PIDS="$BG_PIDS $flood"
	run -0 https /metrics -u prom:right
	[ "$output" = 200 ]
	grep -q '^# TYPE ebpf_exporter_scrape_duration_seconds gauge' "$TMP/body"
	wait "$flood"
	# Every attempt answered: refused after its check, or told to come back.
	run -0 sort "$TMP/flood"
	[ "${#lines[@]}" = 64 ]
	run -1 grep -v -x -e 401 -e 429 "$TMP/flood"
	[ -z "$output" ]
	run -0 grep -c -x 401 "$TMP/flood"
	[ "$output" -ge 1 ]
	run -0 grep -c -x 429 "$TMP/flood"
	[ "$output" -ge 32 ]
	run -0 https /metrics -u prom:right
	[ "$output" = 200 ]
}

# A script that runs the exporter in the test's cgroup.
exporter_in_cgroup() {
	printf '#!/bin/sh\necho $$ >"%s/cgroup.procs" && exec "%s" "$@"\n' "$CGROUP" "$EXPORTER" \
		>"$TMP/in-cgroup"
	chmod +x "$TMP/in-cgroup"
}

@test "basic auth: without a thread for password checks the exporter does not start (no bcrypt on the serving thread)" {
	make_certs
	web_yml plain "basic_auth_users:" "  prom: $(bcrypt_hash right)"
	controller_cgroup_create pids || true
	exporter_in_cgroup
	mkdir "$ROOT"
	# One task: the exporter itself, no thread beside it. Before, it
	# started all the same and ran every bcrypt where it serves. (Under
	# ASan, LeakSanitizer's check at exit would need a thread too.)
	echo 1 >"$CGROUP/pids.max"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 run -1 timeout 10 "$TMP/in-cgroup" --pin-root "$ROOT" --listen "127.0.0.1:$(free_port)" \
		--web.config.file "$TMP/web.yml"
	[[ "$output" == *"ebpf-exporter: cannot start the thread that checks passwords: Resource temporarily unavailable"* ]]
	# Room for that thread: served, the password checked on it.
	echo 2 >"$CGROUP/pids.max"
	EXPORTER=$TMP/in-cgroup tls_exporter_start --web.config.file "$TMP/web.yml"
	run -0 https /metrics -u prom:right
	[ "$output" = 200 ]
	run -0 https /metrics -u prom:wrong
	[ "$output" = 401 ]
	run -0 cat "$CGROUP/pids.current"
	[ "$output" = 2 ]
}

@test "mutual TLS: no client certificate, or one from another CA, is refused" {
	make_certs
	web_yml mtls
	tls_exporter_start --web.config.file "$TMP/web.yml"
	run -0 https /metrics --cert "$TMP/pki/cli.crt" --key "$TMP/pki/cli.key"
	[ "$output" = 200 ]
	run ! https /metrics
	[ "$output" = 000 ]
	run ! https /metrics --cert "$TMP/pki/rogue.crt" --key "$TMP/pki/rogue.key"
	[ "$output" = 000 ]
	run ! curl -sf -o /dev/null "http://127.0.0.1:$PORT/metrics"
	kill -0 "$EXPORTER_PID"
}

@test "client_allowed_sans, cipher_suites, max_version: what the file says is what is served" {
	make_certs
	web_yml mtls \
		"  client_allowed_sans: [somebody-else]" \
		"  max_version: TLS12" \
		"  cipher_suites: [TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305]" \
		"  curve_preferences: [X25519, CurveP256]"
	tls_exporter_start --web.config.file "$TMP/web.yml"
	# The client certificate's SAN is "scraper": not allowed.
	run ! https /metrics --cert "$TMP/pki/cli.crt" --key "$TMP/pki/cli.key"
	sed -i 's/somebody-else/scraper/' "$TMP/web.yml"
	kill -HUP "$EXPORTER_PID"
	wait_until 5 grep -q 'reloaded' "$TMP/exporter.err"
	run -0 curl -s -o /dev/null -w '%{http_code}' --cacert "$TMP/pki/ca.crt" \
		--cert "$TMP/pki/cli.crt" --key "$TMP/pki/cli.key" -v "https://127.0.0.1:$PORT/metrics"
	[[ "$output" == *"TLSv1.2"* ]]
	[[ "$output" == *"ECDHE-ECDSA-CHACHA20-POLY1305"* ]]
	[[ "$output" == *"200" ]]
	run ! curl -s -o /dev/null --tlsv1.3 --cacert "$TMP/pki/ca.crt" --cert "$TMP/pki/cli.crt" \
		--key "$TMP/pki/cli.key" "https://127.0.0.1:$PORT/metrics"
}

served_serial() { # the serial number of the certificate the exporter serves
	openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$TMP/pki/ca.crt" </dev/null 2>/dev/null |
		openssl x509 -noout -serial
}

@test "certificate rotation by SIGHUP during 50 concurrent scrapes: none fails" {
	make_certs
	web_yml plain
	tls_exporter_start --web.config.file "$TMP/web.yml"
	local old new i pids=""
	old=$(served_serial)
	[ -n "$old" ]
	# The new certificate and key replace the old files, as a renewal does.
	issue srv2 ca 'subjectAltName=IP:127.0.0.1,DNS:localhost'
	new=$(openssl x509 -noout -serial -in "$TMP/pki/srv2.crt")
	[ "$old" != "$new" ]
	for i in $(seq 50); do
		# Each curl scrapes 4 times (4 connections): before, during
		# and after the reload.
		curl -sf --cacert "$TMP/pki/ca.crt" -o "$TMP/s$i" \
			"https://127.0.0.1:$PORT/metrics?[1-4]" &
		pids="$pids $!"
	done
	cp "$TMP/pki/srv2.crt" "$TMP/pki/srv.crt"
	cp "$TMP/pki/srv2.key" "$TMP/pki/srv.key"
	kill -HUP "$EXPORTER_PID"
	# Each curl by pid: a bare `wait` would wait for the exporter too.
	for i in $pids; do wait "$i"; done
	wait_until 5 grep -q 'reloaded (TLS)' "$TMP/exporter.err"
	[ "$(served_serial)" = "$new" ]
	kill -0 "$EXPORTER_PID"
}

@test "a bad file on reload keeps the configuration in use and says so; bad files at start are errors naming file and key" {
	make_certs
	web_yml plain
	tls_exporter_start --web.config.file "$TMP/web.yml"
	printf '  cert_flie: x\n' >>"$TMP/web.yml"
	kill -HUP "$EXPORTER_PID"
	wait_until 5 grep -q 'reload refused' "$TMP/exporter.err"
	grep -q "web.yml:4: cert_flie: unknown key in tls_server_config" "$TMP/exporter.err"
	run -0 https /metrics
	[ "$output" = 200 ]
	# Regression: a long curve_preferences list overflowed a stack buffer
	# (a crash on reload); now a refusal like any other.
	web_yml plain "  curve_preferences: [$(printf 'X25519, %.0s' $(seq 30))X25519]"
	kill -HUP "$EXPORTER_PID"
	wait_until 5 grep -q 'curve_preferences: too many' "$TMP/exporter.err"
	run -0 kill -0 "$EXPORTER_PID"
	run -0 https /metrics
	[ "$output" = 200 ]
	# A key file that is not there: the same, said with the file's name.
	printf 'tls_server_config:\n  cert_file: pki/srv.crt\n  key_file: pki/none.key\n' >"$TMP/web.yml"
	kill -HUP "$EXPORTER_PID"
	wait_until 5 grep -q 'none.key' "$TMP/exporter.err"
	run -0 https /metrics
	[ "$output" = 200 ]
	# At start: exit status 1, one line naming the file and the key.
	printf 'tls_server_config:\n  cert_file: a\nbasic_auth_user:\n  x: y\n' >"$TMP/bad.yml"
	run -1 "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$(free_port)" --web.config.file "$TMP/bad.yml"
	[ "$output" = "ebpf-exporter: $TMP/bad.yml:4: basic_auth_user: unknown key (tls_server_config, http_server_config, basic_auth_users)" ]
	printf 'tls_server_config:\n  cert_file: pki/srv.crt\n' >"$TMP/bad.yml"
	run -1 "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$(free_port)" --web.config.file "$TMP/bad.yml"
	[[ "$output" == "ebpf-exporter: $TMP/bad.yml: tls_server_config: cert_file and key_file are required" ]]
	# A certificate that is not there: the system's reason, not OpenSSL's
	# "system lib"; one that is no certificate: the cause, not "PEM lib".
	printf 'tls_server_config:\n  cert_file: none.crt\n  key_file: pki/srv.key\n' >"$TMP/bad.yml"
	run -1 "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$(free_port)" --web.config.file "$TMP/bad.yml"
	[ "$output" = "ebpf-exporter: $TMP/bad.yml: cert_file: $TMP/none.crt: No such file or directory" ]
	printf 'tls_server_config:\n  cert_file: bad.yml\n  key_file: pki/srv.key\n' >"$TMP/bad.yml"
	run -1 "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$(free_port)" --web.config.file "$TMP/bad.yml"
	[[ "$output" == "ebpf-exporter: $TMP/bad.yml: cert_file: $TMP/bad.yml: "*"no start line" ]]
	printf 'basic_auth_users:\n  x: plaintext\n' >"$TMP/bad.yml"
	run -1 "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$(free_port)" --web.config.file "$TMP/bad.yml"
	[[ "$output" == *"bad.yml:2: x: a bcrypt hash"* ]]
	run -1 "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$(free_port)" --web.config.file "$TMP/none.yml"
	[[ "$output" == *"none.yml: No such file or directory" ]]
}

@test "a stalled TLS handshake does not block a concurrent scrape" {
	make_certs
	web_yml plain
	tls_exporter_start --web.config.file "$TMP/web.yml"
	# Connects, sends nothing, and stays.
	stalled_peer "$PORT"
	# And one that starts a handshake and stops half-way.
	"$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
open(sys.argv[2], "w").close()
time.sleep(60)  # not a wait: the stalled peer holds its connection
' "$PORT" "$TMP/half" &
	BG_PIDS="$BG_PIDS $!"
	wait_until 5 test -e "$TMP/half"
	run -0 https /metrics --max-time 20
	[ "$output" = 200 ]
}

# The stream on tcp: with TLS; SUBSCRIBE reads what a subscriber gets.
tls_stream_start() { # ARGS...
	SPORT=$(free_port 2)
	[ -d "$ROOT" ] || mkdir "$ROOT" # teardown removes it
	"$STREAM" --pin-root "$ROOT" --listen "tcp:127.0.0.1:$SPORT" "$@" 2>"$TMP/stream.err" &
	STREAM_PID=$!
	BG_PIDS="$BG_PIDS $STREAM_PID"
	wait_until 5 stream_listening
}
stream_listening() {
	ss -Hltnp "sport = :$SPORT" | grep "pid=$STREAM_PID," >/dev/null
}

# Reads the stream for a moment as a TLS subscriber, with or without the
# client certificate; the bytes go to OUT.
subscribe() { # OUT [CERT KEY]
	"$PY" - "$SPORT" "$TMP/pki/ca.crt" "$@" <<-'EOF'
	import socket, ssl, sys
	port, ca, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	ctx = ssl.create_default_context(cafile=ca)
	if len(sys.argv) > 5:
	    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
	s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
	                    server_hostname="localhost")
	data = b""
	while len(data) < 64:
	    chunk = s.recv(65536)
	    if not chunk:
	        break
	    data += chunk
	open(out, "wb").write(data)
	sys.exit(0 if data else 1)
	EOF
}

@test "ebpf-stream over TLS: a subscriber with a client certificate reads the Describe; without one it is refused" {
	make_certs
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	web_yml mtls
	tls_stream_start --web.config.file "$TMP/web.yml"
	# A stalled handshake meanwhile blocks nobody.
	stalled_peer "$SPORT"
	run -0 subscribe "$TMP/sub" "$TMP/pki/cli.crt" "$TMP/pki/cli.key"
	run -0 "$STREAM" --decode <"$TMP/sub"
	run -0 jq -r 'select(.describe) | .describe.maps[] | "\(.backend)/\(.map)"' <<<"$output"
	[[ "$output" == *"sockex1/proto_stats"* ]]
	run ! subscribe "$TMP/nocert"
	run ! subscribe "$TMP/rogue" "$TMP/pki/rogue.crt" "$TMP/pki/rogue.key"
	# Rotation by SIGHUP: the listener stays, new subscribers get the new certificate.
	issue srv2 ca 'subjectAltName=IP:127.0.0.1,DNS:localhost'
	sed -i 's/srv\./srv2./' "$TMP/web.yml"
	kill -HUP "$STREAM_PID"
	wait_until 5 grep -q 'reloaded (TLS)' "$TMP/stream.err"
	run -0 subscribe "$TMP/sub2" "$TMP/pki/cli.crt" "$TMP/pki/cli.key"
	[ "$(openssl s_client -connect "127.0.0.1:$SPORT" -CAfile "$TMP/pki/ca.crt" </dev/null 2>/dev/null |
		openssl x509 -noout -serial)" = "$(openssl x509 -noout -serial -in "$TMP/pki/srv2.crt")" ]
	kill -0 "$STREAM_PID"
}

@test "ebpf-stream refuses basic_auth_users (no HTTP to carry them) and a web config without --listen" {
	make_certs
	printf 'basic_auth_users:\n  x: %s\n' "$(bcrypt_hash pw)" >"$TMP/web.yml"
	run -1 "$STREAM" --pin-root "$ROOT" --listen "tcp:127.0.0.1:$(free_port)" --web.config.file "$TMP/web.yml"
	[[ "$output" == "ebpf-stream: $TMP/web.yml: basic_auth_users: ebpf-stream has no HTTP to carry a password"* ]]
	printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n' "$TMP/pki/srv.crt" "$TMP/pki/srv.key" >"$TMP/web.yml"
	run -2 "$STREAM" --pin-root "$ROOT" --output "$TMP/out" --web.config.file "$TMP/web.yml"
	[[ "$output" == *"--web.config.file is for subscribers"* ]]
}
