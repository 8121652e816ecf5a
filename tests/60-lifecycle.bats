#!/usr/bin/env bats
# The life cycle around load: list, show, --replace, --group, several objects
# per call, bpffs mounted when missing, --help and --version.

bats_require_minimum_version 1.5.0
load lib

# A test that turns kernel.bpf_stats_enabled on puts the old value back,
# pass or fail: other tests and the machine count with it off.
teardown() {
	if [ -n "${STATS_OLD:-}" ]; then sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"; fi
	common_teardown
}

@test "--help and --version on the binary and each command" {
	run "$LOADER" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: ebpf-loader"* ]]
	run "$LOADER" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^ebpf-loader\ [0-9]+\.[0-9]+ ]]
	local c
	for c in load unload list show; do
		run "$LOADER" "$c" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"Usage: ebpf-loader $c"* ]]
	done
}

@test "several objects in one call; list and show describe them" {
	run "$LOADER" load bitehist.o syscount.o "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	run "$LOADER" list --pin-root "$ROOT" --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.backends[].name] | join(",")' <<<"$output")" = "bitehist,syscount,t_tracepoint" ]
	jq -e '.backends[] | select(.name == "bitehist") | .attach[0].kind == "tp_btf" and .attach[0].target == "block_rq_complete"' <<<"$output"
	jq -e '.backends[] | select(.name == "syscount") | .attach[0].kind == "raw_tp"' <<<"$output"
	# The checksum in meta is the file's.
	[ "$(jq -r '.backends[] | select(.name == "bitehist") | .sha256' <<<"$output")" = "$(sha256sum "$BPFOBJ/bitehist.o" | cut -d' ' -f1)" ]

	run "$LOADER" list --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == NAME* ]]
	[[ "$output" == *"syscount "*"raw_tp:sys_enter"* ]]

	run "$LOADER" show syscount --pin-root "$ROOT" --json
	[ "$status" -eq 0 ]
	jq -e '.programs[0].name == "syscount_sys_enter" and .programs[0].type == "raw_tracepoint" and .programs[0].id > 0' <<<"$output"
	jq -e '.maps[0].name == "syscalls" and .maps[0].type == "lru_percpu_hash" and .maps[0].key_size == 20 and .maps[0].max_entries == 4096 and .maps[0].entries > 0' <<<"$output"
	jq -e '.links[0].prog_id == .programs[0].id' <<<"$output"
}

@test "show reports run counts when kernel.bpf_stats_enabled=1" {
	require_writable_procsys kernel/bpf_stats_enabled
	STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled)
	run "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	sysctl -qw kernel.bpf_stats_enabled=1
	"$HELPERS/trigger" getppid 50 >/dev/null
	run -0 "$LOADER" show t_tracepoint --pin-root "$ROOT" --json
	jq -e '.programs[0].run_cnt >= 50 and .programs[0].run_time_ns > 0' <<<"$output"
}

@test "--replace swaps atomically: the backend is never missing" {
	run "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	local old
	old=$(backend_ids t_tracepoint programs)
	# A watcher checks the tree as fast as it can while we replace.
	(
		while [ ! -e "$TMP/stop" ]; do
			[ -e "$ROOT/t_tracepoint/meta" ] || { echo missing >"$TMP/missing"; break; }
		done
	) &
	BG_PIDS=$!
	local i
	for i in $(seq 10); do
		run "$LOADER" load "$TOBJ/t_tracepoint.o" --replace --pin-root "$ROOT"
		[ "$status" -eq 0 ]
	done
	touch "$TMP/stop"
	wait "$BG_PIDS"
	BG_PIDS=""
	[ ! -e "$TMP/missing" ]
	[ "$(backend_ids t_tracepoint programs)" != "$old" ]
	wait_ids_gone prog $old
	# One program runs, the latest (replaced ones go after an RCU grace period).
	wait_until 5 progs_named_are count_getppid "$(backend_ids t_tracepoint programs)"
}

@test "--replace of an XDP backend takes over the interface" {
	netns_create
	run in_ns "$LOADER" load "$TOBJ/t_xdp.o" --iface lo --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	local old link
	old=$(backend_ids t_xdp programs)
	link=$(backend_ids t_xdp links)
	run in_ns "$LOADER" load "$TOBJ/t_xdp.o" --iface lo --replace --pin-root "$ROOT"
	echo "$output"
	[ "$status" -eq 0 ]
	wait_ids_gone prog $old
	# Same link, new program, and it counts.
	[ "$(backend_ids t_xdp links)" = "$link" ]
	in_ns "$HELPERS/udpsend" 127.0.0.1 9000 4 10
	[ "$(hits t_xdp)" -ge 4 ]
}

