#!/usr/bin/env bats
# What the backends' cheaper bookkeeping must not change: every event
# counted once, however many are in flight at once.

bats_require_minimum_version 1.5.0
load lib

# Direct writes biolatency has counted on the test's loop device (print).
bio_writes_counted() {
	"$PRINT" --once --json --pin-root "$ROOT" biolatency/io_latency |
		jq --arg d "${LOOPDEV#/dev/}" \
			'[.maps[0].entries[] | select(.key.disk == $d and .key.op == "write") | .value.buckets | add] | add // 0'
}

@test "biolatency: direct writes from parallel writers, several in flight at once, are each counted once" {
	loop_create 8
	run -0 loader load "$BPFOBJ/biolatency.o"
	local w0 i p writers=8 per=64 pids=()
	run -0 bio_writes_counted
	w0=$output
	# Each writer on its own 256 KiB of the device, all at once: requests
	# of different writers are in flight together, issued and completed
	# on both CPUs, each in a slot of its own or (when two collide) in the
	# hash map. A block apart: adjacent writes of two writers queued at
	# once could be merged into one request, counted once.
	for ((i = 0; i < writers; i++)); do
		dd if=/dev/zero of="$LOOPDEV" bs=4096 count="$per" seek=$((i * (per + 1))) \
			oflag=direct status=none &
		BG_PIDS="$BG_PIDS $!"
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
	done
	run -0 bio_writes_counted
	echo "writes counted: $output, before: $w0"
	[ "$output" = $((w0 + writers * per)) ]
}
