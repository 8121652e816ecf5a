#!/usr/bin/env bats
# ebpf-stream: snapshots and events, read by an independent protobuf decoder;
# subscribers, selectors, self-check of its encoders.

bats_require_minimum_version 1.5.0
load lib

# An ebpf-stream holds the consumer lock of ring buffer map ID (an abstract
# unix socket named after it).
ringbuf_consumed() { # ID
	ss -xa | grep "@ebpf-stream/ringbuf/$1 " >/dev/null
}

# Field values of a decoded (json_format) entry as {name: value}.
JQ_FIELDS='def vals: map({(.name // ""): (.values[0] | to_entries[0].value)}) | add;'

@test "an independent Python decoder finds the exact sockex1 counts in a captured stream" {
	netns_create
	run in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 13 77
	in_ns "$HELPERS/tcprst" 127.0.0.1 9 4 0
	timeout -s TERM 1.5 "$STREAM" --snapshots --interval 0.3 --pin-root "$ROOT" >"$TMP/cap" || true
	py_decode "$TMP/cap" >"$TMP/frames"
	head -c 600 "$TMP/frames"
	# The first frame describes the stream.
	head -n 1 "$TMP/frames" | jq -e '.describe.schema_version == 1 and (.describe.hostname | length) > 0 and (.describe.boot_id | length) == 36 and .describe.pin_root == "'"$ROOT"'"'
	head -n 1 "$TMP/frames" | jq -e '.describe.maps[] | select(.map == "proto_stats") | .key_fields[0].type == "FIELD_TYPE_ENUM" and ([.value_fields[].name] == ["packets", "bytes"])'
	# The last snapshot: exact counts under the protocol names (int64 as strings in JSON).
	local last
	last=$(jq -c 'select(.snapshot.map == "proto_stats") | .snapshot' "$TMP/frames" | tail -n 1)
	[ "$(jq -c "$JQ_FIELDS"' [.entries[] | {k: (.key | vals[""]), v: (.value | vals)}] | sort_by(.k)' <<<"$last")" = \
	  "[{\"k\":\"tcp\",\"v\":{\"packets\":\"4\",\"bytes\":\"$((4 * 54))\"}},{\"k\":\"udp\",\"v\":{\"packets\":\"13\",\"bytes\":\"$((13 * 119))\"}}]" ]
}

@test "--once: the describe frame and one snapshot of each map, exact counts, and it exits 0 by itself" {
	netns_create
	run in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	# A ring buffer too: described, but neither snapshotted nor consumed.
	run "$LOADER" load execsnoop.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 13 77
	in_ns "$HELPERS/tcprst" 127.0.0.1 9 4 0
	# Another stream consumes the ring buffer: --once does not need it.
	"$STREAM" --events --pin-root "$ROOT" --output /dev/null &
	BG_PIDS=$!
	local id
	id=$(bpftool -j map show pinned "$ROOT/shared/proc_events" | jq .id)
	wait_until 5 ringbuf_consumed "$id"
	# No signal, no interval: timeout's 124 would say it did not stop.
	run --separate-stderr timeout "$(scaled_seconds 10)" "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	py_decode "$TMP/cap" >"$TMP/frames"
	head -n 1 "$TMP/frames" | jq -e '.describe.schema_version == 1'
	# After the describe: one snapshot per map it lists, ring buffer aside,
	# in its order, and nothing else.
	jq -s -e '([.[0].describe.maps[] | select(.type != "ringbuf") | .backend + "/" + .map]) as $want
		| $want == ["execsnoop/exec_stats", "sockex1/proto_stats"]' "$TMP/frames"
	jq -s -e '([.[0].describe.maps[] | select(.type != "ringbuf") | .backend + "/" + .map]) as $want
		| [.[1:][] | .snapshot | select(.) | .backend + "/" + .map] == $want and length == ($want | length) + 1' "$TMP/frames"
	[ "$(jq -c 'select(.snapshot.map == "proto_stats") | .snapshot | '"$JQ_FIELDS"' [.entries[] | {k: (.key | vals[""]), v: (.value | vals)}] | sort_by(.k)' "$TMP/frames")" = \
	  "[{\"k\":\"tcp\",\"v\":{\"packets\":\"4\",\"bytes\":\"$((4 * 54))\"}},{\"k\":\"udp\",\"v\":{\"packets\":\"13\",\"bytes\":\"$((13 * 119))\"}}]" ]

	# One selected map to stdout, read by ebpf-stream's own decoder:
	# exactly a describe and one snapshot.
	timeout "$(scaled_seconds 10)" "$STREAM" --once --pin-root "$ROOT" sockex1/proto_stats | "$STREAM" --decode >"$TMP/one"
	[ "$(jq -c 'keys[0]' "$TMP/one" | tr '\n' ' ')" = '"describe" "snapshot" ' ]
	[ "$(jq -c 'select(.snapshot) | .snapshot | '"$JQ_FIELDS"' [.entries[] | {k: (.key | vals[""]), v: (.value | vals)}] | sort_by(.k)' "$TMP/one")" = \
	  "[{\"k\":\"tcp\",\"v\":{\"packets\":4,\"bytes\":$((4 * 54))}},{\"k\":\"udp\",\"v\":{\"packets\":13,\"bytes\":$((13 * 119))}}]" ]

	# Not with what never ends, or with nowhere to write it.
	run --separate-stderr "$STREAM" --once --events --pin-root "$ROOT"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ebpf-stream: --once writes one snapshot of each map to the output: not with --events" ]
	run --separate-stderr "$STREAM" --once --listen "unix:$TMP/sock" --pin-root "$ROOT"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ebpf-stream: --once writes one snapshot of each map to the output: not with --listen" ]
	[ ! -e "$TMP/sock" ]
}

