#!/usr/bin/env bats
# sockex1, modern and classic, in a private network
# namespace: N UDP packets of known size over lo are exactly N packets and
# the exact byte total in the UDP slot, read with bpftool from the pin.

bats_require_minimum_version 1.5.0
load lib

# Frame length on lo: 14 (Ethernet header) + 20 (IPv4) + 8 (UDP) + payload.
check_udp_counts() { # OBJECT NAME
	local obj=$1 name=$2 n=25 size=333
	netns_create
	run in_ns "$LOADER" load "$obj" --pin-root "$ROOT"
	echo "$output"
	[ "$status" -eq 0 ]
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 "$n" "$size"
	# key 17 = IPPROTO_UDP; value = { u64 packets; u64 bytes; } per CPU.
	local packets bytes
	packets=$(map_u64 "$ROOT/$name/maps/proto_stats" 0 17 0 0 0)
	bytes=$(map_u64 "$ROOT/$name/maps/proto_stats" 8 17 0 0 0)
	echo "packets=$packets bytes=$bytes"
	[ "$packets" -eq "$n" ]
	[ "$bytes" -eq $((n * (size + 42))) ]
}

@test "sockex1 (BTF) counts exact UDP packets and bytes" {
	check_udp_counts sockex1.o sockex1
	# The map is self-describing: bpftool decodes the key by enum name.
	bpftool -j map dump pinned "$ROOT/sockex1/maps/proto_stats" |
		jq -e '.[] | select(.formatted.key == "IP_PROTO_UDP")'
}

@test "sockex1_classic (bpf_map_def, no BTF) counts the same" {
	check_udp_counts sockex1_classic.o sockex1_classic
	run -0 "$LOADER" show sockex1_classic --pin-root "$ROOT" --json
	[ "$(jq -r .meta.classic <<<"$output")" = true ]
	[ "$(jq -r '.maps[0].btf' <<<"$output")" = false ]
}

@test "sockex1 modern and classic side by side agree" {
	netns_create
	run in_ns "$LOADER" load sockex1.o sockex1_classic.o --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 7 1000
	local a b
	a=$(map_u64 "$ROOT/sockex1/maps/proto_stats" 8 17 0 0 0)
	b=$(map_u64 "$ROOT/sockex1_classic/maps/proto_stats" 8 17 0 0 0)
	[ "$a" -eq $((7 * 1042)) ]
	[ "$a" -eq "$b" ]
}
