#!/usr/bin/env bats
# Issue 8: the benchmark sections as make bench runs them, once each and
# quickly: their rows are well formed, and they leave nothing behind (no
# pin, program, process or loop device), as make bench promises. Figures
# are not checked: tests never assert timings.

bats_require_minimum_version 1.5.0
load lib

BENCH=$BATS_TEST_DIRNAME/../bench

# Every row: 8 tab-separated fields, a number in VALUE.
rows_ok() { # FILE
	[ -s "$1" ]
	awk -F'\t' 'NF != 8 || $3 !~ /^[0-9.e+-]+$/ { print "bad row: " $0; bad = 1 } END { exit bad }' "$1"
}

state() { # what a section may not leave behind
	bpftool prog show -j | jq -r '.[].id' | sort -n
	ls /sys/fs/bpf
	losetup -a
	local p
	for p in bpftrace syscount bitesize ebpf-exporter ebpf-stream; do
		pgrep -x "$p" || true
	done
}

state_restored() { # the state is what it was before the section
	state >"$TMP/after"
	diff -q "$TMP/before" "$TMP/after" >/dev/null
}

run_section() { # SCRIPT
	state >"$TMP/before"
	run env BUILD="$BUILD" RUNS=1 RESULTS="$TMP/rows" BENCH_ROOT="$ROOT" bash "$BENCH/$1"
	echo "$output" | tail -n 20
	[ "$status" -eq 0 ]
	rows_ok "$TMP/rows"
	# The kernel frees a program a moment after its last reference goes.
	wait_until 3 state_restored || true # diffed below
	diff "$TMP/before" "$TMP/after"
	[ ! -e "$ROOT" ]
}

@test "bench: load time section runs once and leaves nothing behind" {
	run_section 40-load.sh
	# One row per shipped object, bpftool's figure or the reason it has none.
	[ "$(wc -l <"$TMP/rows")" -eq "$(ls "$BPFOBJ"/*.o | wc -l)" ]
	grep -q "sockex1_classic: load + unload.*legacy maps section" "$TMP/rows"
}

@test "bench: footprint section runs once and leaves nothing behind" {
	command -v bpftrace >/dev/null && [ -x /usr/sbin/syscount ] ||
		skip "bpftrace and libbpf-tools not installed (make bench installs them)"
	run_section 50-footprint.sh
	grep -q "all four binaries, stripped" "$TMP/rows"
	grep -q "under systemd (libsystemd loaded)" "$TMP/rows"
}