@test "K short-lived processes: exactly K exec and K exit records through the shared ring buffer" {
	run "$LOADER" load execsnoop.o exitsnoop.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	local k=40 i name=sk$$
	cp "$HELPERS/trigger" "$TMP/$name"
	"$STREAM" --events --pin-root "$ROOT" --output "$TMP/cap" 2>"$TMP/err" &
	local pid=$!
	BG_PIDS=$pid
	wait_until 5 ringbuf_consumed "$(bpftool -j map show pinned "$ROOT/shared/proc_events" | jq .id)"
	for i in $(seq "$k"); do "$TMP/$name" exit $((i % 7)) || true; done
	# All 2K records written out, whatever the pace (counted exactly below).
	wait_until 5 comm_events_at_least $((2 * k)) "$TMP/cap" "$name" || true
	kill -TERM "$pid"
	wait "$pid"
	BG_PIDS=""
	"$STREAM" --decode <"$TMP/cap" >"$TMP/frames"
	jq -c "$JQ_FIELDS"' select(.event) | .event.fields | vals | select(.comm == "'"$name"'") | [.type, .exit_code, .filename]' "$TMP/frames" >"$TMP/mine"
	[ "$(grep -c '^\[1,' "$TMP/mine")" -eq "$k" ]
	[ "$(grep -c '^\[2,' "$TMP/mine")" -eq "$k" ]
	# exec records carry the path, exit records the status, in kernel order.
	[ "$(grep '^\[1,' "$TMP/mine" | sort -u)" = "[1,0,\"$TMP/$name\"]" ]
	[ "$(grep '^\[2,' "$TMP/mine" | jq -s -c 'map(.[1])')" = "$(jq -n -c "[range(1; $k + 1) | . % 7]")" ]
	# Both backends wrote into the one map: the events name it once.
	[ "$(jq -r 'select(.event) | .event.backend + "/" + .event.map' "$TMP/frames" | sort -u)" = shared/proc_events ]
	# Sequence numbers: no gaps, nothing lost at this rate.
	jq -s -e '[.[] | select(.event) | .event.seq] | . == [range(1; length + 1)]' "$TMP/frames"
}

# What FILE holds now: a stream that writes faster than a slow (valgrind)
# decoder reads would keep a decoder reading the file itself forever.
captured() { # FILE
	head -c "$(stat -c %s "$1")" "$1"
}

# count(COND): how many decoded frames satisfy COND, in constant memory
# (captures polled while a stream writes them grow fast).
JQ_COUNT='def count(c): reduce (inputs | select(c)) as $f (0; . + 1);'

