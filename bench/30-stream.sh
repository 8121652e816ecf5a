#!/bin/bash
# Section 3: ring buffer -> ebpf-stream -> pipe -> counting consumer.
#
# The ringflood backend (bench/bpf/ringflood.bpf.c) writes BURST 104-byte,
# execsnoop-like records per getppid() of the producer (bench/helpers/
# ringflood), which issues them as fast as it can: a getppid() costs about
# 1 us in this VM (PVM), so one record per call would measure the syscall,
# not the consumer. ebpf-stream --events
# encodes every record as an Event frame into a pipe; bench/helpers/
# framecount reads it with large reads and counts the frames. Per run:
#   produced, dropped  the backend's counters (dropped: its reservations
#                      that failed, ring buffer full: loss like any other)
#   events             Event frames the consumer counted (must = produced)
#   lost               Lost frames in the stream (must be none), and the
#                      records they report (ebpf-stream's output queue full)
#   rate               records / producer time
#   delivered          records / (producer start -> last event frame read):
#                      the rate ebpf-stream really kept up with, as the
#                      64 MiB ring buffer can hide a short shortfall
#   CPU                ebpf-stream's utime+stime (/proc/PID/stat) from just
#                      before the producer starts until it is idle again
# The peers: the plainest libbpf consumer (bench/helpers/rbcount), counting
# records, woken for every record (the producer submits with
# BPF_RB_FORCE_WAKEUP), and the same with the kernel's adaptive wakeups,
# which wake a consumer this light every few records (it keeps catching up).
# Then RUNS more runs in which the pipe reader stops reading for PAUSE_MS
# half-way: ebpf-stream's output queue (--queue-bytes) fills and it drops
# records, counted in Lost frames, but keeps the ring buffer drained: no
# kernel drop, and events + records in Lost frames = records produced.
#
# Runs alone too: BUILD=build RESULTS=/dev/stdout bash bench/30-stream.sh
source "$(dirname "$0")/lib.sh"
SECTION="ring buffer to stream"

RECORDS=${RECORDS:-4000000}            # per ebpf-stream run
PEER_RECORDS=${PEER_RECORDS:-200000}   # per run of the per-record wakeup peer (far slower)
LIBBPF_RECORDS=${LIBBPF_RECORDS:-1000000}  # per run of the libbpf peer
TARGET=2000000
PAUSE_MS=${PAUSE_MS:-200}              # the pipe reader's pause in the pause runs
BURST=${BURST:-5}                      # records per producer call (divides the counts above)
# ebpf-stream --queue-bytes: 4x its default of 8 MiB. At ~3 M records/s the
# producer holds one of the 2 CPUs and the stream's loop most of the other,
# so its writer thread can be off the CPU for longer than 8 MiB (~60k
# records, 20 ms) lasts: Lost frames, while the kernel drops nothing.
QUEUE_BYTES=${QUEUE_BYTES:-$((32 << 20))}

for f in "$BOBJ/ringflood.o" "$BH/ringflood" "$BH/framecount" "$BH/rbcount" "$STREAM"; do
	[ -x "$f" ] || [ -f "$f" ] || bench_die "$f missing: make bench (or make $f)"
done
load_ringflood

# A background process that has been waited for: not one for bench_cleanup
# to kill any more (its pid may be someone else's by then).
bench_done() { # PID
	local p keep=()
	for p in "${BENCH_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	BENCH_PIDS=("${keep[@]}")
}

