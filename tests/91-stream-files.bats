#!/usr/bin/env bats
# ebpf-stream and the files it is told to write: the --listen unix socket
# file and the --output file. Only what it made is replaced or removed, and
# a recording is not touched by a stream that is refused at start.

bats_require_minimum_version 1.5.0
load lib

# A pin root with one small map: enough for a stream to start.
one_map() {
	run -0 "$HELPERS/mkmap" "$ROOT/m/maps/counts" hash 4
}

# Something accepts connections on unix socket PATH.
unix_connectable() { # PATH
	"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$1" 2>/dev/null
}

# Wait (up to 5 s) until something accepts connections on unix socket PATH.
wait_listening() { # PATH
	wait_until 5 unix_connectable "$1" && return 0
	echo "nobody listens on $1" >&2
	return 1
}

# Start a stream serving on unix:PATH in the background; wait until it does.
stream_listen() { # PATH
	"$STREAM" --snapshots --pin-root "$ROOT" --listen "unix:$1" 2>"$TMP/stream.err" &
	STREAM_PID=$!
	BG_PIDS="$BG_PIDS $STREAM_PID"
	wait_listening "$1"
}

# SIGTERM the background stream; it must exit 0, having said nothing.
stream_stop() {
	local rc=0
	kill -TERM "$STREAM_PID"
	wait "$STREAM_PID" || rc=$?
	# Reaped: teardown must not signal its pid, which may be reused.
	local p keep=""
	for p in $BG_PIDS; do [ "$p" = "$STREAM_PID" ] || keep="$keep $p"; done
	BG_PIDS=$keep
	echo "ebpf-stream exited $rc: $(cat "$TMP/stream.err")"
	[ "$rc" -eq 0 ]
	[ ! -s "$TMP/stream.err" ]
}

@test "--listen unix:PATH refuses a regular file, a directory or a symbolic link at PATH, names it, and leaves it as it was" {
	one_map
	echo precious >"$TMP/file"
	# timeout: a stream that took the path would serve until stopped.
	run --separate-stderr timeout 5 "$STREAM" --snapshots --pin-root "$ROOT" --listen "unix:$TMP/file"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-stream: cannot listen on unix:$TMP/file: $TMP/file is a regular file, not a socket: not replaced" ]
	[ -f "$TMP/file" ]
	[ "$(cat "$TMP/file")" = precious ]

	mkdir "$TMP/dir"
	run --separate-stderr timeout 5 "$STREAM" --snapshots --pin-root "$ROOT" --listen "unix:$TMP/dir"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-stream: cannot listen on unix:$TMP/dir: $TMP/dir is a directory, not a socket: not replaced" ]
	[ -d "$TMP/dir" ]

	ln -s "$TMP/file" "$TMP/link"
	run --separate-stderr timeout 5 "$STREAM" --snapshots --pin-root "$ROOT" --listen "unix:$TMP/link"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-stream: cannot listen on unix:$TMP/link: $TMP/link is a symbolic link, not a socket: not replaced" ]
	[ "$(readlink "$TMP/link")" = "$TMP/file" ]
	[ "$(cat "$TMP/file")" = precious ]
}

@test "--listen unix:PATH takes over a socket file nobody listens on, refuses a live one, and a clean exit removes its own" {
	one_map
	# A socket file left behind by a process that died: bound, never unlinked.
	run -0 "$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/sock"
	[ -S "$TMP/sock" ]
	stream_listen "$TMP/sock"
	# A live one is not taken from the stream that serves on it.
	run --separate-stderr timeout 5 "$STREAM" --snapshots --pin-root "$ROOT" --listen "unix:$TMP/sock"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-stream: cannot listen on unix:$TMP/sock: Address already in use" ]
	wait_listening "$TMP/sock"
	stream_stop
	[ ! -e "$TMP/sock" ]
}

@test "a clean exit leaves alone a file put where its socket file was" {
	one_map
	stream_listen "$TMP/sock"
	rm "$TMP/sock"
	echo newer >"$TMP/sock"
	stream_stop
	[ -f "$TMP/sock" ]
	[ "$(cat "$TMP/sock")" = newer ]
}

@test "--output: a stream refused at start (ring buffer taken, selector unmatched) leaves the running stream's recording intact" {
	run -0 "$LOADER" load execsnoop.o --pin-root "$ROOT"
	"$STREAM" --events --pin-root "$ROOT" --output "$TMP/rec" 2>"$TMP/stream.err" &
	STREAM_PID=$!
	BG_PIDS=$STREAM_PID
	# The Describe is written once its ring buffer is locked.
	local size
	wait_until 5 test -s "$TMP/rec"
	size=$(stat -c %s "$TMP/rec")
	head -c "$size" "$TMP/rec" >"$TMP/copy"

	run --separate-stderr "$STREAM" --events --pin-root "$ROOT" --output "$TMP/rec"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "ebpf-stream: ring buffer shared/proc_events (map id "*") already has a consumer (another ebpf-stream?): refusing to share its consumer position" ]]
	run -0 cmp -n "$size" "$TMP/copy" "$TMP/rec"

	run --separate-stderr "$STREAM" --pin-root "$ROOT" --output "$TMP/rec" no-such-backend
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-stream: no backend or map matches 'no-such-backend' under $ROOT" ]
	run -0 cmp -n "$size" "$TMP/copy" "$TMP/rec"

	# The first stream's recording is whole: it decodes from its Describe on.
	stream_stop
	run -0 "$STREAM" --decode <"$TMP/rec"
	jq -e '.describe.schema_version == 1' <<<"${lines[0]}"
}