# The capture FILE holds at least N Event frames.
events_at_least() { # N FILE
	[ "$(captured "$2" | "$STREAM" --decode 2>/dev/null | jq -n "$JQ_COUNT"' count(.event)')" -ge "$1" ]
}

# FILE is now bigger than SIZE bytes.
file_grew() { # FILE SIZE
	[ "$(stat -c %s "$1")" -gt "$2" ]
}

# The capture FILE holds at least N Backend frames (removed or added).
backend_frames_at_least() { # N FILE
	[ "$(captured "$2" | "$STREAM" --decode 2>/dev/null | jq -n "$JQ_COUNT"' count(.backend)')" -ge "$1" ]
}

# The capture FILE holds a Snapshot frame.
has_snapshot() { # FILE
	[ "$(captured "$1" | "$STREAM" --decode 2>/dev/null | jq -n "$JQ_COUNT"' count(.snapshot)')" -ge 1 ]
}

file_larger_than() { # FILE BYTES
	[ "$(stat -c %s "$1")" -gt "$2" ]
}

# The capture FILE holds at least N Event frames of processes named COMM.
comm_events_at_least() { # N FILE COMM
	[ "$(captured "$2" | "$STREAM" --decode 2>/dev/null |
		jq -c --arg c "$3" "$JQ_FIELDS"' select(.event) | .event.fields | vals | select(.comm == $c)' | wc -l)" -ge "$1" ]
}

# The capture FILE holds a Lost frame and a frame after it.
lost_then_more() { # FILE
	captured "$1" | "$STREAM" --decode 2>/dev/null |
		jq -n -e 'reduce inputs as $f ({lost: false, after: false};
			if $f.lost then .lost = true elif .lost then .after = true else . end) | .after' >/dev/null
}

# A subscriber: connect to the unix socket and save everything to FILE.
# Started directly (not in $(...)): its pid is $! of the caller.
SUBSCRIBER='
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
with open(sys.argv[2], "wb", buffering=0) as f:
    while True:
        b = s.recv(65536)
        if not b:
            break
        f.write(b)
'

@test "three subscribers: same frames; killing or freezing one does not stop the others; the frozen one is told what it lost" {
	"$HELPERS/mkmap" "$ROOT/big/maps/big" hash 5000
	"$STREAM" --snapshots --interval 0.1 --queue-bytes 262144 --listen "unix:$TMP/sock" \
		--pin-root "$ROOT" 2>"$TMP/err" &
	BG_PIDS=$!
	wait_until 5 test -S "$TMP/sock"
	local a b c stream=$BG_PIDS
	"$PY" -c "$SUBSCRIBER" "$TMP/sock" "$TMP/a" </dev/null >/dev/null 2>&1 &
	a=$!
	"$PY" -c "$SUBSCRIBER" "$TMP/sock" "$TMP/b" </dev/null >/dev/null 2>&1 &
	b=$!
	"$PY" -c "$SUBSCRIBER" "$TMP/sock" "$TMP/c" </dev/null >/dev/null 2>&1 &
	c=$!
	BG_PIDS="$BG_PIDS $a $b $c"
	# All three subscribed: each has its describe frame at least.
	wait_until 5 test -s "$TMP/a"
	wait_until 5 test -s "$TMP/b"
	wait_until 5 test -s "$TMP/c"
	kill -9 "$b"
	kill -STOP "$c"
	# Frozen until a has received more than c's queue (--queue-bytes) and
	# its socket's buffer could hold, with room to spare: by then the
	# stream has dropped frames for c.
	local frozen_at
	frozen_at=$(stat -c %s "$TMP/a")
	wait_until 20 file_grew "$TMP/a" $((frozen_at + 4 * (262144 + $(cat /proc/sys/net/core/wmem_default))))
	kill -CONT "$c"
	# Thawed, it drains its queue, is told what it lost, and receives again.
	wait_until 10 lost_then_more "$TMP/c"
	local before
	before=$(stat -c %s "$TMP/a")
	wait_until 5 file_grew "$TMP/a" "$before"
	kill -0 "$stream"
	# Their captures are final before decoding: a decoder reading a file
	# that grows faster than it decodes would never end.
	kill -9 "$a" "$c"
	wait "$a" "$c" 2>/dev/null || true
	py_decode "$TMP/a" >"$TMP/fa"
	py_decode "$TMP/b" >"$TMP/fb"
	py_decode "$TMP/c" >"$TMP/fc"
	# Each started with the same describe frame, then snapshots.
	[ "$(head -n 1 "$TMP/fa" | jq -c '.describe.maps')" = "$(head -n 1 "$TMP/fb" | jq -c '.describe.maps')" ]
	[ "$(head -n 1 "$TMP/fa" | jq -c '.describe.maps')" = "$(head -n 1 "$TMP/fc" | jq -c '.describe.maps')" ]
	[ "$(sed -n 2p "$TMP/fa" | jq -c '.snapshot.entries | length')" = 5000 ]
	# The unfrozen one lost nothing; the frozen one was told how much it lost.
	run ! grep -q '"lost"' "$TMP/fa"
	jq -s -e '[.[] | select(.lost)] | length >= 1 and (.[0].lost.frames | tonumber) > 0' "$TMP/fc"
	# ...and it went on receiving after the Lost frame.
	jq -s -e '([.[] | select(.lost) | 1] | length) > 0 and (. as $all | [range(length)] | map(select($all[.].lost)) | .[0]) < (length - 1)' "$TMP/fc"
}

