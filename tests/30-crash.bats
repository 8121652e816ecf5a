#!/usr/bin/env bats
# Crash safety of the loader: SIGKILL it at named steps of a load, a
# replace and an unload. <root>/<backend> is then absent or complete, and the
# next ebpf-loader run leaves no staging debris and no program attached
# without a pin. EBPF_LOADER_TEST_PAUSE=<step> makes the loader wait there.

bats_require_minimum_version 1.5.0
load lib

# Start the loader paused at STEP, SIGKILL it there. RUNNER must exec (not
# a shell function), so that $! is the loader itself.
kill_at() { # STEP ARGS...
	local step=$1 pid
	shift
	EBPF_LOADER_TEST_PAUSE=$step ${RUNNER:-} "$LOADER" "$@" --pin-root "$ROOT" 2>"$TMP/err" &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_until 5 grep -q "test pause at $step" "$TMP/err"
	grep "test pause at $step" "$TMP/err"
	kill -9 "$pid"
	wait "$pid" || true
}

assert_absent_or_complete() { # NAME PROG MAP
	local dir=$ROOT/$1
	[ ! -e "$dir" ] && return 0
	[ -e "$dir/meta" ] && [ -e "$dir/progs/$2" ] && [ -e "$dir/maps/$3" ]
}

# After the next loader run: staging is empty and the program runs iff it
# is published (one copy, the pinned one), else no such program exists.
assert_recovered() { # NAME PROG
	"$LOADER" list --pin-root "$ROOT" >/dev/null
	[ -z "$(ls -A "$ROOT/staging")" ]
	if [ -e "$ROOT/$1" ]; then
		local pinned
		pinned=$(backend_ids "$1" programs)
		# Freed programs linger for an RCU grace period: poll.
		wait_until 5 progs_named_are "$2" "$pinned" || {
			echo "live=$(our_progs_named "$2") pinned=$pinned"
			return 1
		}
	else
		assert_no_prog_named "$2"
	fi
}

@test "SIGKILL during load, at every step (links)" {
	local step
	for step in loaded pinned attached staged published; do
		echo "# step $step" >&3
		kill_at "$step" load "$TOBJ/t_tracepoint.o"
		assert_absent_or_complete t_tracepoint count_getppid hits
		assert_recovered t_tracepoint count_getppid
		"$LOADER" unload --all --pin-root "$ROOT"
		assert_no_prog_named count_getppid
	done
}

@test "SIGKILL during load, at every step (socket holder)" {
	netns_create
	local step
	for step in pinned attached staged published; do
		RUNNER="nsenter --net=/run/netns/$NS" kill_at "$step" load sockex1.o
		assert_absent_or_complete sockex1 sockex1_count proto_stats
		assert_recovered sockex1 sockex1_count
		if [ ! -e "$ROOT/sockex1" ]; then
			# An uncommitted holder exits by itself when the loader dies.
			wait_until 5 netns_empty
		fi
		"$LOADER" unload --all --pin-root "$ROOT"
		[ -z "$(ip netns pids "$NS")" ]
		assert_no_prog_named sockex1_count
	done
}

@test "SIGKILL during --replace: the backend never disappears" {
	local step
	for step in staged exchanged; do
		run "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
		[ "$status" -eq 0 ]
		kill_at "$step" load "$TOBJ/t_tracepoint.o" --replace
		[ -e "$ROOT/t_tracepoint/meta" ]
		assert_recovered t_tracepoint count_getppid
		"$LOADER" unload --all --pin-root "$ROOT"
		assert_no_prog_named count_getppid
	done
}

@test "SIGKILL during unload: the next run finishes it" {
	run "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	kill_at unload-moved unload t_tracepoint
	[ ! -e "$ROOT/t_tracepoint" ]
	assert_recovered t_tracepoint count_getppid
}
