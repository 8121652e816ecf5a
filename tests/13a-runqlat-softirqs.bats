#!/usr/bin/env bats
# The runqlat and softirqs backends: histograms in seconds that grow by at
# least the events this test makes, in ebpf-print, the exporter and
# ebpf-stream. Both tracepoints are global (other work on the machine adds
# to the counts), so each test makes a workload whose events it can count
# itself and checks the histogram grew by at least that many.

bats_require_minimum_version 1.5.0
load lib

RQ=runqlat/run_queue_latency
SI=softirqs/softirq_time
RQ_METRIC=ebpf_runqlat_run_queue_latency_seconds
SI_METRIC=ebpf_softirqs_softirq_time_seconds
VECTORS="hi timer net_tx net_rx block irq_poll tasklet sched hrtimer rcu"

# --- Reading the histograms, one function per reader ---

# Total count of a histogram (all buckets) in ebpf-print --json; for a map
# keyed by vector, of that vector's entry.
print_count() { # BACKEND/MAP [KEY]
	"$PRINT" --once --json --pin-root "$ROOT" "$1" |
		jq -e --arg k "${2-}" '[.maps[0].entries[] | select($k == "" or .key == $k) | .value.buckets | add] | if length == 1 then .[0] else error("entries: \(length)") end'
}

# Raw sum (ns) of a histogram in ebpf-print --json.
print_sum() { # BACKEND/MAP
	"$PRINT" --once --json --pin-root "$ROOT" "$1" | jq -e '.maps[0].entries[0].value.sum'
}

# A sample of the exposition text in $TMP/m: metric name and labels exact.
metric() { # SERIES
	awk -v s="$1" '$1 == s { print $2; n++ } END { exit n != 1 }' "$TMP/m"
}

# Total count of a histogram in one `ebpf-stream --once` capture, read by
# the independent Python decoder (int64 are strings in its JSON).
stream_count() { # MAP [KEY]
	py_decode "$TMP/cap" |
		jq -e -s --arg m "$1" --arg k "${2-}" '[.[] | select(.snapshot.map == $m) | .snapshot.entries[]
			| select($k == "" or .key[0].values[0].s == $k)
			| .value[] | select(.name == "buckets") | .values[] | (.u // "0") | tonumber] | add'
}

# --- runqlat workload: CPU-bound processes sharing one CPU ---

# A CPU this test may run on.
rq_cpu() {
	"$PY" -c 'import os; print(min(os.sched_getaffinity(0)))'
}

# Start a busy loop pinned to CPU; its pid in HOG_PIDS.
rq_hog_start() { # CPU
	taskset -c "$1" sh -c 'while :; do :; done' &
	BG_PIDS="$BG_PIDS $!"
	HOG_PIDS="${HOG_PIDS-} $!"
}

# Times PID lost its CPU while still runnable (preempted): the switches at
# which runqlat puts a task back on the run queue.
rq_nivcsw() { # PID
	awk '/^nonvoluntary_ctxt_switches:/ { print $2 }' "/proc/$1/status"
}

rq_hogs_preempted() { # MIN: every hog was preempted at least MIN times
	local p
	for p in $HOG_PIDS; do
		[ "$(rq_nivcsw "$p")" -ge "$1" ] || return 1
	done
}

rq_stopped() { # PID: the process is stopped (state T)
	[ "$(awk '{ print $3 }' "/proc/$1/stat")" = T ]
}

# Stop the hogs (a stopped process has been switched in to take the signal,
# so every wait begun by a preemption has ended and been counted), then sum
# their preemptions into PREEMPTS and the run-queue wait the kernel
# accounted to them (/proc/PID/schedstat, ns) into RUN_DELAY.
rq_hogs_stop() {
	local p
	PREEMPTS=0
	RUN_DELAY=0
	for p in $HOG_PIDS; do
		kill -STOP "$p"
	done
	for p in $HOG_PIDS; do
		wait_until 5 rq_stopped "$p" || return 1
		PREEMPTS=$((PREEMPTS + $(rq_nivcsw "$p")))
		RUN_DELAY=$((RUN_DELAY + $(awk '{ print $2 }' "/proc/$p/schedstat")))
	done
}

# Load runqlat, note the count, run two hogs on one CPU until each was
# preempted 50 times, stop them. BEFORE and SUM_BEFORE are the count and
# raw sum before the hogs.
rq_preemption_workload() {
	local cpu
	run -0 loader load "$BPFOBJ/runqlat.o"
	BEFORE=$(print_count "$RQ")
	SUM_BEFORE=$(print_sum "$RQ")
	cpu=$(rq_cpu)
	rq_hog_start "$cpu"
	rq_hog_start "$cpu"
	wait_until 20 rq_hogs_preempted 50
	rq_hogs_stop
	echo "count before $BEFORE, hogs preempted $PREEMPTS times, waited $RUN_DELAY ns" >&2
	[ "$PREEMPTS" -ge 100 ]
}

# --- softirqs workload: datagrams over loopback in a private netns ---

# Send N datagrams over loopback, each only after the previous one was
# received. Loopback hands a datagram to the receiving socket in a NET_RX
# softirq run; one run cannot carry two of them, as the next is sent only
# once the previous is in the socket: N datagrams are at least N runs.
si_lockstep_datagrams() { # N
	in_ns "$PY" -c '
import socket, sys
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(("127.0.0.1", 0))
r.settimeout(5)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"%d" % i, r.getsockname())
    if r.recv(64) != b"%d" % i:
        sys.exit("datagram %d lost" % i)
' "$1"
}