@test "unload and reload while streaming: removed and added frames, no crash" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	"$STREAM" --snapshots --interval 0.2 --pin-root "$ROOT" --output "$TMP/cap" &
	local pid=$!
	BG_PIDS=$pid
	# Each change once the stream has seen the state before it.
	wait_until 5 has_snapshot "$TMP/cap"
	"$LOADER" unload t_tracepoint --pin-root "$ROOT"
	wait_until 5 backend_frames_at_least 1 "$TMP/cap"
	"$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	wait_until 5 backend_frames_at_least 2 "$TMP/cap"
	kill -0 "$pid"
	kill -TERM "$pid"
	wait "$pid"
	BG_PIDS=""
	"$STREAM" --decode <"$TMP/cap" >"$TMP/frames"
	jq -s -e '[.[] | select(.backend) | .backend | [.backend, (.added // false)]] == [["t_tracepoint", false], ["t_tracepoint", true]]' "$TMP/frames"
	jq -s -e '[.[] | select(.backend.added) | .backend.maps[0].map] == ["hits"]' "$TMP/frames"
}

@test "the pin root removed and loaded again while streaming: shared is told removed, then added, like its users" {
	run -0 "$LOADER" load execsnoop.o --pin-root "$ROOT"
	"$STREAM" --events --interval 0.1 --pin-root "$ROOT" --output "$TMP/cap" &
	local pid=$!
	BG_PIDS=$pid
	wait_until 5 test -s "$TMP/cap"
	run -0 "$LOADER" unload --all --pin-root "$ROOT"
	wait_until 5 backend_frames_at_least 2 "$TMP/cap"
	run -0 "$LOADER" load execsnoop.o --pin-root "$ROOT"
	wait_until 5 backend_frames_at_least 4 "$TMP/cap"
	kill -TERM "$pid"
	wait "$pid" # not `run wait`: run's subshell is not the stream's parent
	BG_PIDS=""
	"$STREAM" --decode <"$TMP/cap" >"$TMP/frames"
	# Each removed before it is added again; before, shared was only added.
	jq -s -e '[.[] | select(.backend) | .backend | [.backend, (.added // false)]]
		| (sort == [["execsnoop", false], ["execsnoop", true], ["shared", false], ["shared", true]])
		and index([["shared", false]]) < index([["shared", true]])
		and index([["execsnoop", false]]) < index([["execsnoop", true]])' "$TMP/frames"
}

