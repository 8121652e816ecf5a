#!/usr/bin/env bats
# The units as installed, under a real systemd: PID 1 of a container
# (systemd-nspawn --boot) over a minimal Debian root, the project installed
# into it with make install DESTDIR=... PREFIX=/usr. Each test runs one
# check of tests/systemd/checks.bash as a unit of that systemd; a new check
# is one function there and one test here. `make check-systemd` runs this
# file alone; the first run builds the root (debootstrap, cached under the
# build directory).

bats_require_minimum_version 1.5.0
load lib
load systemd/container

setup_file() {
	local missing
	missing=$(ct_missing)
	# Bats 1.8 cannot skip from setup_file: each test skips (setup).
	if [ -n "$missing" ]; then
		export CT_SKIP="needs ${missing% } (scripts/install-deps.sh installs them)"
		return 0
	fi
	# Instrumented binaries under the units' own sandbox: LeakSanitizer
	# stops the world with ptrace, which SystemCallFilter= forbids, and
	# valgrind is not in the container. make check runs these checks.
	if [ -n "${EBPF_SANITIZE:-}${EBPF_VALGRIND:-}" ]; then
		export CT_SKIP="instrumented build: the units' sandbox forbids what the sanitizer or valgrind needs"
		return 0
	fi
	# One container for the file: booting is the slow part.
	ct_boot
}

teardown_file() {
	ct_shutdown
}

setup() {
	[ -z "${CT_SKIP:-}" ] || skip "$CT_SKIP"
	common_setup
}

teardown() {
	[ -n "${CT_SKIP:-}" ] || ct_reset
	common_teardown
}

@test "every shipped backend loads and unloads through its loader unit, sockex1 through the foreground one" {
	ct_check backends
}

@test "systemctl reload swaps a backend while the exporter keeps serving" {
	ct_check reload_swaps_backend
}

@test "systemctl stop unloads: no pins left, the foreground loader gone" {
	ct_check stop_unloads
}

@test "the exporter is socket-activated by a scrape" {
	ct_check exporter_socket_activated
}

@test "the stream is socket-activated by a subscriber, which receives a Describe first" {
	ct_check stream_socket_activated
}

@test "systemd sees the readers' READY=1, STATUS= and WATCHDOG=1" {
	ct_check notify_seen_by_systemd
}

@test "Restart= brings each reader back after a SIGKILL" {
	ct_check restart_after_sigkill
}

@test "the hardening is in force: readers hold CAP_BPF only and cannot write a map" {
	ct_check readers_hardened
}

@test "systemd-analyze security rates the running units 2.5 or better" {
	ct_check security_scores
}

@test "the boot-time set from /etc/ebpf/backends: start loads, reload after an edit swaps, stop unloads, enable wants it at boot" {
	ct_check backends_from_file
}

# NAME: a self-signed certificate for 127.0.0.1 made here (the root has no
# openssl), NAME.crt and NAME.key under /etc/ebpf/tls of the container.
ct_put_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$TMP/$1.key" -out "$TMP/$1.crt" -subj "/CN=$1" \
		-addext 'subjectAltName=IP:127.0.0.1' 2>/dev/null || return 1
	ct_put "$TMP/$1.crt" "/etc/ebpf/tls/$1.crt" && ct_put "$TMP/$1.key" "/etc/ebpf/tls/$1.key"
}

@test "the exporter serves https from the web config of /etc/ebpf/exporter.conf, refuses http, and a reload serves a renewed certificate" {
	run -0 ct_put_cert a
	run -0 ct_put_cert b
	ct_check exporter_tls_reload
}

@test "ebpf-stream.service publishes events to a nats-server that wants the user and password of /etc/ebpf/nats.auth, and a wrong password is refused" {
	command -v nats-server >/dev/null || skip "nats-server not installed (scripts/install-deps.sh)"
	run -0 ct_put "$(command -v nats-server)" "$CT_CHECKS/nats-server"
	run -0 ct_exec chmod 0700 "$CT_CHECKS/nats-server"
	ct_check stream_nats_auth
}
