#!/usr/bin/env bash
# Benchmark 7: what --web.config.file costs. A scrape of 10 k series over
# TLS against the same scrape in plain HTTP, from two exporters on the same
# map, interleaved run by run; and the TLS exporter's peak RSS at 10 k
# entries. Each run is SCRAPES scrapes by one curl: one connection each (the
# exporter closes after a response), the TLS session resumed from the
# first, as Prometheus's client resumes it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECTION="tls"
SCRAPES=${SCRAPES:-20}

mb() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

pki=$BENCH_TMP/pki
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$pki/ca.key" -out "$pki/ca.crt" -subj "/CN=bench ca" 2>/dev/null || bench_die "openssl"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/srv.key" \
	-out "$pki/srv.csr" -subj "/CN=localhost" 2>/dev/null || bench_die "openssl"
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/ext"
openssl x509 -req -in "$pki/srv.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
	-days 2 -extfile "$pki/ext" -out "$pki/srv.crt" 2>/dev/null || bench_die "openssl"
printf 'tls_server_config:\n  cert_file: pki/srv.crt\n  key_file: pki/srv.key\n' >"$BENCH_TMP/web.yml"

mkdir -p "$BENCH_ROOT"
"$TH/mkmap" "$BENCH_ROOT/hash10k/maps/m" hash 10000 >/dev/null || bench_die "mkmap"

exporter_start --max-series 20000 hash10k
plain_port=$EXP_PORT
tls_port=$(free_port)
[ "$tls_port" != "$plain_port" ] || tls_port=$((plain_port + 1))
"$EXPORTER" --pin-root "$BENCH_ROOT" --listen "127.0.0.1:$tls_port" --max-series 20000 \
	--web.config.file "$BENCH_TMP/web.yml" hash10k 2>"$BENCH_TMP/tls.err" &
tls_pid=$!
bench_bg "$tls_pid"
for ((i = 0; i < 100; i++)); do
	curl -sf --cacert "$pki/ca.crt" -o /dev/null "https://127.0.0.1:$tls_port/" && break
	sleep 0.05 # not a wait: the poll interval of this bounded wait
done
series=$(curl -sf --cacert "$pki/ca.crt" "https://127.0.0.1:$tls_port/metrics" |
	grep -c '^ebpf_hash10k_')
[ "$series" -ge 10000 ] || bench_die "TLS scrape: $series series, not 10000 (see $BENCH_TMP/tls.err)"

plain_run() { curl -sf -o /dev/null "http://127.0.0.1:$plain_port/metrics?[1-$SCRAPES]"; }
tls_run() { curl -sf --cacert "$pki/ca.crt" -o /dev/null "https://127.0.0.1:$tls_port/metrics?[1-$SCRAPES]"; }
plain_run && tls_run || bench_die "warm-up scrapes failed"
for ((r = 0; r < RUNS; r++)); do
	p=$(time_s plain_run) || bench_die "plain scrape failed"
	t=$(time_s tls_run) || bench_die "TLS scrape failed"
	keep plain "$(awk -v s="$p" -v n="$SCRAPES" 'BEGIN { print s / n * 1e3 }')"
	keep tls "$(awk -v s="$t" -v n="$SCRAPES" 'BEGIN { print s / n * 1e3 }')"
	keep ratio "$(ratio "$t" "$p")"
done
curl -sf --compressed --cacert "$pki/ca.crt" -o /dev/null "https://127.0.0.1:$tls_port/metrics" ||
	bench_die "TLS gzip scrape failed"
bench_log "per-scrape ms plain: $(tr "\n" " " <"$BENCH_TMP/plain") TLS: $(tr "\n" " " <"$BENCH_TMP/tls")"
rss=$(peak_rss_kb "$tls_pid")
anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$tls_pid/status")
file=$(awk '/^RssFile:/ { print $2 }' "/proc/$tls_pid/status")
plain_rss=$(peak_rss_kb "$EXP_PID")

result "scrape of 10k series over TLS (session resumed), ms" "$(fmt "$(med tls)")" ms \
	"plain HTTP, same map" "$(fmt "$(med plain)")" - "median of $RUNS runs of $SCRAPES scrapes"
result "TLS scrape time / plain scrape time (median of per-run ratios)" "$(fmt "$(med ratio)")" x \
	- - "<=1.3"
result "peak RSS at 10k entries: ebpf-exporter with TLS, plain + gzip scrapes" "$(mb "$rss")" MB \
	"the same without --web.config.file" "$(mb "$plain_rss")" "<6" \
	"after: $(mb "$anon") MB anonymous, $(mb "$file") MB shared library pages (libcrypto's most)"