@test "a failed --replace of an XDP backend gives its link back to the program it ran" {
	netns_create
	run -0 in_ns "$LOADER" load "$TOBJ/t_xdp.o" --iface lo --pin-root "$ROOT"
	local prog link
	prog=$(backend_ids t_xdp programs)
	link=$(backend_ids t_xdp links)
	# t_xdp is staged first (its link taken over), then t_reject fails.
	run -1 in_ns "$LOADER" load "$TOBJ/t_xdp.o" "$TOBJ/t_reject.o" --iface lo --replace --pin-root "$ROOT"
	# Before, the link ran the new t_xdp, pinned nowhere: "detached".
	run -0 bpftool link show id "$link" --json
	[ "$(jq -r .prog_id <<<"$output")" = "$prog" ]
	run -0 "$LOADER" show t_xdp --pin-root "$ROOT" --json
	jq -e '.state == "ok" and .meta.attach[0].state == "attached"' <<<"$output"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9000 4 10
	[ "$(hits t_xdp)" -ge 4 ]
}

@test "a load that waited for the lock while unload --all removed the root loads into a new one" {
	local p1 p2 p3 rc=0
	# A load holding the lock, an unload --all waiting for it.
	EBPF_LOADER_TEST_PAUSE=staged "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT" 2>"$TMP/err1" &
	p1=$!
	BG_PIDS="$BG_PIDS $p1"
	wait_until 5 grep -q "test pause at staged" "$TMP/err1"
	"$LOADER" unload --all --pin-root "$ROOT" >"$TMP/out2" 2>&1 &
	p2=$!
	BG_PIDS="$BG_PIDS $p2"
	wait_until 5 waits_for_flock "$p2"
	# A load waiting too, its root open; stopped so that the unload is
	# the first to get the lock (waiters race for it otherwise).
	"$LOADER" load "$TOBJ/t_rawtp.o" --pin-root "$ROOT" >"$TMP/out3" 2>&1 &
	p3=$!
	BG_PIDS="$BG_PIDS $p3"
	wait_until 5 waits_for_flock "$p3"
	kill -STOP "$p3"
	kill -9 "$p1"
	wait "$p1" || true # killed
	wait "$p2" || rc=$?
	cat "$TMP/out2"
	[ "$rc" -eq 0 ]
	[ ! -e "$ROOT" ]
	kill -CONT "$p3"
	wait "$p3" || rc=$?
	cat "$TMP/out3"
	[ "$rc" -eq 0 ]
	run -0 "$LOADER" list --json --pin-root "$ROOT"
	[ "$(jq -c '[.backends[] | [.name, .state]]' <<<"$output")" = '[["t_rawtp","ok"]]' ]
}

@test "pins are 0600 by default and 0640 for --group" {
	run "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$ROOT/t_tracepoint/maps/hits")" = 600 ]
	[ "$(stat -c %a "$ROOT/t_tracepoint/meta")" = 600 ]
	[ "$(stat -c %a "$ROOT/t_tracepoint")" = 700 ]
	run -0 "$LOADER" unload --all --pin-root "$ROOT"
	TEST_GROUP=ebpft$BATS_TEST_NUMBER-$$
	groupadd -r "$TEST_GROUP"
	run "$LOADER" load "$TOBJ/t_tracepoint.o" --group "$TEST_GROUP" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a:%G "$ROOT/t_tracepoint/maps/hits")" = "640:$TEST_GROUP" ]
	[ "$(stat -c %a:%G "$ROOT/t_tracepoint/maps")" = "750:$TEST_GROUP" ]
	[ "$(stat -c %a:%G "$ROOT")" = "750:$TEST_GROUP" ]
	run "$LOADER" load "$TOBJ/t_tracepoint.o" --group no-such-group-x --name other --pin-root "$ROOT"
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown group 'no-such-group-x'"* ]]
	# A numeric id, as chown(1) takes it.
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --group "$(getent group "$TEST_GROUP" | cut -d: -f3)" \
		--name numeric --pin-root "$ROOT"
	[ "$(stat -c %a:%G "$ROOT/numeric/maps/hits")" = "640:$TEST_GROUP" ]
	run -1 "$LOADER" load "$TOBJ/t_tracepoint.o" --group 12x --name other --pin-root "$ROOT"
	[[ "$output" == *"unknown group '12x'"* ]]
}

@test "bpffs is mounted at /sys/fs/bpf when it is missing" {
	# In a private mount namespace, so the machine's bpffs is untouched.
	run unshare -m --propagation private sh -c '
		umount /sys/fs/bpf 2>/dev/null
		mountpoint -q /sys/fs/bpf && exit 90
		"$0" load "$1" --pin-root /sys/fs/bpf/mounted-test || exit 91
		stat -f -c %T /sys/fs/bpf
		test -e /sys/fs/bpf/mounted-test/t_tracepoint/meta || exit 92
		"$0" unload --all --pin-root /sys/fs/bpf/mounted-test || exit 93
	' "$LOADER" "$TOBJ/t_tracepoint.o"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *bpf_fs* ]]
	assert_no_prog_named count_getppid
}

@test "a bare object name is found in the build dir" {
	cd "$TMP"
	run "$LOADER" load sockex1.o --pin-root "$ROOT" --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.loaded[0].object' <<<"$output")" = "$BPFOBJ/sockex1.o" ]
	[ "$(jq -r '.loaded[0].name' <<<"$output")" = sockex1 ]
}
