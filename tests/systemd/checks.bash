#!/bin/bash
# checks.bash NAME: one check of the units as installed, under the real
# systemd of the test container (tests/18a-systemd.bats runs each as
# ebpf-check@NAME.service of that systemd). Exit 0: the check holds; otherwise the
# last line says what did not. A new check is one check_NAME function here
# and one @test line there.
set -uo pipefail

OBJDIR=/usr/lib/ebpf/bpf
PINS=/sys/fs/bpf/ebpf
HERE=$(dirname "$0")
# The readers keep CAP_BPF (bit 39) once started, nothing else.
CAP_BPF_ONLY=0000008000000000

fail() { echo "not ok: $*" >&2; exit 1; }
note() { echo "# $*"; }

# The suite's helpers (wait_until, holds_map_fd, scrape), installed beside.
BUILD=$HERE
# shellcheck source=../lib.bash
source "$HERE/lib.bash"
# The port of ebpf-exporter.socket, for scrape.
PORT=9436

prop() { systemctl show -P "$2" "$1"; } # UNIT PROPERTY
is_active() { [ "$(systemctl is-active "$1")" = active ]; }
is_inactive() { [ "$(systemctl is-active "$1")" = inactive ]; }

# UNIT: start it, or fail with its journal.
start() {
	systemctl start "$1" && return 0
	journalctl -u "$1" --no-pager -n 20 >&2
	fail "systemctl start $1"
}

# The loader unit of a backend: socket filters need a process holding their
# socket (the foreground template), everything else is pinned and left.
loader_unit() { # NAME
	case $1 in
	sockex1*) echo "ebpf-loader-fg@$1.service" ;;
	*) echo "ebpf-loader@$1.service" ;;
	esac
}

scrape_has() { # TEXT: a scrape succeeds and shows a line starting with TEXT
	local body
	body=$(scrape) && grep -q "^$1" <<<"$body"
}
listed() { ebpf-loader list | awk -v n="$1" 'NR > 1 && $1 == n { f = 1 } END { exit !f }'; }
# Inode of a backend's meta pin: a new one after each (re)load.
meta_inode() { stat -c %i "$PINS/$1/meta" 2>/dev/null; }

