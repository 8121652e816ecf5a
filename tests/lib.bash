# Shared setup for the Bats suite. Every test gets its own pin root, its own
# network namespace when it sends packets, and a teardown that removes every
# pin, program, link, namespace, cgroup and process it made, pass or fail.

BUILD=${BUILD:-$(cd "$BATS_TEST_DIRNAME/../build" && pwd)}
LOADER=$BUILD/ebpf-loader
BPFOBJ=$BUILD/bpf
TOBJ=$BUILD/tests/bpf
HELPERS=$BUILD/tests/helpers

common_setup() {
	# A suite run by systemd (or inside systemd-nspawn) inherits its
	# sd-daemon variables: readers would notify the outer manager.
	unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID LISTEN_FDS LISTEN_PID LISTEN_FDNAMES
	ROOT=/sys/fs/bpf/test-$BATS_TEST_NUMBER-$$
	NS=""
	CGROUP=""
	BG_PIDS=""
	TEST_GROUP=""
	LOOPDEV=""
	SHM_DIR=""
	TMP=$(mktemp -d)
}

common_teardown() {
	local p
	for p in $BG_PIDS; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	"$LOADER" unload --all --pin-root "$ROOT" >/dev/null 2>&1 || true
	if [ -e "$ROOT" ]; then rm -rf "$ROOT" 2>/dev/null || true; fi
	if [ -n "$NS" ]; then
		# Processes still in the namespace (a holder of a failed test) go too.
		for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$NS" 2>/dev/null || true
	fi
	if [ -n "$CGROUP" ] && [ -d "$CGROUP" ]; then
		for p in $(cat "$CGROUP/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		rmdir "$CGROUP" 2>/dev/null || true
	fi
	if [ -n "$LOOPDEV" ]; then losetup -d "$LOOPDEV" 2>/dev/null || true; fi
	if [ -n "$SHM_DIR" ]; then rm -rf "$SHM_DIR"; fi
	if [ -n "$TEST_GROUP" ]; then groupdel "$TEST_GROUP" 2>/dev/null || true; fi
	if [ -n "${LOAD_ROOT:-}" ]; then rm -rf "$LOAD_ROOT"; fi
	rm -rf "$TMP"
}

setup() { common_setup; }
teardown() { common_teardown; }

# A private network namespace with lo up; commands run in it with in_ns.
netns_create() {
	NS=ebpft-$BATS_TEST_NUMBER-$$
	ip netns add "$NS"
	ip -n "$NS" link set lo up
}

# nsenter, not `ip netns exec`: the latter remounts /sys and would hide bpffs.
in_ns() {
	nsenter --net="/run/netns/$NS" "$@"
}

cgroup2_root() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts
}

loader() {
	"$LOADER" "$@" --pin-root "$ROOT"
}

# IDs of a backend's kernel objects, from `show --json`.
backend_ids() { # NAME programs|maps|links
	"$LOADER" show "$1" --pin-root "$ROOT" --json | jq -r ".$2[].id"
}

# Wait (up to 5 s: the kernel frees programs after an RCU grace period)
# until none of the given ids of kind prog|map|link exists any more.
wait_ids_gone() { # KIND ID...
	local kind=$1 id
	shift
	for id in "$@"; do
		wait_until 5 id_gone "$kind" "$id" || {
			echo "$kind $id still exists" >&2
			return 1
		}
	done
}

# Little-endian unsigned integer from bpftool's hex byte arrays.
JQ_HEX='def hexbyte: ascii_downcase | ltrimstr("0x") | explode
	| reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
	def le_u64($off): .[$off:$off+8] | reverse | reduce .[] as $b (0; . * 256 + ($b | hexbyte));'

# Sum over CPUs (or the single value) of the u64 at OFFSET of a map value
# looked up with bpftool: map_u64 PIN OFFSET KEYBYTES...
map_u64() {
	local pin=$1 off=$2
	shift 2
	bpftool -j map lookup pinned "$pin" key "$@" 2>/dev/null |
		jq "$JQ_HEX"' if .values then [.values[].value | le_u64('"$off"')] | add
			    else .value | le_u64('"$off"') end'
}

