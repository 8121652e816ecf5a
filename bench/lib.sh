# bench/lib.sh: what the benchmark sections share. Sourced by bench/run.sh
# and by each section (bench/NN-*.sh), which can also run on its own:
#   BUILD=build bash bench/20-overhead.sh
#
# A section appends result rows to $RESULTS, one per line, tab separated:
#   SECTION  SUBJECT  VALUE  UNIT  PEER  PEER_VALUE  TARGET  NOTE  RATIO
# PEER and PEER_VALUE are "-" when there is no peer; TARGET is "-" or a bound
# on VALUE in UNIT, "<=130" or ">=2000000"; NOTE is free text or "-".
# run.sh prints them as one table and writes docs/performance.md.

BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd)
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${RUNS:-5}
LOADER=$BUILD/ebpf-loader
PRINT=$BUILD/ebpf-print
EXPORTER=$BUILD/ebpf-exporter
STREAM=$BUILD/ebpf-stream
BH=$BUILD/bench/helpers
TH=$BUILD/tests/helpers
BOBJ=$BUILD/bench/bpf
RESULTS=${RESULTS:-/dev/stdout}

# Everything a section makes goes under one pin root and one temp dir,
# removed by bench_cleanup (on exit, also after a failure).
BENCH_ROOT=${BENCH_ROOT:-/sys/fs/bpf/ebpf-bench-$$}
BENCH_TMP=$(mktemp -d /tmp/ebpf-bench.XXXXXX)
declare -a BENCH_PIDS=()
BENCH_STATS_OLD=
BENCH_LOOPDEV=		# bench_loop_create's loop device
BENCH_NETNS=		# bench_netns_create's network namespace
PEER_PID=		# peer_start's peer and the programs it loaded
PEER_IDS=

bench_log() { echo "bench: $*" >&2; }
bench_die() { echo "bench: error: $*" >&2; exit 1; }

# result SUBJECT VALUE UNIT [PEER PEER_VALUE [TARGET [NOTE [RATIO]]]]
# RATIO: ours/peer as measured within each run (median of the per-run
# ratios), which a target in "x" is checked against rather than
# VALUE / PEER_VALUE, a ratio of medians taken from different runs.
result() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${SECTION:?}" "$1" "$2" "$3" \
		"${4:--}" "${5:--}" "${6:--}" "${7:--}" "${8:--}" >>"$RESULTS"
}

# median of the numbers on stdin (one per line)
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (!NR) exit 1;
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# fmt NUMBER [DIGITS]: a figure for the table, 3 significant digits by default
fmt() { awk -v x="$1" -v d="${2:-3}" 'BEGIN { printf "%.*g\n", d, x }'; }

# seconds of wall time a command takes (its output discarded)
time_s() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || return 1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

# median wall seconds of RUNS runs of a command
median_time_s() {
	local i
	for ((i = 0; i < RUNS; i++)); do time_s "$@" || return 1; done | median
}

# "SECONDS MAXRSS_KB" of one run of a command (bench/helpers/measure)
measure() { "$BH/measure" "$@"; }

# a background process to be killed by bench_cleanup
bench_bg() { BENCH_PIDS+=("$1"); }

# BPF statistics on for the section: kernel.bpf_stats_enabled (restored by
# bench_cleanup), and a statshold holding them on whatever another
# benchmark running meanwhile does with the sysctl (killed by bench_cleanup)
bench_stats_on() {
	local pid
	[ -n "$BENCH_STATS_OLD" ] || BENCH_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	[ -x "$BH/statshold" ] || bench_die "$BH/statshold missing: make bench builds it"
	"$BH/statshold" >"$BENCH_TMP/statshold.out" 2>&1 &
	pid=$!
	bench_bg "$pid"
	bench_wait_output "$pid" "$BENCH_TMP/statshold.out" ||
		bench_die "statshold did not start: $(tail -1 "$BENCH_TMP/statshold.out")"
}

