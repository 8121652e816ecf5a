#!/usr/bin/env bats
# systemd units, installation, man pages.

bats_require_minimum_version 1.5.0
load lib

REPO=$BATS_TEST_DIRNAME/..

install_to() { # DIR [make args]
	local dir=$1
	shift
	# -o all: install what this suite runs, never rebuild it with other flags.
	make -s -C "$REPO" OUTPUT="$BUILD" -o all install "$@" >/dev/null
}

@test "systemd-analyze verify passes on every unit, with the installed binaries" {
	install_to "$TMP" PREFIX="$TMP/usr"
	cd "$TMP/usr/lib/systemd/system"
	ls
	run systemd-analyze verify --man=no ./*.service ./*.socket
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# The paths in the units are the installed ones.
	grep -q "^ExecStart=$TMP/usr/sbin/ebpf-exporter \$EBPF_EXPORTER_OPTS$" ebpf-exporter.service
}

@test "systemd-analyze security: every reader and loader unit at 2.5 or better" {
	install_to "$TMP" PREFIX="$TMP/usr"
	cd "$TMP/usr/lib/systemd/system"
	local u score
	for u in ebpf-loader@.service ebpf-loader-fg@.service ebpf-exporter.service ebpf-stream.service; do
		run -0 systemd-analyze security --offline=true --threshold=25 "./$u"
		score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$output")
		echo "# $u: exposure $score" >&3
		awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }'
	done
}

@test "exporter as its .socket/.service would run it: READY=1, /metrics, WATCHDOG=1 at the right rate" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	PORT=$(free_port)
	notify_listen "$TMP/notify" "$TMP/notified" 3
	# WatchdogSec=1s: a ping every half second or so.
	systemd-socket-activate -l "127.0.0.1:$PORT" -E NOTIFY_SOCKET="$TMP/notify" -E WATCHDOG_USEC=1000000 \
		"$EXPORTER" --pin-root "$ROOT" 2>"$TMP/err" &
	local sa=$!
	BG_PIDS="$BG_PIDS $sa"
	wait_until 5 scrape -o /dev/null
	scrape | grep -q '^ebpf_t_tracepoint_hits '
	wait "$NOTIFY_PID"
	cat "$TMP/notified"
	grep -q 'READY=1' "$TMP/notified"
	grep -q 'STATUS=serving' "$TMP/notified"
	local dogs
	dogs=$(grep -c 'WATCHDOG=1' "$TMP/notified")
	echo "watchdog pings in 3 s: $dogs"
	[ "$dogs" -ge 4 ] && [ "$dogs" -le 9 ]
	kill -TERM "$sa"
	wait "$sa"
}

@test "ebpf-stream as its .socket/.service would run it: READY=1, subscribers served, WATCHDOG=1 at the right rate" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	notify_listen "$TMP/notify" "$TMP/notified" 3
	systemd-socket-activate -l "$TMP/stream.sock" -E NOTIFY_SOCKET="$TMP/notify" -E WATCHDOG_USEC=1000000 \
		"$STREAM" --snapshots --interval 0.2 --pin-root "$ROOT" 2>"$TMP/err" &
	local sa=$!
	BG_PIDS="$BG_PIDS $sa"
	wait_until 5 test -S "$TMP/stream.sock"
	"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(2)
data = b""
end = time.time() + 1.5
while time.time() < end:
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    data += b
open(sys.argv[2], "wb").write(data)
' "$TMP/stream.sock" "$TMP/cap"
	"$STREAM" --decode <"$TMP/cap" >"$TMP/frames"
	head -n 1 "$TMP/frames" | jq -e '.describe.schema_version == 1'
	grep -q '"snapshot"' "$TMP/frames"
	wait "$NOTIFY_PID"
	grep -q 'READY=1' "$TMP/notified"
	local dogs
	dogs=$(grep -c 'WATCHDOG=1' "$TMP/notified")
	echo "watchdog pings in 3 s: $dogs"
	[ "$dogs" -ge 4 ] && [ "$dogs" -le 9 ]
	kill -TERM "$sa"
	wait "$sa"
}

@test "make install DESTDIR then make uninstall leaves no file; the installed loader finds objects by bare name" {
	install_to "$TMP/dest" DESTDIR="$TMP/dest" PREFIX=/usr
	[ -x "$TMP/dest/usr/sbin/ebpf-loader" ]
	[ -e "$TMP/dest/usr/lib/ebpf/bpf/sockex1.o" ]
	[ -e "$TMP/dest/usr/share/man/man8/ebpf-loader.8" ]
	[ -e "$TMP/dest/usr/lib/systemd/system/ebpf-exporter.service" ]
	# From there, a bare name resolves to the installed object.
	netns_create
	run in_ns "$TMP/dest/usr/sbin/ebpf-loader" load sockex1.o --pin-root "$ROOT" --json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.loaded[0].object' <<<"$output")" = "$TMP/dest/usr/lib/ebpf/bpf/sockex1.o" ]
	"$TMP/dest/usr/sbin/ebpf-loader" unload sockex1 --pin-root "$ROOT"
	make -s -C "$REPO" OUTPUT="$BUILD" -o all uninstall DESTDIR="$TMP/dest" PREFIX=/usr
	[ -z "$(find "$TMP/dest" -type f -o -type l)" ]
}

@test "man -l renders every man page without warnings" {
	local page
	for page in "$REPO"/docs/*.8; do
		run --separate-stderr env MANWIDTH=80 man --warnings -l "$page"
		echo "$page: $stderr"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[[ "$output" == *NAME* ]]
	done
	[ "$(ls "$REPO"/docs/*.8 | wc -l)" -ge 2 ]
}

@test "libsystemd is loaded only when systemd is there to talk to (NOTIFY_SOCKET)" {
	run "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	# By hand: no sd-daemon call has anything to do, nothing is loaded.
	exporter_start
	curl -sf -o /dev/null "http://127.0.0.1:$PORT/metrics"
	run ! grep -q libsystemd "/proc/$EXPORTER_PID/maps"
	kill "$EXPORTER_PID"
	wait "$EXPORTER_PID" || true
	# As systemd runs it: loaded, and READY=1 arrives.
	notify_listen "$TMP/notify" "$TMP/notified" 3
	PORT=$(free_port 1)
	NOTIFY_SOCKET="$TMP/notify" "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$PORT" 2>"$TMP/err" &
	local pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_until 5 grep -q READY=1 "$TMP/notified"
	grep -q libsystemd "/proc/$pid/maps"
}

@test "sockets passed by systemd that cannot be taken: an error naming LISTEN_FDS, no socket of its own" {
	mkdir -p "$ROOT"
	PORT=$(free_port)
	run sh -c 'LISTEN_FDS=bogus LISTEN_PID=$$ exec "$0" --pin-root "$1" --listen "127.0.0.1:$2"' \
		"$EXPORTER" "$ROOT" "$PORT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"sockets passed by systemd (LISTEN_FDS): Invalid argument"* ]]
	run sh -c 'LISTEN_FDS=bogus LISTEN_PID=$$ exec "$0" --pin-root "$1" --listen "unix:$2"' \
		"$STREAM" "$ROOT" "$TMP/s.sock"
	[ "$status" -eq 1 ]
	[[ "$output" == *"sockets passed by systemd (LISTEN_FDS): Invalid argument"* ]]
	[ ! -e "$TMP/s.sock" ]
}

# setpriv's form of the capabilities a unit's CapabilityBoundingSet names.
unit_caps_spec() { # UNIT_FILE
	local caps c spec=-all
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$1")
	[ -n "$caps" ] || return 1
	for c in $caps; do
		c=${c#CAP_}
		spec+=",+${c,,}"
	done
	echo "$spec"
}

@test "readers with the reader units' capabilities name kernel stacks (CAP_SYSLOG at start), then keep CAP_BPF alone" {
	install_to "$TMP" PREFIX="$TMP/usr"
	local spec doc
	spec=$(unit_caps_spec "$TMP/usr/lib/systemd/system/ebpf-exporter.service")
	[ "$spec" = "$(unit_caps_spec "$TMP/usr/lib/systemd/system/ebpf-stream.service")" ]
	# The premise: without CAP_SYSLOG, /proc/kallsyms hides addresses here.
	run -0 setpriv --bounding-set -syslog --inh-caps -syslog head -n 1 /proc/kallsyms
	[[ "$output" == 0000000000000000* ]] || skip "kallsyms shows addresses without CAP_SYSLOG here"
	run -0 "$LOADER" load "$TOBJ/t_decoders.o" --pin-root "$ROOT"
	# t_decoders keeps the kernel stacks of getppid() by a process so named.
	cp "$HELPERS/trigger" "$TMP/t_dec"
	run -0 "$TMP/t_dec" getppid 3
	run -0 --separate-stderr setpriv --bounding-set "$spec" --inh-caps "$spec" \
		"$PRINT" --once --json --pin-root "$ROOT" t_decoders/stacks
	doc=$output
	run -0 jq -r '.maps[].entries[].key | tostring' <<<"$doc"
	[[ "$output" == *do_syscall_64* ]]
	# With CAP_BPF alone (the units before), the same stack stays a raw id.
	run -0 --separate-stderr setpriv --bounding-set -all,+bpf --inh-caps -all,+bpf \
		"$PRINT" --once --json --pin-root "$ROOT" t_decoders/stacks
	run -0 jq -r '.maps[].entries[].key | tostring' <<<"$output"
	[[ "$output" != *do_syscall_64* ]]
	[[ "$output" =~ ^[0-9]+$ ]]
	# The exporter under the unit's capabilities: symbols in its labels,
	# and once started nothing but CAP_BPF (CAP_SYSLOG served the open).
	printf '#!/bin/sh\nexec setpriv --bounding-set %s --inh-caps %s %q "$@"\n' \
		"$spec" "$spec" "$EXPORTER" >"$TMP/exporter-as-unit"
	chmod +x "$TMP/exporter-as-unit"
	EXPORTER=$TMP/exporter-as-unit exporter_start
	run -0 scrape
	[[ "$output" =~ _t_decoders_stacks_total\{key=\"[^\"]*do_syscall_64 ]]
	[ "$(awk '/^CapEff/ { print $2 }' "/proc/$EXPORTER_PID/status")" = 0000008000000000 ]
	[ "$(awk '/^CapPrm/ { print $2 }' "/proc/$EXPORTER_PID/status")" = 0000008000000000 ]
}
