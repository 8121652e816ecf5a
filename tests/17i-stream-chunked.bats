#!/usr/bin/env bats
# ebpf-stream sends a big map's snapshot as several consecutive Snapshot
# frames, one per chunk read (Snapshot.more, .seq, .part): every entry in
# exactly one of them, more set on all but the last, and subscribers get
# whole snapshots only. mkmap's key i holds 3i+1 (plus c on CPU c per CPU).

bats_require_minimum_version 1.5.0
load lib

# Whole snapshots of a decoded stream (tests/helpers/snapshot_parts.py):
# "BACKEND/MAP SEQ FRAMES ENTRIES DISTINCT_KEYS SUM" lines; fails on a
# snapshot whose frames are not parts 0, 1, 2... ending with more unset.
snapshot_parts() { # [--cut-ok] < DECODED
	"$PY" "$BATS_TEST_DIRNAME/helpers/snapshot_parts.py" "$@"
}

# The sum of mkmap's values 3i+1 over i < N.
mkmap_sum() { # N
	echo $((3 * $1 * ($1 - 1) / 2 + $1))
}

@test "a hash many chunks long is one snapshot in several frames: every entry once, more on all but the last, read by protobuf's Python decoder" {
	"$HELPERS/mkmap" "$ROOT/big/maps/h" hash 40000
	run -0 --separate-stderr "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap" big
	[ -z "$stderr" ]
	py_decode "$TMP/cap" >"$TMP/frames"
	# Several frames, all of one snapshot (seq 1), parts 0, 1, 2... in order.
	run -0 jq -s -c '[.[] | .snapshot // empty | [(.seq // "0"), (.part // 0), (.more // false), (.entries | length)]]' "$TMP/frames"
	jq -e '. as $a | length >= 3 and all(.[]; .[0] == "1") and ([.[][1]] == [range(0; length)])
		and ([.[][2]] == [range(0; length) | . < ($a | length) - 1])' <<<"$output"
	# A consumer puts them together: every key once, each value exact.
	run -0 snapshot_parts <"$TMP/frames"
	read -r name seq frames entries distinct sum <<<"$output"
	[ "$name $seq $entries $distinct $sum" = "big/h 1 40000 40000 $(mkmap_sum 40000)" ]
	[ "$frames" -ge 3 ]
	jq -s -e '[.[] | .snapshot // empty | .entries[] | (.value[0].values[0].u | tonumber) - 3 * (.key[0].values[0].u | tonumber)] | all(. == 1)' "$TMP/frames"
	# ebpf-stream's own decoder reads the same snapshot.
	"$STREAM" --decode <"$TMP/cap" >"$TMP/own"
	run -0 snapshot_parts <"$TMP/own"
	[ "$output" = "big/h 1 $frames 40000 40000 $(mkmap_sum 40000)" ]
}

@test "small maps stay one frame each, and each snapshot of a stream has its own seq" {
	"$HELPERS/mkmap" "$ROOT/small/maps/a" hash 100
	"$HELPERS/mkmap" "$ROOT/small/maps/b" array 10
	"$HELPERS/mkmap" "$ROOT/small/maps/c" hash 20000
	run -0 --separate-stderr "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap" small
	py_decode "$TMP/cap" >"$TMP/frames"
	run -0 snapshot_parts <"$TMP/frames"
	[ "$(cut -d' ' -f1,2,4,5 <<<"$output" | xargs)" = "small/a 1 100 100 small/b 2 10 10 small/c 3 20000 20000" ]
	# a and b: one frame, neither more nor part set.
	jq -s -e '[.[] | .snapshot // empty | select(.map != "c")] | length == 2 and all(.[]; .more == null and .part == null)' "$TMP/frames"
	[ "$(sed -n 3p <<<"$output" | cut -d' ' -f3)" -ge 2 ]
}

@test "per-CPU hash many chunks long: sums and per-CPU values exact, every key once across the frames" {
	"$HELPERS/mkmap" "$ROOT/pc/maps/p" percpu_hash 30000
	run -0 --separate-stderr "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap" pc
	"$STREAM" --decode <"$TMP/cap" >"$TMP/sum"
	run -0 snapshot_parts <"$TMP/sum"
	read -r name seq frames entries distinct sum <<<"$output"
	[ "$name $entries $distinct" = "pc/p 30000 30000" ]
	[ "$frames" -ge 2 ]
	# Summed over n CPUs: n(3k+1) + n(n-1)/2.
	run -0 --separate-stderr "$STREAM" --once --per-cpu --pin-root "$ROOT" --output "$TMP/cap2" pc
	"$STREAM" --decode <"$TMP/cap2" >"$TMP/per"
	run -0 snapshot_parts <"$TMP/per"
	read -r name seq frames entries distinct sum <<<"$output"
	[ "$name $entries $distinct" = "pc/p 30000 30000" ]
	[ "$frames" -ge 2 ]
	local n
	n=$(jq -s '[.[] | .snapshot // empty | .entries[0].per_cpu | length] | .[0]' "$TMP/per")
	[ "$n" -ge 1 ]
	jq -s -e '[.[] | .snapshot // empty | .entries[] | .key[0].values[0].u as $k |
		[.per_cpu | to_entries[] | .value.value[0].values[0].u - (3 * $k + 1) - .key] | all(. == 0)] | all' "$TMP/per"
	jq -s -e --argjson n "$n" '[.[] | .snapshot // empty | .entries[] |
		.value[0].values[0].u - ($n * (3 * .key[0].values[0].u + 1) + $n * ($n - 1) / 2)] | all(. == 0)' "$TMP/sum"
}