# The hits counter of the tests/bpf objects (array of one u64).
hits() { # BACKEND
	map_u64 "$ROOT/$1/maps/hits" 0 0 0 0 0
}

# Nothing of NAME is left: no tree, no staging debris.
assert_no_backend() { # NAME
	[ ! -e "$ROOT/$1" ]
	if [ -d "$ROOT/staging" ]; then
		[ -z "$(ls -A "$ROOT/staging")" ]
	fi
}

# Live programs named NAME that are this test's: pinned under ROOT, or
# pinned nowhere (an orphan would be). Programs pinned under other roots
# belong to other users of the machine. The kernel keeps 15 characters of a
# name; bpftool shows the whole one from BTF when it can.
our_progs_named() { # NAME
	bpftool -f -j prog show | jq -r --arg n "$1" --arg s "${1:0:15}" --arg r "$ROOT/" \
		'[.[] | select(.name == $n or .name == $s) | select((.pinned // []) | length == 0 or any(startswith($r))) | .id] | join(" ")'
}

# bpftool lists no such program (freed programs linger for an RCU grace
# period: poll).
assert_no_prog_named() { # NAME
	wait_until 5 no_prog_named "$1" && return 0
	echo "program $1 is still loaded: $(our_progs_named "$1")" >&2
	return 1
}

PRINT=$BUILD/ebpf-print

# A loop device over a file in $TMP, detached by teardown.
loop_create() { # SIZE_MB (skips the test where there are no loop devices)
	require_loop_devices
	truncate -s "${1}M" "$TMP/disk.img"
	LOOPDEV=$(losetup -f --show "$TMP/disk.img")
}

EXPORTER=$BUILD/ebpf-exporter

# A loopback port for this test (unlikely to collide across tests and runs).
# Only a candidate: something else on the machine may hold it. A test that
# listens on the host's loopback takes free_port instead.
test_port() { # OFFSET
	echo $((20000 + (BATS_TEST_NUMBER * 131 + $$ * 7 + ${1:-0}) % 40000))
}

# Start the exporter in the background on 127.0.0.1:$PORT; wait until it
# listens there and serves. A port someone else on the machine holds is
# not our failure: another port is tried.
exporter_start() { # ARGS...
	local try
	PORT=${PORT:-$(free_port)}
	for try in 1 2 3 4 5; do
		"$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$PORT" "$@" 2>"$TMP/exporter.err" &
		EXPORTER_PID=$!
		BG_PIDS="$BG_PIDS $EXPORTER_PID"
		wait_until 5 exporter_listening_or_failed || break
		if exporter_port_taken; then
			PORT=$(test_port $((try * 4999)))
			continue
		fi
		wait_until 5 curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && return 0
		break
	done
	cat "$TMP/exporter.err" >&2
	return 1
}

scrape() { # [CURL ARGS...]
	curl -sf "$@" "http://127.0.0.1:$PORT/metrics"
}

STREAM=$BUILD/ebpf-stream
PY=/usr/bin/python3   # Debian's, with python3-protobuf

# The independent decoder: protoc's Python module + tests/helpers/decode_stream.py.
py_decode() { # CAPTURE
	if [ ! -e "$TMP/pymod/ebpf_stream_pb2.py" ]; then
		mkdir -p "$TMP/pymod"
		protoc --python_out="$TMP/pymod" -I "$BATS_TEST_DIRNAME/../proto" \
			"$BATS_TEST_DIRNAME/../proto/ebpf_stream.proto"
	fi
	"$PY" "$BATS_TEST_DIRNAME/helpers/decode_stream.py" "$TMP/pymod" "$1"
}

# A NOTIFY_SOCKET listener (as systemd): every datagram, one line each, to FILE.
notify_listen() { # SOCKET FILE SECONDS
	"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
end = time.time() + float(sys.argv[3])
with open(sys.argv[2], "w", buffering=1) as f:
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            break
        f.write("%.3f %s\n" % (time.time(), msg.replace("\n", " ")))
' "$1" "$2" "$3" &
	BG_PIDS="$BG_PIDS $!"
	NOTIFY_PID=$!
	wait_until 5 test -S "$1"
}

# --- Bounded waits that a slower build does not outlast ---

