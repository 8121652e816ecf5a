#!/usr/bin/env bats
# What the readers make of the values they decode: strings escaped one
# injective way in every reader, arrays printed whole and exact, and
# --max-series counting series.

bats_require_minimum_version 1.5.0
load lib

# A process that names itself each of NAMES in turn (bytes, Python escapes
# allowed: "dup\\nx"), making syscalls under each, and leaves its pid in
# $TMP/pid. comm is set by writing /proc/self/comm (as prctl(PR_SET_NAME)
# would), in one write: a shell's printf would write at each newline.
rename_each() { # NAMES...
	"$PY" -c '
import os, sys
for name in sys.argv[2:]:
    fd = os.open("/proc/self/comm", os.O_WRONLY)
    os.write(fd, name.encode().decode("unicode_escape").encode("latin-1"))
    os.close(fd)
    os.getppid()
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % os.getpid())
' "$TMP/pid" "$@"
}

@test "comms differing only by a newline and a '?' stay two distinct strings in every reader" {
	require_host_pidns
	run -0 "$LOADER" load syscount.o --pin-root "$ROOT"
	# One pid, two comms that the old '?' for unprintable bytes made one.
	run -0 rename_each 'dup\nx' 'dup?x'
	local pid
	pid=$(cat "$TMP/pid")

	# ebpf-print JSON: the decoded string is the escaped text, "\x0a" for
	# the newline (JSON doubles its backslash).
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" syscount
	run -0 jq -r --argjson p "$pid" \
		'[.maps[0].entries[] | select(.key.pid == $p and (.key.comm | startswith("dup"))) | .key.comm] | sort | join("|")' <<<"$output"
	[ "$output" = 'dup?x|dup\x0ax' ]

	# ebpf-print text: the same two strings.
	run -0 --separate-stderr "$PRINT" --once --pin-root "$ROOT" syscount
	run -0 grep -c "^  $pid  *dup\\\\x0ax  " <<<"$output"
	[ "$output" = 1 ]
	run -0 --separate-stderr "$PRINT" --once --pin-root "$ROOT" syscount
	run -0 grep -c "^  $pid  *dup?x  " <<<"$output"
	[ "$output" = 1 ]

	# The exporter: two series, one per comm, that Prometheus accepts.
	exporter_start syscount
	scrape >"$TMP/m"
	run -0 grep "^ebpf_syscount_syscalls_total{pid=\"$pid\",comm=\"dup" "$TMP/m"
	echo "$output"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[*]}" == *'comm="dup\\x0ax"'* ]]
	[[ "${lines[*]}" == *'comm="dup?x"'* ]]
	run -0 sh -c 'sed "s/ [0-9.e+-]*\$//" "$1" | grep -v "^#" | sort | uniq -d' _ "$TMP/m"
	[ -z "$output" ]
	run promtool check metrics <"$TMP/m"
	echo "$output"
	[ "$status" -eq 0 ]

	# ebpf-stream, read back with --decode: the same two strings.
	run -0 --separate-stderr sh -c 'timeout 10 "$1" --once --pin-root "$2" syscount | "$1" --decode' \
		_ "$STREAM" "$ROOT"
	[[ "$output" == *'"dup\\x0ax"'* ]]
	[[ "$output" == *'"dup?x"'* ]]
}

@test "a backslash in a comm is doubled, so it cannot pose as an escape" {
	require_host_pidns
	run -0 "$LOADER" load syscount.o --pin-root "$ROOT"
	# A literal backslash-x-0-a, and a real newline.
	run -0 rename_each 'bs\\x0ay' 'bs\ny'
	local pid
	pid=$(cat "$TMP/pid")
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" syscount
	run -0 jq -r --argjson p "$pid" \
		'[.maps[0].entries[] | select(.key.pid == $p and (.key.comm | startswith("bs"))) | .key.comm] | sort | join("|")' <<<"$output"
	[ "$output" = 'bs\\x0ay|bs\x0ay' ]
}

# The pairs map of t_layouts: u32[2] keys, u64[2] values.
pairs_fill() {
	local pin=$ROOT/t_layouts/maps/pairs
	bpftool map update pinned "$pin" key 1 0 0 0 1 0 0 0 \
		value 5 0 0 0 0 0 0 0 6 0 0 0 0 0 0 0 &&
	bpftool map update pinned "$pin" key 1 0 0 0 2 0 0 0 \
		value 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 7 0 0 0 0 0 0 0 &&
	bpftool map update pinned "$pin" key 3 0 0 0 0 0 0 0 \
		value 0xff 0xff 0xff 0xff 0xff 0xff 0xff 0xff 0 0 0 0 0 0 0 0
}

@test "ebpf-print shows every element of array keys and values, integers exactly" {
	run -0 "$LOADER" load "$TOBJ/t_layouts.o" --pin-root "$ROOT"
	run -0 pairs_fill
	run -0 --separate-stderr "$PRINT" --once --pin-root "$ROOT" t_layouts/pairs
	echo "$output"
	# 0x4141414141414141 = 4702111234474983745, which a double rounds.
	run -0 grep -cE '^  \[1,1\] +\[5,6\]$' <<<"$output"
	run -0 --separate-stderr "$PRINT" --once --pin-root "$ROOT" t_layouts/pairs
	run -0 grep -cE '^  \[1,2\] +\[4702111234474983745,7\]$' <<<"$output"
	run -0 --separate-stderr "$PRINT" --once --pin-root "$ROOT" t_layouts/pairs
	run -0 grep -cE '^  \[3,0\] +\[18446744073709551615,0\]$' <<<"$output"
	# JSON: the same numbers, digit for digit (jq 1.6 would round them).
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" t_layouts/pairs
	[[ "$output" == *'{"key":[1,1],"value":[5,6]}'* ]]
	[[ "$output" == *'{"key":[1,2],"value":[4702111234474983745,7]}'* ]]
	[[ "$output" == *'{"key":[3,0],"value":[18446744073709551615,0]}'* ]]
}

@test "--max-series counts series, not entries, and the dropped series are reported" {
	run -0 "$LOADER" load "$TOBJ/t_layouts.o" --pin-root "$ROOT"
	# wide: 4 entries of 8192 u64 each, 32768 series in all.
	exporter_start --max-series 10000 t_layouts/wide
	scrape >"$TMP/m"
	local kept dropped
	kept=$(grep -c '^ebpf_t_layouts_wide{' "$TMP/m" || true)
	dropped=$(sed -n 's/^ebpf_exporter_series_dropped_total{backend="t_layouts",map="wide"} //p' "$TMP/m")
	echo "kept=$kept dropped=$dropped"
	[ "$kept" -le 10000 ]
	# Whole entries are kept: one here (two would be 16384).
	[ "$kept" -eq 8192 ]
	[ "$dropped" -eq $((32768 - 8192)) ]
	run promtool check metrics <"$TMP/m"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "--max-series below one entry's series exports none of the entry and counts them all" {
	run -0 "$LOADER" load "$TOBJ/t_layouts.o" --pin-root "$ROOT"
	exporter_start --max-series 100 t_layouts/wide
	scrape >"$TMP/m"
	run -1 grep -c '^ebpf_t_layouts_wide{' "$TMP/m"
	[ "$output" = 0 ]
	run -0 grep -c '^ebpf_exporter_series_dropped_total{backend="t_layouts",map="wide"} 32768$' "$TMP/m"
}
