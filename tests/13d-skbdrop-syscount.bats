#!/usr/bin/env bats
# skbdrop (packets the kernel dropped, by reason and protocol) and syscount
# (system calls by process and by syscall) on real events the tests make:
# exact counts of the tests' own events, the same in ebpf-print, the
# exporter and ebpf-stream.

bats_require_minimum_version 1.5.0
load lib

setup() { common_setup; }
teardown() { common_teardown; }

# --- skbdrop ---------------------------------------------------------------

# Send N UDP datagrams to [::1]:PORT in the test's namespace, where nothing
# listens: each one is dropped with reason NO_SOCKET. IPv6, so that the
# refused IPv4 connections other tests make on this host (also NO_SOCKET,
# protocol ip) do not land in the entry we count.
udp6_to_closed_port() { # PORT N
	in_ns "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[2])):
    s.sendto(b"x", ("::1", int(sys.argv[1])))
' "$1" "$2"
}

# The no_socket/ipv6 count as each reader shows it (0 while there is none).
drops_print() {
	"$PRINT" --once --json --pin-root "$ROOT" skbdrop/packets |
		jq -e '[.maps[].entries[] | select(.key.reason == "no_socket" and .key.protocol == "ipv6") | .value] | add // 0'
}
drops_exporter() {
	scrape >"$TMP/m" || return 1
	awk '$1 == "ebpf_skbdrop_packets_total{reason=\"no_socket\",protocol=\"ipv6\"}" { n = $2 } END { print n + 0 }' "$TMP/m"
}
drops_stream() {
	timeout "$(scaled_seconds 10)" "$STREAM" --once --pin-root "$ROOT" skbdrop >"$TMP/frames" &&
		"$STREAM" --decode <"$TMP/frames" |
		jq -se '[.[] | .snapshot // empty | select(.map == "packets") | .entries[]
			| select(.key[0].decoded[0] == "no_socket" and .key[1].decoded[0] == "ipv6")
			| .value[0].values[0].u | tonumber] | add // 0'
}

# All three, on one line: "print exporter stream".
drops_all() {
	local p e s
	p=$(drops_print) && e=$(drops_exporter) && s=$(drops_stream) || return 1
	echo "$p $e $s"
}

# The kernel frees the datagram in the softirq of its delivery, which may
# run after sendto() returned: wait until print shows at least TARGET.
drops_reach() { # TARGET
	local n
	n=$(drops_print) && [ "$n" -ge "$1" ]
}

@test "skbdrop: N datagrams to a closed UDP port count exactly N under reason no_socket in print, exporter and stream" {
	run -0 loader load "$BPFOBJ/skbdrop.o"
	netns_create
	exporter_start skbdrop
	local n=37 port try before after d p e s
	port=$(test_port)
	# Tracepoints are global: another namespace's IPv6 NO_SOCKET drop
	# between the two readings would show too. A quiet host gives +N at
	# the first try; a wrong count is wrong at every try.
	for try in 1 2 3; do
		before=$(drops_all)
		run -0 udp6_to_closed_port "$port" "$n"
		wait_until 5 drops_reach $(( ${before%% *} + n ))
		after=$(drops_all)
		read -r p e s <<<"$before"
		read -r -a d <<<"$after"
		d=($((d[0] - p)) $((d[1] - e)) $((d[2] - s)))
		echo "try $try: before $before, after $after, deltas ${d[*]}"
		[ "${d[*]}" = "$n $n $n" ] && break
	done
	[ "${d[0]}" -eq "$n" ]
	[ "${d[1]}" -eq "$n" ]
	[ "${d[2]}" -eq "$n" ]
}

@test "skbdrop: reasons are the running kernel's names, protocols ours; the exporter's text passes promtool" {
	run -0 loader load "$BPFOBJ/skbdrop.o"
	netns_create
	run -0 udp6_to_closed_port "$(test_port)" 3
	wait_until 5 drops_reach 3
	# The object carries no copy of enum skb_drop_reason (its values change
	# between kernels): the reader takes the kernel's.
	run -0 bpftool btf dump file "$BPFOBJ/skbdrop.o"
	[[ "$output" != *"ENUM 'skb_drop_reason'"* ]]
	[[ "$output" == *"ENUM 'skbdrop_proto'"* ]]
	run -0 --separate-stderr "$PRINT" --once --pin-root "$ROOT" skbdrop
	echo "$output"
	[[ "$output" =~ no_socket\ +ipv6\ +[0-9]+ ]]
	exporter_start skbdrop
	scrape >"$TMP/m"
	run -0 grep -E '^ebpf_skbdrop_packets_total\{reason="no_socket",protocol="ipv6"\} [0-9]+$' "$TMP/m"
	run promtool check metrics <"$TMP/m"
	echo "$output"
	[ "$status" -eq 0 ]
}

