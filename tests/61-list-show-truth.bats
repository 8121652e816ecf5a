#!/usr/bin/env bats
# list and show check what they report: whether the holder still runs, the
# links are still attached, which network namespace an interface is in, and
# whether an entry under the pin root is a backend at all.

bats_require_minimum_version 1.5.0
load lib

# Load sockex1 in a private network namespace; its holder's pid in HOLDER.
# Not in a $(...) subshell: NS must reach the teardown.
load_sockex1_in_ns() {
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	run -0 "$LOADER" show sockex1 --pin-root "$ROOT" --json
	HOLDER=$(jq -e -r .meta.holder_pid <<<"$output")
}

# Wait (up to 5 s) until PID no longer runs (a zombie counts as gone).
wait_pid_gone() { # PID
	wait_until 5 pid_gone "$1"
}

# What `list --json` says of backend NAME's state.
list_state() { # NAME
	"$LOADER" list --pin-root "$ROOT" --json |
		jq -r --arg n "$1" '.backends[] | select(.name == $n) | .state'
}

list_state_is() { # NAME STATE
	[ "$(list_state "$1")" = "$2" ]
}

# Wait (up to 5 s) until `list --json` says backend NAME is in STATE.
wait_list_state() { # NAME STATE
	wait_until 5 list_state_is "$1" "$2" && return 0
	echo "backend $1 is '$(list_state "$1")', not '$2'" >&2
	return 1
}

# Entries under the pin root that are not backends: a bare directory, a
# map pinned where a backend directory would be, a meta that is not one.
make_non_backends() {
	mkdir -p "$ROOT/bare" "$ROOT/badmeta"
	bpftool map create "$ROOT/mapent" type array key 4 value 4 entries 1 name mapent
	bpftool map create "$ROOT/badmeta/meta" type array key 4 value 480 entries 1 name ebpf_meta
}

@test "a running socket backend is ok and names its holder and network namespace" {
	local holder ino
	load_sockex1_in_ns
	holder=$HOLDER
	ino=$(stat -L -c %i "/run/netns/$NS")
	run -0 "$LOADER" list --pin-root "$ROOT" --json
	jq -e --arg ns "$NS" --argjson ino "$ino" --argjson pid "$holder" '.backends[0] |
		.state == "ok" and .holder_pid == $pid and .holder_state == "running" and
		.attach[0].state == "attached" and .attach[0].target == "lo" and
		.attach[0].netns_ino == $ino and .attach[0].netns == $ns' <<<"$output"
	run -0 "$LOADER" list --pin-root "$ROOT"
	[[ "${lines[1]}" =~ ^sockex1\ +ok\ .*\ $holder\ .*socket:lo@$NS$ ]]
	run -0 "$LOADER" show sockex1 --pin-root "$ROOT"
	[[ "$output" == *"state ok"* ]]
	[[ "$output" == *"holder pid $holder running"* ]]
	[[ "$output" == *"socket:lo netns $NS (net:[$ino]) attached"* ]]
	run -0 "$LOADER" show sockex1 --pin-root "$ROOT" --json
	jq -e --argjson ino "$ino" '.state == "ok" and .programs[0].attach.state == "attached" and
		.programs[0].attach.netns_ino == $ino' <<<"$output"
}

@test "list and show call a backend detached once its socket holder is killed" {
	local holder
	load_sockex1_in_ns
	holder=$HOLDER
	kill -9 "$holder"
	wait_pid_gone "$holder"
	run -0 "$LOADER" list --pin-root "$ROOT" --json
	jq -e --argjson pid "$holder" '.backends[0] | .state == "detached" and
		.holder_pid == $pid and .holder_state == "stale" and
		.attach[0].state == "detached" and .attach[0].reason == "holder not running"' <<<"$output"
	run -0 "$LOADER" list --pin-root "$ROOT"
	[[ "${lines[1]}" =~ ^sockex1\ +detached\ .*\ $holder\(stale\)\ .*socket:lo@$NS\(detached\)$ ]]
	run -0 "$LOADER" show sockex1 --pin-root "$ROOT"
	[[ "$output" == *"state detached"* ]]
	[[ "$output" == *"holder pid $holder stale: not running"* ]]
	[[ "$output" == *"socket:lo netns $NS "*"detached: holder not running"* ]]
	run -0 "$LOADER" show sockex1 --pin-root "$ROOT" --json
	jq -e '.state == "detached" and .meta.holder_state == "stale"' <<<"$output"
}