@test "SIGHUP without --web.config.file (the unit's ExecReload): said, and streaming goes on" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	"$STREAM" --snapshots --interval 0.1 --pin-root "$ROOT" --output "$TMP/cap" 2>"$TMP/err" &
	local pid=$!
	BG_PIDS=$pid
	wait_until 5 has_snapshot "$TMP/cap"
	kill -HUP "$pid"
	wait_until 5 grep -q 'ebpf-stream: SIGHUP: no --web.config.file to reread' "$TMP/err"
	# Still streaming: the capture grows after the signal.
	local size
	size=$(stat -c %s "$TMP/cap")
	wait_until 5 file_larger_than "$TMP/cap" "$size"
	kill -TERM "$pid"
	wait "$pid" # not `run wait`: run's subshell is not the stream's parent
	BG_PIDS=""
}

# The loader pins shared/<map> while it stages the map's first user, before
# it publishes that backend (docs/design.md, "Shared maps"). A stream that
# scans then finds the ring buffer with no published user, so with no btf
# pin to take its tags and record type from: it must take the map once the
# user is published, described and decoded, not undecoded for good.
@test "a shared ring buffer first seen while its user is staged is described and decoded once the user is published" {
	local name=st$$ lpid spid
	cp "$HELPERS/trigger" "$TMP/$name"
	EBPF_LOADER_TEST_PAUSE=staged "$LOADER" load execsnoop.o --pin-root "$ROOT" 2>"$TMP/lerr" &
	lpid=$!
	BG_PIDS=$lpid
	wait_until 5 grep -q "test pause at staged" "$TMP/lerr"
	"$STREAM" --events --interval 0.05 --pin-root "$ROOT" --output "$TMP/cap" 2>"$TMP/err" &
	spid=$!
	BG_PIDS="$BG_PIDS $spid"
	# The Describe is written once the first scan is done: that scan saw
	# shared/proc_events and only the staged tree using it.
	wait_until 5 test -s "$TMP/cap"
	# Published as the loader publishes a backend without sockets: one
	# rename out of staging (docs/design.md, "Staging").
	mv "$ROOT/staging/execsnoop-$lpid-new" "$ROOT/execsnoop"
	kill -9 "$lpid"
	wait "$lpid" || true
	wait_until 5 ringbuf_consumed "$(bpftool -j map show pinned "$ROOT/shared/proc_events" | jq .id)"
	"$TMP/$name" exit 0
	wait_until 5 comm_events_at_least 1 "$TMP/cap" "$name" || true
	kill -TERM "$spid"
	wait "$spid"
	BG_PIDS=""
	"$STREAM" --decode <"$TMP/cap" >"$TMP/frames"
	# Wherever proc_events is described, it is with its tags and record type.
	jq -s -e '[.[] | (.describe.maps // [], .backend.maps // []) | .[] | select(.map == "proc_events")]
		| length >= 1 and all(.help == "Process exec and exit events" and .record == "procevent" and .btf)' "$TMP/frames"
	# Every record is decoded, ours among them.
	jq -s -e '[.[] | select(.event) | .event] | length >= 1 and all(.record == "procevent" and (.fields | length) > 0)' "$TMP/frames"
	jq -c "$JQ_FIELDS"' select(.event) | .event.fields | vals | select(.comm == "'"$name"'" and .type == 1) | .filename' "$TMP/frames" >"$TMP/mine"
	[ "$(cat "$TMP/mine")" = "\"$TMP/$name\"" ]
}