# Load softirqs, note the net_rx count, send N datagrams in lockstep.
si_workload() { # N
	run -0 loader load "$BPFOBJ/softirqs.o"
	netns_create
	BEFORE=$(print_count "$SI" net_rx)
	run -0 si_lockstep_datagrams "$1"
}

# ---------------------------------------------------------------------------

@test "runqlat: every preemption of two CPU-bound processes sharing a CPU is a counted wait, in ebpf-print" {
	rq_preemption_workload
	local after sum
	after=$(print_count "$RQ")
	[ "$after" -ge $((BEFORE + PREEMPTS)) ]
	# The waits the hogs made are in the sum, in ns: at least half of
	# what the kernel accounted (its clock starts at enqueue, ours at the
	# tracepoint just after; 1000 times less would be microseconds).
	sum=$(print_sum "$RQ")
	[ $((sum - SUM_BEFORE)) -ge $((RUN_DELAY / 2)) ]
	# Text: seconds, and the count line agrees with the JSON bound.
	run -0 "$PRINT" --once --pin-root "$ROOT" "$RQ"
	echo "$output"
	grep -qx "$RQ  Time runnable tasks waited on a run queue for a CPU" <<<"$output"
	grep -qx '     seconds             : count     distribution' <<<"$output"
	local count
	count=$(sed -nE 's/^     count ([0-9]+), sum [0-9.e+-]+ seconds$/\1/p' <<<"$output")
	[ "$count" -ge $((BEFORE + PREEMPTS)) ]
	# A hog waits for the other's slice: the millisecond buckets, in seconds.
	grep -Eq '^ *0\.000524288 -> 0\.001048575 +: [0-9]+' <<<"$output"
}

@test "runqlat: a wakeup ping-pong of N rounds on one CPU adds at least 2N waits" {
	run -0 loader load "$BPFOBJ/runqlat.o"
	local before after n=2000
	before=$(print_count "$RQ")
	# Two processes on one CPU, each blocked in read() until the other
	# writes: every round wakes each once, and each wakeup ends with the
	# woken one switched in.
	run -0 taskset -c "$(rq_cpu)" "$PY" -c '
import os, sys
n = int(sys.argv[1])
a_r, a_w = os.pipe()
b_r, b_w = os.pipe()
pid = os.fork()
if pid == 0:
    for _ in range(n):
        os.read(a_r, 1)
        os.write(b_w, b"x")
    os._exit(0)
for _ in range(n):
    os.write(a_w, b"x")
    os.read(b_r, 1)
_, st = os.waitpid(pid, 0)
sys.exit(st)
' "$n"
	after=$(print_count "$RQ")
	echo "count $before -> $after" >&2
	[ "$after" -ge $((before + 2 * n)) ]
}

@test "runqlat: the exporter shows the waits as a histogram in seconds; promtool passes" {
	rq_preemption_workload
	exporter_start
	run -0 scrape
	printf '%s\n' "$output" >"$TMP/m"
	run -0 promtool check metrics <"$TMP/m"
	grep -qx "# TYPE $RQ_METRIC histogram" "$TMP/m"
	grep -qx "# HELP $RQ_METRIC Time runnable tasks waited on a run queue for a CPU" "$TMP/m"
	local count inf sum
	count=$(metric "${RQ_METRIC}_count")
	inf=$(metric "${RQ_METRIC}_bucket{le=\"+Inf\"}")
	[ "$count" -ge $((BEFORE + PREEMPTS)) ]
	[ "$inf" = "$count" ]
	# Bucket bounds are ns shown in seconds: bucket 20 ends at 2^20 - 1 ns.
	metric "${RQ_METRIC}_bucket{le=\"0.001048575\"}"
	# The sum, in seconds, holds at least half the hogs' accounted wait.
	sum=$(metric "${RQ_METRIC}_sum")
	run -0 awk -v s="$sum" -v b="$SUM_BEFORE" -v d="$RUN_DELAY" 'BEGIN { exit !(s - b / 1e9 >= d / 2e9) }'
	# The start stamps are task storage, hidden: no family of theirs.
	[ "$(sed -nE 's/^# TYPE (ebpf_runqlat_[a-z_]+) .*/\1/p' "$TMP/m")" = "$RQ_METRIC" ]
}

