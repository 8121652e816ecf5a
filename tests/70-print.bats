#!/usr/bin/env bats
# The reader core and ebpf-print. Any pinned map, decoded from BTF,
# with no per-map code in the printer.

bats_require_minimum_version 1.5.0
load lib

# The value of entry KEY of BACKEND/MAP in an `ebpf-print --once --json` document.
entry() { # JSON BACKEND MAP KEY
	jq -c --arg b "$2" --arg m "$3" --argjson k "$4" \
		'.maps[] | select(.backend == $b and .map == $m) | .entries[] | select(.key == $k) | .value' <<<"$1"
}

@test "sockex1: exact UDP and TCP packets and bytes under protocol names; classic agrees" {
	netns_create
	run in_ns "$LOADER" load sockex1.o sockex1_classic.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	# N UDP datagrams of 200 bytes, M TCP RST segments of 50 (never answered).
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 17 200
	in_ns "$HELPERS/tcprst" 127.0.0.1 9 5 50
	run --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" sockex1 sockex1_classic
	[ "$status" -eq 0 ]
	local doc=$output
	# Frame = 14 Ethernet + 20 IPv4 + 8 UDP / 20 TCP + payload.
	[ "$(entry "$doc" sockex1 proto_stats '"udp"')" = "{\"packets\":17,\"bytes\":$((17 * 242))}" ]
	[ "$(entry "$doc" sockex1 proto_stats '"tcp"')" = "{\"packets\":5,\"bytes\":$((5 * 104))}" ]
	# No BTF: the same numbers, by protocol number, as u64 pairs.
	[ "$(entry "$doc" sockex1_classic proto_stats 17)" = "[17,$((17 * 242))]" ]
	[ "$(entry "$doc" sockex1_classic proto_stats 6)" = "[5,$((5 * 104))]" ]
	jq -e '.maps[] | select(.backend == "sockex1_classic") | .btf == false and (.entries[0].key_hex | length) == 8' <<<"$doc"
	# The text output names the protocols too.
	run "$PRINT" --once --pin-root "$ROOT" sockex1/proto_stats
	[ "$status" -eq 0 ]
	[[ "$output" == *"udp"*"17"*"$((17 * 242))"* ]]
}

@test "bitehist: direct 4 KiB I/O on a loop device fills the 4096-8191 bucket; histogram drawn" {
	require_loop_devices
	run "$LOADER" load bitehist.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	loop_create 8
	dd if=/dev/zero of="$LOOPDEV" bs=4096 count=64 oflag=direct status=none
	dd if="$LOOPDEV" of=/dev/null bs=4096 count=64 iflag=direct status=none
	run "$PRINT" --once --json --pin-root "$ROOT" bitehist
	[ "$status" -eq 0 ]
	echo "$output" | jq -c '.maps[0].entries[0].value'
	# Bucket 13 counts [4096, 8191]: at least the 128 I/Os we issued.
	[ "$(jq '.maps[0].entries[0].value.buckets[13]' <<<"$output")" -ge 128 ]
	[ "$(jq '.maps[0].kind' <<<"$output")" = '"log2_histogram"' ]
	[ "$(jq '.maps[0].entries[0].value.sum' <<<"$output")" -ge $((128 * 4096)) ]
	run "$PRINT" --once --pin-root "$ROOT" bitehist
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$output" == *"4096 -> 8191"*"|****************************************|"* ]]
	[[ "$output" == *"bytes"*": count"*"distribution"* ]]
}

@test "syscount: K getppid() calls appear under the caller's pid and comm" {
	require_host_pidns
	run "$LOADER" load syscount.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	local pid
	pid=$("$HELPERS/trigger" getppid 5000 | sed -n 's/^pid=//p')
	run --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" syscount
	[ "$status" -eq 0 ]
	local n
	n=$(jq --argjson p "$pid" '.maps[0].entries[] | select(.key.pid == $p and .key.comm == "trigger") | .value' <<<"$output")
	echo "pid=$pid count=$n"
	[ "$n" -ge 5000 ]
	run -0 "$PRINT" --once --top 3 --pin-root "$ROOT" syscount
	[[ "$output" == *"(top 3 of "* ]]
}

@test "three ebpf-print processes and bpftool read the same maps and agree" {
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o --pin-root "$ROOT"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 9 99
	local i
	for i in 1 2 3; do
		"$PRINT" --once --json --pin-root "$ROOT" sockex1 >"$TMP/p$i" &
	done
	bpftool -j map dump pinned "$ROOT/sockex1/maps/proto_stats" >"$TMP/bpftool" &
	wait
	local want
	want=$(jq -c '.[] | .formatted | {key, packets: ([.values[].value.packets] | add), bytes: ([.values[].value.bytes] | add)}' "$TMP/bpftool")
	echo "bpftool: $want"
	[ "$want" = "{\"key\":\"IP_PROTO_UDP\",\"packets\":9,\"bytes\":$((9 * 141))}" ]
	for i in 1 2 3; do
		[ "$(jq -c '.maps[0].entries[] | {key: ("IP_PROTO_" + (.key | ascii_upcase)), packets: .value.packets, bytes: .value.bytes}' "$TMP/p$i")" = "$want" ]
	done
}

# ebpf-print's output has more than N lines of t_tracepoint's hits map.
hits_printed_more_than() { # N
	[ "$(grep -c 't_tracepoint/hits' "$TMP/out")" -gt "$1" ]
}

