#!/usr/bin/env bats
# Every attach kind: the program keeps running after
# the loader has exited, and after `unload` it is gone: no pins, and bpftool
# lists none of its programs, maps or links.

bats_require_minimum_version 1.5.0
load lib

# Load OBJ, make events with TRIGGER (a command run twice), check the hits
# grow after the loader exited, unload, check everything is gone.
check_outlives_loader() { # NAME TRIGGER... (loader options in LOAD_OPTS, runner in RUN)
	local name=$1
	shift
	run ${RUN:-} "$LOADER" load "$TOBJ/$name.o" --pin-root "$ROOT" ${LOAD_OPTS:-}
	echo "$output"
	[ "$status" -eq 0 ]
	[ -e "$ROOT/$name/meta" ]
	# The loader has exited (run waits for it); only pins hold the program.
	local progs maps links before after
	progs=$(backend_ids "$name" programs)
	maps=$(backend_ids "$name" maps)
	links=$(backend_ids "$name" links)
	[ -n "$progs" ] && [ -n "$maps" ]

	before=$(hits "$name")
	"$@" >/dev/null
	after=$(hits "$name")
	echo "hits: $before -> $after"
	[ "$after" -gt "$before" ]

	run "$LOADER" unload "$name" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	assert_no_backend "$name"
	wait_ids_gone prog $progs
	wait_ids_gone map $maps
	[ -z "$links" ] || wait_ids_gone link $links
}

@test "tracepoint: runs after the loader exits, gone after unload" {
	check_outlives_loader t_tracepoint "$HELPERS/trigger" getppid 100
}

@test "raw_tp: runs after the loader exits, gone after unload" {
	check_outlives_loader t_rawtp "$HELPERS/trigger" getppid 100
}

@test "tp_btf: runs after the loader exits, gone after unload" {
	check_outlives_loader t_tpbtf "$HELPERS/trigger" getppid 100
}

@test "uprobe: runs after the loader exits, gone after unload" {
	check_outlives_loader t_uprobe "$HELPERS/trigger" getppid 100
}

@test "cgroup: runs after the loader exits, gone after unload" {
	require_cgroup2
	CGROUP=$(cgroup2_root)/ebpf-test-$BATS_TEST_NUMBER-$$
	mkdir "$CGROUP"
	LOAD_OPTS="--cgroup $CGROUP"
	# Sockets made by a process inside the cgroup.
	check_outlives_loader t_cgroup sh -c "echo \$\$ > $CGROUP/cgroup.procs && exec $HELPERS/trigger sockets 20"
}

@test "xdp: runs after the loader exits, gone after unload" {
	netns_create
	RUN=in_ns LOAD_OPTS="--iface lo"
	check_outlives_loader t_xdp in_ns "$HELPERS/udpsend" 127.0.0.1 9000 5 64
}

@test "tc (tcx): runs after the loader exits, gone after unload" {
	netns_create
	RUN=in_ns LOAD_OPTS="--iface lo"
	check_outlives_loader t_tc in_ns "$HELPERS/udpsend" 127.0.0.1 9000 5 64
	# tcx leaves no qdisc behind.
	run -0 in_ns tc qdisc show dev lo
	[[ "$output" != *clsact* ]]
}

@test "socket: the holder keeps sockex1 counting after the loader exits" {
	netns_create
	run in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	echo "$output"
	[ "$status" -eq 0 ]
	local holder progs maps
	holder=$("$LOADER" show sockex1 --pin-root "$ROOT" --json | jq -r .meta.holder_pid)
	[ "$holder" -gt 0 ]
	kill -0 "$holder"
	progs=$(backend_ids sockex1 programs)
	maps=$(backend_ids sockex1 maps)

	in_ns "$HELPERS/udpsend" 127.0.0.1 9000 3 10
	[ "$(map_u64 "$ROOT/sockex1/maps/proto_stats" 0 17 0 0 0)" -eq 3 ]

	run "$LOADER" unload sockex1 --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	assert_no_backend sockex1
	# The holder is gone, so nothing is left in the namespace.
	[ -z "$(ip netns pids "$NS")" ]
	wait_ids_gone prog $progs
	wait_ids_gone map $maps
}

@test "socket --foreground: the loader holds until SIGTERM, then unloads" {
	netns_create
	# Not through in_ns: $! must be the loader itself, not a subshell.
	nsenter --net="/run/netns/$NS" "$LOADER" load sockex1.o --foreground --pin-root "$ROOT" >"$TMP/out" 2>&1 &
	local pid=$!
	BG_PIDS="$pid"
	wait_until 5 test -e "$ROOT/sockex1/meta"
	[ "$("$LOADER" show sockex1 --pin-root "$ROOT" --json | jq -r '.meta.foreground')" = true ]
	local progs
	progs=$(backend_ids sockex1 programs)
	in_ns "$HELPERS/udpsend" 127.0.0.1 9000 2 10
	[ "$(map_u64 "$ROOT/sockex1/maps/proto_stats" 0 17 0 0 0)" -eq 2 ]
	kill -TERM "$pid"
	wait "$pid"
	assert_no_backend sockex1
	wait_ids_gone prog $progs
}

@test "--foreground unloads its socket backends when stopped; the others stay loaded" {
	netns_create
	# Not through in_ns: $! must be the loader itself, not a subshell.
	nsenter --net="/run/netns/$NS" "$LOADER" load sockex1.o "$TOBJ/t_tracepoint.o" --foreground \
		--pin-root "$ROOT" >"$TMP/out" 2>&1 &
	local pid=$!
	BG_PIDS="$pid"
	# Published in order: the last one there means both are.
	wait_until 5 test -e "$ROOT/t_tracepoint/meta"
	run -0 "$LOADER" show t_tracepoint --pin-root "$ROOT" --json
	[ "$(jq -r '.meta.holder_pid' <<<"$output")" = 0 ]
	kill -TERM "$pid"
	wait "$pid"
	assert_no_backend sockex1
	run -0 "$LOADER" list --json --pin-root "$ROOT"
	[ "$(jq -c '[.backends[] | [.name, .state]]' <<<"$output")" = '[["t_tracepoint","ok"]]' ]
}

@test "kernel objects of shipped tracepoint backends are freed by unload" {
	run "$LOADER" load bitehist.o syscount.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	local progs maps links
	progs="$(backend_ids bitehist programs) $(backend_ids syscount programs)"
	maps="$(backend_ids bitehist maps) $(backend_ids syscount maps)"
	links="$(backend_ids bitehist links) $(backend_ids syscount links)"
	run "$LOADER" unload bitehist syscount --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	wait_ids_gone prog $progs
	wait_ids_gone map $maps
	wait_ids_gone link $links
}