check_backends() {
	local o name unit n=0
	for o in "$OBJDIR"/*.o; do
		name=$(basename "$o" .o)
		unit=$(loader_unit "$name")
		start "$unit"
		is_active "$unit" || fail "$unit: $(systemctl is-active "$unit") after start"
		[ -e "$PINS/$name/meta" ] || fail "$unit active, but no $PINS/$name/meta"
		listed "$name" || fail "$unit active, ebpf-loader list does not show $name"
		systemctl stop "$unit" || fail "systemctl stop $unit"
		[ ! -e "$PINS/$name" ] || fail "$unit stopped, $PINS/$name still there"
		note "$unit: loaded, listed, unloaded"
		n=$((n + 1))
	done
	[ "$n" -ge 13 ] || fail "only $n backends installed in $OBJDIR"
}

check_reload_swaps_backend() {
	local before after scrapes=0
	start ebpf-loader@bitehist.service
	start ebpf-exporter.socket
	wait_until 10 scrape_has ebpf_bitehist || fail "no ebpf_bitehist metric in a scrape"
	local pid
	pid=$(prop ebpf-exporter.service MainPID)
	before=$(meta_inode bitehist)
	# Scrapes all along the reload: every one must succeed.
	(
		while :; do
			scrape >/dev/null || { echo failed >"/run/ebpf-check-scrape"; exit 1; }
		done
	) &
	local scraper=$!
	systemctl reload ebpf-loader@bitehist.service || fail "systemctl reload ebpf-loader@bitehist"
	scrape_has ebpf_bitehist || fail "no ebpf_bitehist metric after the reload"
	kill "$scraper"
	wait "$scraper" 2>/dev/null
	[ ! -e /run/ebpf-check-scrape ] || { rm -f /run/ebpf-check-scrape; fail "a scrape failed during the reload"; }
	after=$(meta_inode bitehist)
	[ -n "$after" ] && [ "$after" != "$before" ] || fail "reload did not swap the backend (meta inode $before -> $after)"
	[ "$(prop ebpf-exporter.service MainPID)" = "$pid" ] || fail "the exporter restarted during the reload"
	note "reload swapped bitehist (meta inode $before -> $after), the exporter served throughout"
}

check_stop_unloads() {
	start ebpf-loader@syscount.service
	start ebpf-loader-fg@sockex1.service
	[ -e "$PINS/syscount/meta" ] && [ -e "$PINS/sockex1/meta" ] || fail "backends not pinned"
	local fgpid
	fgpid=$(prop ebpf-loader-fg@sockex1.service MainPID)
	systemctl stop ebpf-loader@syscount.service ebpf-loader-fg@sockex1.service || fail "systemctl stop"
	[ ! -e "$PINS/syscount" ] || fail "syscount still pinned after stop"
	[ ! -e "$PINS/sockex1" ] || fail "sockex1 still pinned after stop"
	[ ! -d "/proc/$fgpid" ] || fail "the foreground loader ($fgpid) outlived its unit"
	local left
	left=$(ebpf-loader list 2>/dev/null | awk 'NR > 1 { print $1 }')
	[ -z "$left" ] || fail "still loaded after stop: $left"
}

check_exporter_socket_activated() {
	start ebpf-loader@bitehist.service
	start ebpf-exporter.socket
	is_inactive ebpf-exporter.service || fail "ebpf-exporter.service $(systemctl is-active ebpf-exporter.service) before any connection"
	wait_until 10 scrape_has ebpf_bitehist || fail "the first scrape shows no ebpf_bitehist metric"
	is_active ebpf-exporter.service || fail "ebpf-exporter.service not active after a scrape"
	[ "$(prop ebpf-exporter.service TriggeredBy)" = ebpf-exporter.socket ] ||
		fail "ebpf-exporter.service triggered by '$(prop ebpf-exporter.service TriggeredBy)'"
}

# Bytes a subscriber of the stream's socket receives in its first seconds.
subscribe() { # FILE
	timeout 3 nc -U -d /run/ebpf-stream.sock >"$1"
	[ $? -eq 124 ] || [ -s "$1" ]
}

check_stream_socket_activated() {
	start ebpf-loader@bitehist.service
	start ebpf-stream.socket
	is_inactive ebpf-stream.service || fail "ebpf-stream.service $(systemctl is-active ebpf-stream.service) before any connection"
	subscribe /run/ebpf-check-cap || fail "no subscriber connection to /run/ebpf-stream.sock"
	local first
	first=$(ebpf-stream --decode </run/ebpf-check-cap 2>/dev/null | head -n 1)
	rm -f /run/ebpf-check-cap
	grep -q '"describe"' <<<"$first" || fail "the first frame is not a Describe: ${first:0:200}"
	grep -q bitehist <<<"$first" || fail "the Describe names no bitehist map: ${first:0:200}"
	is_active ebpf-stream.service || fail "ebpf-stream.service not active after a subscriber came"
}

# StatusText set (STATUS=), the unit active (READY=1) and a watchdog
# timestamp that moves on (WATCHDOG=1: every WatchdogSec/2).
watchdog_moved() { # UNIT TIMESTAMP
	local now
	now=$(prop "$1" WatchdogTimestampMonotonic)
	[ -n "$now" ] && [ "$now" != 0 ] && [ "$now" != "$2" ]
}

check_notify_seen_by_systemd() {
	start ebpf-loader@bitehist.service
	start ebpf-exporter.service
	start ebpf-stream.service
	local u t status
	declare -A t0
	for u in ebpf-exporter.service ebpf-stream.service; do
		is_active "$u" || fail "$u not active (READY=1)"
		status=$(prop "$u" StatusText)
		note "$u: StatusText=$status WatchdogUSec=$(prop "$u" WatchdogUSec)"
		[[ $status =~ ^(serving|streaming)\ [0-9]+\ maps ]] || fail "$u: StatusText '$status'"
		[ "$(prop "$u" WatchdogUSec)" != 0 ] || fail "$u: no watchdog"
		t0[$u]=$(prop "$u" WatchdogTimestampMonotonic)
	done
	local wd half
	for u in ebpf-exporter.service ebpf-stream.service; do
		wd=$(prop "$u" WatchdogUSec)
		# A ping comes every half period: one period (plus slack) is enough.
		half=$(systemd-analyze timespan "$wd" | sed -n 's/.*μs: *\([0-9]*\).*/\1/p')
		wait_until $((half / 1000000 + 5)) watchdog_moved "$u" "${t0[$u]}" ||
			fail "$u: WatchdogTimestamp still ${t0[$u]} after $wd (no WATCHDOG=1)"
		note "$u: watchdog pinged ($(prop "$u" WatchdogTimestamp))"
	done
}

