#!/usr/bin/env bats
# Decoders named by ebpf:decode tags (docs/tags.md): every reader shows the
# same decoded text, from real events counted by tests/bpf/t_decoders.bpf.c,
# and the raw value whenever a decoder cannot map one.

bats_require_minimum_version 1.5.0
load lib

# The decoders behind readers/core/names.h and sysnames.h are placeholders
# that know no value until their tables and lookups are merged; until then
# each test checks the raw fallback instead of the name.
names_ready() {
	! grep -q '^/\* Placeholder' "$BATS_TEST_DIRNAME/../readers/core/names.c"
}
sysnames_ready() {
	! grep -q '^/\* Placeholder' "$BATS_TEST_DIRNAME/../readers/core/sysnames.c"
}

# Load the test object, then let one process named t_dec, in a private netns
# and a cgroup of this test, make every event it counts.
decoders_events() {
	run -0 loader load "$TOBJ/t_decoders.o"
	netns_create
	NETNS_INO=$(stat -L -c %i "/run/netns/$NS")
	CGROUP=$(cgroup2_root)/ebpf-test-$BATS_TEST_NUMBER-$$
	mkdir "$CGROUP"
	loop_create 8
	DPORT=$(test_port)
	run -0 in_ns "$PY" "$BATS_TEST_DIRNAME/helpers/decoders_drive.py" "$CGROUP" "$DPORT" "$LOOPDEV"
}

# The entries of MAP in an `ebpf-print --once --json` document, compact.
entries() { # JSON MAP
	jq -c --arg m "$2" '.maps[] | select(.backend == "t_decoders" and .map == $m) | .entries[]' <<<"$1"
}

# Key bytes of a little-endian u32/u64, for bpftool.
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
le64() { echo "$(le32 $(($1 & 0xffffffff))) $(le32 $(($1 >> 32 & 0xffffffff)))"; }

@test "inet_ip, port, hex and enum: decoded text in ebpf-print text and JSON" {
	decoders_events
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" t_decoders
	local doc=$output
	# IPv4: the address bytes of the kernel, the port in network order.
	run -0 entries "$doc" conn4
	[[ "$output" == *"{\"key\":{\"netns\":$NETNS_INO,\"saddr\":\"127.0.0.1\",\"daddr\":\"127.0.0.2\",\"raw\":\"7f000002\",\"dport\":\"$DPORT\",\"pad\":0},\"value\":1}"* ]]
	# IPv6 in RFC 5952 text, a v4-mapped address as ::ffff:a.b.c.d.
	run -0 entries "$doc" conn6
	[[ "$output" == *"{\"key\":{\"netns\":$NETNS_INO,\"saddr\":\"::1\",\"daddr\":\"::1\",\"dport\":\"$DPORT\",\"pad\":0},\"value\":1}"* ]]
	[[ "$output" == *"{\"key\":{\"netns\":$NETNS_INO,\"saddr\":\"::ffff:127.0.0.1\",\"daddr\":\"::ffff:127.0.0.2\",\"dport\":\"$DPORT\",\"pad\":0},\"value\":1}"* ]]
	# A kernel enum by name, prefix left out: the refused SYNs had no socket.
	run -0 jq -r --argjson ns "$NETNS_INO" \
		'.maps[] | select(.map == "drops") | .entries[] | select(.key.netns == $ns) | .key.reason' <<<"$doc"
	[[ "$output" == *"drop_reason_no_socket"* ]]
	# The text view shows the same cells.
	run -0 "$PRINT" --once --pin-root "$ROOT" t_decoders/conn4 t_decoders/conn6 t_decoders/drops
	echo "$output"
	[[ "$output" =~ $NETNS_INO\ +127\.0\.0\.1\ +127\.0\.0\.2\ +7f000002\ +$DPORT\ +0\ +1 ]]
	[[ "$output" =~ $NETNS_INO\ +::1\ +::1\ +$DPORT\ +0\ +1 ]]
	[[ "$output" =~ $NETNS_INO\ +::ffff:127\.0\.0\.1\ +::ffff:127\.0\.0\.2\ +$DPORT ]]
	[[ "$output" =~ $NETNS_INO\ +drop_reason_no_socket\  ]]
}

@test "exporter label values are the decoded text; promtool passes" {
	decoders_events
	exporter_start
	scrape >"$TMP/m"
	run -0 promtool check metrics <"$TMP/m"
	run -0 grep -F "{netns=\"$NETNS_INO\",saddr=\"127.0.0.1\",daddr=\"127.0.0.2\",raw=\"7f000002\",dport=\"$DPORT\",pad=\"0\"} 1" "$TMP/m"
	run -0 grep -F "{netns=\"$NETNS_INO\",saddr=\"::1\",daddr=\"::1\",dport=\"$DPORT\",pad=\"0\"} 1" "$TMP/m"
	run -0 grep -F "{netns=\"$NETNS_INO\",saddr=\"::ffff:127.0.0.1\",daddr=\"::ffff:127.0.0.2\",dport=\"$DPORT\",pad=\"0\"} 1" "$TMP/m"
	run -0 grep -E "\{netns=\"$NETNS_INO\",reason=\"drop_reason_no_socket\",location=\"[^\"]+\"\} [0-9]+$" "$TMP/m"
}
