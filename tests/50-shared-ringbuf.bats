#!/usr/bin/env bats
# A shared ring buffer: execsnoop and exitsnoop, two backends, write into one
# ring buffer shared by name under <root>/shared/.

bats_require_minimum_version 1.5.0
load lib

map_id() { bpftool -j map show pinned "$1" | jq -r .id; }

@test "execsnoop and exitsnoop share one pinned ring buffer" {
	require_host_pidns
	run "$LOADER" load execsnoop.o exitsnoop.o --pin-root "$ROOT"
	echo "$output"
	[ "$status" -eq 0 ]
	local shared
	shared=$(map_id "$ROOT/shared/proc_events")
	[ -n "$shared" ]
	[ "$(map_id "$ROOT/execsnoop/maps/proc_events")" = "$shared" ]
	[ "$(map_id "$ROOT/exitsnoop/maps/proc_events")" = "$shared" ]

	"$HELPERS/ringbuf_dump" "$ROOT/shared/proc_events" 3 >"$TMP/events" 2>"$TMP/err" &
	BG_PIDS=$!
	wait_until 5 grep -q ready "$TMP/err"
	# A process with a recognisable exec filename and exit code.
	cp "$HELPERS/trigger" "$TMP/rbtest-$$"
	local pid
	pid=$("$TMP/rbtest-$$" getppid 1 | sed -n 's/^pid=//p')
	sh -c 'exit 7' || true
	wait "$BG_PIDS"
	BG_PIDS=""
	cat "$TMP/events"
	# exec record from execsnoop, exit record from exitsnoop, same pid.
	grep -E "^exec $pid [0-9]+ 0 rbtest-$$ $TMP/rbtest-$$\$" "$TMP/events"
	grep -E "^exit $pid [0-9]+ 0 rbtest-$$ -\$" "$TMP/events"
	grep -E "^exit [0-9]+ [0-9]+ 7 sh -\$" "$TMP/events"
}

@test "the shared ring buffer lives while any user remains" {
	run "$LOADER" load execsnoop.o exitsnoop.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	local id
	id=$(map_id "$ROOT/shared/proc_events")
	run "$LOADER" unload execsnoop --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	[ "$(map_id "$ROOT/shared/proc_events")" = "$id" ]
	# A newly loaded user joins the same map.
	run -0 "$LOADER" load execsnoop.o --pin-root "$ROOT"
	[ "$(map_id "$ROOT/execsnoop/maps/proc_events")" = "$id" ]
	run "$LOADER" unload execsnoop exitsnoop --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/shared/proc_events" ]
	wait_ids_gone map "$id"
}