restarted() { # UNIT OLD_PID OLD_COUNT
	local pid
	pid=$(prop "$1" MainPID)
	is_active "$1" && [ "$pid" != 0 ] && [ "$pid" != "$2" ] && [ "$(prop "$1" NRestarts)" -gt "$3" ]
}

check_restart_after_sigkill() {
	start ebpf-loader@bitehist.service
	start ebpf-exporter.service
	start ebpf-stream.service
	local u pid n
	for u in ebpf-exporter.service ebpf-stream.service; do
		pid=$(prop "$u" MainPID)
		n=$(prop "$u" NRestarts)
		systemctl kill --kill-whom=main -s KILL "$u" || fail "systemctl kill $u"
		wait_until 15 restarted "$u" "$pid" "$n" ||
			fail "$u not restarted after SIGKILL (MainPID $(prop "$u" MainPID), NRestarts $(prop "$u" NRestarts))"
		note "$u: killed $pid, restarted as $(prop "$u" MainPID)"
	done
	wait_until 10 scrape_has ebpf_bitehist || fail "the restarted exporter does not serve"
}

check_readers_hardened() {
	start ebpf-loader@syscount.service
	start ebpf-loader-fg@sockex1.service
	start ebpf-exporter.service
	start ebpf-stream.service
	scrape >/dev/null || fail "scrape"
	local u pid eff
	for u in ebpf-exporter.service ebpf-stream.service; do
		pid=$(prop "$u" MainPID)
		wait_until 10 holds_map_fd "$pid" || fail "$u ($pid) holds no map fd"
		eff=$(awk '/^CapEff/ { print $2 }' "/proc/$pid/status")
		[ "$eff" = "$CAP_BPF_ONLY" ] || fail "$u: CapEff $eff, want $CAP_BPF_ONLY (CAP_BPF only)"
		"$HERE/fdprobe" "$pid" || fail "$u: a write through its map fd was not refused"
		note "$u: CapEff $eff, map writes refused"
	done
}

# Exposure score of a running unit; at most 2.5.
check_security_scores() {
	start ebpf-loader@bitehist.service
	start ebpf-loader-fg@sockex1.service
	start ebpf-exporter.service
	start ebpf-stream.service
	local u out score
	for u in ebpf-loader@bitehist.service ebpf-loader-fg@sockex1.service \
		ebpf-exporter.service ebpf-stream.service; do
		is_active "$u" || fail "$u not active"
		out=$(systemd-analyze security --no-pager "$u" 2>&1)
		score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
		[ -n "$score" ] || fail "$u: no score from systemd-analyze security: $(tail -n 3 <<<"$out")"
		awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }' || fail "$u: exposure $score, above 2.5"
		note "$u: exposure $score while running"
	done
}

# The boot-time set: /etc/ebpf/backends through ebpf-backends.service.
loaded() { # NAME...: each pinned and listed
	local n
	for n; do
		[ -e "$PINS/$n/meta" ] || fail "no $PINS/$n/meta"
		listed "$n" || fail "ebpf-loader list does not show $n"
	done
}