@test "--output does not follow a symbolic link, dangling or not" {
	one_map
	echo precious >"$TMP/target"
	ln -s "$TMP/target" "$TMP/link"
	run --separate-stderr "$STREAM" --once --pin-root "$ROOT" --output "$TMP/link"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-stream: $TMP/link: a symbolic link: not followed" ]
	[ "$(cat "$TMP/target")" = precious ]
	[ "$(readlink "$TMP/link")" = "$TMP/target" ]

	ln -s "$TMP/nothing" "$TMP/dangling"
	run --separate-stderr "$STREAM" --once --pin-root "$ROOT" --output "$TMP/dangling"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-stream: $TMP/dangling: a symbolic link: not followed" ]
	[ ! -e "$TMP/nothing" ]
}

@test "--output: a new file is 0600 whatever the umask, an existing one of ours is made 0600, another user's is refused" {
	one_map
	run -0 sh -c 'umask 0; exec "$0" --once --pin-root "$1" --output "$2"' "$STREAM" "$ROOT" "$TMP/new"
	[ "$(stat -c %a "$TMP/new")" = 600 ]

	echo old >"$TMP/old"
	chmod 0644 "$TMP/old"
	run -0 "$STREAM" --once --pin-root "$ROOT" --output "$TMP/old"
	[ "$(stat -c %a "$TMP/old")" = 600 ]
	# Truncated, then the stream: no trace of what was there.
	run -0 "$STREAM" --decode <"$TMP/old"
	jq -e '.describe.schema_version == 1' <<<"${lines[0]}"

	echo theirs >"$TMP/theirs"
	chmod 0600 "$TMP/theirs"
	chown nobody "$TMP/theirs"
	run --separate-stderr "$STREAM" --once --pin-root "$ROOT" --output "$TMP/theirs"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-stream: $TMP/theirs: owned by uid $(id -u nobody), not by uid $(id -u): not written" ]
	[ "$(cat "$TMP/theirs")" = theirs ]
	[ "$(stat -c %a "$TMP/theirs")" = 600 ]

	# What is not a regular file is written as it is: its mode stays.
	run -0 "$STREAM" --once --pin-root "$ROOT" --output /dev/null
	[ "$(stat -c %a /dev/null)" = 666 ]
}

@test "a full disk under the stream (--output, standard output, --once) is said and exits 1; a pipe reader that goes away is exit 0" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	run --separate-stderr timeout 20 "$STREAM" --snapshots --interval 0.05 --pin-root "$ROOT" --output /dev/full
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-stream: writing the stream to /dev/full: No space left on device" ]
	local once
	for once in --once --snapshots; do
		run --separate-stderr timeout 20 sh -c '"$0" $1 --pin-root "$2" >/dev/full' "$STREAM" "$once" "$ROOT"
		[ "$status" -eq 1 ]
		[ "$stderr" = "ebpf-stream: writing the stream to standard output: No space left on device" ]
	done
	run --separate-stderr timeout 20 bash -c '"$0" --snapshots --interval 0.05 --pin-root "$1" | head -c 100 >/dev/null; exit "${PIPESTATUS[0]}"' "$STREAM" "$ROOT"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

# A thread of process PID is blocked writing into a full pipe.
blocked_in_pipe_write() { # PID
	grep -q 'pipe_write' /proc/"$1"/task/*/wchan 2>/dev/null
}

@test "a stop while the output's reader takes nothing ends within the close wait, says what was not written, exits 1" {
	run -0 "$LOADER" load syscount.o --pin-root "$ROOT"
	mkfifo "$TMP/fifo"
	# A reader that opens the FIFO and never reads it.
	sleep 600 <"$TMP/fifo" & # not a wait: the reader that holds the FIFO open, killed by teardown
	BG_PIDS=$!
	"$STREAM" --snapshots --interval 0.01 --pin-root "$ROOT" --output "$TMP/fifo" 2>"$TMP/err" &
	local pid=$! rc=0
	BG_PIDS="$BG_PIDS $pid"
	wait_until 30 blocked_in_pipe_write "$pid"
	kill -TERM "$pid"
	# Before, it waited on the write for as long as the reader lived.
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ]
	run -0 cat "$TMP/err"
	[[ "$output" =~ ^"ebpf-stream: writing the stream to $TMP/fifo: its reader took nothing for 5 s after the stop: "[0-9]+" bytes not written"$ ]]
}
