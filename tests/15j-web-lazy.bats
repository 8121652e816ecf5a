#!/usr/bin/env bats
# OpenSSL, libyaml and libxcrypt are loaded only when --web.config.file is
# given (readers/core/weblibs.c): no reader links them, a plain exporter
# never maps them, one with a web configuration loads them and serves TLS,
# and one that cannot load them says which library and why.

bats_require_minimum_version 1.5.0
load lib

WEB_LIB_RE='lib(ssl|crypto)\.so|libyaml|libcrypt\.so'

# A self-signed certificate for 127.0.0.1 and a web config serving it.
web_tls_config() {
	run -0 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$TMP/srv.key" -out "$TMP/srv.crt" -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1
	printf 'tls_server_config:\n  cert_file: srv.crt\n  key_file: srv.key\n' >"$TMP/web.yml"
}

# A file where LD_LIBRARY_PATH makes dlopen look first: not a library.
web_broken_lib() { # SONAME
	mkdir -p "$TMP/lib"
	: >"$TMP/lib/$1"
}

@test "the exporter and the stream have no NEEDED entry for libssl, libcrypto, libyaml, libcrypt" {
	local b
	for b in "$EXPORTER" "$STREAM"; do
		run -0 readelf -d "$b"
		[[ "$output" == *"(NEEDED)"*"[libc.so."* ]] # the list is there to look at
		run -1 grep -E "NEEDED.*($WEB_LIB_RE)" <<<"$output"
	done
}

@test "a plain exporter maps no OpenSSL; with --web.config.file it loads it and serves TLS" {
	mkdir "$ROOT" # teardown removes it
	exporter_start
	run -0 scrape
	run -0 cat "/proc/$EXPORTER_PID/maps"
	run -1 grep -E "$WEB_LIB_RE" <<<"$output"

	web_tls_config
	PORT=$(free_port 1)
	"$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$PORT" --web.config.file "$TMP/web.yml" \
		2>"$TMP/tls.err" &
	local pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_until 5 curl -sf -o /dev/null --cacert "$TMP/srv.crt" "https://127.0.0.1:$PORT/metrics"
	run -0 curl -sf -o /dev/null -w '%{http_code}' --cacert "$TMP/srv.crt" \
		"https://127.0.0.1:$PORT/metrics"
	[ "$output" = 200 ]
	run -0 grep -E 'libssl\.so\.3' "/proc/$pid/maps"
	# After the capability drop, a reload finds the libraries loaded.
	kill -HUP "$pid"
	wait_until 5 grep -q 'reloaded (TLS)' "$TMP/tls.err"
	run -0 curl -sf -o /dev/null --cacert "$TMP/srv.crt" "https://127.0.0.1:$PORT/metrics"
}

@test "a library that cannot be loaded: exit 1, one line naming the file, the library and why" {
	mkdir "$ROOT" # teardown removes it
	web_tls_config
	web_broken_lib libssl.so.3
	run -1 env LD_LIBRARY_PATH="$TMP/lib" "$EXPORTER" --pin-root "$ROOT" \
		--listen "127.0.0.1:$(free_port)" --web.config.file "$TMP/web.yml"
	[ "$output" = "ebpf-exporter: --web.config.file $TMP/web.yml: TLS support needs libssl.so.3: $TMP/lib/libssl.so.3: file too short" ]

	web_broken_lib libcrypt.so.1
	rm "$TMP/lib/libssl.so.3"
	run -1 env LD_LIBRARY_PATH="$TMP/lib" "$EXPORTER" --pin-root "$ROOT" \
		--listen "127.0.0.1:$(free_port)" --web.config.file "$TMP/web.yml"
	[ "$output" = "ebpf-exporter: --web.config.file $TMP/web.yml: basic auth needs libcrypt.so.1: $TMP/lib/libcrypt.so.1: file too short" ]

	web_broken_lib libyaml-0.so.2
	run -1 env LD_LIBRARY_PATH="$TMP/lib" "$STREAM" --pin-root "$ROOT" \
		--listen "tcp:127.0.0.1:$(free_port)" --web.config.file "$TMP/web.yml"
	[ "$output" = "ebpf-stream: --web.config.file $TMP/web.yml: reading YAML needs libyaml-0.so.2: $TMP/lib/libyaml-0.so.2: file too short" ]
}