@test "bad input: unknown pin root, listen address in use, second ring buffer consumer, bad streams to the decoder" {
	run --separate-stderr "$STREAM" --pin-root /sys/fs/bpf/no-such-root-$$
	[ "$status" -eq 1 ]
	[[ "$stderr" == "ebpf-stream: pin root /sys/fs/bpf/no-such-root-$$: No such file or directory"* ]]

	run -0 "$LOADER" load execsnoop.o --pin-root "$ROOT"
	"$STREAM" --events --pin-root "$ROOT" --listen "unix:$TMP/sock" &
	BG_PIDS=$!
	wait_until 5 test -S "$TMP/sock"
	run --separate-stderr "$STREAM" --events --pin-root "$ROOT" --listen "unix:$TMP/sock"
	[ "$status" -ne 0 ]
	# Either refusal is right here: the ring buffer is taken, and so is the socket.
	[[ "$stderr" == *"already has a consumer"* || "$stderr" == *"Address already in use"* ]]
	run --separate-stderr "$STREAM" --events --pin-root "$ROOT" --output "$TMP/x"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "ebpf-stream: ring buffer shared/proc_events (map id "*") already has a consumer (another ebpf-stream?): refusing to share its consumer position" ]]
	run --separate-stderr "$STREAM" --snapshots --pin-root "$ROOT" --listen "unix:$TMP/sock"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-stream: cannot listen on unix:$TMP/sock: Address already in use" ]
	run --separate-stderr "$STREAM" --listen "bogus:1" --pin-root "$ROOT"
	[ "$status" -eq 2 ]

	# The decoder: truncated, garbage, empty.
	"$STREAM" --snapshots --pin-root "$ROOT" --output "$TMP/good" &
	local p=$!
	# Stopped once it has written something (whatever its start-up pace).
	wait_until 10 test -s "$TMP/good"
	kill -TERM "$p"
	wait "$p"
	"$STREAM" --decode <"$TMP/good" >/dev/null
	head -c $(($(stat -c %s "$TMP/good") - 3)) "$TMP/good" >"$TMP/cut"
	run --separate-stderr "$STREAM" --decode <"$TMP/cut"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "ebpf-stream: --decode: truncated frame at byte "* ]]
	head -c 4096 /dev/urandom >"$TMP/garbage"
	run --separate-stderr "$STREAM" --decode <"$TMP/garbage"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "ebpf-stream: --decode: "* ]]
	run "$STREAM" --decode </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "--decode: standard input it cannot read is an error naming it, and what it does not take beside it a usage error" {
	# A directory: read(2) fails with EISDIR, which is not the end of a stream.
	run --separate-stderr "$STREAM" --decode <"$TMP"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ebpf-stream: --decode: cannot read standard input at byte 0: Is a directory" ]

	# Not read as a file: the stream comes on standard input.
	run --separate-stderr "$STREAM" --decode "$TMP/cap.bin" </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "ebpf-stream: --decode reads a stream on standard input: not with argument '$TMP/cap.bin' (give it as < $TMP/cap.bin)" ]
	# Options it would ignore, before or after it, short or long.
	run --separate-stderr "$STREAM" --once --decode </dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "ebpf-stream: --decode reads a stream on standard input: not with --once" ]
	run --separate-stderr "$STREAM" -d --listen "unix:$TMP/sock" </dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "ebpf-stream: --decode reads a stream on standard input: not with --listen" ]
	[ ! -e "$TMP/sock" ]
	run --separate-stderr "$STREAM" --decode -r "$ROOT" </dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "ebpf-stream: --decode reads a stream on standard input: not with --pin-root" ]
	# Alone it reads an empty stream as before.
	run -0 "$STREAM" --decode </dev/null
	[ -z "$output" ]
}

