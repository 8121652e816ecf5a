#!/usr/bin/env bats
# The suite's own helpers in tests/lib.bash that tests lean on to wait and
# to listen: they must do what they say, or every test using them lies.

bats_require_minimum_version 1.5.0
load lib

# Hold 127.0.0.1:PORT with a listener in the background until teardown.
hold_port() { # PORT
	"$PY" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
open(sys.argv[2], "w").close()
time.sleep(60)  # not a wait: the holder of the port, killed by teardown
' "$1" "$TMP/held" &
	BG_PIDS="$BG_PIDS $!"
	wait_until 5 test -e "$TMP/held"
}

@test "free_port passes over a port another program holds and returns one that binds" {
	local taken
	taken=$(test_port)
	run -0 port_bindable "$taken"
	hold_port "$taken"
	run -1 port_bindable "$taken"
	run -0 free_port
	[ "$output" != "$taken" ]
	run -0 port_bindable "$output"
}

@test "exporter_start listens on a free port when test_port's is taken" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	local taken
	taken=$(test_port)
	hold_port "$taken"
	exporter_start
	[ "$PORT" != "$taken" ]
	run -0 scrape
	[[ "$output" == *"ebpf_t_tracepoint_hits "* ]]
}

@test "in_nanosleep tells a process that sleeps from one that works" {
	sleep 30 & # not a wait: a process that sleeps, for the condition to see
	local sleeper=$!
	BG_PIDS="$BG_PIDS $sleeper"
	wait_until 5 in_nanosleep "$sleeper"
	"$BASH" -c 'while :; do :; done' &
	local spinner=$!
	BG_PIDS="$BG_PIDS $spinner"
	run -1 in_nanosleep "$spinner"
}