# How many times slower than a plain build the binaries run: valgrind's
# memcheck (make check-valgrind) about twentyfold, ASan + UBSan (make
# check-sanitize) a few times. Bounds sized for a plain build stretch by it.
wait_scale() {
	if [ -n "${EBPF_VALGRIND:-}" ]; then
		echo 20
	elif [ -n "${EBPF_SANITIZE:-}" ]; then
		echo 4
	else
		echo 1
	fi
}

# SECONDS stretched by wait_scale: the bound for a `timeout` around a run.
scaled_seconds() { # SECONDS
	awk -v s="$1" -v k="$(wait_scale)" 'BEGIN { print s * k }'
}

# Poll CMD every 0.1 s until it succeeds, for at most SECONDS (scaled by
# wait_scale); on time-out, CMD's status from one last try. CMD runs as a
# condition, so errexit is off inside it: give it one test, or a function
# whose last command decides.
wait_until() { # SECONDS CMD...
	local tries i
	tries=$(awk -v s="$1" -v k="$(wait_scale)" 'BEGIN { printf "%d", s * k * 10 }')
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep 0.1 # not a wait: the poll interval of this bounded wait
	done
	"$@"
}

# Conditions for wait_until.
id_gone() { # KIND ID: no kernel object of kind prog|map|link has this id
	if bpftool "$1" show id "$2" >/dev/null 2>&1; then return 1; fi
}
no_prog_named() { # NAME
	[ -z "$(our_progs_named "$1")" ]
}
progs_named_are() { # NAME IDS: our live programs named NAME are exactly IDS
	[ "$(our_progs_named "$1")" = "$2" ]
}
netns_empty() { # no process left in this test's namespace
	[ -z "$(ip netns pids "$NS")" ]
}

# --- What a container may lack: skip (never fail) with the reason ---

# A free loop device whose node is here: a container's private /dev has
# neither /dev/loop-control nor the nodes the host's kernel creates.
require_loop_devices() {
	local dev
	dev=$(losetup -f 2>/dev/null) && [ -b "$dev" ] ||
		skip "no usable loop device (no /dev/loop-control or loop nodes here: a container?)"
}

# Tests that flip a sysctl need /proc/sys writable; containers mount it
# read-only.
require_writable_procsys() { # KNOB (as a path under /proc/sys)
	[ -w "/proc/sys/$1" ] ||
		skip "/proc/sys/$1 is not writable (read-only /proc/sys: a container?)"
}

# BPF programs record pids as the initial PID namespace numbers them; a
# test comparing them with a pid seen here needs that namespace. Its inode
# number is fixed by the kernel (PROC_PID_INIT_INO).
require_host_pidns() {
	[ "$(readlink /proc/self/ns/pid)" = "pid:[4026531836]" ] ||
		skip "not in the initial PID namespace (a container?): BPF-recorded pids differ from ours"
}

# cgroup BPF programs attach to a cgroup v2 directory; a container may
# mount none (or only v1 hierarchies).
require_cgroup2() {
	[ -n "$(cgroup2_root)" ] ||
		skip "no cgroup2 hierarchy mounted here (a container?)"
}

# Conditions for exporter_start: our exporter (not another program) listens
# on $PORT, or it said it could not.
exporter_listening_or_failed() {
	ss -Hltnp "sport = :$PORT" | grep "pid=$EXPORTER_PID," >/dev/null ||
		grep -q 'cannot listen' "$TMP/exporter.err"
}
exporter_port_taken() {
	grep -q "cannot listen on 127.0.0.1:$PORT: Address already in use" "$TMP/exporter.err"
}

# The name "localhost" resolves (an /etc/hosts entry: a minimal container
# image may have no /etc/hosts at all).
require_localhost_name() {
	getent ahosts localhost >/dev/null ||
		skip "the name localhost does not resolve here (no /etc/hosts entry)"
}

# --- Free ports, and conditions for waits on processes (suite helpers) ---