@test "unload and reload while printing: it says so, keeps going, exits 0 on SIGTERM" {
	run "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	"$PRINT" --interval 0.2 --pin-root "$ROOT" t_tracepoint >"$TMP/out" 2>"$TMP/err" &
	local pid=$! i
	BG_PIDS=$pid
	# It has printed the backend before it goes.
	wait_until 5 grep -q 't_tracepoint/hits' "$TMP/out"
	"$LOADER" unload t_tracepoint --pin-root "$ROOT"
	wait_until 5 grep -q "left" "$TMP/err"
	"$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	wait_until 5 grep -q "appeared" "$TMP/err"
	"$HELPERS/trigger" getppid 10 >/dev/null
	# ...and prints the new map after the reload (the check below).
	wait_until 5 hits_printed_more_than 2
	kill -0 "$pid"
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	BG_PIDS=""
	cat "$TMP/err"
	[ "$st" -eq 0 ]
	grep -q "backend 't_tracepoint' left" "$TMP/err"
	grep -q "backend 't_tracepoint' appeared" "$TMP/err"
	# It printed the new map after the reload.
	[ "$(grep -c 't_tracepoint/hits' "$TMP/out")" -gt 2 ]
}

@test "a 1M-entry hash map prints with --json --once, exact count, batch reads" {
	"$HELPERS/mkmap" "$ROOT/big/maps/big" hash 1000000
	run --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" big
	[ "$status" -eq 0 ]
	jq -e '.maps[0] | .count == 1000000 and (.entries | length) == 1000000 and .batched == true' <<<"$output"
	# Decoded from the map's BTF: key i holds 3i+1.
	jq -e '[.maps[0].entries[] | select(.key == 999999 or .key == 0)] | map(.value - 3 * .key) | . == [1, 1]' <<<"$output"
}

@test "--per-cpu keeps CPUs apart; the default sums them" {
	"$HELPERS/mkmap" "$ROOT/pc/maps/pc" percpu_hash 10
	local cpus
	cpus=$(nproc --all)
	run --separate-stderr "$PRINT" --once --json --per-cpu --pin-root "$ROOT" pc
	[ "$status" -eq 0 ]
	# Key 2 holds 3*2+1+c on CPU c.
	jq -e --argjson n "$cpus" '.maps[0].entries[] | select(.key == 2) | .values | length == $n and .[0] == 7' <<<"$output"
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" pc
	jq -e --argjson n "$cpus" '.maps[0].entries[] | select(.key == 2) | .value == (7 * $n + ($n * ($n - 1) / 2))' <<<"$output"
}

@test "--delta shows rates between refreshes" {
	# Depends on when the first sample is taken: meaningless at valgrind's pace.
	[ -z "${EBPF_VALGRIND:-}" ] || skip "timing-dependent, not run under valgrind"
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	"$PRINT" --delta --json --interval 1 --count 1 --pin-root "$ROOT" t_tracepoint >"$TMP/out" &
	local pid=$!
	BG_PIDS=$pid
	# The baseline sample is taken once it sleeps towards the next.
	wait_until 5 in_nanosleep "$pid"
	"$HELPERS/trigger" getppid 400 >/dev/null
	wait "$pid"
	BG_PIDS=""
	cat "$TMP/out"
	# 400 calls within about one second: a rate near 400/s.
	jq -e '.interval_s > 0.9 and (.maps[0].entries[0].value * .interval_s | round) >= 400' "$TMP/out"
}

@test "bad input: unknown pin root, unknown selector, invalid interval and count" {
	run --separate-stderr "$PRINT" --once --pin-root /sys/fs/bpf/no-such-root-$$
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-print: pin root /sys/fs/bpf/no-such-root-$$: No such file or directory (nothing loaded? see ebpf-loader load)" ]
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	run --separate-stderr "$PRINT" --once --pin-root "$ROOT" nosuchbackend
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-print: no backend or map matches 'nosuchbackend' under $ROOT" ]
	run --separate-stderr "$PRINT" --once --pin-root "$ROOT" t_tracepoint/nosuchmap
	[ "$status" -eq 1 ]
	local bad
	for bad in 0 -1 abc 1e999 ""; do
		run --separate-stderr "$PRINT" --interval "$bad" --pin-root "$ROOT"
		[ "$status" -eq 2 ]
		[[ "$stderr" == "ebpf-print: invalid --interval '$bad'"* ]]
	done
	for bad in 0 1.5 x; do
		run --separate-stderr "$PRINT" --count "$bad" --pin-root "$ROOT"
		[ "$status" -eq 2 ]
		[[ "$stderr" == "ebpf-print: invalid --count '$bad'"* ]]
	done
	run "$PRINT" --help
	[ "$status" -eq 0 ]
	[[ "$output" == Usage:* ]]
}

@test "a full disk on standard output is said and exits 1; a pipe reader that goes away is exit 0" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	local fmt
	for fmt in --json ""; do
		run --separate-stderr sh -c '"$0" --once $1 --pin-root "$2" >/dev/full' "$PRINT" "$fmt" "$ROOT"
		[ "$status" -eq 1 ]
		[ "$stderr" = "ebpf-print: standard output: No space left on device" ]
	done
	# Refreshing, into a reader that takes one line and goes.
	run --separate-stderr bash -c '"$0" --interval 0.05 --pin-root "$1" | head -n 1 >/dev/null; exit "${PIPESTATUS[0]}"' "$PRINT" "$ROOT"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}