@test "runqlat: ebpf-stream describes the histogram in seconds and its snapshot has the waits" {
	rq_preemption_workload
	run -0 --separate-stderr timeout "$(scaled_seconds 10)" "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap"
	py_decode "$TMP/cap" >"$TMP/frames"
	head -n 1 "$TMP/frames" | jq -e '[.describe.maps[] | select(.backend == "runqlat" and .map == "run_queue_latency")
		| .kind == "log2_histogram" and .unit == "seconds" and .scale == 1e-09] == [true]'
	head -n 1 "$TMP/frames" | jq -e '[.describe.maps[] | select(.backend == "runqlat" and .map == "start") | .hidden] == [true]'
	local count
	count=$(stream_count run_queue_latency)
	[ "$count" -ge $((BEFORE + PREEMPTS)) ]
	# No snapshot of the hidden stamps.
	[ "$(jq -r 'select(.snapshot) | .snapshot.map' "$TMP/frames" | xargs)" = run_queue_latency ]
}

@test "softirqs: N datagrams over loopback in a private netns add at least N net_rx runs, in ebpf-print" {
	local n=500 after
	si_workload "$n"
	after=$(print_count "$SI" net_rx)
	echo "net_rx count $BEFORE -> $after" >&2
	[ "$after" -ge $((BEFORE + n)) ]
	# Every vector is a key, by its kernel name, in the kernel's order.
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" "$SI"
	[ "$(jq -r '.maps[0] | .label + ": " + ([.entries[].key] | join(" "))' <<<"$output")" = "vector: $VECTORS" ]
	jq -e '.maps[0] | .kind == "log2_histogram" and .unit == "seconds" and .scale == 1e-09' <<<"$output"
	# Text: one histogram per vector, headed by its name.
	run -0 "$PRINT" --once --pin-root "$ROOT" "$SI"
	echo "$output"
	[ "$(sed -nE 's/^  ([a-z_]+)$/\1/p' <<<"$output" | xargs)" = "$VECTORS" ]
	local count
	count=$(sed -n '/^  net_rx$/,/^     count/ s/^     count \([0-9]*\), sum [0-9.e+-]* seconds$/\1/p' <<<"$output")
	[ "$count" -ge $((BEFORE + n)) ]
}

@test "softirqs: the exporter shows a histogram in seconds labelled by vector name; promtool passes" {
	local n=300
	si_workload "$n"
	exporter_start
	run -0 scrape
	printf '%s\n' "$output" >"$TMP/m"
	run -0 promtool check metrics <"$TMP/m"
	grep -qx "# TYPE $SI_METRIC histogram" "$TMP/m"
	# One series per vector, named.
	[ "$(sed -nE 's/^'"$SI_METRIC"'_count\{vector="([a-z_]+)"\} [0-9]+$/\1/p' "$TMP/m" | xargs)" = "$VECTORS" ]
	local count inf
	count=$(metric "${SI_METRIC}_count{vector=\"net_rx\"}")
	inf=$(metric "${SI_METRIC}_bucket{vector=\"net_rx\",le=\"+Inf\"}")
	[ "$count" -ge $((BEFORE + n)) ]
	[ "$inf" = "$count" ]
	# ns shown in seconds: bucket 10 ends at 1023 ns.
	metric "${SI_METRIC}_bucket{vector=\"net_rx\",le=\"1.023e-06\"}"
	run -1 grep softirq_start "$TMP/m"
}

@test "softirqs: ebpf-stream names the vectors and its net_rx snapshot has the runs" {
	local n=300
	si_workload "$n"
	run -0 --separate-stderr timeout "$(scaled_seconds 10)" "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap"
	py_decode "$TMP/cap" >"$TMP/frames"
	head -n 1 "$TMP/frames" | jq -e '[.describe.maps[] | select(.backend == "softirqs" and .map == "softirq_time")
		| .kind == "log2_histogram" and .unit == "seconds" and .scale == 1e-09 and .key_fields[0].type == "FIELD_TYPE_ENUM"] == [true]'
	[ "$(jq -r 'select(.snapshot.map == "softirq_time") | [.snapshot.entries[].key[0].values[0].s] | join(" ")' "$TMP/frames")" = "$VECTORS" ]
	local count
	count=$(stream_count softirq_time net_rx)
	[ "$count" -ge $((BEFORE + n)) ]
	[ "$(jq -r 'select(.snapshot) | .snapshot.map' "$TMP/frames" | xargs)" = softirq_time ]
}

@test "runqlat and softirqs unload without leaving a program, a map or a pin" {
	run -0 loader load "$BPFOBJ/runqlat.o" "$BPFOBJ/softirqs.o"
	local progs maps
	progs="$(backend_ids runqlat programs) $(backend_ids softirqs programs)"
	maps="$(backend_ids runqlat maps) $(backend_ids softirqs maps)"
	[ "$(wc -w <<<"$progs")" = 5 ]
	run -0 loader unload runqlat softirqs
	assert_no_backend runqlat
	assert_no_backend softirqs
	wait_ids_gone prog $progs
	wait_ids_gone map $maps
}