@test "EBPF_STREAM_SELFCHECK: every Snapshot and Event frame is protobuf-c's, byte for byte, on the shipped and test backends" {
	run -0 stream_selfcheck_build
	STREAM_SELFCHECK=$TMP/ebpf-stream-selfcheck
	netns_create
	run in_ns "$LOADER" load sockex1.o sockex1_classic.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	run "$LOADER" load bitehist.o syscount.o execsnoop.o exitsnoop.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	local o i
	for o in t_tracepoint t_rawtp t_tpbtf t_uprobe t_shared_a; do
		run "$LOADER" load "$TOBJ/$o.o" --pin-root "$ROOT"
		[ "$status" -eq 0 ]
	done
	# One backend each, as a loader would make them: each map's BTF in
	# its backend's btf pin (one pin per backend; a second map with other
	# BTF in the same backend would be decoded by id, not from the pin).
	"$HELPERS/mkmap" "$ROOT/bighash/maps/hash" hash 20000
	"$HELPERS/mkmap" "$ROOT/bigpch/maps/pch" percpu_hash 5000
	"$HELPERS/mkmap" "$ROOT/bigarr/maps/arr" array 20000
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 13 77
	in_ns "$HELPERS/tcprst" 127.0.0.1 9 4 0
	"$HELPERS/trigger" getppid 100
	# Snapshots, summed and per CPU (enum keys, struct keys with strings,
	# arrays, maps without BTF, big maps): a difference fails the run.
	for o in "" --per-cpu; do
		run --separate-stderr env EBPF_STREAM_SELFCHECK=1 "$STREAM_SELFCHECK" --once $o --pin-root "$ROOT" --output "$TMP/cap"
		echo "$stderr"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		# 15 snapshots: the big maps' in several frames, the last without more.
		[ "$("$STREAM" --decode <"$TMP/cap" | jq -s '[.[] | select(.snapshot and (.snapshot.more | not))] | length')" -eq 15 ]
	done
	# A value struct of another shape, under the same shared name.
	run -0 "$LOADER" unload t_shared_a --pin-root "$ROOT"
	run "$LOADER" load "$TOBJ/t_shared_b.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	"$HELPERS/trigger" getppid 10
	run --separate-stderr env EBPF_STREAM_SELFCHECK=1 "$STREAM_SELFCHECK" --once --pin-root "$ROOT" shared
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# Events (and the small maps' snapshots every interval) while processes
	# come and go.
	EBPF_STREAM_SELFCHECK=1 "$STREAM_SELFCHECK" --interval 0.2 --pin-root "$ROOT" --output "$TMP/cap" \
		shared execsnoop exitsnoop syscount 2>"$TMP/err" &
	local pid=$!
	BG_PIDS=$pid
	wait_until 5 ringbuf_consumed "$(bpftool -j map show pinned "$ROOT/shared/proc_events" | jq .id)"
	for i in $(seq 20); do /bin/true; done
	wait_until 5 events_at_least 40 "$TMP/cap" || true # counted again below
	kill -TERM "$pid" 2>/dev/null || true # gone already if the check failed
	local rc=0
	wait "$pid" || rc=$?
	BG_PIDS=""
	cat "$TMP/err"
	[ "$rc" -eq 0 ]
	[ ! -s "$TMP/err" ]
	[ "$("$STREAM" --decode <"$TMP/cap" | jq -s '[.[] | select(.event)] | length')" -ge 40 ]
}

@test "the direct encoders against protobuf-c on random layouts and data (readers/stream/check/encfuzz.c)" {
	local src=$BATS_TEST_DIRNAME/.. obj=$BUILD/readers/stream cc=${CC:-cc} seed=$$ san=()
	[ -e "$obj/snapenc.o" ] || skip "no stream objects in $BUILD"
	if [ -n "${EBPF_SANITIZE:-}" ]; then
		cc=clang
		san=(-fsanitize=address,undefined)
	fi
	"$cc" -O1 -g -std=gnu11 -D_GNU_SOURCE -I"$src/lib" -I"$BUILD" -I"$src/readers/core" \
		-I"$src/readers/stream" -I"$BUILD/proto" "${san[@]}" -o "$TMP/encfuzz" \
		"$src/readers/stream/check/encfuzz.c" "$src/readers/stream/check/selfcheck.c" \
		"$src/readers/stream/check/refframes.c" "$obj"/{arena,frames,snapenc,evenc}.o \
		"$BUILD/proto/ebpf_stream.pb-c.o" "$BUILD/libebpfreader.a" "$BUILD/libebpfcommon.a" \
		-lbpf -lelf -lz -lprotobuf-c
	echo "seed $seed"
	run "$TMP/encfuzz" 10000 "$seed"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "encfuzz: 10000 snapshots, 10000 events: same bytes" ]
}

@test "--once: memory in proportion to the snapshot, not to a tree of messages" {
	[ -z "${EBPF_VALGRIND:-}${EBPF_SANITIZE:-}" ] || skip "not the binary's own memory"
	"$HELPERS/mkmap" "$ROOT/big/maps/m" hash 200000
	local kb
	kb=$("$PY" -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$STREAM" --once --pin-root "$ROOT" big)
	echo "peak RSS ${kb} KB"
	# 2.4 MB of keys and values and ~3 MB of shared libraries; a
	# protobuf-c tree of the frame was 90 MB.
	[ "$kb" -lt 12000 ]
}
