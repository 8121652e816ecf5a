# bench/lib.sh: what the benchmark sections share. Sourced by bench/run.sh
# and by each section (bench/NN-*.sh), which can also run on its own:
#   BUILD=build bash bench/20-overhead.sh
#
# A section appends result rows to $RESULTS, one per line, tab separated:
#   SECTION  SUBJECT  VALUE  UNIT  PEER  PEER_VALUE  TARGET  NOTE
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

bench_log() { echo "bench: $*" >&2; }
bench_die() { echo "bench: error: $*" >&2; exit 1; }

# result SUBJECT VALUE UNIT [PEER PEER_VALUE [TARGET [NOTE]]]
result() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${SECTION:?}" "$1" "$2" "$3" \
		"${4:--}" "${5:--}" "${6:--}" "${7:--}" >>"$RESULTS"
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

# kernel.bpf_stats_enabled on for the section (restored by bench_cleanup)
bench_stats_on() {
	[ -n "$BENCH_STATS_OLD" ] || BENCH_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
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
	for p in "${BENCH_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${BENCH_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	BENCH_PIDS=()
	bench_unload_all
	rm -rf "$BENCH_ROOT"
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