# true once a background process PID has written to FILE (it is ready);
# false if it exits first, or after 5 s
bench_wait_output() { # PID FILE
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$2" ] && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# "RUN_TIME_NS RUN_CNT" of a program by id
prog_stats() {
	bpftool prog show id "$1" -j | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'
}

# ids of the programs loaded now, one per line (to find what a peer loaded)
prog_ids() { bpftool prog show -j | jq -r '.[].id' | sort; }

# unload every backend under the bench pin root, then remove it
bench_unload_all() {
	local b
	[ -d "$BENCH_ROOT" ] || return 0
	for b in $("$LOADER" list --pin-root "$BENCH_ROOT" --json 2>/dev/null |
		jq -r '.backends[]?.name' 2>/dev/null); do
		"$LOADER" unload "$b" --pin-root "$BENCH_ROOT" >/dev/null 2>&1
	done
}

bench_cleanup() {
	local p
	peer_stop
	for p in "${BENCH_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${BENCH_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	BENCH_PIDS=()
	bench_unload_all
	rm -rf "$BENCH_ROOT"
	if [ -n "$BENCH_LOOPDEV" ]; then
		losetup -d "$BENCH_LOOPDEV" 2>/dev/null || bench_log "warning: could not detach $BENCH_LOOPDEV"
		BENCH_LOOPDEV=
	fi
	if [ -n "$BENCH_NETNS" ]; then
		ip netns del "$BENCH_NETNS" 2>/dev/null || bench_log "warning: could not delete netns $BENCH_NETNS"
		BENCH_NETNS=
	fi
	[ -z "$BENCH_STATS_OLD" ] || sysctl -qw kernel.bpf_stats_enabled="$BENCH_STATS_OLD"
	rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || bench_die "benchmarks load BPF programs: run as root"

# a loopback TCP port nobody listens on now
free_port() {
	local p
	for ((p = 20000 + $$ % 20000; ; p++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# start ebpf-exporter on 127.0.0.1:$EXP_PORT; sets EXP_PID
exporter_start() { # ARGS...
	local i
	EXP_PORT=$(free_port)
	"$EXPORTER" --pin-root "$BENCH_ROOT" --listen "127.0.0.1:$EXP_PORT" "$@" \
		2>"$BENCH_TMP/exporter.err" &
	EXP_PID=$!
	bench_bg "$EXP_PID"
	for ((i = 0; i < 100; i++)); do
		curl -sf -o /dev/null "http://127.0.0.1:$EXP_PORT/" && return 0
		sleep 0.05
	done
	cat "$BENCH_TMP/exporter.err" >&2
	bench_die "ebpf-exporter did not start"
}

exporter_stop() {
	kill "$EXP_PID" 2>/dev/null
	wait "$EXP_PID" 2>/dev/null
}

# peak RSS of a running process, kB
peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# --- resources a section makes, removed by bench_cleanup ----------------------

# A loop device over a SIZE_MB file of ours, zero-filled: O_DIRECT on it
# makes real block requests (block_rq_issue/complete fire) without touching
# any other device's data. Sets BENCH_LOOPDEV.
bench_loop_create() { # SIZE_MB
	truncate -s "$1M" "$BENCH_TMP/disk.img"
	BENCH_LOOPDEV=$(losetup -f --show "$BENCH_TMP/disk.img") || bench_die "losetup failed"
	dd if=/dev/zero of="$BENCH_LOOPDEV" bs=1M count="$1" oflag=direct status=none ||
		bench_die "could not fill $BENCH_LOOPDEV"
}

# COUNT 4 KiB direct writes then as many reads on BENCH_LOOPDEV; prints
# the I/Os per second
bench_blockio() { # COUNT
	local t
	t=$(time_s sh -c "dd if=/dev/zero of=$BENCH_LOOPDEV bs=4096 count=$1 oflag=direct status=none &&
		dd if=$BENCH_LOOPDEV of=/dev/null bs=4096 count=$1 iflag=direct status=none") || return 1
	awk -v t="$t" -v n="$((2 * $1))" 'BEGIN { printf "%.0f\n", n / t }'
}

# one direct read: a block event, to see that a peer is attached
bench_poke_io() { dd if="$BENCH_LOOPDEV" of=/dev/null bs=4096 count=1 iflag=direct status=none; }

# A private network namespace with lo up, for network workloads: their
# packets, sockets and TIME_WAIT entries stay in it. Sets BENCH_NETNS.
bench_netns_create() {
	BENCH_NETNS=ebpf-bench-$$
	ip netns add "$BENCH_NETNS" || { BENCH_NETNS=; bench_die "ip netns add failed"; }
	ip -n "$BENCH_NETNS" link set lo up || bench_die "could not bring lo up in $BENCH_NETNS"
}

# nsenter, not `ip netns exec`: the latter remounts /sys and would hide bpffs.
in_bench_ns() { nsenter --net="/run/netns/$BENCH_NETNS" "$@"; }

# --- per-event cost: peers and our backends under bpf_stats -------------------

forget_pid() { # PID: no longer bench_cleanup's to kill
	local p keep=()
	for p in "${BENCH_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	BENCH_PIDS=("${keep[@]}")
}

# true while any of the ids is still a loaded program
ids_loaded() { # ID...
	local now id
	now=$(prog_ids)
	for id in "$@"; do
		grep -qx "$id" <<<"$now" && return 0
	done
	return 1
}

# Stop the running peer the way a user would (^C), harder if it lingers, and
# wait until the kernel has freed the programs it loaded.
peer_stop() {
	local i sig
	[ -n "$PEER_PID" ] || return 0
	for sig in INT TERM KILL; do
		kill -s "$sig" "$PEER_PID" 2>/dev/null || break
		for ((i = 0; i < 50; i++)); do
			kill -0 "$PEER_PID" 2>/dev/null || break 2
			sleep 0.1
		done
	done
	wait "$PEER_PID" 2>/dev/null
	forget_pid "$PEER_PID"
	for ((i = 0; i < 100; i++)); do
		# shellcheck disable=SC2086
		ids_loaded $PEER_IDS || break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	! ids_loaded $PEER_IDS || bench_log "warning: programs $PEER_IDS of pid $PEER_PID still loaded"
	PEER_PID="" PEER_IDS=""
}

# "RUN_TIME_NS MAX_RUN_CNT" summed over programs: a peer may load several
# programs per event (one per hook it uses), and what one event costs it is
# all of them; the events are counted once, by the program that ran most.
stats_of() { # ID...
	[ $# -gt 0 ] || { echo "0 0"; return; }
	bpftool prog show -j | jq -r --arg ids "$*" '
		($ids | split(" ") | map(tonumber)) as $want
		| [.[] | select(.id as $i | $want | index($i))]
		| "\(map(.run_time_ns // 0) | add) \(map(.run_cnt // 0) | max)"'
}

# Run a workload between two stats_of: sets NS (per event, "-" if no event)
# and EV (events); the workload's stdout goes to $BENCH_TMP/out.
window_stats() { # "IDS" CMD...
	local ids=$1 s0 s1
	shift
	# shellcheck disable=SC2086
	s0=$(stats_of $ids)
	"$@" >"$BENCH_TMP/out" || bench_die "workload failed: $*"
	# shellcheck disable=SC2086
	s1=$(stats_of $ids)
	read -r NS EV < <(awk -v a="$s0" -v b="$s1" 'BEGIN { split(a, x); split(b, y); n = y[2] - x[2];
		if (n > 0) printf "%.2f %d\n", (y[1] - x[1]) / n, n; else print "- 0" }')
}

# the ids of the programs a process holds open (prog fds and link fds)
held_prog_ids() { # PID
	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -nu
}

# Start a peer in the background and wait until it is attached: until a
# program among its own whose name matches the regex ATTACH has run (TRIGGER, run between
# polls, makes the event happen). Its programs are those loaded since it
# started (the diff of prog_ids) that it holds open: another user's program
# loaded meanwhile is not counted. Sets PEER_PID and PEER_IDS; if the peer
# exits or does not attach within 30 s, it is stopped and PEER_ERR says why.
peer_start() { # ATTACH TRIGGER CMD...
	local attach=$1 trigger=$2 i before
	shift 2
	PEER_ERR=
	before=$(prog_ids)
	"$@" </dev/null >"$BENCH_TMP/peer.out" 2>&1 &
	PEER_PID=$!
	bench_bg "$PEER_PID"
	for ((i = 0; i < 300; i++)); do
		if ! kill -0 "$PEER_PID" 2>/dev/null; then
			PEER_ERR="$1 exited early: $(tail -3 "$BENCH_TMP/peer.out" | paste -sd' ' -)"
			peer_stop
			return 1
		fi
		PEER_IDS=$(comm -12 <(comm -13 <(sort <<<"$before") <(prog_ids | sort)) \
			<(held_prog_ids "$PEER_PID" | sort) | sort -n | paste -sd' ' -)
		if [ -n "$PEER_IDS" ] && bpftool prog show -j | jq -e --arg a "$attach" --arg ids "$PEER_IDS" '
			($ids | split(" ") | map(tonumber)) as $p
			| any(.[]; (.id as $i | $p | index($i)) and (.name | test($a)) and (.run_cnt // 0) > 0)' >/dev/null; then
			return 0
		fi
		$trigger >/dev/null 2>&1
		sleep 0.1
	done
	PEER_ERR="$1: no run of its program $attach within 30 s"
	peer_stop
	return 1
}

# our backend: load it, sets OURS_IDS
ours_load() { # NAME
	"$LOADER" load "$BUILD/bpf/$1.o" --pin-root "$BENCH_ROOT" >/dev/null ||
		bench_die "ebpf-loader load $1 failed"
	OURS_IDS=$("$LOADER" show "$1" --pin-root "$BENCH_ROOT" --json | jq -r '.programs[].id' | paste -sd' ' -)
	[ -n "$OURS_IDS" ] || bench_die "no program id for $1"
}
ours_unload() { # NAME
	"$LOADER" unload "$1" --pin-root "$BENCH_ROOT" >/dev/null || bench_die "ebpf-loader unload $1 failed"
}

# append "VALUE" to $BENCH_TMP/NAME
keep() { echo "$2" >>"$BENCH_TMP/$1"; }
med() { median <"$BENCH_TMP/$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.4f\n", a / b }'; }
# smallest event count seen over the runs of a subject
min_events() { sort -n "$BENCH_TMP/$1" | head -1; }

# the end of a per-event figure's NOTE: a warning for each subject that had
# too few events in some window for its ns/event to mean anything
events_note() { # EVENTS_FILE:SUBJECT...
	local a n
	for a in "$@"; do
		n=$(min_events "${a%%:*}")
		if [ "${n:-0}" -lt "$MIN_EVENTS" ]; then
			printf '; %s: run_cnt only %s in a window, too few to be meaningful' "${a#*:}" "$n"
		fi
	done
}

# the value of "ns/event" files once all runs are in: "-" if any run had none
med_or_dash() { # FILE
	if grep -qx -- - "$BENCH_TMP/$1"; then echo -; else fmt "$(med "$1")"; fi
}

# The ring buffer sections' producer (bench/bpf/ringflood.bpf.c) loaded
# under BENCH_ROOT; MAPS is its maps directory.
load_ringflood() {
	"$LOADER" load "$BOBJ/ringflood.o" --pin-root "$BENCH_ROOT" >/dev/null ||
		bench_die "cannot load ringflood.o"
	MAPS=$BENCH_ROOT/ringflood/maps
}

TCK=$(getconf CLK_TCK)

# KEY=VALUE out of a line of KEY=VALUE words
kv() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

# utime + stime of a process, in clock ticks (fields 14 and 15 after the
# "(comm)" field, which may hold spaces)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