@test "the self-check finds every frame of a snapshot in several parts the same as protobuf-c's, per-CPU too" {
	run -0 stream_selfcheck_build
	"$HELPERS/mkmap" "$ROOT/big/maps/h" hash 30000
	"$HELPERS/mkmap" "$ROOT/big/maps/p" percpu_hash 20000
	local opt
	for opt in --snapshots --per-cpu; do
		run --separate-stderr env EBPF_STREAM_SELFCHECK=1 "$TMP/ebpf-stream-selfcheck" --once $opt \
			--pin-root "$ROOT" --output "$TMP/cap" big
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		"$STREAM" --decode <"$TMP/cap" >"$TMP/frames"
		run -0 snapshot_parts <"$TMP/frames"
		[ "$(cut -d' ' -f1,4,5 <<<"$output" | xargs)" = "big/h 30000 30000 big/p 20000 20000" ]
		[ "$(jq -s '[.[] | select(.snapshot)] | length' "$TMP/frames")" -ge 6 ]
	done
}

# A subscriber: connect to the unix socket, save what comes to FILE until
# it holds BYTES, then go.
SUBSCRIBER='
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
left = int(sys.argv[3])
with open(sys.argv[2], "wb", buffering=0) as f:
    while left > 0:
        b = s.recv(65536)
        if not b:
            break
        f.write(b)
        left -= len(b)
'

# FILE is now bigger than SIZE bytes.
stream_file_grew() { # FILE SIZE
	[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ]
}

# The capture FILE, as far as it is written, holds a Lost frame.
stream_lost_seen() { # FILE
	head -c "$(stat -c %s "$1")" "$1" | "$STREAM" --decode 2>/dev/null |
		jq -n -e 'first(inputs | select(.lost)) | true' >/dev/null
}

# None of the processes PID... is still running.
stream_all_gone() { # PID...
	local p
	for p in "$@"; do
		if kill -0 "$p" 2>/dev/null; then
			return 1
		fi
	done
}

@test "subscribers that connect while snapshots are being sent, or fall behind, get whole snapshots only" {
	# Snapshot after snapshot of a map 8 chunks long: the stream is in
	# the middle of one most of the time.
	"$HELPERS/mkmap" "$ROOT/big/maps/h" hash 60000
	"$STREAM" --snapshots --interval 0.01 --queue-bytes 262144 --listen "unix:$TMP/sock" \
		--pin-root "$ROOT" 2>"$TMP/err" &
	BG_PIDS=$!
	local stream=$BG_PIDS subs="" i slow
	wait_until 5 test -S "$TMP/sock"
	# One that freezes, so that it falls behind and drops frames...
	"$PY" -c "$SUBSCRIBER" "$TMP/sock" "$TMP/sslow" 12000000 </dev/null >/dev/null 2>&1 &
	slow=$!
	BG_PIDS="$BG_PIDS $slow"
	wait_until 10 stream_file_grew "$TMP/sslow" 0
	kill -STOP "$slow"
	# ...and six that connect one after another, each staying for two
	# snapshots or so.
	for i in 1 2 3 4 5 6; do
		"$PY" -c "$SUBSCRIBER" "$TMP/sock" "$TMP/s$i" 4000000 </dev/null >/dev/null 2>&1 &
		subs="$subs $!"
		BG_PIDS="$BG_PIDS $!"
		wait_until 10 stream_file_grew "$TMP/s$i" 500000
	done
	kill -CONT "$slow"
	# shellcheck disable=SC2086
	wait_until 60 stream_all_gone $subs
	# Thawed, it catches up and is told what it lost.
	wait_until 20 stream_lost_seen "$TMP/sslow"
	kill -9 "$slow" 2>/dev/null || true # it may have read all it wanted
	wait "$slow" 2>/dev/null || true
	kill -0 "$stream"
	local sum
	sum=$(mkmap_sum 60000)
	for i in 1 2 3 4 5 6 slow; do
		# (The Python decoder reads the same: the first test; this is
		# much faster.)
		"$STREAM" --decode <"$TMP/s$i" >"$TMP/f$i" 2>/dev/null || true # a cut last frame
		# The describe frame first, then snapshots from a part 0 on, each
		# whole (a capture may end in the middle of one).
		head -n 1 "$TMP/f$i" | jq -e '.describe.schema_version == 1'
		run -0 snapshot_parts --cut-ok <"$TMP/f$i"
		[ -n "$output" ]
		run -0 awk -v s="$sum" '$4 != 60000 || $5 != 60000 || $6 != s || $3 < 2 { bad++ } END { print NR, bad + 0 }' <<<"$output"
		[ "${output#* }" = 0 ]
	done
	# The frozen one lost frames, and was told.
	jq -s -e '[.[] | select(.lost)] | length >= 1 and (.[0].lost.frames | tonumber) > 0' "$TMP/fslow"
	run -0 cat "$TMP/err"
	[ -z "$output" ]
}