@test "a backend whose link pin was removed is detached" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	run -0 "$LOADER" list --pin-root "$ROOT" --json
	jq -e '.backends[0].state == "ok" and .backends[0].attach[0].state == "attached"' <<<"$output"
	rm "$ROOT"/t_tracepoint/links/*
	run -0 "$LOADER" list --pin-root "$ROOT" --json
	jq -e '.backends[0] | .state == "detached" and .attach[0].state == "detached" and
		.attach[0].reason == "link pin missing"' <<<"$output"
	run -0 "$LOADER" show t_tracepoint --pin-root "$ROOT"
	[[ "$output" == *"detached: link pin missing"* ]]
}

@test "an XDP backend is detached once its network namespace is gone" {
	netns_create
	run -0 in_ns "$LOADER" load "$TOBJ/t_xdp.o" --iface lo --pin-root "$ROOT"
	wait_list_state t_xdp ok
	ip netns del "$NS"
	# The kernel tears the namespace down asynchronously.
	wait_list_state t_xdp detached
	run -0 "$LOADER" list --pin-root "$ROOT" --json
	jq -e '.backends[0].attach[0] | .kind == "xdp" and .reason == "interface gone"' <<<"$output"
}

@test "show of an entry that is not a backend fails and prints no record" {
	make_non_backends
	local name
	for name in bare mapent badmeta; do
		run -1 --separate-stderr "$LOADER" show "$name" --pin-root "$ROOT"
		[ -z "$output" ]
		[[ "$stderr" == "ebpf-loader: $ROOT/$name: not a backend: "* ]]
	done
	run -1 --separate-stderr "$LOADER" show bare --pin-root "$ROOT"
	[ "$stderr" = "ebpf-loader: $ROOT/bare: not a backend: no meta record" ]
	run -1 --separate-stderr "$LOADER" show mapent --pin-root "$ROOT"
	[ "$stderr" = "ebpf-loader: $ROOT/mapent: not a backend: not a directory" ]
	run -1 --separate-stderr "$LOADER" show badmeta --pin-root "$ROOT" --json
	jq -e 'keys == ["error"] and (.error | endswith("badmeta: not a backend: meta record is not an ebpf_meta record"))' <<<"$output"
}

@test "list marks entries that are not backends as broken, with no load time" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	make_non_backends
	run -0 "$LOADER" list --pin-root "$ROOT" --json
	jq -e '[.backends[] | {(.name): .state}] | add ==
		{"bare": "broken", "badmeta": "broken", "mapent": "broken", "t_tracepoint": "ok"}' <<<"$output"
	jq -e '[.backends[] | select(.state == "broken") | has("load_time") or has("load_time_ns")] |
		length == 3 and all(. == false)' <<<"$output"
	jq -e '.backends[] | select(.name == "bare") | .reason == "no meta record"' <<<"$output"
	run -0 "$LOADER" list --pin-root "$ROOT"
	[[ "$output" != *1970* ]]
	[[ "$output" =~ $'\n'bare\ +broken\ .*\ no\ meta\ record($'\n'|$) ]]
	[[ "$output" =~ $'\n'mapent\ +broken\ .*\ not\ a\ directory($'\n'|$) ]]
}

@test "a holder in another pid namespace is unknown, not stale" {
	netns_create
	# A loader in a private pid namespace (as in a pod): its holder's pid
	# means nothing here. The namespace's init stays, so the holder lives.
	# The holder sleeps as the workload: the namespace lives until teardown.
	in_ns unshare --pid --fork --kill-child --mount-proc sh -c \
		'"$0" load sockex1.o --pin-root "$1" && echo loaded && exec sleep 1000 # not a wait: the holder, alive until killed' \
		"$LOADER" "$ROOT" >"$TMP/out" 2>&1 &
	BG_PIDS=$!
	# wait_until stretches this for valgrind, where a load takes seconds.
	wait_until 10 last_line_is "$TMP/out" loaded
	run -0 "$LOADER" list --pin-root "$ROOT" --json
	jq -e '.backends[0] | .state == "ok" and .holder_state == "unknown" and
		.attach[0].state == "unknown" and
		.attach[0].reason == "holder in another pid namespace"' <<<"$output"
	run -0 "$LOADER" show sockex1 --pin-root "$ROOT"
	[[ "$output" == *"holder pid "*" unknown: in another pid namespace"* ]]
}

@test "list and show do not wait for the lock a load holds; they skip the clean-up" {
	local pid
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	EBPF_LOADER_TEST_PAUSE=staged "$LOADER" load "$TOBJ/t_rawtp.o" --pin-root "$ROOT" 2>"$TMP/err" &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_until 5 grep -q "test pause at staged" "$TMP/err"
	run -0 timeout "$(scaled_seconds 10)" "$LOADER" list --json --pin-root "$ROOT"
	[ "$(jq -c '[.backends[] | [.name, .state]]' <<<"$output")" = '[["t_tracepoint","ok"]]' ]
	run -0 timeout "$(scaled_seconds 10)" "$LOADER" show t_tracepoint --pin-root "$ROOT"
	[[ "$output" == "backend t_tracepoint ($ROOT/t_tracepoint)"* ]]
	# The paused load's staging tree is a live loader's: left alone.
	[ -n "$(ls "$ROOT/staging")" ]
}

@test "an object path too long for meta keeps its end, the file name, after '...'" {
	local dir=$TMP/$(printf 'd%.0s' $(seq 100))/$(printf 'e%.0s' $(seq 100))/$(printf 'f%.0s' $(seq 60))
	mkdir -p "$dir"
	cp "$TOBJ/t_tracepoint.o" "$dir/"
	run -0 "$LOADER" load "$dir/t_tracepoint.o" --pin-root "$ROOT"
	run -0 "$LOADER" show t_tracepoint --pin-root "$ROOT" --json
	local obj
	obj=$(jq -r .meta.object <<<"$output")
	[ "${#obj}" -eq 255 ]
	[[ "$obj" == ...*"/t_tracepoint.o" ]]
	[[ "$dir/t_tracepoint.o" == *"${obj#...}" ]]
}