# --- syscount --------------------------------------------------------------

# The syscalls entry of PID and COMM in an `ebpf-print --once --json` document.
syscount_entry() { # JSON PID COMM
	jq -e --argjson p "$2" --arg c "$3" \
		'[.maps[] | select(.map == "syscalls") | .entries[] | select(.key.pid == $p and .key.comm == $c) | .value] | add' <<<"$1"
}

@test "syscount: after a storm of 50000 short-lived processes, a new process's 10000 getppid() calls are counted exactly, in bounded series" {
	require_host_pidns
	run -0 loader load "$BPFOBJ/syscount.o"
	run -0 "$HELPERS/forkstorm" 50000

	# The storm filled the per-process map: what follows is counted only if
	# it makes room for newcomers.
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" syscount/syscalls
	run -0 jq -e '.maps[0] | .count * 10 >= .max_entries * 9' <<<"$output"

	# A thread named $name makes 10000 getppid() and no other syscall
	# (tests/helpers/sysexact.c), so its entry is exact whatever else runs.
	local name=sx$$ pid
	run -0 "$HELPERS/sysexact" "$name" 10000
	pid=${output#pid=}

	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" syscount
	run -0 syscount_entry "$output" "$pid" "$name"
	[ "$output" = 10000 ]

	exporter_start syscount
	scrape >"$TMP/m"
	run -0 grep -c "^ebpf_syscount_syscalls_total{pid=\"$pid\",comm=\"$name\"} 10000$" "$TMP/m"
	[ "$output" = 1 ]
	# Series stay under --max-series (10000 by default): nothing is left
	# out, so the shipped EbpfExporterSeriesDropped alert cannot fire.
	run -0 grep -c '^ebpf_syscount_syscalls_total{' "$TMP/m"
	[ "$output" -le 10000 ]
	run -0 grep -c '^ebpf_exporter_series_dropped_total{backend="syscount",map="[a-z_]*"} 0$' "$TMP/m"
	[ "$output" = 2 ]
	# By syscall, by name: getppid made at least our 10000.
	run -0 awk '$1 == "ebpf_syscount_syscalls_by_nr_total{syscall=\"getppid\"}" { print $2 }' "$TMP/m"
	[ "$output" -ge 10000 ]

	run -0 --separate-stderr sh -c 'timeout "$1" "$2" --once --pin-root "$3" syscount | "$2" --decode' \
		_ "$(scaled_seconds 10)" "$STREAM" "$ROOT"
	run -0 jq -se --argjson p "$pid" --arg c "$name" \
		'[.[] | .snapshot // empty | select(.map == "syscalls") | .entries[]
		  | select((.key[0].values[0].u | tonumber) == $p and .key[1].values[0].s == $c)
		  | .value[0].values[0].u | tonumber] == [10000]' <<<"$output"
}

@test "syscount: calls by syscall are shown by name in print, exporter and stream" {
	run -0 loader load "$BPFOBJ/syscount.o"
	run -0 "$HELPERS/sysexact" "sy$$" 3000
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" syscount/syscalls_by_nr
	run -0 jq -e '.maps[0] | .label == "syscall" and ([.entries[] | select(.key == "getppid") | .value] | add >= 3000)' <<<"$output"
	run -0 --separate-stderr "$PRINT" --once --pin-root "$ROOT" syscount/syscalls_by_nr
	[[ "$output" =~ getppid\ +[0-9]+ ]]
	exporter_start syscount
	scrape >"$TMP/m"
	run -0 grep -E '^ebpf_syscount_syscalls_by_nr_total\{syscall="getppid"\} [0-9]+$' "$TMP/m"
	run -0 --separate-stderr sh -c 'timeout "$1" "$2" --once --pin-root "$3" syscount/syscalls_by_nr | "$2" --decode' \
		_ "$(scaled_seconds 10)" "$STREAM" "$ROOT"
	run -0 jq -se '[.[] | .snapshot // empty | .entries[] | select(.key[0].decoded[0] == "getppid")] | length == 1' <<<"$output"
}