check_backends_from_file() {
	trap 'systemctl disable ebpf-backends.service >/dev/null 2>&1; rm -f /etc/ebpf/backends' EXIT
	mkdir -p /etc/ebpf
	printf '# boot-time set\nbitehist\nsyscount\n' >/etc/ebpf/backends
	start ebpf-backends.service
	loaded bitehist syscount
	local before after
	before=$(meta_inode bitehist)
	# An edit of the file, then reload: the new one loaded, the others swapped.
	printf 'bitehist\nsyscount\nexecsnoop\n' >/etc/ebpf/backends
	systemctl reload ebpf-backends.service || fail "systemctl reload ebpf-backends"
	loaded bitehist syscount execsnoop
	after=$(meta_inode bitehist)
	[ -n "$after" ] && [ "$after" != "$before" ] || fail "reload did not swap bitehist (meta inode $before -> $after)"
	note "reload loaded execsnoop, swapped bitehist (meta inode $before -> $after)"
	systemctl stop ebpf-backends.service || fail "systemctl stop ebpf-backends"
	local n left
	for n in bitehist syscount execsnoop; do
		[ ! -e "$PINS/$n" ] || fail "$n still pinned after stop"
	done
	left=$(ebpf-loader list 2>/dev/null | awk 'NR > 1 { print $1 }')
	[ -z "$left" ] || fail "still loaded after stop: $left"
	# [Install] WantedBy=multi-user.target: enable makes it part of the boot.
	systemctl enable ebpf-backends.service 2>/dev/null || fail "systemctl enable ebpf-backends"
	[ "$(systemctl is-enabled ebpf-backends.service)" = enabled ] ||
		fail "is-enabled: $(systemctl is-enabled ebpf-backends.service)"
	[ -L /etc/systemd/system/multi-user.target.wants/ebpf-backends.service ] ||
		fail "enable made no multi-user.target.wants symlink"
	local wants
	wants=$(systemctl list-dependencies --plain multi-user.target)
	grep -q 'ebpf-backends\.service' <<<"$wants" ||
		fail "multi-user.target does not want ebpf-backends.service once enabled"
	note "enabled: wanted by multi-user.target"
}

# The exporter under its unit with /etc/ebpf/exporter.conf naming a web
# configuration; the test put two self-signed certificates (a.*, b.*) in
# /etc/ebpf/tls, the exporter serves a.
TLS=/etc/ebpf/tls
https_scrape() { # CA: a scrape over https trusting only CA
	local body
	body=$(curl -sf --cacert "$1" "https://127.0.0.1:$PORT/metrics") && grep -q '^ebpf_bitehist' <<<"$body"
}
https_refused() { # CA
	! curl -sf --cacert "$1" "https://127.0.0.1:$PORT/metrics" >/dev/null
}

check_exporter_tls_reload() {
	trap 'rm -f /etc/ebpf/exporter.conf; rm -rf $TLS' EXIT
	[ -r $TLS/a.crt ] && [ -r $TLS/b.crt ] || fail "no certificates in $TLS (the test copies them in)"
	install -m 0600 $TLS/a.crt $TLS/server.crt && install -m 0600 $TLS/a.key $TLS/server.key || fail "install a.*"
	printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n' >$TLS/web.yml
	echo "EBPF_EXPORTER_OPTS=--web.config.file $TLS/web.yml" >/etc/ebpf/exporter.conf
	start ebpf-loader@bitehist.service
	start ebpf-exporter.socket
	wait_until 10 https_scrape $TLS/a.crt || fail "no https scrape trusting the served certificate"
	is_active ebpf-exporter.service || fail "ebpf-exporter.service not active after a scrape"
	! scrape >/dev/null || fail "a plain http scrape succeeded"
	https_refused $TLS/b.crt || fail "a scrape trusting the other certificate succeeded"
	local pid
	pid=$(prop ebpf-exporter.service MainPID)
	# A renewal: new files in place, then reload (SIGHUP).
	install -m 0600 $TLS/b.crt $TLS/server.crt && install -m 0600 $TLS/b.key $TLS/server.key || fail "install b.*"
	systemctl reload ebpf-exporter.service || {
		journalctl -u ebpf-exporter.service --no-pager -n 10 >&2
		fail "systemctl reload ebpf-exporter"
	}
	wait_until 10 https_scrape $TLS/b.crt || fail "after the reload, no scrape trusting the new certificate"
	https_refused $TLS/a.crt || fail "after the reload, the old certificate is still served"
	[ "$(prop ebpf-exporter.service MainPID)" = "$pid" ] || fail "the exporter restarted during the reload"
	local eff
	eff=$(awk '/^CapEff/ { print $2 }' "/proc/$pid/status")
	[ "$eff" = "$CAP_BPF_ONLY" ] || fail "CapEff $eff, want $CAP_BPF_ONLY (CAP_BPF only)"
	note "https served, http refused, new certificate after reload by pid $pid, CapEff $eff"
}