wait_file() { # FILE
	local i
	for ((i = 0; i < 200; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.02
	done
	return 1
}

# Until PID has used no CPU for 0.2 s: it has read everything there was.
wait_idle() { # PID
	local a b i
	a=$(cpu_ticks "$1")
	for ((i = 0; i < 300; i++)); do
		sleep 0.2
		b=$(cpu_ticks "$1")
		[ "$a" = "$b" ] && return 0
		a=$b
	done
	return 1
}

# One run of the producer into ebpf-stream (its pipe reader pausing for
# PAUSE ms half-way, if given); prints "rate delivered produced dropped
# events lost_frames cpu_s wall_s fc_cpu_s lost_records"
stream_run() { # NAME [PAUSE]
	local d=$BENCH_TMP/$1 sp fc c0 c1 f0 f1 prod count st
	mkdir "$d" && mkfifo "$d/pipe"
	"$BH/framecount" -r "$d/ready" ${2:+-p "$2" -a $((RECORDS / 2))} <"$d/pipe" \
		>"$d/count" 2>"$d/framecount.err" &
	fc=$!
	bench_bg "$fc"
	"$STREAM" --pin-root "$BENCH_ROOT" --events ringflood/events --queue-bytes "$QUEUE_BYTES" \
		>"$d/pipe" 2>"$d/stream.err" &
	sp=$!
	bench_bg "$sp"
	wait_file "$d/ready" || bench_die "ebpf-stream did not start: $(cat "$d/stream.err")"
	c0=$(cpu_ticks "$sp")
	f0=$(cpu_ticks "$fc")
	prod=$("$BH/ringflood" -b "$BURST" "$MAPS" "$RECORDS") || bench_die "producer failed"
	wait_idle "$sp" || bench_die "ebpf-stream never went idle"
	c1=$(cpu_ticks "$sp")
	f1=$(cpu_ticks "$fc")
	kill -TERM "$sp"
	wait "$sp"
	st=$?
	wait "$fc"
	bench_done "$sp"
	bench_done "$fc"
	[ "$st" = 0 ] || bench_die "ebpf-stream exited $st: $(cat "$d/stream.err")"
	count=$(cat "$d/count")
	[ -n "$count" ] || bench_die "framecount: $(cat "$d/framecount.err")"
	awk -v rate="$(kv rate "$prod")" -v produced="$(kv produced "$prod")" \
		-v dropped="$(kv dropped "$prod")" -v start="$(kv start "$prod")" \
		-v events="$(kv events "$count")" -v lostf="$(kv lost_frames "$count")" \
		-v last="$(kv last_event "$count")" -v cpu=$((c1 - c0)) -v fcpu=$((f1 - f0)) -v tck="$TCK" \
		-v lostr="$(kv lost "$count")" \
		'BEGIN { wall = last - start; if (wall <= 0) wall = 1e-9
			printf "%.0f %.0f %d %d %d %d %.3f %.6f %.3f %d\n", rate, events / wall, produced,
				dropped, events, lostf, cpu / tck, wall, fcpu / tck, lostr }'
}

# One run of the producer into the libbpf peer; prints
# "rate produced dropped consumed wakeups"
peer_run() { # NAME RECORDS [-w]
	local d=$BENCH_TMP/$1 pp prod count
	mkdir "$d"
	"$BH/rbcount" -r "$d/ready" "$MAPS/events" >"$d/count" 2>"$d/err" &
	pp=$!
	bench_bg "$pp"
	wait_file "$d/ready" || bench_die "rbcount did not start: $(cat "$d/err")"
	prod=$("$BH/ringflood" -b "$BURST" ${3:+"$3"} "$MAPS" "$2") || bench_die "producer failed"
	wait_idle "$pp" || bench_die "rbcount never went idle"
	kill -TERM "$pp"
	wait "$pp"
	bench_done "$pp"
	count=$(cat "$d/count")
	echo "$(kv rate "$prod") $(kv produced "$prod") $(kv dropped "$prod") $(kv records "$count")" \
		"$(kv wakeups "$count")"
}

: >"$BENCH_TMP/stream"
: >"$BENCH_TMP/pause"
: >"$BENCH_TMP/peer"
: >"$BENCH_TMP/libbpf"
# Interleaved, so that a neighbour's load on the machine hits all alike.
for ((i = 0; i < RUNS; i++)); do
	stream_run "stream$i" >>"$BENCH_TMP/stream"
	bench_log "ebpf-stream run $((i + 1)): $(tail -n 1 "$BENCH_TMP/stream")"
	peer_run "peer$i" "$PEER_RECORDS" -w >>"$BENCH_TMP/peer"
	bench_log "per-record wakeup peer run $((i + 1)): $(tail -n 1 "$BENCH_TMP/peer")"
	peer_run "libbpf$i" "$LIBBPF_RECORDS" >>"$BENCH_TMP/libbpf"
	bench_log "libbpf peer run $((i + 1)): $(tail -n 1 "$BENCH_TMP/libbpf")"
done
for ((i = 0; i < RUNS; i++)); do
	stream_run "pause$i" "$PAUSE_MS" >>"$BENCH_TMP/pause"
	bench_log "ebpf-stream run $((i + 1)), reader pausing ${PAUSE_MS} ms: $(tail -n 1 "$BENCH_TMP/pause")"
done

col() { awk -v c="$1" '{ print $c }' "$2"; }
sum() { awk -v c="$1" '{ s += $c } END { print s + 0 }' "$2"; }

S=$BENCH_TMP/stream P=$BENCH_TMP/peer L=$BENCH_TMP/libbpf Q=$BENCH_TMP/pause
# A run that lost a record (dropped by the kernel, in a Lost frame or
# missing downstream) counts as 0 records/s: the figure is a zero-loss rate.
rate=$(awk '{ print ($4 == 0 && $5 == $3 && $6 == 0) ? $1 : 0 }' "$S" | median)
delivered=$(col 2 "$S" | median)
produced=$(sum 3 "$S")
dropped=$(sum 4 "$S")
events=$(sum 5 "$S")
lostf=$(sum 6 "$S")
# Records the kernel accepted that did not reach the consumer.
missing=$((produced - events))
ns_rec=$(awk '{ print $7 * 1e9 / $3 }' "$S" | median)
pct=$(awk '{ print 100 * $7 / $8 }' "$S" | median)
fc_pct=$(awk '{ print 100 * $9 / $8 }' "$S" | median)
peer_rate=$(col 1 "$P" | median)
# Records per wakeup, and what the peers lost (kernel drops + missing).
peer_per=$(awk '{ print $5 ? $4 / $5 : 0 }' "$P" | median)
libbpf_rate=$(col 1 "$L" | median)
libbpf_per=$(awk '{ print $5 ? $4 / $5 : 0 }' "$L" | median)
lost_of() { awk '{ l += $2 - $4 + $3; n += $2 + $3 } END { print l + 0 " of " n + 0 }' "$1"; }

lostr=$(sum 10 "$S")
note="lost $((missing + dropped)) of $((produced + dropped)) submitted: kernel dropped $dropped, $lostf Lost frames ($lostr records), $((missing - lostr)) missing; $RUNS runs of $RECORDS, $BURST records per producer call, --queue-bytes $((QUEUE_BYTES >> 20)) MiB"
# The pause runs: kernel drops, and records neither received nor reported
# in a Lost frame (either way round), over all runs.
q_dropped=$(sum 4 "$Q")
q_unaccounted=$(awk '{ d = $3 - $5 - $10; s += d < 0 ? -d : d } END { print s + 0 }' "$Q")
q_note="$(sum 5 "$Q") received + $(sum 10 "$Q") in $(sum 6 "$Q") Lost frames of $(sum 3 "$Q") produced; $RUNS runs of $RECORDS"
result "records/s through ebpf-stream, zero loss" "$(fmt "$rate")" rec/s \
	"per-record wakeup consumer" "$(fmt "$peer_rate")" ">=$TARGET" "$note"
result "records/s delivered (producer start to last frame read)" "$(fmt "$delivered")" rec/s \
	"libbpf consumer, kernel wakeups" "$(fmt "$libbpf_rate")" ">=$TARGET" \
	"peer: $(fmt "$libbpf_per" 2) records per wakeup, lost $(lost_of "$L"); per-record wakeup peer: $(fmt "$peer_per" 2) records per wakeup, lost $(lost_of "$P")"
result "ebpf-stream CPU per record" "$(fmt "$ns_rec")" ns - - - \
	"$(fmt "$pct") % of a core while delivering; the consumer $(fmt "$fc_pct") %"
result "ebpf-stream CPU" "$(fmt "$pct")" "% of a core" - - - "median of $RUNS runs"
result "records dropped by the kernel or in Lost frames, full rate" "$((dropped + lostr))" records \
	- - "<=0" "$note"
result "kernel drops, pipe reader paused ${PAUSE_MS} ms mid-run" "$q_dropped" records - - "<=0" \
	"ring buffer 64 MiB, ebpf-stream output queue $((QUEUE_BYTES >> 20)) MiB (--queue-bytes); median rate $(fmt "$(col 1 "$Q" | median)") rec/s"
result "records unaccounted, pipe reader paused ${PAUSE_MS} ms mid-run" "$q_unaccounted" records \
	- - "<=0" "$q_note"
