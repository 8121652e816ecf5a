#!/usr/bin/env bats
# Backends count every event while other processes read big maps. A map
# syscall raises the per-CPU bpf_prog_active for its duration, and a classic
# tracepoint program is skipped on a CPU where it is raised, as when an
# interrupt lands inside such a syscall: each test makes its events while
# two processes (one per CPU of a 2-CPU machine) read a 1M-entry hash in a
# loop, and expects every one of them counted.

bats_require_minimum_version 1.5.0
load lib

PRINT=$BUILD/ebpf-print
LOAD_PIDS=""

# Read the whole of MAP with batchfloor, again and again; on SIGTERM stop
# the read in progress too, so that nothing outlives the loop.
map_read_loop() { # MAP OUT
	local child=""
	trap '[ -z "$child" ] || kill -9 "$child" 2>/dev/null; exit 0' TERM
	while :; do
		"$BUILD/bench/helpers/batchfloor" "$1" >>"$2" &
		child=$!
		wait "$child" || exit 1
	done
}

# One full read done by each loop.
map_loops_reading() {
	local i
	for i in 1 2; do [ -s "$TMP/load.$i" ] || return 1; done
}

# Two loops of map syscalls over a 1M-entry hash, both CPUs busy in them.
map_load_start() {
	run -0 "$HELPERS/mkmap" "$ROOT/load/maps/big" hash 1000000
	local i
	for i in 1 2; do
		map_read_loop "$ROOT/load/maps/big" "$TMP/load.$i" &
		LOAD_PIDS="$LOAD_PIDS $!"
		BG_PIDS="$BG_PIDS $!"
	done
	wait_until 20 map_loops_reading
}

map_load_stop() {
	local p
	for p in $LOAD_PIDS; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	LOAD_PIDS=""
	rm -f "$ROOT/load/maps/big"
}

teardown() {
	map_load_stop
	common_teardown
}

# bitehist's count of I/Os of SIZE bytes (its log2 bucket), over all CPUs.
bitehist_bucket() { # SIZE
	"$PRINT" --once --json --pin-root "$ROOT" bitehist/io_size |
		jq --argjson b "$(awk -v s="$1" 'BEGIN { b = 0; while (s > 1) { s /= 2; b++ } print b + 1 }')" \
			'.maps[0].entries[0].value.buckets[$b]'
}

# A loop device over a 64 MiB file of data (no holes) in $TMP, in direct
# I/O mode: each read of it is a read of the disk under $TMP, completed in
# that disk's interrupt, the context that lands inside map syscalls.
# Sets LOOPDEV (teardown detaches it); skips where direct I/O is refused.
dio_loop_create() {
	require_loop_devices
	run -0 dd if=/dev/zero of="$TMP/dio.img" bs=1M count=64 conv=fsync status=none
	LOOPDEV=$(losetup -f --show --direct-io=on "$TMP/dio.img")
	[ "$(cat "/sys/block/${LOOPDEV#/dev/}/loop/dio")" = 1 ] ||
		skip "no direct I/O for a loop device over $TMP"
}

@test "bitehist counts every completed I/O while two processes read a big map in a loop" {
	dio_loop_create
	run -0 loader load "$BPFOBJ/bitehist.o"
	map_load_start
	# 32 KiB: a bucket of its own, that little else on the machine fills.
	local n=2000 c0 c1
	c0=$(bitehist_bucket 32768)
	run -0 dd if="$LOOPDEV" of=/dev/null bs=32768 count="$n" iflag=direct status=none
	c1=$(bitehist_bucket 32768)
	# Each read completes twice: on the loop device and on the disk under it.
	echo "32 KiB I/Os counted: $((c1 - c0)) of $((2 * n))"
	[ $((c1 - c0)) -ge $((2 * n)) ]
}