# ebpf-stream.service publishing to a nats-server of the container (the
# test copies the host's binary beside the checks) that wants a user and
# password, given by /etc/ebpf/nats.auth; counted on the server's
# monitoring port.
NATS_UNIT=/run/systemd/system/ebpf-test-nats.service
NATS_MON=http://127.0.0.1:8222
nats_cleanup() {
	systemctl stop ebpf-stream.service ebpf-test-nats.service 2>/dev/null
	rm -rf /etc/ebpf/stream.conf /etc/ebpf/nats.auth $NATS_UNIT /run/ebpf-test-nats
	systemctl daemon-reload
}
nats_ready() { curl -sf "$NATS_MON/healthz" >/dev/null; }
js_messages() { # messages in the server's JetStream streams
	local jsz
	jsz=$(curl -sf "$NATS_MON/jsz") && grep -o '"messages": *[0-9]*' <<<"$jsz" | head -n 1 | tr -dc 0-9
}
js_more_than() { # N
	local n
	n=$(js_messages) && [ -n "$n" ] && [ "$n" -gt "$1" ]
}
said() { # UNIT REGEX: in the unit's journal
	local log
	log=$(journalctl -u "$1" --no-pager -o cat) && grep -Eqi "$2" <<<"$log"
}

check_stream_nats_auth() {
	trap nats_cleanup EXIT
	[ -x "$HERE/nats-server" ] || fail "no $HERE/nats-server (the test copies it in)"
	cat >$NATS_UNIT <<-EOF
	[Service]
	ExecStart=$HERE/nats-server -js -a 127.0.0.1 -p 4222 -m 8222 -sd /run/ebpf-test-nats --user ebpf --pass s3cret
	EOF
	systemctl daemon-reload
	start ebpf-test-nats.service
	wait_until 10 nats_ready || fail "nats-server not ready on $NATS_MON"
	mkdir -p /etc/ebpf
	(umask 077 && printf 'user=ebpf\npassword=s3cret\n' >/etc/ebpf/nats.auth)
	echo "EBPF_STREAM_OPTS=--events --publish nats://127.0.0.1:4222 --jetstream-stream EV --nats-auth-file /etc/ebpf/nats.auth" >/etc/ebpf/stream.conf
	start ebpf-loader@execsnoop.service
	start ebpf-stream.service
	# The Describe first: something arrived once the stream has connected.
	wait_until 10 js_more_than 0 || {
		journalctl -u ebpf-stream.service -u ebpf-test-nats.service --no-pager -o cat -n 15 >&2
		fail "no message reached the server's JetStream ($(js_messages) messages)"
	}
	local n0 i
	n0=$(js_messages)
	for i in 1 2 3; do /bin/true; done
	wait_until 10 js_more_than "$n0" || fail "no exec event reached the server ($n0 messages before the execs, $(js_messages) after)"
	note "published with user and password: $n0 -> $(js_messages) messages after 3 execs"
	# A wrong password: the server refuses the connection, nothing arrives.
	systemctl stop ebpf-stream.service ebpf-stream.socket
	said ebpf-test-nats.service 'authentication error' && fail "nats-server refused a connection before the wrong password"
	(umask 077 && printf 'user=ebpf\npassword=wrong\n' >/etc/ebpf/nats.auth)
	local n1
	n1=$(js_messages)
	start ebpf-stream.service
	wait_until 10 said ebpf-test-nats.service 'authentication error' ||
		fail "nats-server did not refuse the wrong password: $(journalctl -u ebpf-test-nats.service --no-pager -o cat -n 3)"
	wait_until 10 said ebpf-stream.service 'Authorization Violation.*retrying' ||
		fail "ebpf-stream did not say the server refused it: $(journalctl -u ebpf-stream.service --no-pager -o cat -n 3)"
	for i in 1 2 3; do /bin/true; done
	[ "$(js_messages)" = "$n1" ] || fail "messages arrived with a wrong password ($n1 -> $(js_messages))"
	note "wrong password refused by the server and told in the stream's journal, $n1 messages still"
}

[ $# -eq 1 ] && declare -F "check_$1" >/dev/null || { echo "usage: checks.bash CHECK" >&2; exit 2; }
"check_$1"
