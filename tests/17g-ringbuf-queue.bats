#!/usr/bin/env bats
# ebpf-stream's output queue: the ring buffer is drained whatever the pace
# of the output's reader; what the bounded queue cannot hold is dropped and
# counted in Lost frames, so that received + Lost = what the BPF side
# submitted. The producer is the ringflood bench backend
# (bench/bpf/ringflood.bpf.c), which counts its records and its failed
# reservations (ring buffer full) in a map, and its driver
# bench/helpers/ringflood, which prints both for its run.

bats_require_minimum_version 1.5.0
load lib

FLOOD_OBJ=$BUILD/bench/bpf/ringflood.o
FLOOD=$BUILD/bench/helpers/ringflood

# ebpf-stream --events of ringflood/events into the FIFO $TMP/out, read by a
# reader that takes the first byte (the Describe has been written: the ring
# buffer has its consumer), then reads nothing until the test writes a line
# into the FIFO $TMP/gate, then copies everything to $TMP/cap.
paused_stream_start() { # STREAM ARGS...
	mkfifo "$TMP/out" "$TMP/gate"
	{ dd bs=1 count=1 status=none && : >"$TMP/ready" && read -r _ <"$TMP/gate" && exec cat; } \
		<"$TMP/out" >"$TMP/cap" &
	READER=$!
	BG_PIDS="$BG_PIDS $READER"
	"$STREAM" --events --pin-root "$ROOT" "$@" ringflood/events >"$TMP/out" 2>"$TMP/err" &
	STREAM_PID=$!
	BG_PIDS="$BG_PIDS $STREAM_PID"
	wait_until 10 test -e "$TMP/ready"
}

# Stop the stream (it drains the ring buffer), let the reader go on, and
# wait for both: the whole stream is in $TMP/cap, decoded in $TMP/frames.
paused_stream_finish() {
	kill -TERM "$STREAM_PID"
	run -0 timeout 10 sh -c 'echo go >"$1"' sh "$TMP/gate"
	local st=0
	wait "$STREAM_PID" || st=$?
	[ "$st" -eq 0 ]
	wait "$READER" || st=$?
	[ "$st" -eq 0 ]
	BG_PIDS=""
	run -0 "$STREAM" --decode <"$TMP/cap"
	printf '%s\n' "$output" >"$TMP/frames"
}

# KEY of the producer's "KEY=VALUE ..." line
kv() { # KEY LINE
	tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"
}

# "EVENTS LOST_FRAMES LOST_RECORDS SEQ_OK": Event frames, Lost frames, the
# records they report, and whether each event's seq is the one after the
# previous event and the records lost in between (gaps = Lost counts).
tally() { # FRAMES
	jq -n -r 'reduce inputs as $f ({e: 0, l: 0, r: 0, next: 1, ok: true};
		if $f.lost then .l += 1 | .r += $f.lost.frames | .next += $f.lost.frames
		elif $f.event then .e += 1 | .ok = (.ok and $f.event.seq == .next) | .next += 1
		else . end) | "\(.e) \(.l) \(.r) \(.ok)"' "$1"
}

# The flood backend loaded, N records produced into a stream paused with
# a queue of BYTES, none dropped by the kernel, then the reader let go:
# the frames are in $TMP/frames.
paused_run() { # BYTES N
	run -0 "$LOADER" load "$FLOOD_OBJ" --pin-root "$ROOT"
	paused_stream_start --queue-bytes "$1"
	run -0 "$FLOOD" "$ROOT/ringflood/maps" "$2"
	local prod=$output
	[ "$(kv produced "$prod")" -eq "$2" ]
	[ "$(kv dropped "$prod")" -eq 0 ]
	paused_stream_finish
}

@test "a paused output reader: the ring buffer is still drained, and received + Lost frames = records submitted" {
	# The producer counts the records of its own pid, as BPF sees it.
	require_host_pidns
	# A queue far smaller than the run: records must be dropped here, not
	# in the kernel (the ring buffer holds 600 000 records).
	paused_run 65536 100000
	run -0 tally "$TMP/frames"
	local events lostf lostr seq_ok
	read -r events lostf lostr seq_ok <<<"$output"
	echo "events=$events lost_frames=$lostf lost_records=$lostr seq_ok=$seq_ok"
	[ "$lostf" -ge 1 ]
	[ "$lostr" -ge 1 ]
	[ "$events" -ge 1 ]
	[ $((events + lostr)) -eq 100000 ]
	[ "$seq_ok" = true ]
	# Every Lost frame says why.
	run -0 jq -r 'select(.lost) | .lost.reason' "$TMP/frames"
	[ "$(sort -u <<<"$output")" = "slow output" ]
}

@test "a paused output reader with a queue larger than the run gets every record and no Lost frame" {
	# The producer counts the records of its own pid, as BPF sees it.
	require_host_pidns
	paused_run $((256 << 20)) 50000
	run -0 tally "$TMP/frames"
	[ "$output" = "50000 0 0 true" ]
}

@test "a stream whose output reader went away while its queue was full stops and exits 0" {
	run -0 "$LOADER" load "$FLOOD_OBJ" --pin-root "$ROOT"
	paused_stream_start --queue-bytes 65536
	run -0 "$FLOOD" "$ROOT/ringflood/maps" 20000
	kill -9 "$READER" # blocked on the gate: the gate is never opened
	wait_until 15 pid_gone "$STREAM_PID"
	local st=0
	wait "$STREAM_PID" || st=$?
	BG_PIDS=""
	[ "$st" -eq 0 ]
	run -0 cat "$TMP/err"
	[ -z "$output" ]
}

@test "a heartbeat while the output reader is paused and the queue full does not stop the ring buffer from being drained" {
	# The producer counts the records of its own pid, as BPF sees it.
	require_host_pidns
	run -0 "$LOADER" load "$FLOOD_OBJ" --pin-root "$ROOT"
	paused_stream_start --queue-bytes 65536
	# Fill the queue, then let a heartbeat (every 5 s) join it.
	run -0 "$FLOOD" "$ROOT/ringflood/maps" 20000
	sleep 6 # not a wait: the reader stays paused across a heartbeat, the condition under test
	# More records than the ring buffer holds (600 000): only a stream
	# that goes on draining it keeps the kernel from dropping any.
	run -0 "$FLOOD" "$ROOT/ringflood/maps" 800000
	local prod=$output
	echo "$prod"
	[ "$(kv dropped "$prod")" -eq 0 ]
	paused_stream_finish
	run -0 tally "$TMP/frames"
	local events lostf lostr seq_ok
	read -r events lostf lostr seq_ok <<<"$output"
	[ $((events + lostr)) -eq 820000 ]
	[ "$seq_ok" = true ]
}
