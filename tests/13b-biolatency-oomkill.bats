#!/usr/bin/env bats
# The biolatency and oomkill backends: exact counts of I/Os and OOM kills
# the tests make themselves, in every reader.

bats_require_minimum_version 1.5.0
load lib

# --- biolatency --------------------------------------------------------------

# How many I/Os of OP the loop device of this test has in its histogram,
# as each reader shows it (0 when it has no histogram yet).
bio_print_count() { # OP
	"$PRINT" --once --json --pin-root "$ROOT" biolatency/io_latency |
		jq --arg d "${LOOPDEV#/dev/}" --arg op "$1" \
			'[.maps[0].entries[] | select(.key.disk == $d and .key.op == $op) | .value.buckets | add] | add // 0'
}
# The sum of their latencies, in microseconds as stored.
bio_print_sum() { # OP
	"$PRINT" --once --json --pin-root "$ROOT" biolatency/io_latency |
		jq --arg d "${LOOPDEV#/dev/}" --arg op "$1" \
			'[.maps[0].entries[] | select(.key.disk == $d and .key.op == $op) | .value.sum] | add // 0'
}
bio_exporter_count() { # OP
	scrape | awk -v l="{disk=\"${LOOPDEV#/dev/}\",op=\"$1\"}" \
		'BEGIN { n = 0 } $1 == "ebpf_biolatency_io_latency_seconds_count" l { n = $2 } END { print n }'
}
bio_stream_count() { # OP
	timeout 10 "$STREAM" --once --pin-root "$ROOT" biolatency/io_latency | "$STREAM" --decode |
		jq -n --arg d "${LOOPDEV#/dev/}" --arg op "$1" \
			'[inputs | .snapshot // empty | .entries[]
			  | select(.key[0].decoded[0] == $d and .key[1].decoded[0] == $op)
			  | .value[] | select(.name == "buckets") | .values[].u // 0] | add // 0'
}

# Each reader shows N I/Os of OP on the test's loop device.
bio_counts_are() { # OP N
	run -0 bio_print_count "$1"
	echo "print $1: $output"
	[ "$output" = "$2" ]
	run -0 bio_exporter_count "$1"
	echo "exporter $1: $output"
	[ "$output" = "$2" ]
	run -0 bio_stream_count "$1"
	echo "stream $1: $output"
	[ "$output" = "$2" ]
}

@test "biolatency: N direct reads and M direct writes on a loop device count exactly N and M under its name, in print, exporter and stream" {
	loop_create 8
	run -0 loader load "$BPFOBJ/biolatency.o"
	exporter_start biolatency
	# Whatever reached the new device before (nothing, unless something
	# probed it): the counts below are on top of it.
	local r0 w0 n=37 m=23
	r0=$(bio_print_count read)
	w0=$(bio_print_count write)
	local t0 t1 s0
	s0=$(bio_print_sum read)
	t0=$(date +%s%N)
	run -0 dd if="$LOOPDEV" of=/dev/null bs=4096 count="$n" iflag=direct status=none
	t1=$(date +%s%N)
	run -0 dd if=/dev/zero of="$LOOPDEV" bs=4096 count="$m" oflag=direct conv=notrunc status=none
	bio_counts_are read $((r0 + n))
	bio_counts_are write $((w0 + m))
	# The reads took time, and no more than dd took for all of them (us).
	run -0 bio_print_sum read
	echo "read latency sum: $((output - s0)) us of $(((t1 - t0) / 1000)) us"
	[ "$((output - s0))" -gt 0 ]
	[ "$((output - s0))" -le "$(((t1 - t0) / 1000))" ]
	# Text: one histogram per disk and operation, in seconds.
	run -0 "$PRINT" --once --pin-root "$ROOT" biolatency
	echo "$output"
	[[ "$output" == *"disk=${LOOPDEV#/dev/} op=read"*"count $((r0 + n)), sum "*" seconds"* ]]
	run -0 promtool check metrics < <(scrape)
}

# Each reader shows at least N I/Os of OP on the test's loop device.
bio_counts_at_least() { # OP N
	local reader
	for reader in print exporter stream; do
		run -0 "bio_${reader}_count" "$1"
		echo "$reader $1: $output"
		[ "$output" -ge "$2" ]
	done
}