# Nothing holds 127.0.0.1:PORT over TCP: a socket binds it.
port_bindable() { # PORT
	"$PY" -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

# A loopback TCP port that nobody holds now: the first of test_port's
# candidates (OFFSET, then others far from it) that binds. Another program
# may still take it before the caller binds; a starter that can tell that
# from its own failure retries, as exporter_start does.
free_port() { # [OFFSET]
	local try p
	for try in 0 1 2 3 4 5 6 7 8 9; do
		p=$(test_port $((${1:-0} + try * 4999)))
		if port_bindable "$p"; then
			echo "$p"
			return 0
		fi
	done
	echo "no free loopback port among test_port's candidates" >&2
	return 1
}

# Process PID holds a BPF map fd (it has opened the pinned maps).
holds_map_fd() { # PID
	local f
	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = anon_inode:bpf-map ] && return 0
	done
	return 1
}

# Process PID is blocked in nanosleep: a reader between two samples.
in_nanosleep() { # PID
	[[ "$(cat "/proc/$1/wchan" 2>/dev/null)" == *nanosleep* ]]
}

# PID no longer runs (a zombie counts as gone).
pid_gone() { # PID
	[ ! -d "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# Process PID waits in flock(2) for a lock another process holds (a loader
# waiting for the pin root's lock): the kernel lists it as a blocked waiter.
waits_for_flock() { # PID
	grep -E -- "-> FLOCK +ADVISORY +WRITE +$1 " /proc/locks >/dev/null
}

# The last line of FILE is TEXT.
last_line_is() { # FILE TEXT
	[ "$(tail -n 1 "$1")" = "$2" ]
}

# Process PID has at most N open file descriptors.
fds_at_most() { # PID N
	[ "$(ls "/proc/$1/fd" | wc -l)" -le "$2" ]
}

# ebpf-stream with its self-check linked in (EBPF_STREAM_SELFCHECK=1: every
# Snapshot and Event frame compared with protobuf-c's): the check and the
# protobuf-c encoders it compares with are test code in readers/stream/check/,
# not in the shipped binary. Built from the build's own objects into
# $TMP/ebpf-stream-selfcheck.
stream_selfcheck_build() {
	local src=$BATS_TEST_DIRNAME/.. obj=$BUILD/readers/stream cc=${CC:-cc} san=()
	if [ -n "${EBPF_SANITIZE:-}" ]; then
		cc=clang
		san=(-fsanitize=address,undefined)
	fi
	"$cc" -O1 -g -std=gnu11 -D_GNU_SOURCE -I"$src/lib" -I"$BUILD" -I"$src/readers/core" \
		-I"$src/readers/stream" -I"$BUILD/proto" "${san[@]}" -o "$TMP/ebpf-stream-selfcheck" \
		"$src/readers/stream/check/selfcheck.c" "$src/readers/stream/check/refframes.c" \
		"$obj"/*.o "$BUILD/proto/ebpf_stream.pb-c.o" "$BUILD/libebpfreader.a" \
		"$BUILD/libebpfcommon.a" $(cat "$BUILD/ebpf-stream.libs")
}

# A Prometheus (Debian's) on a free loopback port, its data in /dev/shm
# (SHM_DIR, removed by teardown), scraping the exporter at $PORT every
# second, with JOB_YAML (lines of the job's settings, e.g. its scheme and
# tls_config; tabs are dropped) if given. Sets PROM_API (its API URL) and
# PROM_QUERY (instant queries).
prom_scrape_exporter() { # [JOB_YAML]
	local pport job=${1:-}
	pport=$(free_port 1)
	{
		printf 'global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: ebpf\n'
		[ -z "$job" ] || printf '%s\n' "${job//$'\t'/}"
		printf "    static_configs:\n      - targets: ['127.0.0.1:%s']\n" "$PORT"
	} >"$TMP/prometheus.yml"
	SHM_DIR=$(mktemp -d /dev/shm/ebpf-test-XXXXXX)
	prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$SHM_DIR" \
		--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$TMP/prom.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	PROM_API="http://127.0.0.1:$pport/api/v1"
	PROM_QUERY="$PROM_API/query"
}

# The Prometheus of prom_scrape_exporter has sockex1's UDP packet count, and
# it is N; the exporter's target is up.
prom_udp_packets_are() { # N
	local packets='ebpf_sockex1_proto_stats_packets_total{proto="udp"}' v
	# Prometheus starts, then scrapes once a second.
	wait_until 20 promql_has "$PROM_QUERY" "$packets"
	v=$(promql "$PROM_QUERY" "$packets")
	echo "packets via PromQL: $v"
	[ "$v" = "$1" ]
	v=$(promql "$PROM_QUERY" 'up{job="ebpf"}')
	[ "$v" = 1 ]
}

# Map system calls on every CPU, as readers scraping big maps make them:
# one ebpf-print loop per CPU over a 1M-entry hash (batch lookups of 64k
# entries, long system calls). A classic tracepoint's BPF program is
# skipped on a CPU while a map syscall holds bpf_prog_active there (short
# ones, as bpftool's lookup per entry, rarely overlap an event); tp_btf
# programs are not.
# The loops go with BG_PIDS, the map's root (LOAD_ROOT) in common_teardown.
map_syscall_load_start() {
	local i map
	LOAD_ROOT=/sys/fs/bpf/test-load-$BATS_TEST_NUMBER-$$
	map=$LOAD_ROOT/load/maps/m
	"$HELPERS/mkmap" "$map" hash 1000000 >/dev/null
	for ((i = 0; i < $(nproc); i++)); do
		(while :; do "$PRINT" --pin-root "$LOAD_ROOT" --once --json load >/dev/null 2>&1; done) &
		BG_PIDS="$BG_PIDS $!"
	done
}

# --- cgroups of a test; OOM kills (13b, 13g) -----------------------------------

# The mount point of the cgroup v1 hierarchy of CONTROLLER, if one is mounted.
cgroup_v1_root() { # CONTROLLER
	awk -v c="$1" '$3 == "cgroup" && $4 ~ "(^|,)" c "(,|$)" { print $2; exit }' /proc/self/mounts
}

# A cgroup of this test (CGROUP: teardown kills what is in it and removes
# it) under CONTROLLER: cgroup v2 where the controller is enabled for
# children of the root (0), else v1 (1); skipped where there is neither.
controller_cgroup_create() { # CONTROLLER
	local v2 v1
	v2=$(cgroup2_root)
	if [ -n "$v2" ] && grep -qw "$1" "$v2/cgroup.subtree_control" 2>/dev/null; then
		CGROUP=$v2/ebpf-test-$BATS_TEST_NUMBER-$$
		mkdir "$CGROUP"
		return 0
	fi
	v1=$(cgroup_v1_root "$1")
	[ -n "$v1" ] || skip "no $1 cgroup controller here (neither cgroup v2 nor v1)"
	CGROUP=$v1/ebpf-test-$BATS_TEST_NUMBER-$$
	mkdir "$CGROUP"
	return 1
}

# A memory cgroup of this test (CGROUP: teardown kills what is in it and
# removes it), limited to MB MiB, swap included. cgroup v2 where its memory
# controller is enabled for children of the root, else the v1 controller.
oom_cgroup_create() { # MB
	local bytes=$(($1 * 1024 * 1024))
	if controller_cgroup_create memory; then
		echo "$bytes" >"$CGROUP/memory.max"
		if [ -e "$CGROUP/memory.swap.max" ]; then echo 0 >"$CGROUP/memory.swap.max"; fi
		return 0
	fi
	echo "$bytes" >"$CGROUP/memory.limit_in_bytes"
	# Swap must not save it either (memsw: only with swap accounting).
	if [ -e "$CGROUP/memory.memsw.limit_in_bytes" ]; then
		echo "$bytes" >"$CGROUP/memory.memsw.limit_in_bytes"
	fi
}

# The fields of every oom_events record in capture FILE, one JSON line each.
oom_records() { # FILE
	"$STREAM" --decode <"$1" |
		jq -c 'select(.event.map == "oom_events") | .event.fields
			| map({(.name): (.values[0] | to_entries[0].value)}) | add'
}
oom_records_of() { # FILE PID
	oom_records "$1" | jq -c --argjson p "$2" 'select(.pid == $p)'
}
has_oom_record_of() { # FILE PID
	[ -n "$(oom_records_of "$1" "$2")" ]
}

# An ebpf-stream holds the consumer lock of ring buffer map ID (an abstract
# unix socket named after it).
oom_ringbuf_consumed() { # ID
	ss -xa | grep "@ebpf-stream/ringbuf/$1 " >/dev/null
}