@test "biolatency: a discard and a flush on a loop device show as ops discard and flush in every reader" {
	command -v blkdiscard >/dev/null || skip "blkdiscard (util-linux) not installed"
	loop_create 8
	run -0 loader load "$BPFOBJ/biolatency.o"
	exporter_start biolatency
	run -0 bio_print_count discard
	[ "$output" = 0 ]
	run -0 bio_print_count flush
	[ "$output" = 0 ]
	# -f: no probing for signatures first (reads we do not need).
	run -0 blkdiscard -f -o 0 -l 1048576 "$LOOPDEV"
	# fsync() of a block device sends the device a cache flush.
	run -0 dd if=/dev/zero of="$LOOPDEV" bs=4096 count=1 oflag=direct conv=notrunc,fsync status=none
	bio_counts_at_least discard 1
	bio_counts_at_least flush 1
}

@test "biolatency: the start map is hidden in every reader, the histogram in seconds" {
	run -0 loader load "$BPFOBJ/biolatency.o"
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" biolatency
	run -0 jq -c '[.maps[] | .map]' <<<"$output"
	[ "$output" = '["io_latency"]' ]
	run -0 --separate-stderr "$PRINT" --once --json --all --pin-root "$ROOT" biolatency
	run -0 jq -c '[.maps[] | select(.map == "rq_start") | .hidden]' <<<"$output"
	[ "$output" = '[true]' ]
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" biolatency
	run -0 jq -c '.maps[0] | [.kind, .unit, .scale]' <<<"$output"
	[ "$output" = '["log2_histogram","seconds",1e-06]' ]
	exporter_start biolatency
	run -0 scrape
	[[ "$output" == *"# TYPE ebpf_biolatency_io_latency_seconds histogram"* ]]
	[[ "$output" != *rq_start* ]]
	run -0 bash -c "timeout 10 '$STREAM' --once --pin-root '$ROOT' biolatency | '$STREAM' --decode"
	run -0 jq -c 'select(.describe) | [.describe.maps[] | {map, hidden: (.hidden // false)}] | sort_by(.map)' <<<"$output"
	echo "$output"
	[[ "$output" == *'{"map":"io_latency","hidden":false}'* ]]
	[[ "$output" == *'{"map":"rq_start","hidden":true}'* ]]
}

# --- oomkill -----------------------------------------------------------------

oom_kills_print() {
	"$PRINT" --once --json --pin-root "$ROOT" oomkill/oom_stats |
		jq '[.maps[0].entries[].value.kills] | add // 0'
}

@test "oomkill: a process OOM-killed in a memory-limited cgroup gives one record with its pid and comm, and the kill counter +1 in print and exporter" {
	require_host_pidns
	run -0 loader load "$BPFOBJ/oomkill.o"
	oom_cgroup_create 8
	exporter_start oomkill
	local k0 vpid st=0 id
	k0=$(oom_kills_print)
	id=$(bpftool -j map show pinned "$ROOT/oomkill/maps/oom_events" | jq .id)
	"$STREAM" --events --pin-root "$ROOT" --output "$TMP/cap" 2>"$TMP/stream.err" &
	local spid=$!
	BG_PIDS="$BG_PIDS $spid"
	wait_until 5 oom_ringbuf_consumed "$id"
	# Alone in the cgroup, it allocates up to 256 MiB against an 8 MiB limit.
	"$HELPERS/oomvictim" "$CGROUP/cgroup.procs" 256 2>"$TMP/victim.err" &
	vpid=$!
	wait "$vpid" || st=$?
	cat "$TMP/victim.err"
	[ "$st" -eq 137 ]
	wait_until 5 has_oom_record_of "$TMP/cap" "$vpid"
	kill -TERM "$spid"
	wait "$spid"
	run -0 oom_records_of "$TMP/cap" "$vpid"
	echo "$output"
	[ "$(wc -l <<<"$output")" -eq 1 ]
	run -0 jq -c '[.comm, .trigger_pid, .anon_rss_kb > 0, .total_vm_kb >= .anon_rss_kb]' <<<"$output"
	[ "$output" = "[\"oomvictim\",$vpid,true,true]" ]
	# The counters: one more kill, nothing dropped.
	run -0 oom_kills_print
	[ "$output" = $((k0 + 1)) ]
	run -0 scrape
	[[ $'\n'$output$'\n' == *$'\n'"ebpf_oomkill_oom_stats_kills_total $((k0 + 1))"$'\n'* ]]
	[[ $'\n'$output$'\n' == *$'\n'"ebpf_oomkill_oom_stats_dropped_total 0"$'\n'* ]]
	run -0 promtool check metrics <<<"$output"
}

